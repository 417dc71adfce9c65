# shellcheck shell=bash disable=SC2034  # its variables are used by the files that source it
# Shared by build.sh, bases.sh and check-image.sh (sourced, not run): where the images'
# buildah storage lives and how buildah is called.
#
# buildah never touches the host's /var/lib/containers or /etc/cni: its storage is under
# ${IRSA_CACHE_DIR:-$HOME/.cache/irsa-webhook}/containers, its run state under
# /run/irsa-webhook/containers (IRSA_CONTAINERS_RUNROOT), its containers.conf (written by
# images_preflight) puts the CNI directory in the cache too and makes the host network the
# default, and every command that runs something inside a container passes --network host
# anyway: buildah never sets up a CNI bridge, a veth or an iptables rule on the host.
# (buildah 1.28 also writes c/image's blob-info cache to /var/lib/containers/cache on every
# commit and push, with no option to move it; build.sh therefore runs in a private mount
# namespace in which /var/lib is an overlay whose writes land in the cache, see
# enter_private_var_lib.)

IMAGES_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$IMAGES_DIR/../../.." && pwd)"
CACHE_DIR="${IRSA_CACHE_DIR:-$HOME/.cache/irsa-webhook}"
CONTAINERS_DIR="$CACHE_DIR/containers"
STORAGE_ROOT="$CONTAINERS_DIR/storage"
RUN_ROOT="${IRSA_CONTAINERS_RUNROOT:-/run/irsa-webhook/containers}"
STAMP_DIR="$CACHE_DIR/images/stamps"
WORK_DIR="$CACHE_DIR/images/work"

# The names the Dockerfile's FROM lines use, and those the cluster pulls.
DEBIAN_IMAGE="docker.io/library/debian:bookworm"
DEBIAN_IMAGE_LOCAL="localhost/debian:bookworm"
DISTROLESS_IMAGE="gcr.io/distroless/cc-debian12:nonroot"
PAUSE_IMAGE="registry.k8s.io/pause:3.10"
WHOAMI_IMAGE="irsa-e2e.local/aws-whoami:v1"
WEBHOOK_E2E_TAG="localhost/irsa-webhook:e2e"

# Short names ("debian:bookworm") resolve with this file, not the host's registries.conf;
# nothing is ever pulled (every from/bud says --pull=never).
export CONTAINERS_REGISTRIES_CONF="$IMAGES_DIR/registries.conf"
# Large temporary files of commit/push go to the cache's disk, not /var/tmp.
export TMPDIR="$CONTAINERS_DIR/tmp"
export BUILDAH_ISOLATION=oci

log() { echo "images: $*" >&2; }
die() { echo "images: error: $*" >&2; exit 1; }

# buildah with the private storage, at low priority (another build may share the cores).
bh() {
  [[ -f "$CONTAINERS_CONF" ]] || write_containers_conf
  nice -n 10 buildah --root "$STORAGE_ROOT" --runroot "$RUN_ROOT" --storage-driver overlay "$@"
}

images_preflight() {
  [[ $(id -u) -eq 0 ]] || die "needs root (buildah's overlay storage, mmdebstrap --mode=root, chroot)"
  local tool
  for tool in buildah mmdebstrap dpkg-deb jq tar sha256sum readelf; do
    command -v "$tool" >/dev/null || die "'$tool' not found; install it: apt-get install -y buildah mmdebstrap dpkg jq tar coreutils binutils"
  done
  [[ -e /etc/containers/policy.json ]] \
    || die "/etc/containers/policy.json is missing (package golang-github-containers-image); buildah refuses to copy images without it"
  grep -qw overlay /proc/filesystems || modprobe overlay 2>/dev/null \
    || die "the kernel has no overlay filesystem; buildah's overlay storage driver needs it"
  mkdir -p "$STORAGE_ROOT" "$RUN_ROOT" "$TMPDIR" "$STAMP_DIR" "$WORK_DIR"
  write_containers_conf
}

# buildah's containers.conf: the CNI directory (buildah creates a cni.lock there as soon as
# it sets up a working container, even with --network host) in the cache instead of
# /etc/cni/net.d, and the host network as the default for every container.
export CONTAINERS_CONF="$CONTAINERS_DIR/containers.conf"
write_containers_conf() {
  mkdir -p "$CONTAINERS_DIR/cni/net.d"
  printf '%s\n' '# Written by test/node/images/lib.sh.' '[containers]' 'netns = "host"' '[network]' \
    'network_backend = "cni"' "network_config_dir = \"$CONTAINERS_DIR/cni/net.d\"" >"$CONTAINERS_CONF.tmp"
  mv -f "$CONTAINERS_CONF.tmp" "$CONTAINERS_CONF"
}

# enter_private_var_lib SCRIPT ARGS...: re-runs SCRIPT in a private mount namespace in which
# /var/lib is an overlay (lower: the host's /var/lib, upper: $CONTAINERS_DIR/var-lib), so
# that what buildah writes to /var/lib/containers stays in the cache. Returns when already
# inside. Every mount buildah makes is then private to the script's processes too.
enter_private_var_lib() {
  case "${IRSA_IMAGES_MOUNTNS:-}" in
    ready) return 0 ;;  # a parent build.sh set it up; this process is in its namespace
    pending) ;;         # the re-run below: set it up
    *) export IRSA_IMAGES_MOUNTNS=pending
       exec unshare --mount --propagation private -- "$@" ;;
  esac
  local d="$CONTAINERS_DIR/var-lib"
  mkdir -p "$d/upper" "$d/work"
  mount -t overlay irsa-images-var-lib -o "lowerdir=/var/lib,upperdir=$d/upper,workdir=$d/work,index=off" /var/lib \
    || die "could not overlay /var/lib in a private mount namespace (needed so that buildah does not write /var/lib/containers/cache)"
  export IRSA_IMAGES_MOUNTNS=ready
}

# sha256 of the given files' contents (names included), or of stdin with "-".
hash_files() {
  local f
  for f in "$@"; do
    if [[ "$f" == "-" ]]; then cat; else printf '%s\n' "${f#"$REPO_ROOT"/}"; cat "$f"; fi
  done | sha256sum | cut -d' ' -f1
}

# The image ID a name points to in the private storage, or nothing.
image_id() {
  bh inspect --type image --format '{{.FromImageID}}' "$1" 2>/dev/null || true
}

# stamp_ok NAME KEY: the image built for KEY is still in the storage under its names.
# A stamp holds "KEY IMAGE_ID"; stamp_write records it after a build.
stamp_ok() {
  local key="$2" file="$STAMP_DIR/$1" skey sid
  [[ "${IRSA_IMAGES_FORCE:-0}" != "1" && -f "$file" ]] || return 1
  read -r skey sid <"$file" || return 1
  [[ "$skey" == "$key" && -n "$sid" ]] || return 1
  shift 2
  local ref
  for ref in "$@"; do
    [[ "$(image_id "$ref")" == "$sid" ]] || return 1
  done
}
stamp_write() { printf '%s %s\n' "$2" "$3" >"$STAMP_DIR/$1"; }

# Working containers made by this process, removed on exit.
declare -a OWN_CONTAINERS=()
new_container() {  # new_container IMAGE|scratch: sets CTR to the new working container
  CTR=$(bh from --pull=never --network host --quiet "$1") || die "buildah from $1 failed (is the image in $STORAGE_ROOT?)"
  OWN_CONTAINERS+=("$CTR")
}
cleanup_containers() {
  local c
  for c in "${OWN_CONTAINERS[@]}"; do
    bh umount "$c" >/dev/null 2>&1 || true
    bh rm "$c" >/dev/null 2>&1 || true
  done
  OWN_CONTAINERS=()
}

# The webhook image's name as the chart deploys it: image.repository, and image.tag or else
# the chart's appVersion (charts/irsa-webhook/{values,Chart}.yaml).
chart_image() {
  local chart="$REPO_ROOT/charts/irsa-webhook" repo tag
  [[ -f "$chart/values.yaml" && -f "$chart/Chart.yaml" ]] || die "chart not found at $chart"
  yaml_image_key() {  # the scalar KEY under the top-level "image:" block of values.yaml
    awk -v key="$1" '
      /^image:/ { inside = 1; next }
      inside && /^[^[:space:]#]/ { inside = 0 }
      inside && $0 ~ "^[[:space:]]+" key ":" {
        sub("^[[:space:]]+" key ":[[:space:]]*", ""); sub(/[[:space:]]+#.*$/, "")
        gsub(/^["\047]|["\047]$/, ""); print; exit
      }' "$chart/values.yaml"
  }
  repo=$(yaml_image_key repository)
  tag=$(yaml_image_key tag)
  if [[ -z "$tag" ]]; then
    tag=$(awk '/^appVersion:/ { sub(/^appVersion:[[:space:]]*/, ""); sub(/[[:space:]]+#.*$/, ""); gsub(/^["\047]|["\047]$/, ""); print; exit }' "$chart/Chart.yaml")
  fi
  [[ -n "$repo" && -n "$tag" ]] || die "could not read image.repository / appVersion from $chart"
  printf '%s:%s\n' "$repo" "$tag"
}
