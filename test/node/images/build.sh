#!/usr/bin/env bash
# Builds the container images of the single-node test cluster locally, with buildah and
# mmdebstrap only (no registry is reachable), into docker-archive tarballs that
# `ctr -n k8s.io images import` accepts with their names:
#
#   OUT_DIR/irsa-webhook.tar  ghcr.io/irsa-webhook/irsa-webhook:<appVersion> (the chart's
#                             image.repository and appVersion) and localhost/irsa-webhook:e2e,
#                             built from the repository's unchanged Dockerfile
#   OUT_DIR/pause.tar         registry.k8s.io/pause:3.10, from pause/pause.c
#   OUT_DIR/aws-whoami.tar    irsa-e2e.local/aws-whoami:v1, FROM scratch around the static Go
#                             binary $AWS_WHOAMI_BIN (default OUT_DIR/aws-whoami)
#
# usage: build.sh OUT_DIR [STEP...]   STEP: bases webhook pause aws-whoami (default: all)
#
# Everything is cached under ${IRSA_CACHE_DIR:-$HOME/.cache/irsa-webhook}: the base images
# (bases.sh) until their package list, bases.sh or the apt sources change; the webhook image
# until the build context (tracked and untracked, not ignored, files), the Dockerfile, the
# base images or this script change, and below that buildah's --layers cache decides; a
# tarball is rewritten only when its image or names changed. Needs root.
#   IRSA_IMAGES_FORCE=1        ignore the stamps: rebuild the bases, rerun buildah bud (its
#                              layer cache still applies) and the small images
#   IRSA_IMAGES_NO_CACHE=1     also pass --no-cache to buildah bud (a cold Dockerfile build)
#   IRSA_WEBHOOK_TREE_CACHE=0  always run buildah bud and let --layers decide
#   IRSA_APT_SOURCES=FILE      apt sources for mmdebstrap (default: the host's)
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=lib.sh
source "$here/lib.sh"
# shellcheck source=bases.sh
source "$here/bases.sh"
# shellcheck source=check-image.sh
source "$here/check-image.sh"

[[ $(id -u) -eq 0 ]] || die "needs root (buildah's overlay storage, mmdebstrap --mode=root, chroot)"
enter_private_var_lib "$here/build.sh" "$@"

usage() { echo "usage: $0 OUT_DIR [bases|webhook|pause|aws-whoami ...]" >&2; exit 2; }
(($# >= 1)) || usage
OUT_DIR="$1"; shift
steps=("$@")
((${#steps[@]})) || steps=(bases webhook pause aws-whoami)
for s in "${steps[@]}"; do
  case "$s" in bases | webhook | pause | aws-whoami) ;; *) echo "unknown step: $s" >&2; usage ;; esac
done

images_preflight
OUT_DIR="$(realpath -m "$OUT_DIR")"

# OUT_DIR inside the repository would put the tarballs into the Dockerfile's build context
# unless .dockerignore excludes it (or a directory above it).
case "$OUT_DIR/" in
  "$REPO_ROOT"/*)
    rel="${OUT_DIR#"$REPO_ROOT"/}" ignored=0 prefix=""
    IFS=/ read -r -a parts <<<"$rel"
    for part in "${parts[@]}"; do
      prefix="${prefix:+$prefix/}$part"
      while IFS= read -r pat; do
        pat="${pat%/}"
        [[ -n "$pat" && "$pat" != \#* && "$pat" != \!* ]] || continue
        # shellcheck disable=SC2053
        [[ "$prefix" == $pat ]] && ignored=1
      done <"$REPO_ROOT/.dockerignore"
    done
    ((ignored)) || die "OUT_DIR $OUT_DIR is inside the Dockerfile's build context ($REPO_ROOT) and .dockerignore does not exclude it; choose another OUT_DIR or add it to .dockerignore"
    ;;
esac

mkdir -p "$OUT_DIR"

# One build at a time per cache (buildah's storage is shared, the stamps are not atomic).
exec 9>"$CACHE_DIR/images/.lock"
if ! flock -n 9; then log "waiting for another build.sh on $CACHE_DIR"; flock -w 1800 9 || die "another build.sh held $CACHE_DIR/images/.lock for 30 min"; fi

# Nothing here may touch the host's network: every RUN is --network host. Checked at exit.
net_state() {
  {
    ip -o link show | awk -F': ' '{print "link " $2}' | sed 's/@.*//'
    iptables-save 2>/dev/null | grep -Ev '^(#|:)' | sed 's/^/ipv4 /' || true
    ip6tables-save 2>/dev/null | grep -Ev '^(#|:)' | sed 's/^/ipv6 /' || true
    find /etc/cni/net.d -mindepth 1 -maxdepth 1 -printf 'cni %f\n' 2>/dev/null || true
  } | sort
}
NET_BEFORE=$(net_state)
finish() {
  local rc=$?
  cleanup_containers
  local after; after=$(net_state)
  if [[ "$after" != "$NET_BEFORE" ]]; then
    log "warning: the host's links, iptables rules or CNI configs changed while building (maybe by someone else):"
    diff <(printf '%s\n' "$NET_BEFORE") <(printf '%s\n' "$after") | grep '^[<>]' >&2 || true
  fi
  exit "$rc"
}
trap finish EXIT

# ---------------------------------------------------------------- helpers
declare -a TIMES=()
timed() {  # timed NAME COMMAND...: runs it, records and prints how long it took
  local name="$1" t0 t1; shift
  t0=$(date +%s.%N)
  "$@"
  t1=$(date +%s.%N)
  TIMES+=("$(awk -v n="$name" -v a="$t0" -v b="$t1" 'BEGIN { printf "%-22s %7.1f s", n, b - a }')")
  log "step $name took $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }') s"
}

# export_image FILE NAME [MORE_NAMES...]: OUT_DIR/FILE, a docker-archive of NAME whose
# manifest.json lists every name (containerd's importer creates one image per RepoTag).
# Skipped when the tarball already holds this image ID under these names.
export_image() {
  local base="$1" file="$OUT_DIR/$1" name="$2"; shift 2
  local id want have tmp
  id=$(image_id "$name"); [[ -n "$id" ]] || die "cannot export $name: not in the storage"
  want=$(printf '%s\n' "$name" "$@" | jq -R . | jq -sc .)
  if [[ -f "$file" ]] && have=$(tar -xOf "$file" manifest.json 2>/dev/null | jq -c '[.[0].Config, .[0].RepoTags]' 2>/dev/null) \
    && [[ "$have" == "$(jq -nc --arg c "$id.json" --argjson t "$want" '[$c, $t]')" ]]; then
    log "$base: up to date ($name, ${id:0:12})"; return
  fi
  tmp="$file.tmp.$$"
  rm -f "$tmp"
  bh push --quiet --format v2s2 "$name" "docker-archive:$tmp:$name" >/dev/null \
    || die "buildah push of $name to a docker-archive failed"
  if (($#)); then
    # Rewritten by Python's tarfile: GNU tar's --delete followed by -r corrupts some
    # archives buildah writes ("Skipping to next header").
    tar -xOf "$tmp" manifest.json | jq -c --argjson t "$want" '.[0].RepoTags = $t' >"$tmp.manifest"
    python3 - "$tmp" "$tmp.manifest" <<'PY' || die "could not rewrite manifest.json of $tmp"
import io, sys, tarfile
archive, manifest = sys.argv[1], open(sys.argv[2], "rb").read()
with tarfile.open(archive) as src, tarfile.open(archive + ".new", "w", format=tarfile.PAX_FORMAT) as dst:
    for member in src.getmembers():
        if member.name == "manifest.json":
            continue
        dst.addfile(member, src.extractfile(member) if member.isfile() else None)
    info = tarfile.TarInfo("manifest.json")
    info.size, info.mode = len(manifest), 0o644
    dst.addfile(info, io.BytesIO(manifest))
PY
    mv -f "$tmp.new" "$tmp"
    rm -f "$tmp.manifest"
  fi
  have=$(tar -xOf "$tmp" manifest.json | jq -c '[.[0].Config, .[0].RepoTags]')
  [[ "$have" == "$(jq -nc --arg c "$id.json" --argjson t "$want" '[$c, $t]')" ]] \
    || die "the docker-archive of $name does not hold image $id under $want (manifest.json: $have)"
  mv -f "$tmp" "$file"
  log "$base: wrote $(du -h "$file" | cut -f1) ($name, ${id:0:12})"
}

# ---------------------------------------------------------------- steps
step_bases() {
  timed "base debian:bookworm" build_debian_base
  timed "base distroless/cc" build_distroless_base
}

# .dockerignore's patterns (not its ! exceptions) as git pathspecs that exclude them.
dockerignore_pathspecs() {
  local pat
  [[ -f "$REPO_ROOT/.dockerignore" ]] || return 0
  while IFS= read -r pat || [[ -n "$pat" ]]; do
    pat="${pat#"${pat%%[![:space:]]*}"}"; pat="${pat%"${pat##*[![:space:]]}"}"; pat="${pat%/}"
    [[ -z "$pat" || "$pat" == \#* || "$pat" == \!* ]] && continue
    printf '%s\0' ":(exclude,glob)$pat" ":(exclude,glob)$pat/**"
  done <"$REPO_ROOT/.dockerignore"
}

# The build context's content, as git sees it: tracked and untracked files that are not
# ignored by git or .dockerignore, with modes; plus the base images and these scripts.
context_files() {
  local -a specs
  mapfile -d '' -t specs < <(dockerignore_pathspecs)
  (cd "$REPO_ROOT" && git ls-files -z --cached --others --exclude-standard -- . "${specs[@]}" | sort -zu)
}
webhook_key() {
  local -a files
  mapfile -d '' -t files < <(context_files)
  {
    printf 'debian %s\ndistroless %s\n' "$(image_id "$DEBIAN_IMAGE")" "$(image_id "$DISTROLESS_IMAGE")"
    hash_files "$IMAGES_DIR/build.sh" "$IMAGES_DIR/lib.sh" "$IMAGES_DIR/registries.conf"
    cd "$REPO_ROOT"
    local -a present=()
    local f
    for f in "${files[@]}"; do [[ -f "$f" ]] && present+=("$f"); done
    if ((${#present[@]})); then
      printf '%s\0' "${present[@]}" | xargs -0 stat -c '%a %n'
      printf '%s\0' "${present[@]}" | xargs -0 sha256sum --
    fi
  } | sha256sum | cut -d' ' -f1
}

step_webhook() {
  local name key iid
  name=$(chart_image)
  [[ -n "$(image_id "$DEBIAN_IMAGE")" && -n "$(image_id "$DISTROLESS_IMAGE")" ]] \
    || die "the base images are not built; run: $0 $OUT_DIR bases"
  git -C "$REPO_ROOT" rev-parse --git-dir >/dev/null 2>&1 || die "$REPO_ROOT is not a git work tree (the source hash needs git ls-files)"
  key=$(webhook_key)
  if [[ "${IRSA_WEBHOOK_TREE_CACHE:-1}" == "1" ]] && stamp_ok webhook "$key" "$name" "$WEBHOOK_E2E_TAG"; then
    log "$name: source tree unchanged, image cached ($(image_id "$name" | cut -c1-12))"
  else
    iid="$WORK_DIR/webhook.iid"
    rm -f "$iid"
    log "$name: buildah bud --layers (context $REPO_ROOT, $(context_files | tr -cd '\0' | wc -c) files)"
    local -a extra=()
    [[ "${IRSA_IMAGES_NO_CACHE:-0}" == "1" ]] && extra+=(--no-cache)
    local started budlog="$WORK_DIR/webhook-bud.log"
    started=$(date +%s)
    bh bud --network host --layers --pull=never --format docker --identity-label=false --force-rm \
      "${extra[@]}" -f "$REPO_ROOT/Dockerfile" -t "$name" -t "$WEBHOOK_E2E_TAG" --iidfile "$iid" "$REPO_ROOT" 2>&1 \
      | tee "$budlog" || die "buildah bud of the Dockerfile failed (see the step output above, or $budlog)"
    check_webhook_image "$name" || die "the webhook image $name failed $? check(s) (see check-image: FAIL above)"
    stamp_write webhook "$key" "$(image_id "$name")"
    prune_old_layers "$started" "$budlog"
  fi
  export_image irsa-webhook.tar "$name" "$WEBHOOK_E2E_TAG"
}

# With --layers every change of the build context leaves a whole build stage behind (the
# apt layer of setup.sh alone is ~750 MB). After a bud, the unnamed images that this bud
# neither made nor reused (and old, unnamed pause/aws-whoami images) are removed, so the
# storage holds one generation. IRSA_IMAGES_KEEP_LAYERS=1 keeps everything.
prune_old_layers() {  # prune_old_layers BUD_START_EPOCH BUD_LOG
  [[ "${IRSA_IMAGES_KEEP_LAYERS:-0}" == "1" ]] && return 0
  local -a reused old
  mapfile -t reused < <(sed -n 's/^--> Using cache \([0-9a-f]\{64\}\)$/sha256:\1/p' "$2")
  mapfile -t old < <(bh images -a --json --no-trunc \
    | jq -r --argjson t "$(($1 - 5))" --argjson keep "$(printf '%s\n' "${reused[@]}" | jq -R . | jq -sc .)" \
      '.[] | select((.names // []) == [] and .created < $t and ((.id | IN($keep[])) | not)) | .id')
  ((${#old[@]})) || return 0
  local id left
  for _ in 1 2 3 4 5; do  # children before parents: retry what still has a child
    left=()
    for id in "${old[@]}"; do bh rmi "$id" >/dev/null 2>&1 || left+=("$id"); done
    ((${#left[@]} < ${#old[@]})) || break
    old=("${left[@]}")
    ((${#old[@]})) || break
  done
  log "pruned old build layers: storage now $(du -sh "$STORAGE_ROOT" | cut -f1)${left[*]:+ (${#left[@]} images could not be removed)}"
}

step_pause() {
  local src="$IMAGES_DIR/pause/pause.c" bin="$WORK_DIR/pause" cc="${CC:-gcc}" key
  command -v "$cc" >/dev/null || die "C compiler '$cc' not found (apt-get install gcc libc6-dev, or CC=musl-gcc with musl-tools)"
  key=$(printf '%s\n' "$($cc --version | head -1)" "$(hash_files "$src" "$IMAGES_DIR/build.sh")" | sha256sum | cut -d' ' -f1)
  if ! stamp_ok pause "$key" "$PAUSE_IMAGE"; then
    nice -n 10 "$cc" -static -Os -s -Wall -Wextra -Werror -o "$bin" "$src" \
      || die "static build of pause.c failed: '$cc -static' needs the static C library (libc6-dev's libc.a; or CC=musl-gcc)"
    ! readelf -lW "$bin" | grep -q 'program interpreter' || die "$bin is not static"
    "$bin" --version >/dev/null || die "$bin does not run"
    new_container scratch
    bh copy --quiet --chmod 0755 "$CTR" "$bin" /pause >/dev/null
    bh config --entrypoint '["/pause"]' --user 65535:65535 --os linux --arch amd64 "$CTR"
    bh commit --quiet --format docker --identity-label=false --rm "$CTR" "$PAUSE_IMAGE" >/dev/null || die "commit of $PAUSE_IMAGE failed"
    check_pause_image "$PAUSE_IMAGE" || die "the pause image failed its checks"
    stamp_write pause "$key" "$(image_id "$PAUSE_IMAGE")"
  else
    log "$PAUSE_IMAGE: cached ($(image_id "$PAUSE_IMAGE" | cut -c1-12))"
  fi
  export_image pause.tar "$PAUSE_IMAGE"
}

step_whoami() {
  local bin="${AWS_WHOAMI_BIN:-$OUT_DIR/aws-whoami}" key
  [[ -d "$bin" && -f "$bin/aws-whoami" ]] && bin="$bin/aws-whoami"
  [[ -f "$bin" ]] || die "the aws-whoami binary is not at $bin: build it first, or set AWS_WHOAMI_BIN to it (or skip the step: $0 $OUT_DIR bases webhook pause)"
  readelf -hW "$bin" >/dev/null 2>&1 || die "$bin is not an ELF executable"
  ! readelf -lW "$bin" | grep -q 'program interpreter' \
    || die "$bin is dynamically linked; the image is FROM scratch, build it static (CGO_ENABLED=0 go build)"
  [[ -n "$(image_id "$DISTROLESS_IMAGE")" ]] || die "the CA bundle comes from $DISTROLESS_IMAGE, which is not built; run: $0 $OUT_DIR bases"
  key=$(printf '%s\n' "$(image_id "$DISTROLESS_IMAGE")" "$(hash_files "$bin" "$IMAGES_DIR/build.sh")" | sha256sum | cut -d' ' -f1)
  if ! stamp_ok aws-whoami "$key" "$WHOAMI_IMAGE"; then
    new_container scratch
    bh copy --quiet --chmod 0755 "$CTR" "$bin" /aws-whoami >/dev/null
    bh copy --quiet --from "$DISTROLESS_IMAGE" --chmod 0644 "$CTR" \
      /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt >/dev/null \
      || die "copying the CA bundle from $DISTROLESS_IMAGE failed"
    bh config --entrypoint '["/aws-whoami"]' --env SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt \
      --os linux --arch amd64 "$CTR"
    bh commit --quiet --format docker --identity-label=false --rm "$CTR" "$WHOAMI_IMAGE" >/dev/null || die "commit of $WHOAMI_IMAGE failed"
    check_whoami_image "$WHOAMI_IMAGE" || die "the aws-whoami image failed its checks"
    stamp_write aws-whoami "$key" "$(image_id "$WHOAMI_IMAGE")"
  else
    log "$WHOAMI_IMAGE: cached ($(image_id "$WHOAMI_IMAGE" | cut -c1-12))"
  fi
  export_image aws-whoami.tar "$WHOAMI_IMAGE"
}

t_all=$(date +%s.%N)
for s in "${steps[@]}"; do
  case "$s" in
    bases) step_bases ;;
    webhook) timed "webhook image" step_webhook ;;
    pause) timed "pause image" step_pause ;;
    aws-whoami) timed "aws-whoami image" step_whoami ;;
  esac
done
log "times:"
printf '  %s\n' "${TIMES[@]}" >&2
awk -v a="$t_all" -v b="$(date +%s.%N)" 'BEGIN { printf "  %-22s %7.1f s\n", "total", b - a }' >&2
for f in irsa-webhook.tar pause.tar aws-whoami.tar; do
  if [[ -f "$OUT_DIR/$f" ]]; then log "$(du -h "$OUT_DIR/$f" | cut -f1)	$OUT_DIR/$f"; fi
done
