#!/usr/bin/env bash
# Runs clang-tidy (.clang-tidy; warnings are errors) over every product source file, using
# the compile commands of ${BUILD_DIR:-build}. The build uses GCC, so clang's thread-safety
# analysis (GUARDED_BY, REQUIRES in include/irsa/concurrency/thread_annotations.h) runs here:
# -Wthread-safety is added and its findings are errors like any other check.
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir="${BUILD_DIR:-build}"
[[ -f "$build_dir/compile_commands.json" ]] || bash hack/build.sh >/dev/null
mapfile -t files < <(git ls-files -co --exclude-standard -- 'src/*.cpp')
failed=0
export build_dir
printf '%s\n' "${files[@]}" | xargs -P "$(nproc)" -I{} sh -c \
  'clang-tidy --quiet --extra-arg=-Wthread-safety -p "$build_dir" "{}" 2>/dev/null | grep -E "(warning|error):" || true' >/tmp/irsa-tidy.$$ 
if [[ -s /tmp/irsa-tidy.$$ ]]; then
  cat /tmp/irsa-tidy.$$; failed=1
fi
rm -f /tmp/irsa-tidy.$$
((failed == 0)) && echo "clang-tidy: ${#files[@]} files clean"
exit $failed
