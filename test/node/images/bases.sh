# shellcheck shell=bash
# Base images made from Debian's packages with mmdebstrap, since no registry is reachable
# (sourced by build.sh after lib.sh). Each is cached: the stamp's key is a hash of this file,
# the package list and the apt sources, so editing any of them rebuilds the image, and
# IRSA_IMAGES_FORCE=1 rebuilds it anyway (e.g. for newer security updates).
#
#   docker.io/library/debian:bookworm (also localhost/debian:bookworm): the Dockerfile's
#     build stage. A minbase bookworm with apt, using the same apt sources as this host,
#     plus the apt settings of Debian's official container image.
#   gcr.io/distroless/cc-debian12:nonroot: the runtime stage. What the real one has, made the
#     way GoogleContainerTools/distroless makes it: the packages of distroless/packages.txt
#     unpacked whole (no maintainer scripts, no dpkg database, no shell), a
#     /var/lib/dpkg/status.d/ entry for each, and the generated files of its "static" image
#     (passwd, group, home directories, /tmp, nsswitch.conf, os-release, the CA bundle).

# The host's apt sources (deb822 or one-line); mmdebstrap pastes the file into the chroot.
apt_sources_file() {
  local f
  for f in "${IRSA_APT_SOURCES:-}" /etc/apt/sources.list.d/debian.sources /etc/apt/sources.list; do
    [[ -n "$f" && -s "$f" ]] && grep -Eq '^(deb |Types:)' "$f" && { printf '%s\n' "$f"; return; }
  done
  die "no Debian apt sources found (looked at /etc/apt/sources.list.d/debian.sources and /etc/apt/sources.list; set IRSA_APT_SOURCES)"
}

# Copies a root filesystem directory into a new image NAME with the given buildah config
# arguments. The rootfs goes in through the working container's mount (tar, numeric
# owners), so modes and owners such as /tmp 1777 and /home/nonroot 65532 are kept.
commit_rootfs() {
  local rootfs="$1" name="$2"; shift 2
  local old mnt
  old=$(image_id "$name")
  new_container scratch
  mnt=$(bh mount "$CTR") || die "buildah mount failed (overlay storage under $STORAGE_ROOT)"
  tar --numeric-owner --xattrs --xattrs-include='*' -C "$rootfs" -cf - . \
    | tar --numeric-owner --xattrs --xattrs-include='*' -xpf - -C "$mnt" \
    || die "copying $rootfs into the image failed"
  bh umount "$CTR" >/dev/null
  bh config "$@" "$CTR"
  bh commit --quiet --format docker --identity-label=false --rm "$CTR" "$name" >/dev/null \
    || die "buildah commit $name failed"
  local new; new=$(image_id "$name")
  if [[ -n "$old" && "$old" != "$new" ]]; then bh rmi "$old" >/dev/null 2>&1 || true; fi
}

build_debian_base() {
  local sources key root
  sources=$(apt_sources_file)
  key=$(hash_files "$IMAGES_DIR/bases.sh" "$sources")
  if stamp_ok debian-bookworm "$key" "$DEBIAN_IMAGE" "$DEBIAN_IMAGE_LOCAL"; then
    log "$DEBIAN_IMAGE: cached ($(image_id "$DEBIAN_IMAGE" | cut -c1-12))"; return
  fi
  root="$WORK_DIR/debian-rootfs"
  rm -rf "$root"
  local t0=$SECONDS
  log "$DEBIAN_IMAGE: mmdebstrap --variant=minbase bookworm (sources: $sources)"
  nice -n 10 mmdebstrap --quiet --variant=minbase --mode=root --format=directory \
    bookworm "$root" "$sources" \
    || die "mmdebstrap of the bookworm build base failed (are Debian's mirrors in $sources reachable?)"
  [[ -x "$root/usr/bin/apt-get" && -x "$root/bin/bash" ]] || die "the bookworm rootfs has no apt-get or bash"
  # The apt/dpkg settings of Debian's official image (debuerreotype's minimizing config):
  # no package caches in layers, no translations, gzip'ed lists, dpkg without fsync.
  local clean='rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true'
  printf '%s\n' "DPkg::Post-Invoke { \"$clean\"; };" "APT::Update::Post-Invoke { \"$clean\"; };" \
    'Dir::Cache::pkgcache "";' 'Dir::Cache::srcpkgcache "";' >"$root/etc/apt/apt.conf.d/docker-clean"
  echo 'Acquire::Languages "none";' >"$root/etc/apt/apt.conf.d/docker-no-languages"
  printf '%s\n' 'Acquire::GzipIndexes "true";' 'Acquire::CompressionTypes::Order:: "gz";' \
    >"$root/etc/apt/apt.conf.d/docker-gzip-indexes"
  echo 'Apt::AutoRemove::SuggestsImportant "false";' >"$root/etc/apt/apt.conf.d/docker-autoremove-suggests"
  echo 'force-unsafe-io' >"$root/etc/dpkg/dpkg.cfg.d/docker-apt-speedup"
  # The runtime provides /dev and these files; an image has none of its own. apt's binary
  # caches (rebuilt on demand) would be 70 MB of the layer.
  rm -rf "${root:?}"/dev/* "$root/etc/hostname" "$root/etc/resolv.conf" "$root"/var/cache/apt/*.bin
  log "$DEBIAN_IMAGE: rootfs ready after $((SECONDS - t0)) s ($(du -sh --apparent-size "$root" | cut -f1)), committing"
  commit_rootfs "$root" "$DEBIAN_IMAGE" \
    --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin --cmd bash \
    --os linux --arch amd64
  bh tag "$DEBIAN_IMAGE" "$DEBIAN_IMAGE_LOCAL"
  rm -rf "$root"
  stamp_write debian-bookworm "$key" "$(image_id "$DEBIAN_IMAGE")"
  log "$DEBIAN_IMAGE: built ($(image_id "$DEBIAN_IMAGE" | cut -c1-12))"
}

# The control file (and md5sums) of a .deb as distroless registers it.
distroless_statusd() {
  local deb="$1" pkg="$2" root="$3" tmp
  tmp=$(mktemp -d)
  dpkg-deb --control "$deb" "$tmp"
  install -D -m 0644 "$tmp/control" "$root/var/lib/dpkg/status.d/$pkg"
  [[ -f "$tmp/md5sums" ]] && install -m 0644 "$tmp/md5sums" "$root/var/lib/dpkg/status.d/$pkg.md5sums"
  rm -rf "$tmp"
}

build_distroless_base() {
  local sources pkgfile key stage root debs
  sources=$(apt_sources_file)
  pkgfile="$IMAGES_DIR/distroless/packages.txt"
  key=$(hash_files "$IMAGES_DIR/bases.sh" "$pkgfile" "$IMAGES_DIR/distroless/nsswitch.conf" "$sources")
  if stamp_ok distroless-cc "$key" "$DISTROLESS_IMAGE"; then
    log "$DISTROLESS_IMAGE: cached ($(image_id "$DISTROLESS_IMAGE" | cut -c1-12))"; return
  fi
  local -a pkgs
  mapfile -t pkgs < <(grep -Ev '^[[:space:]]*(#|$)' "$pkgfile" | tr -d '[:blank:]')
  ((${#pkgs[@]})) || die "$pkgfile lists no packages"
  stage="$WORK_DIR/distroless-stage"; root="$WORK_DIR/distroless-rootfs"
  rm -rf "$stage" "$root"
  # mmdebstrap resolves and downloads (with the host's sources and keyring); its rootfs is
  # only a staging area, since it also unpacks dependencies distroless leaves out (tzdata and
  # ca-certificates pull debconf, ca-certificates openssl, base-files mawk).
  log "$DISTROLESS_IMAGE: mmdebstrap --variant=extract ${pkgs[*]} ca-certificates"
  nice -n 10 mmdebstrap --quiet --variant=extract --mode=root --format=directory \
    --skip=download/empty --skip=cleanup/apt/cache \
    --include="$(IFS=,; echo "${pkgs[*]}"),ca-certificates" \
    bookworm "$stage" "$sources" \
    || die "mmdebstrap download of the distroless packages failed (are Debian's mirrors in $sources reachable?)"
  debs="$stage/var/cache/apt/archives"
  deb_of() {
    local -a m=("$debs/$1"_*.deb)
    [[ ${#m[@]} -eq 1 && -f "${m[0]}" ]] || die "expected one downloaded .deb of $1 in $debs, found: ${m[*]}"
    printf '%s\n' "${m[0]}"
  }
  install -d -m 0755 "$root"
  local p deb
  for p in "${pkgs[@]}"; do
    deb=$(deb_of "$p")
    dpkg-deb -x "$deb" "$root" || die "unpacking $deb failed"
    distroless_statusd "$deb" "$p" "$root"
  done
  # //common:passwd, :group, :home, :tmp (GoogleContainerTools/distroless common/BUILD.bazel)
  install -d -m 0755 "$root/etc"
  printf '%s\n' 'root:x:0:0:root:/root:/sbin/nologin' \
    'nobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin' \
    'nonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin' >"$root/etc/passwd"
  printf '%s\n' 'root:x:0:' 'nobody:x:65534:' 'tty:x:5:' 'staff:x:50:' 'nonroot:x:65532:' >"$root/etc/group"
  chmod 0644 "$root/etc/passwd" "$root/etc/group"
  install -d -m 0700 -o 0 -g 0 "$root/root"
  install -d -m 0755 -o 0 -g 0 "$root/home"
  install -d -m 0700 -o 65532 -g 65532 "$root/home/nonroot"
  install -d -m 1777 -o 0 -g 0 "$root/tmp"
  chmod 1777 "$root/tmp"
  # static/nsswitch.conf
  install -m 0644 "$IMAGES_DIR/distroless/nsswitch.conf" "$root/etc/nsswitch.conf"
  # //common:os_release_debian12 (/etc/os-release is base-files' symlink to it)
  rm -f "$root/usr/lib/os-release"
  printf '%s\n' 'PRETTY_NAME="Distroless"' 'NAME="Debian GNU/Linux"' 'ID="debian"' 'VERSION_ID="12"' \
    'VERSION="Debian GNU/Linux 12 (bookworm)"' \
    'HOME_URL="https://github.com/GoogleContainerTools/distroless"' \
    'SUPPORT_URL="https://github.com/GoogleContainerTools/distroless/blob/master/README.md"' \
    'BUG_REPORT_URL="https://github.com/GoogleContainerTools/distroless/issues/new"' >"$root/usr/lib/os-release"
  chmod 0555 "$root/usr/lib/os-release"
  # //common:cacerts (rules_distroless cacerts.sh): every certificate of the package, in
  # glob order, as one bundle, plus the package's copyright and status.d entry.
  local ca tmp
  ca=$(deb_of ca-certificates); tmp=$(mktemp -d)
  dpkg-deb -x "$ca" "$tmp"
  install -d -m 0755 "$root/etc/ssl/certs" "$root/usr/share/doc/ca-certificates"
  (
    shopt -s globstar nullglob; export LC_ALL=C
    for cert in "$tmp"/usr/share/ca-certificates/**/*; do
      [[ -f "$cert" ]] || continue
      while IFS= read -r line || [[ -n "$line" ]]; do printf '%s\n' "$line"; done <"$cert"
    done
  ) >"$root/etc/ssl/certs/ca-certificates.crt"
  install -m 0555 "$tmp/usr/share/doc/ca-certificates/copyright" "$root/usr/share/doc/ca-certificates/copyright"
  chmod 0555 "$root/etc/ssl/certs/ca-certificates.crt"
  rm -rf "$tmp"
  distroless_statusd "$ca" ca-certificates "$root"
  [[ $(grep -c 'BEGIN CERTIFICATE' "$root/etc/ssl/certs/ca-certificates.crt") -gt 100 ]] \
    || die "the CA bundle built from $ca has too few certificates"
  # What distroless promises not to have.
  local f
  for f in bin/sh bin/bash bin/dash usr/bin/sh bin/busybox usr/bin/dpkg usr/bin/apt usr/bin/apt-get \
    bin/ls usr/bin/env sbin/ldconfig etc/ld.so.cache; do
    [[ -e "$root/$f" || -L "$root/$f" ]] && die "the distroless rootfs has /$f; packages.txt pulls in too much"
  done
  [[ -e "$root/lib64/ld-linux-x86-64.so.2" ]] || die "the distroless rootfs has no dynamic loader (libc6 missing?)"
  commit_rootfs "$root" "$DISTROLESS_IMAGE" \
    --user 65532 --workingdir /home/nonroot \
    --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    --env SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt \
    --os linux --arch amd64
  rm -rf "$stage" "$root"
  stamp_write distroless-cc "$key" "$(image_id "$DISTROLESS_IMAGE")"
  log "$DISTROLESS_IMAGE: built ($(image_id "$DISTROLESS_IMAGE" | cut -c1-12))"
}
