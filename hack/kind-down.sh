#!/usr/bin/env bash
# Deletes the kind cluster created by hack/kind-up.sh.
set -euo pipefail
command -v kind >/dev/null || { echo "kind-down: kind is not installed"; exit 1; }
kind delete cluster --name "${KIND_CLUSTER:-irsa-webhook}"
