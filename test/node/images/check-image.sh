#!/usr/bin/env bash
# Checks images in test/node/images' buildah storage (see lib.sh), the proof that the
# Dockerfile's runtime stage works on a distroless cc-debian12 base:
#
#   check-image.sh [webhook [IMAGE]]   the webhook image (default: the chart's name)
#   check-image.sh pause [IMAGE]       the sandbox image
#   check-image.sh aws-whoami [IMAGE]  the workload image
#
# The webhook checks: config User 65532:65532, Entrypoint /usr/local/bin/irsa-webhook,
# ports 8443 and 9999; no shell and no package manager in the filesystem; the image's own
# dynamic loader resolves every library the binary needs from the image alone (ld.so --list
# in a chroot of the image); the binary runs in a container of the image as 65532:65532
# (--version, then the `mutate` subcommand on the repository's examples). Each failure
# names its cause; the exit status is the number of failed checks (capped at 100).
# build.sh sources this file and calls the check_* functions.
set -euo pipefail

if [[ -z "${IMAGES_DIR:-}" ]]; then
  # shellcheck source=lib.sh
  source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib.sh"
fi

CHECK_FAILURES=0
check_fail() { echo "check-image: FAIL: $*" >&2; CHECK_FAILURES=$((CHECK_FAILURES + 1)); }
check_pass() { echo "check-image: ok: $*" >&2; }

# image_config IMAGE: the image's OCI config (.config of the image JSON) as compact JSON.
image_config() {
  local json
  json=$(bh inspect --type image "$1" 2>/dev/null) \
    || die "image $1 is not in the storage at $STORAGE_ROOT (build it with test/node/images/build.sh)"
  jq -c '.OCIv1.config // {}' <<<"$json"
}

check_config_field() {  # check_config_field CONFIG_JSON JQ_FILTER WANT WHAT
  local got
  got=$(jq -c "$2" <<<"$1")
  if [[ "$got" == "$3" ]]; then check_pass "$4 is $got"; else check_fail "$4 is $got, want $3"; fi
}

check_no_shell() {  # check_no_shell ROOTFS
  local f found=()
  for f in bin/sh usr/bin/sh bin/bash usr/bin/bash bin/dash usr/bin/dash bin/busybox usr/bin/busybox \
    usr/bin/dpkg usr/bin/apt usr/bin/apt-get bin/ls usr/bin/env; do
    [[ -e "$1/$f" || -L "$1/$f" ]] && found+=("/$f")
  done
  if ((${#found[@]})); then check_fail "the image has a shell or tools it must not have: ${found[*]}"
  else check_pass "no shell, no package manager, no coreutils"; fi
}

check_webhook_image() {
  local image="${1:-$(chart_image)}" cfg mnt out bin=/usr/local/bin/irsa-webhook
  CHECK_FAILURES=0
  cfg=$(image_config "$image")
  echo "check-image: $image ($(image_id "$image" | cut -c1-12))" >&2
  check_config_field "$cfg" '.User' '"65532:65532"' "config User"
  check_config_field "$cfg" '.Entrypoint' '["/usr/local/bin/irsa-webhook"]' "config Entrypoint"
  check_config_field "$cfg" '.ExposedPorts | keys' '["8443/tcp","9999/tcp"]' "config ExposedPorts"
  check_config_field "$cfg" '.WorkingDir' '"/home/nonroot"' "config WorkingDir (from the distroless base)"

  new_container "$image"
  mnt=$(bh mount "$CTR") || die "buildah mount of $image failed"
  check_no_shell "$mnt"
  if [[ -f "$mnt$bin" && -x "$mnt$bin" ]]; then check_pass "$bin is an executable file"
  else check_fail "$bin is missing or not executable"; fi
  if [[ -s "$mnt/etc/ssl/certs/ca-certificates.crt" ]]; then check_pass "CA bundle present"
  else check_fail "/etc/ssl/certs/ca-certificates.crt missing (the distroless base provides it)"; fi
  if grep -q '^nonroot:x:65532:65532:' "$mnt/etc/passwd" 2>/dev/null; then check_pass "/etc/passwd has nonroot 65532"
  else check_fail "/etc/passwd has no nonroot user 65532"; fi

  # The image's loader, in a chroot of the image: resolves libraries from the image only.
  local loader
  loader=$(readelf -lW "$mnt$bin" 2>/dev/null | sed -n 's/.*Requesting program interpreter: \(.*\)]/\1/p')
  if [[ -z "$loader" ]]; then
    check_fail "$bin has no program interpreter (not a dynamic ELF executable?)"
  elif [[ ! -e "$mnt$loader" ]]; then
    check_fail "$bin wants the loader $loader, which the image does not have"
  elif ! out=$(chroot "$mnt" "$loader" --list "$bin" 2>&1); then
    check_fail "$loader --list $bin in the image failed: $(grep -m3 . <<<"$out" | paste -sd' ')"
  elif grep -q 'not found' <<<"$out"; then
    check_fail "libraries missing from the image (add them to hack/runtime-libs.txt): $(grep 'not found' <<<"$out" | awk '{print $1}' | paste -sd' ')"
  else
    check_pass "every library resolves inside the image ($(grep -c '=>' <<<"$out") libraries)"
  fi
  bh umount "$CTR" >/dev/null

  # The binary under the container runtime, as the image's user.
  if out=$(bh run --network host --user 65532:65532 "$CTR" -- "$bin" --version 2>&1); then
    check_pass "runs in the image as 65532:65532: $bin --version -> $(head -1 <<<"$out")"
  else
    check_fail "$bin --version failed in the image: $(tail -3 <<<"$out" | paste -sd' ')"
  fi
  # Upstream's manifests start /webhook (docs/migration.md): it must be this binary.
  if out=$(bh run --network host --user 65532:65532 "$CTR" -- /webhook --version 2>&1) &&
    [[ "$(head -1 <<<"$out")" == "$(bh run --network host "$CTR" -- "$bin" --version 2>&1 | head -1)" ]]; then
    check_pass "/webhook (upstream's command path) runs the webhook: /webhook --version -> $(head -1 <<<"$out")"
  else
    check_fail "/webhook --version failed or differs from $bin in the image: $(tail -3 <<<"$out" | paste -sd' ')"
  fi
  if [[ -f "$REPO_ROOT/examples/pod.yaml" && -f "$REPO_ROOT/examples/service-accounts.yaml" ]]; then
    if out=$(bh run --network host --user 65532:65532 -v "$REPO_ROOT/examples:/examples:ro" "$CTR" -- \
      "$bin" mutate --pod /examples/pod.yaml --service-accounts-file /examples/service-accounts.yaml \
      --aws-default-region eu-west-1 2>&1) && grep -q AWS_ROLE_ARN <<<"$out"; then
      check_pass "mutate on examples/pod.yaml in the image injects AWS_ROLE_ARN"
    else
      check_fail "mutate on examples/pod.yaml in the image failed: $(tail -3 <<<"$out" | paste -sd' ')"
    fi
  fi
  cleanup_containers
  return "$(( CHECK_FAILURES > 100 ? 100 : CHECK_FAILURES ))"
}

# A FROM scratch image whose only program is a static binary: user, entrypoint, no loader.
check_static_image() {  # check_static_image IMAGE ENTRYPOINT USER
  local image="$1" entry="$2" user="$3" cfg mnt
  CHECK_FAILURES=0
  cfg=$(image_config "$image")
  echo "check-image: $image ($(image_id "$image" | cut -c1-12))" >&2
  check_config_field "$cfg" '.Entrypoint' "[\"$entry\"]" "config Entrypoint"
  check_config_field "$cfg" '.User // ""' "\"$user\"" "config User"
  new_container "$image"
  mnt=$(bh mount "$CTR") || die "buildah mount of $image failed"
  check_no_shell "$mnt"
  if [[ ! -x "$mnt$entry" ]]; then check_fail "$entry is missing or not executable"
  elif readelf -lW "$mnt$entry" | grep -q 'program interpreter'; then check_fail "$entry is dynamically linked"
  else check_pass "$entry is a static executable"; fi
  bh umount "$CTR" >/dev/null
  cleanup_containers
  return "$(( CHECK_FAILURES > 100 ? 100 : CHECK_FAILURES ))"
}

check_pause_image() {
  local image="${1:-$PAUSE_IMAGE}"
  check_static_image "$image" /pause 65535:65535 || return $?
  local out
  new_container "$image"
  if out=$(bh run --network host "$CTR" -- /pause --version 2>&1); then
    check_pass "/pause --version in the image -> $out"
  else
    check_fail "/pause --version failed in the image: $out"
  fi
  cleanup_containers
  return "$(( CHECK_FAILURES > 100 ? 100 : CHECK_FAILURES ))"
}

check_whoami_image() {
  local image="${1:-$WHOAMI_IMAGE}" mnt rc=0
  check_static_image "$image" /aws-whoami "" || rc=$?
  new_container "$image"
  mnt=$(bh mount "$CTR")
  if [[ -s "$mnt/etc/ssl/certs/ca-certificates.crt" ]]; then check_pass "CA bundle present"
  else check_fail "/etc/ssl/certs/ca-certificates.crt missing"; rc=$((rc + 1)); fi
  bh umount "$CTR" >/dev/null
  cleanup_containers
  return "$rc"
}

if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
  images_preflight
  trap cleanup_containers EXIT
  rc=0
  case "${1:-webhook}" in
    webhook) check_webhook_image "${2:-}" || rc=$? ;;
    pause) check_pause_image "${2:-}" || rc=$? ;;
    aws-whoami) check_whoami_image "${2:-}" || rc=$? ;;
    *) die "usage: check-image.sh [webhook|pause|aws-whoami] [IMAGE]" ;;
  esac
  if ((rc)); then echo "check-image: $rc check(s) failed" >&2; exit "$rc"; fi
  echo "check-image: all checks passed" >&2
fi
