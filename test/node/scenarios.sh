# Sourced by run.sh: the scenarios. Each creates Pods that run the real AWS SDK and
# asserts on what the Pod itself printed, after checking the Pod was mutated at all
# (with failurePolicy: Ignore an unmutated Pod is admitted silently).
ACCOUNT=111122223333
STS_URL="http://$NODE_IP:$STS_PORT"
WORKLOAD_IMAGE=irsa-e2e.local/aws-whoami:v1

# A Pod whose one container asks STS who it is and exits.
workload_pod() {
  local name="$1" sa="$2"
  cat <<YAML
apiVersion: v1
kind: Pod
metadata: {name: $name, namespace: demo}
spec:
  serviceAccountName: $sa
  restartPolicy: Never
  containers:
    - name: app
      image: $WORKLOAD_IMAGE
      args: ["--once"]
      env: [{name: AWS_ENDPOINT_URL_STS, value: "$STS_URL"}]
YAML
}

# Waits until the Pod has ended (or, with "running", until every container printed its
# result) and prints one container's result line.
pod_result() {
  local pod="$1" container="${2:-app}"
  local line="" phase=""
  for _ in $(seq 1 120); do
    phase="$(kubectl get pod -n demo "$pod" -o jsonpath='{.status.phase}' 2>/dev/null)"
    line="$(kubectl logs -n demo "$pod" -c "$container" 2>/dev/null | grep '^caller-identity ' | tail -n 1)"
    [[ -n "$line" ]] && break
    [[ "$phase" == Failed ]] && break
    sleep 0.5
  done
  echo "${line:-<no output; phase ${phase:-unknown}>}"
}

# The env names one container of a Pod got, space-separated.
container_env() {
  local pod="$1" kind="$2" container="$3"
  kubectl get pod -n demo "$pod" -o json | python3 -c "
import json, sys
spec = json.load(sys.stdin)['spec']
for c in spec.get('$kind', []):
    if c['name'] == '$container':
        print(' '.join(e['name'] for e in c.get('env', [])))"
}

# expect NAME POD CONTAINER KIND WANT_ENV REGEX: the Pod was mutated and its output matches.
expect() {
  local name="$1" pod="$2" container="$3" kind="$4" want_env="$5" regex="$6"
  local env result
  env="$(container_env "$pod" "$kind" "$container")"
  result="$(pod_result "$pod" "$container")"
  echo "      $pod/$container printed: $result"
  if [[ " $env " != *" $want_env "* ]]; then
    fail "$name: $pod/$container was admitted without $want_env (env: ${env:-none})"
    dump_pod demo "$pod"; dump_webhook "$WEBHOOK_NS"
  elif [[ "$result" =~ $regex ]]; then
    pass "$name"
  else
    fail "$name: expected output matching /$regex/"
    dump_pod demo "$pod"
    kubectl logs -n demo "$pod" -c "$container" 2>&1 | tail -n 5 | sed 's/^/    /'
  fi
}

# AccessDenied also answers an unknown role; the emulator's log says it was the trust
# policy that refused this token, for this role, subject and audience.
denied_by_trust_policy() {
  local name="$1" role="$2" claims="$3"
  if grep -F "role=arn:aws:iam::$ACCOUNT:$role " "$SUITE_WORK/emulator.log" | grep -F "$claims " \
    | grep -q 'result=AccessDenied reason="implicit deny'; then
    pass "$name the denial came from $role's trust policy ($claims)"
  else
    fail "$name no trust-policy denial of $role for $claims in the STS emulator's log"
    grep -F "$role" "$SUITE_WORK/emulator.log" | tail -n 5 | sed 's/^/    /'
  fi
}

scenario_web_identity() {
  echo "== (a)-(c) web identity through the STS emulator"
  workload_pod allowed s3-reader | kubectl apply -f - >/dev/null
  workload_pod intruder intruder | kubectl apply -f - >/dev/null
  workload_pod aud-good aud-good | kubectl apply -f - >/dev/null
  workload_pod aud-bad aud-bad | kubectl apply -f - >/dev/null
  expect "(a) annotated ServiceAccount gets the role" allowed app containers AWS_ROLE_ARN \
    "^caller-identity arn=arn:aws:sts::$ACCOUNT:assumed-role/s3-reader/"
  expect "(b) trust policy not matching the ServiceAccount is denied" intruder app containers AWS_ROLE_ARN \
    "^caller-identity error=.*AccessDenied"
  denied_by_trust_policy "(b)" "role/s3-reader" "sub=system:serviceaccount:demo:intruder aud=sts.amazonaws.com"
  expect "(c) audience annotation with a matching trust policy works" aud-good app containers AWS_ROLE_ARN \
    "^caller-identity arn=arn:aws:sts::$ACCOUNT:assumed-role/custom-audience/"
  expect "(c) audience the trust policy does not allow is denied" aud-bad app containers AWS_ROLE_ARN \
    "^caller-identity error=.*AccessDenied"
  denied_by_trust_policy "(c)" "role/custom-audience" "sub=system:serviceaccount:demo:aud-bad aud=other.example.com"
}

scenario_pod_identity() {
  echo "== (d) EKS Pod Identity through the agent emulator"
  workload_pod pod-identity pod-identity-app | kubectl apply -f - >/dev/null
  expect "(d) Pod Identity association gets credentials from the agent" pod-identity app containers \
    AWS_CONTAINER_CREDENTIALS_FULL_URI "^caller-identity arn=arn:aws:sts::$ACCOUNT:assumed-role/pod-identity-role/"
}

scenario_sidecars() {
  echo "== (f) init container and native sidecar"
  kubectl apply -f - >/dev/null <<YAML
apiVersion: v1
kind: Pod
metadata: {name: sidecars, namespace: demo}
spec:
  serviceAccountName: s3-reader
  restartPolicy: Never
  initContainers:
    - {name: init, image: $WORKLOAD_IMAGE, args: ["--once"], env: [{name: AWS_ENDPOINT_URL_STS, value: "$STS_URL"}]}
    - {name: sidecar, image: $WORKLOAD_IMAGE, restartPolicy: Always, env: [{name: AWS_ENDPOINT_URL_STS, value: "$STS_URL"}]}
  containers:
    - {name: app, image: $WORKLOAD_IMAGE, args: ["--once"], env: [{name: AWS_ENDPOINT_URL_STS, value: "$STS_URL"}]}
YAML
  local c kind
  for c in init:initContainers sidecar:initContainers app:containers; do
    kind="${c#*:}"; c="${c%%:*}"
    expect "(f) $c gets credentials" sidecars "$c" "$kind" AWS_ROLE_ARN \
      "^caller-identity arn=arn:aws:sts::$ACCOUNT:assumed-role/s3-reader/"
  done
}

# (e) Pods created while every webhook replica is replaced: the drain delay and the
# readiness probe must keep a ready endpoint behind the Service the whole time, since
# failurePolicy: Ignore would admit a Pod unmutated otherwise. A Deployment's ReplicaSet
# creates its Pods in a burst a few seconds into the restart; single Pods keep arriving
# until the restart has finished.
scenario_rolling_restart() {
  local replicas=6 singles=0
  echo "== (e) a Deployment of $replicas replicas and single Pods created during a rolling restart of the webhook"
  kubectl rollout restart deployment/irsa-webhook -n "$WEBHOOK_NS" >/dev/null
  local during=0 under_way i
  # Single Pods keep coming until the restart is over (at most 30). Only those created
  # while it is under way are counted, so a restart that finished before the Pods
  # arrived cannot pass this scenario.
  while ((singles < 30)); do
    singles=$((singles + 1))
    under_way=0
    kubectl rollout status deployment/irsa-webhook -n "$WEBHOOK_NS" --watch=false 2>/dev/null \
      | grep -q '^Waiting' && under_way=1
    during=$((during + under_way))
    workload_pod "during-restart-$singles" s3-reader | kubectl apply -f - >/dev/null
    ((singles == 3)) && fleet_deployment "$replicas" | kubectl apply -f - >/dev/null
    ((singles >= 4 && !under_way)) && break
    sleep 0.5
  done
  if ((during >= 3)); then pass "(e) $during of the $singles single Pods were created while the restart was under way"
  else fail "(e) only $during of $singles Pods were created during the restart; it did not overlap them"; fi
  kubectl rollout status deployment/irsa-webhook -n "$WEBHOOK_NS" --timeout 120s | tail -n 1 | sed 's/^/    /'
  kubectl rollout status deployment/fleet -n demo --timeout 120s | tail -n 1 | sed 's/^/    /'
  local pods unmutated=0 total=0 pod env
  pods="$(kubectl get pods -n demo -l app=fleet -o name | sed 's|^pod/||')"
  for i in $(seq 1 "$singles"); do pods+=$'\n'"during-restart-$i"; done
  for pod in $pods; do
    total=$((total + 1))
    env="$(container_env "$pod" containers app)"
    [[ " $env " == *" AWS_ROLE_ARN "* ]] || { unmutated=$((unmutated + 1)); echo "      $pod admitted without AWS_ROLE_ARN"; }
  done
  if ((unmutated == 0 && total == replicas + singles)); then pass "(e) all $total Pods created during the restart were mutated"
  else fail "(e) $unmutated of $total Pods created during the restart were not mutated"; dump_webhook "$WEBHOOK_NS"; fi
  for pod in $(kubectl get pods -n demo -l app=fleet -o name | sed 's|^pod/||'); do
    expect "(e) replica $pod gets the role" "$pod" app containers AWS_ROLE_ARN \
      "^caller-identity arn=arn:aws:sts::$ACCOUNT:assumed-role/s3-reader/"
  done
  kubectl delete deployment fleet -n demo --wait=false >/dev/null
}

fleet_deployment() {
  cat <<YAML
apiVersion: apps/v1
kind: Deployment
metadata: {name: fleet, namespace: demo}
spec:
  replicas: $1
  selector: {matchLabels: {app: fleet}}
  template:
    metadata: {labels: {app: fleet}}
    spec:
      serviceAccountName: s3-reader
      terminationGracePeriodSeconds: 1
      containers:
        - name: app
          image: $WORKLOAD_IMAGE
          env: [{name: AWS_ENDPOINT_URL_STS, value: "$STS_URL"}]
YAML
}

# A chart broken on purpose must fail the install quickly, with a message naming the cause.
expect_broken() {
  local name="$1" want="$2" chart="$3"; shift 3
  local script output
  script="helm install broken $chart --namespace broken --create-namespace --set config.awsDefaultRegion=us-west-2 $*
kubectl rollout status deployment/broken-irsa-webhook --namespace broken --timeout 3m"
  output="$(run_watched "broken-$name" broken app.kubernetes.io/instance=broken "$script" 2>&1)"
  local verdict
  verdict="$(grep -E '^FATAL' <<<"$output")"
  echo "      suite said: ${verdict:-nothing}"
  if grep -Eq "$want" <<<"$verdict"; then
    pass "broken chart ($name) fails the install, naming the cause"
  else
    fail "broken chart ($name): expected a failure matching /$want/"
    echo "$output" | tail -n 40 | sed 's/^/    /'
  fi
  helm uninstall broken --namespace broken --wait --timeout 120s >/dev/null 2>&1
  kubectl delete namespace broken --wait --timeout 120s >/dev/null 2>&1
}

scenario_broken_charts() {
  expect_broken "unknown flag" 'crash-looping.*no-such-flag' charts/irsa-webhook \
    --set 'extraArgs={--no-such-flag=1}'
  expect_broken "wrong image" 'ErrImagePull|ImagePullBackOff|ErrImageNeverPull' charts/irsa-webhook \
    --set image.repository=ghcr.io/irsa-webhook/no-such-image
  local copy="$SUITE_WORK/chart-wrong-probe-port"
  rm -rf "$copy"; cp -r charts/irsa-webhook "$copy"
  sed -i 's/port: https, scheme: HTTPS/port: 8444, scheme: HTTPS/' "$copy/templates/deployment.yaml"
  grep -q 'port: 8444' "$copy/templates/deployment.yaml" || { fail "broken chart (probe port): could not edit the copy"; return; }
  expect_broken "probe on the wrong port" 'probe failed.*8444' "$copy"
}
