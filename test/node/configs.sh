# Sourced by up.sh: configuration files of containerd, CNI, kubelet and kube-proxy.
# Every path is under the work directory $1, so nothing on the machine is shared.

configs_write() {
  local work="$1"
  mkdir -p "$work/cni/net.d" "$work/cni/ipam" "$work/containerd" "$work/kubelet" "$work/pod-logs"
  # containerd 1.6 from Debian. restrict_oom_score_adj: the machine withholds
  # CAP_SYS_RESOURCE, so runc may not lower a process's OOM score below its parent's
  # (kubelet asks -998 for sandboxes); the CRI plugin then clamps instead of failing.
  cat >"$work/containerd/config.toml" <<TOML
version = 2
root = "$work/containerd/root"
state = "$work/containerd/state"
disabled_plugins = ["io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs",
  "io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.aufs",
  "io.containerd.internal.v1.tracing"]
[grpc]
  address = "$work/containerd/containerd.sock"
[ttrpc]
  address = "$work/containerd/containerd.sock.ttrpc"
[plugins."io.containerd.internal.v1.opt"]
  path = "$work/containerd/opt"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "registry.k8s.io/pause:3.10"
  restrict_oom_score_adj = true
  netns_mounts_under_state_dir = true
  enable_selinux = false
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        BinaryName = "/usr/sbin/runc"
        Root = "$work/runc"
        SystemdCgroup = false
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "$CNI_BIN_DIR"
    conf_dir = "$work/cni/net.d"
    max_conf_num = 1
TOML
  # One bridge, no masquerade: nothing leaves the namespace, so nothing needs NAT out.
  cat >"$work/cni/net.d/10-irsa-node.conflist" <<JSON
{
  "cniVersion": "1.0.0",
  "name": "irsa-node",
  "plugins": [
    {"type": "bridge", "bridge": "cni0", "isGateway": true, "ipMasq": false, "hairpinMode": true,
     "ipam": {"type": "host-local", "dataDir": "$work/cni/ipam",
              "ranges": [[{"subnet": "$POD_CIDR", "gateway": "$POD_GATEWAY"}]],
              "routes": [{"dst": "0.0.0.0/0"}]}},
    {"type": "loopback"}
  ]
}
JSON
  printf 'nameserver 127.0.0.1\noptions ndots:1\n' >"$work/resolv.conf"
  cat >"$work/kubelet/config.yaml" <<YAML
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
address: $NODE_IP
port: 10250
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
healthzPort: 10248
tlsCertFile: $work/pki/kubelet.crt
tlsPrivateKeyFile: $work/pki/kubelet.key
authentication:
  anonymous: {enabled: false}
  webhook: {enabled: true}
  x509: {clientCAFile: $work/pki/ca.crt}
authorization: {mode: Webhook}
containerRuntimeEndpoint: unix://$work/containerd/containerd.sock
cgroupDriver: cgroupfs
failCgroupV1: false
failSwapOn: false
podLogsDir: $work/pod-logs
resolvConf: $work/resolv.conf
clusterDomain: cluster.local
# No DNS server runs (nothing here resolves names), but real clusters always set one;
# lookups to it end inside the namespace.
clusterDNS: [10.96.0.10]
serializeImagePulls: false
# Images are imported, never pulled: no garbage collection, no eviction on a full disk.
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
evictionHard: {memory.available: 100Mi, nodefs.available: "1%", imagefs.available: "1%", nodefs.inodesFree: "1%"}
# Kubelet would otherwise change machine-wide kernel settings (vm.overcommit_memory,
# kernel.panic); up.sh saves them and down.sh restores them.
protectKernelDefaults: false
rotateCertificates: false
syncFrequency: 10s
fileCheckFrequency: 10s
shutdownGracePeriod: 0s
YAML
  cat >"$work/kube-proxy.yaml" <<YAML
apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
mode: iptables
clusterCIDR: 10.244.0.0/16
hostnameOverride: $NODE_NAME
bindAddress: $NODE_IP
healthzBindAddress: 127.0.0.1:10256
metricsBindAddress: 127.0.0.1:10249
clientConnection: {kubeconfig: $work/kube-proxy.kubeconfig}
# Zero: leave the machine-wide conntrack table size and timeouts alone.
conntrack: {maxPerCore: 0, min: 0, tcpEstablishedTimeout: 0s, tcpCloseWaitTimeout: 0s}
YAML
}
