#!/usr/bin/env bash
# kubectl against the node started in WORK_DIR, run inside its network namespace.
# Usage: test/node/kubectl.sh WORK_DIR ARGS...
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
source "$here/env.sh"
work="$(cd "${1:?usage: kubectl.sh WORK_DIR ARGS...}" && pwd)"; shift
exec nsenter --net="/run/netns/$(cat "$work/netns")" "$NODE_BIN/kubectl" --kubeconfig "$work/admin.kubeconfig" "$@"
