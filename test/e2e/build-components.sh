#!/usr/bin/env bash
# Builds the real Kubernetes components the end-to-end suites run: kube-apiserver, kubectl,
# kubelet, kube-controller-manager, kube-scheduler and kube-proxy (Kubernetes ${KUBE_VERSION}), etcd (${ETCD_VERSION}) and helm (${HELM_VERSION}), all from
# the Go module proxy. Binaries land in ${IRSA_CACHE_DIR}/bin/<component>-<version>; the Go
# build and module caches live beside them, so a second run only checks that they exist.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
KUBE_VERSION="$(sed -n 's/^require k8s.io\/kubernetes //p; s/^\tk8s.io\/kubernetes \(v[0-9.]*\)$/\1/p' "$here/components/kube/go.mod" | head -1)"
ETCD_VERSION="$(sed -n 's/^require go.etcd.io\/etcd\/server\/v3 //p; s/^\tgo.etcd.io\/etcd\/server\/v3 \(v[0-9.]*\)$/\1/p' "$here/components/etcd/go.mod" | head -1)"
HELM_VERSION="${HELM_VERSION:-v3.19.5}"
export IRSA_CACHE_DIR="${IRSA_CACHE_DIR:-$HOME/.cache/irsa-webhook}"
bin="$IRSA_CACHE_DIR/bin"
mkdir -p "$bin"
export GOCACHE="${GOCACHE:-$IRSA_CACHE_DIR/go-build}"
export GOMODCACHE="${GOMODCACHE:-$(go env GOMODCACHE)}"
export GOFLAGS="${GOFLAGS:--mod=mod}"
export CGO_ENABLED=0

started=$(date +%s)
built=()
minor="${KUBE_VERSION#v1.}"; minor="${minor%%.*}"
ldflags="-s -w -X k8s.io/component-base/version.gitVersion=${KUBE_VERSION} \
 -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=${minor} \
 -X k8s.io/component-base/version.gitTreeState=clean \
 -X k8s.io/client-go/pkg/version.gitVersion=${KUBE_VERSION} \
 -X k8s.io/client-go/pkg/version.gitMajor=1 -X k8s.io/client-go/pkg/version.gitMinor=${minor}"

build_kube() {
  local name="$1"
  local out="$bin/$name-$KUBE_VERSION"
  [[ -x "$out" ]] && return 0
  echo "e2e: building $name $KUBE_VERSION (first build takes several minutes)"
  (cd "$here/components/kube" && nice go build -trimpath -ldflags "$ldflags" -o "$out.tmp" "./cmd/$name")
  mv "$out.tmp" "$out"
  built+=("$name")
}
KUBE_TOOLS=(kube-apiserver kubectl kubelet kube-controller-manager kube-scheduler kube-proxy)
for tool in "${KUBE_TOOLS[@]}"; do build_kube "$tool"; done

if [[ ! -x "$bin/etcd-$ETCD_VERSION" ]]; then
  echo "e2e: building etcd $ETCD_VERSION"
  (cd "$here/components/etcd" && nice go build -trimpath -ldflags "-s -w" -o "$bin/etcd-$ETCD_VERSION.tmp" ./cmd/etcd)
  mv "$bin/etcd-$ETCD_VERSION.tmp" "$bin/etcd-$ETCD_VERSION"
  built+=(etcd)
fi
if [[ ! -x "$bin/helm-$HELM_VERSION" ]]; then
  echo "e2e: building helm $HELM_VERSION"
  tmp="$(mktemp -d)"
  GOBIN="$tmp" GOFLAGS= nice go install -trimpath -ldflags "-s -w" "helm.sh/helm/v3/cmd/helm@$HELM_VERSION"
  mv "$tmp/helm" "$bin/helm-$HELM_VERSION"
  rm -rf "$tmp"
  built+=(helm)
fi
for tool in "${KUBE_TOOLS[@]}"; do ln -sf "$tool-$KUBE_VERSION" "$bin/$tool"; done
ln -sf "etcd-$ETCD_VERSION" "$bin/etcd"
ln -sf "helm-$HELM_VERSION" "$bin/helm"
if ((${#built[@]})); then
  echo "e2e: built ${built[*]} in $(( $(date +%s) - started ))s"
else
  echo "e2e: control plane binaries cached in $bin ($(( $(date +%s) - started ))s)"
fi
