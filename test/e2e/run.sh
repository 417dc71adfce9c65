#!/usr/bin/env bash
# End-to-end suite: the irsa-webhook binary behind a real kube-apiserver + etcd, with the
# webhook configuration and RBAC taken from the Helm chart. Each scenario asserts on
# objects read back from the API server. Usage: test/e2e/run.sh [path/to/irsa-webhook]
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
WEBHOOK_BIN="${1:-$root/build/irsa-webhook}"
suite_started=$(date +%s)

bash "$here/build-components.sh" || exit 1
BIN="${IRSA_CACHE_DIR:-$HOME/.cache/irsa-webhook}/bin"
export PATH="$BIN:$PATH"
WORK="$(mktemp -d /tmp/irsa-e2e.XXXXXX)"
export KUBECONFIG="$WORK/admin.kubeconfig"
NS=e2e
WEBHOOK_NS=irsa-system
ROLE=arn:aws:iam::111122223333:role

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
source "$here/control-plane.sh"

WEBHOOK_PID=""
stop_webhook() {
  if [[ -n "$WEBHOOK_PID" ]]; then
    kill -TERM -- "-$WEBHOOK_PID" 2>/dev/null
    # Shutdown takes at most the drain delay plus the keep-alive timeout (10s) of idle
    # connections from kube-apiserver.
    for _ in $(seq 1 250); do kill -0 "$WEBHOOK_PID" 2>/dev/null || break; sleep 0.1; done
    kill -KILL -- "-$WEBHOOK_PID" 2>/dev/null || true
    WEBHOOK_PID=""
  fi
}
cleanup() {
  stop_webhook
  cp_stop_all
  if [[ "${KEEP_WORK:-0}" != 1 ]]; then rm -rf "$WORK"; else echo "e2e: kept $WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

passed=0; failed=0
pass() { echo "PASS  $1"; passed=$((passed + 1)); }
fail() { echo "FAIL  $1"; failed=$((failed + 1)); }
check() { local name="$1"; shift; if "$@"; then pass "$name"; else fail "$name"; fi; }

# --- Control plane ---------------------------------------------------------------------------
cp_generate_pki
cp_start_etcd || exit 1
cp_start_apiserver || exit 1
echo "e2e: kube-apiserver $(kubectl version -o json 2>/dev/null | jq -r .serverVersion.gitVersion) ready on 127.0.0.1:$APISERVER_PORT"
kubectl create namespace "$NS" >/dev/null
kubectl create namespace "$WEBHOOK_NS" >/dev/null

# --- Webhook identity and configuration from the Helm chart -----------------------------------
cp_issue webhook "/CN=localhost" "subjectAltName=IP:127.0.0.1,DNS:localhost
extendedKeyUsage=serverAuth"
mkdir -p "$WORK/webhook-certs"
cp "$WORK/pki/webhook.crt" "$WORK/webhook-certs/tls.crt"; cp "$WORK/pki/webhook.key" "$WORK/webhook-certs/tls.key"
CA_BUNDLE="$(base64 -w0 <"$WORK/pki/ca.crt")"
helm template irsa-webhook "$root/charts/irsa-webhook" --namespace "$WEBHOOK_NS" --kube-version 1.33.0 \
  --set certificates.mode=secret --set certificates.caBundle="$CA_BUNDLE" --set config.watchConfigMap=true \
  --show-only templates/serviceaccount.yaml --show-only templates/rbac.yaml \
  --show-only templates/mutatingwebhookconfiguration.yaml >"$WORK/chart.yaml" || exit 1
kubectl apply -f "$WORK/chart.yaml" >/dev/null || exit 1
WEBHOOK_PORT=$(free_port); METRICS_PORT=$(free_port)
# The chart points at an in-cluster Service; here the webhook runs as a local process.
kubectl patch mutatingwebhookconfiguration irsa-webhook --type=json -p "[{\"op\":\"replace\",\"path\":\"/webhooks/0/clientConfig\",\"value\":{\"url\":\"https://127.0.0.1:$WEBHOOK_PORT/mutate\",\"caBundle\":\"$CA_BUNDLE\"}}]" >/dev/null || exit 1

# The webhook talks to the API server as its own ServiceAccount, with the chart's RBAC only.
TOKEN="$(kubectl create token irsa-webhook -n "$WEBHOOK_NS" --duration=2h)"
cat >"$WORK/webhook.kubeconfig" <<KC
apiVersion: v1
kind: Config
current-context: webhook
clusters:
- name: e2e
  cluster: {server: "https://127.0.0.1:$APISERVER_PORT", certificate-authority: "$WORK/pki/ca.crt"}
users:
- name: webhook
  user: {token: "$TOKEN"}
contexts:
- name: webhook
  context: {cluster: e2e, user: webhook}
KC
echo '{"identities":[]}' >"$WORK/pod-identity.json"

start_webhook() {
  setsid "$WEBHOOK_BIN" --bind-address=127.0.0.1 --port="$WEBHOOK_PORT" --metrics-port="$METRICS_PORT" \
    --tls-cert="$WORK/webhook-certs/tls.crt" --tls-key="$WORK/webhook-certs/tls.key" \
    --kubeconfig="$WORK/webhook.kubeconfig" --namespace="$WEBHOOK_NS" --watch-config-map \
    --watch-container-credentials-config="$WORK/pod-identity.json" --aws-default-region=eu-west-1 \
    --shutdown-drain-delay=0s --enable-debugging-handlers -v=4 >>"$WORK/webhook.log" 2>&1 &
  WEBHOOK_PID=$!
  for _ in $(seq 1 100); do
    if curl -sf --cacert "$WORK/pki/ca.crt" "https://127.0.0.1:$WEBHOOK_PORT/readyz" >/dev/null 2>&1; then return 0; fi
    kill -0 "$WEBHOOK_PID" 2>/dev/null || break
    sleep 0.1
  done
  echo "webhook did not become ready; log:"; tail -20 "$WORK/webhook.log"; return 1
}
start_webhook || exit 1

# --- Helpers ------------------------------------------------------------------------------------
sa() {  # sa NAME [ANNOTATIONS-JSON]
  jq -n --arg name "$1" --argjson annotations "${2:-{\}}" \
    '{apiVersion:"v1",kind:"ServiceAccount",metadata:{name:$name,namespace:"e2e",annotations:$annotations}}' |
    kubectl apply -f - >/dev/null
}
pod() {  # pod NAME SA [JQ-MERGE]; stderr of kubectl goes to $WORK/$NAME.err
  jq -n --arg name "$1" --arg sa "$2" \
    '{apiVersion:"v1",kind:"Pod",metadata:{name:$name,namespace:"e2e"},
      spec:{serviceAccountName:$sa,containers:[{name:"app",image:"busybox"}]}}' | jq "${3:-.}" |
    kubectl create -f - >/dev/null 2>"$WORK/$1.err"
}
get() { kubectl get pod -n "$NS" "$1" -o json; }
env_of() {  # env_of POD PATH-TO-CONTAINER NAME
  get "$1" | jq -r --arg n "$3" "$2.env // [] | map(select(.name==\$n)) | .[0].value // \"<unset>\""
}
eq() { [[ "$1" == "$2" ]] || { echo "      expected '$2', got '$1'"; return 1; }; }

# --- 1. Basic injection, unannotated SA, skip label ---------------------------------------------
sa app "{\"eks.amazonaws.com/role-arn\":\"$ROLE/app\"}"
sa plain
sleep 0.5
pod basic app
check "1a role-arn SA: env, volume and mount injected" bash -c "
  p=\$(kubectl get pod -n $NS basic -o json)
  [[ \$(jq -r '.spec.containers[0].env[] | select(.name==\"AWS_ROLE_ARN\") | .value' <<<\"\$p\") == '$ROLE/app' ]] &&
  [[ \$(jq -r '.spec.containers[0].env[] | select(.name==\"AWS_WEB_IDENTITY_TOKEN_FILE\") | .value' <<<\"\$p\") == /var/run/secrets/eks.amazonaws.com/serviceaccount/token ]] &&
  [[ \$(jq -r '.spec.volumes[] | select(.name==\"aws-iam-token\") | .projected.sources[0].serviceAccountToken.audience' <<<\"\$p\") == sts.amazonaws.com ]] &&
  [[ \$(jq -r '.spec.containers[0].volumeMounts[] | select(.name==\"aws-iam-token\") | .mountPath' <<<\"\$p\") == /var/run/secrets/eks.amazonaws.com/serviceaccount ]]"
pod unannotated plain
check "1b unannotated SA: Pod unchanged" eq "$(env_of unannotated '.spec.containers[0]' AWS_ROLE_ARN)" "<unset>"
pod skipped app '.metadata.labels={"eks.amazonaws.com/skip-pod-identity-webhook":"true"}'
check "1c skip label: Pod never sent to the webhook" eq "$(env_of skipped '.spec.containers[0]' AWS_ROLE_ARN)" "<unset>"

# --- 2. Annotations, flags, Pod-level settings, native sidecar ----------------------------------
sa tuned "{\"eks.amazonaws.com/role-arn\":\"$ROLE/tuned\",\"eks.amazonaws.com/audience\":\"custom-aud\",\"eks.amazonaws.com/token-expiration\":\"7200\",\"eks.amazonaws.com/sts-regional-endpoints\":\"true\"}"
sleep 0.5
pod tuned tuned
check "2a audience annotation" eq "$(get tuned | jq -r '.spec.volumes[] | select(.name=="aws-iam-token") | .projected.sources[0].serviceAccountToken.audience')" "custom-aud"
check "2b token-expiration annotation" eq "$(get tuned | jq -r '.spec.volumes[] | select(.name=="aws-iam-token") | .projected.sources[0].serviceAccountToken.expirationSeconds')" "7200"
check "2c sts-regional-endpoints annotation" eq "$(env_of tuned '.spec.containers[0]' AWS_STS_REGIONAL_ENDPOINTS)" "regional"
check "2d --aws-default-region" eq "$(env_of tuned '.spec.containers[0]' AWS_REGION)/$(env_of tuned '.spec.containers[0]' AWS_DEFAULT_REGION)" "eu-west-1/eu-west-1"
pod podexp tuned '.metadata.annotations={"eks.amazonaws.com/token-expiration":"3600","eks.amazonaws.com/skip-containers":"proxy"} | .spec.containers += [{name:"proxy",image:"envoy"}]'
check "2e Pod token-expiration beats the SA's" eq "$(get podexp | jq -r '.spec.volumes[] | select(.name=="aws-iam-token") | .projected.sources[0].serviceAccountToken.expirationSeconds')" "3600"
check "2f skip-containers leaves the named container alone" eq "$(env_of podexp '.spec.containers[1]' AWS_ROLE_ARN)|$(env_of podexp '.spec.containers[0]' AWS_ROLE_ARN)" "<unset>|$ROLE/tuned"
pod sidecar app '.spec.initContainers=[{name:"shipper",image:"busybox",restartPolicy:"Always"}]'
check "2g native sidecar keeps restartPolicy Always and gets the env" eq "$(get sidecar | jq -r '.spec.initContainers[0].restartPolicy')|$(env_of sidecar '.spec.initContainers[0]' AWS_ROLE_ARN)" "Always|$ROLE/app"

# --- 3. Invalid role ARN: created, with a warning kubectl prints --------------------------------
sa badarn '{"eks.amazonaws.com/role-arn":"not-an-arn"}'
sleep 0.5
pod badarn badarn
check "3a invalid ARN: Pod created with the value injected" eq "$(env_of badarn '.spec.containers[0]' AWS_ROLE_ARN)" "not-an-arn"
check "3b invalid ARN: kubectl prints the webhook's warning" grep -q 'Warning: role ARN "not-an-arn" is not a valid IAM role ARN' "$WORK/badarn.err"

# --- 4. Freshly created, changed and re-created ServiceAccounts --------------------------------
sa fresh "{\"eks.amazonaws.com/role-arn\":\"$ROLE/fresh\"}"
pod fresh fresh   # no sleep: the grace period and the direct GET cover the watch lag
check "4a SA created just before the Pod: mutated" eq "$(env_of fresh '.spec.containers[0]' AWS_ROLE_ARN)" "$ROLE/fresh"
sa fresh "{\"eks.amazonaws.com/role-arn\":\"$ROLE/fresh-v2\"}"
sleep 1
pod fresh2 fresh
check "4b SA annotation changed: next Pod gets the new role" eq "$(env_of fresh2 '.spec.containers[0]' AWS_ROLE_ARN)" "$ROLE/fresh-v2"
kubectl delete sa -n "$NS" fresh >/dev/null
sa fresh
sleep 1
pod fresh3 fresh
check "4c SA re-created without the annotation: not mutated" eq "$(env_of fresh3 '.spec.containers[0]' AWS_ROLE_ARN)" "<unset>"

# --- 5. ConfigMap mappings and Pod Identity ------------------------------------------------------
sa mapped
sa podid "{\"eks.amazonaws.com/role-arn\":\"$ROLE/loses\"}"
kubectl create configmap pod-identity-webhook -n "$WEBHOOK_NS" \
  --from-literal=config="{\"e2e/mapped\":{\"RoleARN\":\"$ROLE/from-configmap\",\"Audience\":\"cm-aud\"}}" >/dev/null
echo '{"identities":[{"namespace":"e2e","serviceAccount":"podid"}]}' >"$WORK/pod-identity.json.tmp"
mv "$WORK/pod-identity.json.tmp" "$WORK/pod-identity.json"
sleep 1.5
pod mapped mapped
check "5a ConfigMap mapping gives the role" eq "$(env_of mapped '.spec.containers[0]' AWS_ROLE_ARN)|$(get mapped | jq -r '.spec.volumes[] | select(.name=="aws-iam-token") | .projected.sources[0].serviceAccountToken.audience')" "$ROLE/from-configmap|cm-aud"
pod podid podid
check "5b Pod Identity file wins: label, env and token volume" bash -c "
  p=\$(kubectl get pod -n $NS podid -o json)
  [[ \$(jq -r '.metadata.labels[\"eks.amazonaws.com/pod-identity\"]' <<<\"\$p\") == enabled ]] &&
  [[ \$(jq -r '.spec.containers[0].env[] | select(.name==\"AWS_CONTAINER_CREDENTIALS_FULL_URI\") | .value' <<<\"\$p\") == http://169.254.170.23/v1/credentials ]] &&
  [[ \$(jq -r '[.spec.containers[0].env[] | select(.name==\"AWS_ROLE_ARN\")] | length' <<<\"\$p\") == 0 ]] &&
  e=\$(jq -r '.spec.volumes[] | select(.name==\"eks-pod-identity-token\") | .projected.sources[0].serviceAccountToken.expirationSeconds' <<<\"\$p\") &&
  (( e >= 79200 && e <= 86400 ))"

# --- 7. Recent Pod fields survive the patch ------------------------------------------------------
pod fields app '.spec.hostUsers=false | .spec.initContainers=[{name:"init",image:"busybox",restartPolicy:"Always"}]
  | .spec.containers[0].resizePolicy=[{resourceName:"cpu",restartPolicy:"NotRequired"}]
  | .spec.containers[0].readinessProbe={grpc:{port:9090},periodSeconds:7}'
check "7  resizePolicy, init restartPolicy, hostUsers and grpc probes survive" bash -c "
  p=\$(kubectl get pod -n $NS fields -o json)
  [[ \$(jq -r '.spec.hostUsers' <<<\"\$p\") == false ]] &&
  [[ \$(jq -r '.spec.initContainers[0].restartPolicy' <<<\"\$p\") == Always ]] &&
  [[ \$(jq -r '.spec.containers[0].resizePolicy[0].restartPolicy' <<<\"\$p\") == NotRequired ]] &&
  [[ \$(jq -r '.spec.containers[0].readinessProbe.grpc.port' <<<\"\$p\") == 9090 ]] &&
  [[ \$(jq -r '.spec.containers[0].env[] | select(.name==\"AWS_ROLE_ARN\") | .value' <<<\"\$p\") == '$ROLE/app' ]]"

# --- 6. Faults -------------------------------------------------------------------------------------
# 6a: certificate files replaced while Pods keep being created: every Pod still mutated.
(for i in $(seq 1 20); do pod "rot-$i" app; done) &
creator=$!
for round in 1 2 3; do
  cp_issue "webhook-$round" "/CN=localhost" "subjectAltName=IP:127.0.0.1,DNS:localhost
extendedKeyUsage=serverAuth"
  cp "$WORK/pki/webhook-$round.key" "$WORK/webhook-certs/tls.key.new"
  cp "$WORK/pki/webhook-$round.crt" "$WORK/webhook-certs/tls.crt.new"
  mv "$WORK/webhook-certs/tls.key.new" "$WORK/webhook-certs/tls.key"
  mv "$WORK/webhook-certs/tls.crt.new" "$WORK/webhook-certs/tls.crt"
  sleep 0.7
done
wait "$creator"
unmutated=0
for i in $(seq 1 20); do
  [[ "$(env_of "rot-$i" '.spec.containers[0]' AWS_ROLE_ARN)" == "$ROLE/app" ]] || unmutated=$((unmutated + 1))
done
check "6a certificate rotation under load: no failed admissions (20/20 mutated)" eq "$unmutated" "0"
check "6a reloads were logged" grep -q "serving certificate reloaded" "$WORK/webhook.log"

# 6b: kube-apiserver restarted; the watch must recover (an SA change after the restart reaches
# Pods without any cache miss to hide a dead watch).
cp_stop_apiserver
sleep 1
cp_start_apiserver || exit 1
sa app "{\"eks.amazonaws.com/role-arn\":\"$ROLE/after-restart\"}"
ok=0
for _ in $(seq 1 40); do
  if curl -sf "http://127.0.0.1:$METRICS_PORT/debug/alpha/cache" | jq -e --arg r "$ROLE/after-restart" \
      '.serviceAccounts[] | select(.namespace=="e2e" and .name=="app") | .annotations["eks.amazonaws.com/role-arn"] == $r' >/dev/null; then
    ok=1; break
  fi
  sleep 0.5
done
pod after-restart app
check "6b kube-apiserver restart: watch recovered, new SA changes reach Pods" eq "$ok|$(env_of after-restart '.spec.containers[0]' AWS_ROLE_ARN)" "1|$ROLE/after-restart"

# --- 9. API server out of reach (test/e2e/apiserver-outage.sh) ---------------------------------
source "$here/apiserver-outage.sh"

# 6c: webhook down: failurePolicy Ignore (chart default) lets Pods through, unmutated.
stop_webhook
pod while-down app
check "6c webhook stopped: Pod created, unmutated" eq "$(env_of while-down '.spec.containers[0]' AWS_ROLE_ARN)" "<unset>"
check "6d webhook exited cleanly on SIGTERM" grep -q " stopped$" "$WORK/webhook.log"

# --- 8. The chart on a real API server, and the built-in certificate mode end to end -----------
dry_run_ok=1
# cert-manager is not installed here; stand-in CRDs let its mode's Certificate and Issuer
# reach the server too (see manifests/cert-manager-crds.yaml).
kubectl apply -f "$here/manifests/cert-manager-crds.yaml" >/dev/null
kubectl wait --for=condition=Established --timeout=30s crd/certificates.cert-manager.io crd/issuers.cert-manager.io >/dev/null
for mode in builtin secret cert-manager; do
  # A release name of its own, so every object is new to the server.
  helm template "dry-$mode" "$root/charts/irsa-webhook" --namespace "$WEBHOOK_NS" --kube-version 1.33.0 \
    --set certificates.mode=$mode --set certificates.caBundle="$CA_BUNDLE" --set config.watchConfigMap=true \
    --set config.podIdentity.enabled=true --set config.podIdentity.configMap=pi \
    | kubectl apply --dry-run=server -f - >"$WORK/dry-run-$mode.log" 2>&1 || { dry_run_ok=0; cat "$WORK/dry-run-$mode.log"; }
done
grep -q "certificate.cert-manager.io/dry-cert-manager-irsa-webhook created (server dry run)" "$WORK/dry-run-cert-manager.log" || dry_run_ok=0
check "8a helm template of every certificate mode passes a server-side dry run" eq "$dry_run_ok" 1

helm template irsa-webhook "$root/charts/irsa-webhook" --namespace "$WEBHOOK_NS" --kube-version 1.33.0 \
  --show-only templates/rbac.yaml >"$WORK/builtin-rbac.yaml"
kubectl apply -f "$WORK/builtin-rbac.yaml" >/dev/null
source "$here/rbac-checks.sh"
# No caBundle: the webhook must create its CA and publish it. Its certificate covers the
# service's DNS names, one of which is the bare service name: "localhost" here.
kubectl patch mutatingwebhookconfiguration irsa-webhook --type=json -p "[{\"op\":\"replace\",\"path\":\"/webhooks/0/clientConfig\",\"value\":{\"url\":\"https://localhost:$WEBHOOK_PORT/mutate\"}}]" >/dev/null
setsid "$WEBHOOK_BIN" --bind-address=127.0.0.1 --port="$WEBHOOK_PORT" --metrics-port="$METRICS_PORT" \
  --cert-mode=self-signed --service-name=localhost --cert-secret-name=irsa-webhook-cert \
  --webhook-config-name=irsa-webhook --tls-cert="$WORK/builtin/tls.crt" --tls-key="$WORK/builtin/tls.key" \
  --kubeconfig="$WORK/webhook.kubeconfig" --namespace="$WEBHOOK_NS" --shutdown-drain-delay=0s -v=4 \
  >>"$WORK/webhook-builtin.log" 2>&1 &
WEBHOOK_PID=$!
ready=0
for _ in $(seq 1 100); do
  if curl -sfk "https://127.0.0.1:$WEBHOOK_PORT/readyz" >/dev/null 2>&1; then ready=1; break; fi
  sleep 0.1
done
bundle="$(kubectl get mutatingwebhookconfiguration irsa-webhook -o json | jq -r '.webhooks[0].clientConfig.caBundle // ""' | base64 -d 2>/dev/null)"
secret_ca="$(kubectl get secret -n "$WEBHOOK_NS" irsa-webhook-cert -o json 2>/dev/null | jq -r '.data["ca.crt"] // ""' | base64 -d 2>/dev/null)"
check "8b built-in certificates: Secret created and caBundle published" bash -c "[[ $ready == 1 && -n '$secret_ca' && '$secret_ca' == '$bundle' ]]"
pod builtin app
check "8c built-in certificates: kube-apiserver calls the webhook successfully" eq "$(env_of builtin '.spec.containers[0]' AWS_ROLE_ARN)" "$ROLE/after-restart"
stop_webhook

echo "e2e: webhook log has $(grep -c 'outcome=mutated' "$WORK/webhook.log") mutated admissions; suite took $(( $(date +%s) - suite_started ))s"
if ((failed > 0)); then
  echo "---- webhook log (tail) ----"; tail -30 "$WORK/webhook.log"
  [[ -f "$WORK/webhook-builtin.log" ]] && { echo "---- built-in mode log (tail) ----"; tail -20 "$WORK/webhook-builtin.log"; }
fi
echo "$passed passed, $failed failed"
((failed == 0))
