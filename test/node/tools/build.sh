#!/usr/bin/env bash
# Builds the static test binaries aws-whoami (the Pod workload) and
# aws-emulator (STS + EKS Pod Identity agent) into OUT_DIR.
# Skips the build when the sources, go.mod/go.sum and Go version are
# unchanged since the last build into the same OUT_DIR.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=env.sh
source "$here/env.sh"

if [[ $# -ne 1 ]]; then
  echo "usage: $0 OUT_DIR" >&2
  exit 2
fi
mkdir -p "$1"
out="$(cd "$1" && pwd)"
tools=(aws-whoami aws-emulator)

cd "$here"
stamp_file="$out/.node-tools.stamp"
stamp="$( { go version; find . -name '*.go' -o -name go.mod -o -name go.sum | LC_ALL=C sort | xargs sha256sum; } | sha256sum | cut -d' ' -f1)"
up_to_date=1
for t in "${tools[@]}"; do [[ -x "$out/$t" ]] || up_to_date=0; done
if [[ $up_to_date == 1 && -f "$stamp_file" && "$(cat "$stamp_file")" == "$stamp" ]]; then
  echo "node-tools: ${tools[*]} up to date in $out"
  exit 0
fi

started=$(date +%s)
for t in "${tools[@]}"; do
  # Build to a temp name and rename, so a concurrent reader never sees a
  # half-written binary.
  nice go build -trimpath -ldflags "-s -w" -o "$out/$t.tmp" "./cmd/$t"
  mv "$out/$t.tmp" "$out/$t"
done
echo "$stamp" >"$stamp_file"
echo "node-tools: built ${tools[*]} into $out in $(( $(date +%s) - started ))s"
