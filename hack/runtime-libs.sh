#!/usr/bin/env bash
# Copies the shared libraries BINARY needs, beyond what the runtime base image already has
# (glibc and the dynamic loader), into DEST with their paths: the runtime image's file list.
# The list is kept in hack/runtime-libs.txt; this fails when ldd disagrees with it.
set -euo pipefail
binary="$1"; dest="$2"
here="$(cd "$(dirname "$0")" && pwd)"
base_provided='^(linux-vdso|libc\.so|libm\.so|ld-linux|libpthread|libdl|librt|libgcc_s)'
mapfile -t needed < <(ldd "$binary" | awk '$2 == "=>" {print $1}' | grep -Ev "$base_provided" | sort -u)
mapfile -t expected < <(grep -Ev '^(#|$)' "$here/runtime-libs.txt" | sort -u)
if [[ "${needed[*]}" != "${expected[*]}" ]]; then
  echo "runtime library list is out of date (hack/runtime-libs.txt vs ldd $binary):"
  diff <(printf '%s\n' "${expected[@]}") <(printf '%s\n' "${needed[@]}") || true
  exit 1
fi
for lib in "${needed[@]}"; do
  path=$(ldd "$binary" | awk -v l="$lib" '$1 == l {print $3}')
  mkdir -p "$dest$(dirname "$path")"
  cp -L "$path" "$dest$path"
done
echo "runtime-libs: ${#needed[@]} libraries copied to $dest"
