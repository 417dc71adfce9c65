#!/usr/bin/env bash
# Starts a single-node Kubernetes cluster (etcd, kube-apiserver, kube-controller-manager,
# kube-scheduler, containerd, kubelet, kube-proxy) inside a network namespace of its own.
# Usage: test/node/up.sh WORK_DIR [IMAGE_TAR...]
#   WORK_DIR   every file of the node lives here (certificates, state, logs)
#   IMAGE_TAR  docker-archive images imported into the node's containerd before kubelet
#              starts (no registry is reachable; the sandbox image must be among them)
# Afterwards: test/node/kubectl.sh WORK_DIR get pods -A; stop with test/node/down.sh WORK_DIR.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
source "$here/env.sh"
source "$here/pki.sh"
source "$here/configs.sh"
work="${1:?usage: up.sh WORK_DIR [IMAGE_TAR...]}"; shift
[[ $(id -u) -eq 0 ]] || { echo "up.sh: needs root (network namespace, containerd, kubelet)"; exit 1; }
for tool in etcd kube-apiserver kube-controller-manager kube-scheduler kubelet kube-proxy kubectl; do
  [[ -x "$NODE_BIN/$tool" ]] || { echo "up.sh: $NODE_BIN/$tool missing; run test/e2e/build-components.sh"; exit 1; }
done
for tool in containerd containerd-shim-runc-v2 ctr /usr/sbin/runc "$CNI_BIN_DIR/bridge" iptables nsenter unshare; do
  command -v "$tool" >/dev/null || { echo "up.sh: $tool missing; run IRSA_SETUP_NODE=1 hack/setup.sh"; exit 1; }
done
mkdir -p "$work"
work="$(cd "$work" && pwd)"
ns="$(node_ns_name "$work")"
if ip netns list | grep -qw "$ns"; then echo "up.sh: $ns exists; run down.sh $work first"; exit 1; fi
started=$(date +%s)

pki_generate "$work/pki"
for name in admin node controller-manager scheduler kube-proxy; do
  pki_kubeconfig "$work/pki" "$name" "$work/$name.kubeconfig"
done
configs_write "$work"
mkdir -p "$work/images"
for image in "$@"; do cp "$image" "$work/images/"; done

# Kubelet sets these machine-wide kernel settings; down.sh puts them back.
sysctl -n vm.overcommit_memory kernel.panic kernel.panic_on_oops vm.panic_on_oom \
  kernel.keys.root_maxkeys kernel.keys.root_maxbytes | paste -sd' ' >"$work/host-sysctls"

# The network: an empty bridge (this kernel has no dummy driver) carries the node's address and the Pod Identity agent's
# link-local address; the default route points into it, and it has no ports, so nothing can leave.
ip netns add "$ns"
echo "$ns" >"$work/netns"
ip -n "$ns" link set lo up
if [[ ! -e /proc/sys/net/bridge/bridge-nf-call-iptables ]]; then
  ip netns del "$ns"
  echo "up.sh: this kernel has no br_netfilter (Pod-to-Service traffic on the bridge would bypass"
  echo "       kube-proxy); load it with 'modprobe br_netfilter' and run again"; exit 1
fi
ip -n "$ns" link add node0 type bridge
ip -n "$ns" addr add "$NODE_IP/24" dev node0
ip -n "$ns" addr add "$POD_IDENTITY_AGENT_IP/32" dev node0
ip -n "$ns" link set node0 up
ip -n "$ns" route add default dev node0

setsid nsenter --net="/run/netns/$ns" \
  unshare --pid --fork --kill-child=SIGTERM --mount-proc --propagation private \
  bash "$here/node.sh" "$work" >"$work/node.log" 2>&1 </dev/null &
echo $! >"$work/node.pid"
for _ in $(seq 1 900); do
  [[ -e "$work/node-ready" ]] && break
  if ! kill -0 "$(cat "$work/node.pid")" 2>/dev/null; then
    echo "up.sh: the node exited during start-up:"; tail -n 40 "$work/node.log"; exit 1
  fi
  sleep 0.2
done
[[ -e "$work/node-ready" ]] || { echo "up.sh: node not ready after 180 s:"; tail -n 40 "$work/node.log"; exit 1; }
echo "up.sh: node $NODE_NAME ready in $(( $(date +%s) - started ))s (network namespace $ns, logs in $work/logs)"
