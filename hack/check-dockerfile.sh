#!/usr/bin/env bash
# No container engine runs in CI, so this runs the Dockerfile's build-stage RUN commands
# themselves, unchanged, in a fresh copy of the tree (WORKDIR /src, COPY . .), then checks
# the runtime stage's inputs: the binary runs, and the copied libraries match ldd (the
# check is inside hack/runtime-libs.sh, which the build stage runs).
set -euo pipefail
cd "$(dirname "$0")/.."
[[ $(id -u) -eq 0 ]] || { echo "check-dockerfile: needs root (the build stage writes /src, /build, /runtime)"; exit 1; }
for dir in /src /build /runtime; do
  if [[ -e "$dir" && ! -e "$dir/.irsa-dockerfile-check" ]]; then
    echo "check-dockerfile: $dir exists and is not ours; refusing to overwrite it"; exit 1
  fi
done
cleanup() { rm -rf /src /build /runtime; }
trap cleanup EXIT
cleanup
mkdir -p /src /build /runtime
touch /src/.irsa-dockerfile-check /build/.irsa-dockerfile-check /runtime/.irsa-dockerfile-check
# COPY . . (what .dockerignore would let through: the tracked tree)
git ls-files -z | xargs -0 cp --parents -t /src
# The RUN lines of the first stage, in order, exactly as written.
mapfile -t runs < <(awk '/^FROM /{stage++} stage==1 && /^RUN /{sub(/^RUN /, ""); print}' Dockerfile)
((${#runs[@]} > 0)) || { echo "check-dockerfile: no RUN lines found"; exit 1; }
for command in "${runs[@]}"; do
  echo "check-dockerfile: RUN $command"
  (cd /src && bash -c "$command")
done
/build/irsa-webhook --version
# The runtime stage copies /runtime and the binary; with only those libraries on the
# library path (plus glibc, which the base image has) the binary must start.
LD_LIBRARY_PATH=$(find /runtime -name '*.so*' -printf '%h\n' | sort -u | paste -sd:) /build/irsa-webhook --version >/dev/null
echo "check-dockerfile: build stage reproduced, runtime library list matches ldd"
