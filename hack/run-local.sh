#!/usr/bin/env bash
# Sets up a fresh Debian machine, builds the webhook and runs it on 127.0.0.1:8443 with
# development certificates and the example ServiceAccounts: no cluster needed.
# Extra arguments are passed to the webhook (e.g. --aws-default-region=eu-west-1).
set -euo pipefail
cd "$(dirname "$0")/.."
bash hack/setup.sh
BUILD_DIR=build-release BUILD_TYPE=Release bash hack/build.sh -DIRSA_BUILD_TESTS=OFF
bash hack/dev-certs.sh .dev-certs
cat <<MSG
irsa-webhook is starting on https://127.0.0.1:8443 (metrics on http://127.0.0.1:9999/metrics).
Try, from another terminal:
  curl --cacert .dev-certs/ca.crt -H 'Content-Type: application/json' \\
    --data @examples/review.json https://127.0.0.1:8443/mutate
MSG
exec build-release/irsa-webhook \
  --bind-address=127.0.0.1 --port=8443 --metrics-port=9999 \
  --tls-cert=.dev-certs/tls.crt --tls-key=.dev-certs/tls.key \
  --service-accounts-file=examples/service-accounts.yaml \
  --watch-container-credentials-config=examples/pod-identity.json \
  --shutdown-drain-delay=0s "$@"
