# Sourced by test/e2e/run.sh (its helpers, variables and control plane are in scope).
# Section 9: the API server out of the webhook's reach, at start and while Pods keep coming.
# A second webhook reaches kube-apiserver only through tcp-proxy.py, which the test cuts; the
# API server itself stays up, so Pods and ServiceAccount changes keep arriving meanwhile.
OUTAGE_SECONDS="${E2E_OUTAGE_SECONDS:-20}"
PROXY_PORT=$(free_port); OUT_PORT=$(free_port); OUT_METRICS=$(free_port)
python3 "$here/tcp-proxy.py" "$PROXY_PORT" "$APISERVER_PORT" --closed >"$WORK/proxy.log" 2>&1 &
PROXY_PID=$!
for _ in $(seq 1 100); do grep -q '^tcp-proxy' "$WORK/proxy.log" && break; sleep 0.1; done
sed "s#https://127.0.0.1:$APISERVER_PORT#https://127.0.0.1:$PROXY_PORT#" "$WORK/webhook.kubeconfig" >"$WORK/outage.kubeconfig"
setsid "$WEBHOOK_BIN" --bind-address=127.0.0.1 --port="$OUT_PORT" --metrics-port="$OUT_METRICS" \
  --tls-cert="$WORK/webhook-certs/tls.crt" --tls-key="$WORK/webhook-certs/tls.key" \
  --kubeconfig="$WORK/outage.kubeconfig" --namespace="$WEBHOOK_NS" --aws-default-region=eu-west-1 \
  --shutdown-drain-delay=0s --cache-sync-wait=1s --enable-debugging-handlers >>"$WORK/outage.log" 2>&1 &
OUTAGE_PID=$!
probe() { curl -s -o /dev/null -w '%{http_code}' --cacert "$WORK/pki/ca.crt" "https://127.0.0.1:$OUT_PORT/$1"; }
review() {  # review SA: the role the webhook injects for a Pod of SA in e2e, asked directly
  jq --arg sa "$1" '.request.namespace="e2e" | .request.object.metadata.namespace="e2e" |
      .request.object.spec.serviceAccountName=$sa' "$root/examples/review.json" |
    curl -s --cacert "$WORK/pki/ca.crt" -H 'Content-Type: application/json' --data-binary @- \
      "https://127.0.0.1:$OUT_PORT/mutate" |
    jq -r '.response.patch // "" | @base64d | fromjson? // [] | .[] | .value | .. | objects |
      select(.name? == "AWS_ROLE_ARN") | .value' | head -1
}
cached_role() {  # cached_role SA: the role in the webhook's cache
  curl -s "http://127.0.0.1:$OUT_METRICS/debug/alpha/cache" | jq -r --arg n "$1" \
    '.serviceAccounts[]? | select(.namespace=="e2e" and .name==$n) | .annotations["eks.amazonaws.com/role-arn"] // "<none>"'
}
# 9a: unreachable at start: alive, not ready, retries with the reason logged.
sleep 3
check "9a API server unreachable at start: /healthz 200, /readyz 503" eq "$(probe healthz)|$(probe readyz)" "200|503"
check "9a retries are logged with their cause" grep -q "Connection refused.*retrying in about" "$WORK/outage.log"
sa outage "{\"eks.amazonaws.com/role-arn\":\"$ROLE/outage-before\"}"
started=$(date +%s%N)
check "9a a review before the first sync waits for it, then answers without a role" eq "$(review outage)" ""
waited_ms=$(( ($(date +%s%N) - started) / 1000000 ))
check "9a ...after about --cache-sync-wait (1s; took ${waited_ms}ms)" eq "$((waited_ms >= 900 && waited_ms < 5000))" 1
kill -USR2 "$PROXY_PID"
ready=0
for _ in $(seq 1 100); do [[ "$(probe readyz)" == 200 ]] && { ready=1; break; }; sleep 0.1; done
check "9a ready within 10s of the API server becoming reachable" eq "$ready" 1
check "9a the cached ServiceAccount is served" eq "$(review outage)" "$ROLE/outage-before"

# 9b: cut for OUTAGE_SECONDS while Pods keep coming and ServiceAccounts change.
kill -USR1 "$PROXY_PID"
sa outage "{\"eks.amazonaws.com/role-arn\":\"$ROLE/outage-during\"}"
sa outage-new "{\"eks.amazonaws.com/role-arn\":\"$ROLE/outage-new\"}"
served=0; asked=0; deadline=$(( $(date +%s) + OUTAGE_SECONDS ))
while (( $(date +%s) < deadline )); do
  asked=$((asked + 1))
  [[ "$(review outage)" == "$ROLE/outage-before" ]] && served=$((served + 1))
  sleep 0.5
done
check "9b during a ${OUTAGE_SECONDS}s outage the cached role is served ($served/$asked reviews)" eq "$served" "$asked"
check "9b not ready is not reported for a synced cache during the outage" eq "$(probe readyz)" 200
kill -USR2 "$PROXY_PID"
arrived=0
for _ in $(seq 1 60); do
  [[ "$(cached_role outage)|$(cached_role outage-new)" == "$ROLE/outage-during|$ROLE/outage-new" ]] && { arrived=1; break; }
  sleep 0.5
done
check "9b changes made during the outage arrive within 30s after it" eq "$arrived" 1
check "9b the new role reaches reviews" eq "$(review outage)|$(review outage-new)" "$ROLE/outage-during|$ROLE/outage-new"
kill -TERM -- "-$OUTAGE_PID" 2>/dev/null; kill "$PROXY_PID" 2>/dev/null
wait "$OUTAGE_PID" "$PROXY_PID" 2>/dev/null
