# Sourced by up.sh: the node's certificates. One CA signs every serving and client
# certificate; the ServiceAccount signing key is a separate RSA key, as on EKS.
pki_issue() {
  local dir="$1" name="$2" subject="$3" extensions="$4"
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "$subject" \
    -keyout "$dir/$name.key" -out "$dir/$name.csr" 2>/dev/null
  openssl x509 -req -in "$dir/$name.csr" -CA "$dir/ca.crt" -CAkey "$dir/ca.key" -CAcreateserial \
    -days 2 -extfile <(printf '%s\n' "$extensions") -out "$dir/$name.crt" 2>/dev/null
  rm -f "$dir/$name.csr"
}

pki_generate() {
  local dir="$1"
  mkdir -p "$dir"
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
    -subj "/CN=irsa-node-ca" -keyout "$dir/ca.key" -out "$dir/ca.crt" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
  pki_issue "$dir" apiserver "/CN=kube-apiserver" \
    "subjectAltName=IP:$NODE_IP,IP:$KUBERNETES_SERVICE_IP,IP:127.0.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local
extendedKeyUsage=serverAuth"
  pki_issue "$dir" kubelet "/CN=$NODE_NAME" "subjectAltName=IP:$NODE_IP,DNS:$NODE_NAME
extendedKeyUsage=serverAuth"
  local client
  for client in "admin:/O=system:masters/CN=irsa-node-admin" \
    "apiserver-kubelet-client:/O=system:masters/CN=kube-apiserver-kubelet-client" \
    "node:/O=system:nodes/CN=system:node:$NODE_NAME" \
    "controller-manager:/CN=system:kube-controller-manager" \
    "scheduler:/CN=system:kube-scheduler" \
    "kube-proxy:/CN=system:kube-proxy"; do
    pki_issue "$dir" "${client%%:*}" "${client#*:}" "extendedKeyUsage=clientAuth"
  done
  openssl genrsa -out "$dir/sa.key" 2048 2>/dev/null
  openssl rsa -in "$dir/sa.key" -pubout -out "$dir/sa.pub" 2>/dev/null
}

# kubeconfig for one client certificate of the node's PKI.
pki_kubeconfig() {
  local dir="$1" name="$2" out="$3"
  cat >"$out" <<KC
apiVersion: v1
kind: Config
current-context: $name
clusters:
- name: irsa-node
  cluster: {server: "https://$NODE_IP:$APISERVER_PORT", certificate-authority: "$dir/ca.crt"}
users:
- name: $name
  user: {client-certificate: "$dir/$name.crt", client-key: "$dir/$name.key"}
contexts:
- name: $name
  context: {cluster: irsa-node, user: $name}
KC
}
