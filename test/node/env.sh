# Sourced by every real-node script: the node's fixed addresses and where things live.
# Every address below exists only inside the node's own network namespace ($NODE_NS),
# which up.sh creates and down.sh deletes; nothing is routed out of it.
NODE_NAME=irsa-node
NODE_IP=10.222.0.2            # portless bridge node0: kube-apiserver, kubelet, emulators
POD_CIDR=10.244.0.0/24        # CNI bridge cni0, host-local IPAM
POD_GATEWAY=10.244.0.1
SERVICE_CIDR=10.96.0.0/16     # kube-proxy (iptables mode) routes ClusterIPs
KUBERNETES_SERVICE_IP=10.96.0.1
POD_IDENTITY_AGENT_IP=169.254.170.23   # as on EKS; the agent emulator listens here
APISERVER_PORT=6443
STS_PORT=8090
# EKS-like issuer: the tokens say this, discovery is served by kube-apiserver itself.
SA_ISSUER=https://oidc.irsa-e2e.internal/id/E2ECLUSTER1
SA_JWKS_URI=https://$NODE_IP:$APISERVER_PORT/openid/v1/jwks
KUBE_CACHE_DIR="${IRSA_CACHE_DIR:-$HOME/.cache/irsa-webhook}"
NODE_BIN="${NODE_BIN:-$KUBE_CACHE_DIR/bin}"
CNI_BIN_DIR=/usr/lib/cni

# The namespace is named after the work directory so two suites never share one.
node_ns_name() { echo "irsa-node-$(printf '%s' "$1" | sha256sum | cut -c1-8)"; }
