#!/usr/bin/env bash
# Runs the end-to-end suite against a real kube-apiserver + etcd (built from Go modules on
# first use, cached afterwards). See docs/e2e.md.
set -euo pipefail
cd "$(dirname "$0")/.."
bash hack/setup.sh
if [[ ! -x build/irsa-webhook ]]; then bash hack/build.sh; fi
exec bash test/e2e/run.sh "$PWD/build/irsa-webhook"
