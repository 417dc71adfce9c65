#!/usr/bin/env bash
# Vets and tests the node test tools. Every test talks to 127.0.0.1 only
# (httptest servers for the OIDC issuer, STS and the Pod Identity agent).
# Extra arguments go to "go test", e.g. ./test.sh -count=1 -v
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=env.sh
source "$here/env.sh"
cd "$here"
nice go vet ./...
nice go test "$@" ./...
