#!/usr/bin/env bash
# Installs everything a fresh Debian bookworm machine needs to build, run and test
# irsa-webhook. Idempotent: packages already present are skipped quickly.
set -euo pipefail

PACKAGES=(
  build-essential cmake ninja-build pkg-config ccache
  libcpp-httplib-dev libssl-dev openssl
  nlohmann-json3-dev libyaml-cpp-dev libspdlog-dev libfmt-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  clang-format clang-tidy
  curl jq ca-certificates
  python3 python3-yaml  # hack/check-chart.sh reads the rendered manifests
)
# Benchmark tools are only needed by bench/; install with IRSA_SETUP_BENCH=1.
if [[ "${IRSA_SETUP_BENCH:-0}" == "1" ]]; then
  PACKAGES+=(wrk nginx-light)
fi
# The real-node suite (test/node/) runs containerd, kubelet and kube-proxy and builds images
# with buildah from mmdebstrap bases; hack/test.sh sets IRSA_SETUP_NODE=1.
if [[ "${IRSA_SETUP_NODE:-0}" == "1" ]]; then
  PACKAGES+=(containerd runc containernetworking-plugins iptables iproute2 util-linux
    buildah mmdebstrap)
fi

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  SUDO=""
  if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
echo "setup: system packages ready"
