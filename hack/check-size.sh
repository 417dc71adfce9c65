#!/usr/bin/env bash
# Checks the size limits of the project's standards and lists every offender:
#   - no C++ file (.h/.cpp) under src/ include/ test/ bench/ over 500 lines;
#   - no function in src/ or include/ over 60 lines (clang-tidy's
#     readability-function-size over the compile commands of ${BUILD_DIR:-build}), except
#     the tables of data named in ALLOWED_FUNCTIONS below.
#   hack/check-size.sh               both checks (clang-tidy: a few minutes)
#   hack/check-size.sh --lines-only  only the file lengths (instant)
set -euo pipefail
cd "$(dirname "$0")/.."
max_file_lines=500
max_function_lines=60

# Functions allowed over the limit because they are tables of data, not logic. One entry
# a line, "path:function", with a comment saying why. Keep this list short.
ALLOWED_FUNCTIONS=(
  # One row per command-line flag (name, kind, help, setter, default): data, not logic.
  "src/config/flags.cpp:flagTable"
)

lines_only=0
[[ "${1:-}" == "--lines-only" ]] && lines_only=1
failed=0

mapfile -t files < <(git ls-files -co --exclude-standard -- \
  'src/*.h' 'src/*.cpp' 'include/*.h' 'test/*.h' 'test/*.cpp' 'bench/*.h' 'bench/*.cpp' | sort -u)
long_files=$(for f in "${files[@]}"; do
  [[ -f "$f" ]] || continue
  n=$(wc -l <"$f")
  ((n > max_file_lines)) && echo "  $f: $n lines"
done || true)
if [[ -n "$long_files" ]]; then
  echo "files over $max_file_lines lines:"
  echo "$long_files"
  failed=1
fi

if ((lines_only == 0)); then
  build_dir="${BUILD_DIR:-build}"
  [[ -f "$build_dir/compile_commands.json" ]] || bash hack/build.sh >/dev/null
  mapfile -t sources < <(git ls-files -co --exclude-standard -- 'src/*.cpp')
  report=$(mktemp /tmp/irsa-size.XXXXXX)
  trap 'rm -f "$report"' EXIT
  config="{Checks: '-*,readability-function-size', CheckOptions: [{key: readability-function-size.LineThreshold, value: $max_function_lines}]}"
  export build_dir config
  # Headers are checked through the sources that include them; an inline function seen
  # by several sources is listed once.
  printf '%s\n' "${sources[@]}" | xargs -P "$(nproc)" -I{} sh -c \
    'clang-tidy --quiet -p "$build_dir" --config="$config" --header-filter=".*/(src|include)/.*" "{}" 2>/dev/null || true' |
    awk -v root="$PWD/" '
      match($0, /: warning: function .* exceeds recommended size/) {
        split($0, at, ":"); file = at[1]; sub(root, "", file)
        name = $0; sub(/^[^\x27]*\x27/, "", name); sub(/\x27.*$/, "", name)
        entry = file ":" name " (line " at[2]; next
      }
      entry != "" && /note: [0-9]+ lines including/ {
        n = $0; sub(/.*note: /, "", n); sub(/ lines.*/, "", n)
        print entry ", " n " lines)"; entry = ""
      }' | sort -u >"$report" || true
  offenders=$(while read -r entry; do
    key="${entry% (line *}"
    allowed=0
    for a in "${ALLOWED_FUNCTIONS[@]}"; do [[ "$key" == "$a" ]] && allowed=1; done
    ((allowed)) || echo "$entry"
  done <"$report")
  if [[ -n "$offenders" ]]; then
    echo "functions over $max_function_lines lines:"
    sed 's/^/  /' <<<"$offenders"
    failed=1
  fi
fi

((failed == 0)) && echo "check-size: no file over $max_file_lines lines$( ((lines_only)) || echo ", no function over $max_function_lines lines")"
exit $failed
