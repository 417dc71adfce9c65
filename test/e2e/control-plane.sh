# Sourced by run.sh: starts and stops a real etcd + kube-apiserver on 127.0.0.1.
# Needs: $WORK (scratch dir), $BIN (control plane binaries), free_port.

cp_generate_pki() {
  local pki="$WORK/pki"
  mkdir -p "$pki"
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj "/CN=e2e-cluster-ca" \
    -keyout "$pki/ca.key" -out "$pki/ca.crt" -addext "basicConstraints=critical,CA:TRUE" \
    -addext "keyUsage=critical,keyCertSign" 2>/dev/null
  cp_issue apiserver "/CN=kube-apiserver" "subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:kubernetes.default.svc
extendedKeyUsage=serverAuth"
  cp_issue admin "/O=system:masters/CN=e2e-admin" "extendedKeyUsage=clientAuth"
  openssl genrsa -out "$pki/sa.key" 2048 2>/dev/null
  openssl rsa -in "$pki/sa.key" -pubout -out "$pki/sa.pub" 2>/dev/null
}

cp_issue() {
  local name="$1" subject="$2" extensions="$3" pki="$WORK/pki"
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "$subject" \
    -keyout "$pki/$name.key" -out "$pki/$name.csr" 2>/dev/null
  openssl x509 -req -in "$pki/$name.csr" -CA "$pki/ca.crt" -CAkey "$pki/ca.key" -CAcreateserial -days 2 \
    -extfile <(printf '%s\n' "$extensions") -out "$pki/$name.crt" 2>/dev/null
}

cp_start_etcd() {
  ETCD_PORT=$(free_port); ETCD_PEER_PORT=$(free_port)
  ETCD_DATA="$(mktemp -d /dev/shm/irsa-e2e-etcd.XXXXXX)"
  setsid "$BIN/etcd" --name e2e --data-dir "$ETCD_DATA" --unsafe-no-fsync \
    --listen-client-urls "http://127.0.0.1:$ETCD_PORT" --advertise-client-urls "http://127.0.0.1:$ETCD_PORT" \
    --listen-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" \
    --initial-advertise-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" \
    --initial-cluster "e2e=http://127.0.0.1:$ETCD_PEER_PORT" >"$WORK/etcd.log" 2>&1 &
  ETCD_PID=$!
  for _ in $(seq 1 100); do
    curl -sf "http://127.0.0.1:$ETCD_PORT/health" >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  echo "etcd did not start; log:"; tail -20 "$WORK/etcd.log"; return 1
}

cp_start_apiserver() {
  : "${APISERVER_PORT:=$(free_port)}"
  local pki="$WORK/pki"
  setsid "$BIN/kube-apiserver" \
    --etcd-servers "http://127.0.0.1:$ETCD_PORT" \
    --bind-address 127.0.0.1 --advertise-address 127.0.0.1 --secure-port "$APISERVER_PORT" \
    --tls-cert-file "$pki/apiserver.crt" --tls-private-key-file "$pki/apiserver.key" \
    --client-ca-file "$pki/ca.crt" \
    --service-account-issuer https://kubernetes.default.svc \
    --service-account-key-file "$pki/sa.pub" --service-account-signing-key-file "$pki/sa.key" \
    --authorization-mode RBAC --endpoint-reconciler-type none \
    --service-cluster-ip-range 10.96.0.0/16 \
    --enable-priority-and-fairness=false \
    --profiling=false >"$WORK/apiserver.log" 2>&1 &
  APISERVER_PID=$!
  cat >"$WORK/admin.kubeconfig" <<KC
apiVersion: v1
kind: Config
current-context: admin
clusters:
- name: e2e
  cluster: {server: "https://127.0.0.1:$APISERVER_PORT", certificate-authority: "$pki/ca.crt"}
users:
- name: admin
  user: {client-certificate: "$pki/admin.crt", client-key: "$pki/admin.key"}
contexts:
- name: admin
  context: {cluster: e2e, user: admin}
KC
  for _ in $(seq 1 300); do
    if [[ "$(kubectl get --raw /readyz 2>/dev/null)" == "ok" ]]; then return 0; fi
    if ! kill -0 "$APISERVER_PID" 2>/dev/null; then break; fi
    sleep 0.2
  done
  echo "kube-apiserver did not become ready; log:"; tail -30 "$WORK/apiserver.log"; return 1
}

cp_stop_apiserver() {
  [[ -n "${APISERVER_PID:-}" ]] && kill -TERM -- "-$APISERVER_PID" 2>/dev/null
  for _ in $(seq 1 30); do kill -0 "$APISERVER_PID" 2>/dev/null || break; sleep 0.1; done
  kill -KILL -- "-$APISERVER_PID" 2>/dev/null || true
}

cp_stop_all() {
  cp_stop_apiserver
  [[ -n "${ETCD_PID:-}" ]] && { kill -TERM -- "-$ETCD_PID" 2>/dev/null; sleep 0.3; kill -KILL -- "-$ETCD_PID" 2>/dev/null; }
  [[ -n "${ETCD_DATA:-}" ]] && rm -rf "$ETCD_DATA"
  return 0
}
