#!/usr/bin/env bash
# The node's supervisor. up.sh starts it as PID 1 of a new PID namespace, in a private
# mount namespace, inside the node's network namespace: every component below is its
# child, so when it exits the kernel ends every process of the node (containerd's shims
# and the Pods included) and every mount the node made disappears with its namespace.
# Usage (from up.sh only): node.sh WORK_DIR
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
source "$here/env.sh"
work="$1"
pki="$work/pki"
logs="$work/logs"
mkdir -p "$logs"
pids=()

log() { echo "node: $(date +%T) $*"; }

stop_all() {
  log "stopping (${#pids[@]} components)"
  local pid
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for _ in $(seq 1 30); do
    local alive=0
    for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
    ((alive)) || break
    sleep 0.1
  done
  log "stopped; the PID namespace ends the rest"
  exit 0
}
trap stop_all TERM INT

# `sysfs` as this network namespace sees it (CNI and kubelet read interfaces there),
# keeping the machine's cgroup mounts, which kubelet and runc need.
mkdir -p "$work/.cgroup-keep"
mount --rbind /sys/fs/cgroup "$work/.cgroup-keep"
umount -l /sys
mount -t sysfs sysfs /sys
mount --move "$work/.cgroup-keep" /sys/fs/cgroup
# containerd 1.6 puts shim sockets under /run/containerd whatever its state dir is; a
# private tmpfs keeps them off the machine's /run.
mkdir -p /run/containerd
mount -t tmpfs -o mode=0711 tmpfs /run/containerd
# Likewise containerd's CNI result cache and kubelet's /var/log/containers links, whose
# paths are fixed: bound to the work directory so the node leaves nothing there.
mkdir -p /var/lib/cni /var/log/containers "$work/cni/cache" "$work/container-logs"
mount --bind "$work/cni/cache" /var/lib/cni
mount --bind "$work/container-logs" /var/log/containers

# Name lookups by the node's components (an image pull of a name that was not imported)
# end at the namespace's own loopback instead of the machine's resolver.
mount --bind "$work/resolv.conf" /etc/resolv.conf

sysctl -qw net.ipv4.ip_forward=1
# Bridged Pod-to-Service traffic must pass kube-proxy's iptables rules.
sysctl -qw net.bridge.bridge-nf-call-iptables=1

start() {
  local name="$1"; shift
  "$@" >"$logs/$name.log" 2>&1 &
  pids+=($!)
  log "started $name (pid $!)"
}

wait_for() {
  local what="$1" tries="$2"; shift 2
  for _ in $(seq 1 "$tries"); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    sleep 0.2
  done
  log "$what did not come up; last lines of its log:"
  tail -n 30 "$logs/$what.log" || true
  kill -TERM $$
  return 1
}

start etcd "$NODE_BIN/etcd" --name node --data-dir "$work/etcd" --unsafe-no-fsync \
  --listen-client-urls http://127.0.0.1:2379 --advertise-client-urls http://127.0.0.1:2379 \
  --listen-peer-urls http://127.0.0.1:2380 --initial-advertise-peer-urls http://127.0.0.1:2380 \
  --initial-cluster node=http://127.0.0.1:2380 --listen-metrics-urls ""
wait_for etcd 150 curl -sf http://127.0.0.1:2379/health

start kube-apiserver "$NODE_BIN/kube-apiserver" \
  --etcd-servers http://127.0.0.1:2379 \
  --bind-address 0.0.0.0 --advertise-address "$NODE_IP" --secure-port "$APISERVER_PORT" \
  --tls-cert-file "$pki/apiserver.crt" --tls-private-key-file "$pki/apiserver.key" \
  --client-ca-file "$pki/ca.crt" \
  --kubelet-client-certificate "$pki/apiserver-kubelet-client.crt" \
  --kubelet-client-key "$pki/apiserver-kubelet-client.key" \
  --kubelet-certificate-authority "$pki/ca.crt" --kubelet-preferred-address-types InternalIP \
  --service-account-issuer "$SA_ISSUER" --service-account-jwks-uri "$SA_JWKS_URI" \
  --service-account-key-file "$pki/sa.pub" --service-account-signing-key-file "$pki/sa.key" \
  --authorization-mode Node,RBAC --enable-admission-plugins NodeRestriction \
  --service-cluster-ip-range "$SERVICE_CIDR" --allow-privileged=true --profiling=false
wait_for kube-apiserver 600 bash -c "[[ \$('$NODE_BIN/kubectl' --kubeconfig '$work/admin.kubeconfig' get --raw /readyz) == ok ]]"

start kube-controller-manager "$NODE_BIN/kube-controller-manager" \
  --kubeconfig "$work/controller-manager.kubeconfig" \
  --authentication-kubeconfig "$work/controller-manager.kubeconfig" \
  --authorization-kubeconfig "$work/controller-manager.kubeconfig" \
  --service-account-private-key-file "$pki/sa.key" --root-ca-file "$pki/ca.crt" \
  --cluster-signing-cert-file "$pki/ca.crt" --cluster-signing-key-file "$pki/ca.key" \
  --use-service-account-credentials --leader-elect=false \
  --bind-address 127.0.0.1 --secure-port 10257 --profiling=false
start kube-scheduler "$NODE_BIN/kube-scheduler" \
  --kubeconfig "$work/scheduler.kubeconfig" \
  --authentication-kubeconfig "$work/scheduler.kubeconfig" \
  --authorization-kubeconfig "$work/scheduler.kubeconfig" \
  --leader-elect=false --bind-address 127.0.0.1 --secure-port 10259 --profiling=false

start containerd containerd --config "$work/containerd/config.toml"
ctr_node() { ctr --address "$work/containerd/containerd.sock" -n k8s.io "$@"; }
wait_for containerd 150 ctr_node version
for image in "$work"/images/*.tar; do
  [[ -e "$image" ]] || continue
  ctr_node images import --snapshotter overlayfs "$image" >>"$logs/images.log" 2>&1 \
    || { log "importing $image failed:"; tail -n 5 "$logs/images.log"; kill -TERM $$; }
  log "imported $(basename "$image")"
done

start kubelet "$NODE_BIN/kubelet" --config "$work/kubelet/config.yaml" \
  --kubeconfig "$work/node.kubeconfig" --root-dir "$work/kubelet/root" \
  --cert-dir "$work/kubelet/pki" --node-ip "$NODE_IP" --hostname-override "$NODE_NAME" --v=1
start kube-proxy "$NODE_BIN/kube-proxy" --config "$work/kube-proxy.yaml" --v=1
wait_for kubelet 600 bash -c "'$NODE_BIN/kubectl' --kubeconfig '$work/admin.kubeconfig' get node '$NODE_NAME' -o jsonpath='{.status.conditions[?(@.type==\"Ready\")].status}' | grep -qx True"
touch "$work/node-ready"
log "node ready"
# Stay alive as the namespace's init; a component that exits early is reported.
while true; do
  for i in "${!pids[@]}"; do
    if ! kill -0 "${pids[$i]}" 2>/dev/null; then
      log "a component (pid ${pids[$i]}) exited; see $logs"
      unset 'pids[i]'
    fi
  done
  sleep 2 & wait $! || true
done
