# Sourced by run.sh: talking to the node, waiting, and failing with the evidence printed.
# Needs: $NODE_WORK (the node's work dir), $NODE_BIN, $NODE_NS.

in_node() { nsenter --net="/run/netns/$NODE_NS" "$@"; }
kubectl() { in_node "$NODE_BIN/kubectl" --kubeconfig "$NODE_WORK/admin.kubeconfig" "$@"; }
helm() { in_node "$NODE_BIN/helm" --kubeconfig "$NODE_WORK/admin.kubeconfig" "$@"; }

passed=0
failed=0
pass() { echo "PASS  $1"; passed=$((passed + 1)); }
fail() { echo "FAIL  $1"; failed=$((failed + 1)); }

# Everything an operator would look at when the webhook misbehaves: its Pods, their
# logs (current and previous), and the events of its namespace.
dump_webhook() {
  local ns="$1"
  echo "---- webhook Pods in $ns"
  kubectl get pods -n "$ns" -o wide 2>&1 | sed 's/^/    /'
  local pod
  for pod in $(kubectl get pods -n "$ns" -o name 2>/dev/null); do
    echo "---- logs of $pod"
    kubectl logs -n "$ns" "$pod" --tail 30 2>&1 | sed 's/^/    /'
    kubectl logs -n "$ns" "$pod" --previous --tail 30 2>/dev/null | sed 's/^/    previous: /'
  done
  echo "---- events in $ns"
  kubectl get events -n "$ns" --sort-by=.lastTimestamp 2>&1 | tail -n 25 | sed 's/^/    /'
}

dump_pod() {
  local ns="$1" pod="$2"
  echo "---- $ns/$pod"
  kubectl get pod -n "$ns" "$pod" -o jsonpath='{range .spec.initContainers[*]}{"init "}{.name}{" env: "}{range .env[*]}{.name}{" "}{end}{"\n"}{end}{range .spec.containers[*]}{.name}{" env: "}{range .env[*]}{.name}{" "}{end}{"\n"}{end}' 2>&1 | sed 's/^/    /'
  kubectl get events -n "$ns" --field-selector "involvedObject.name=$pod" 2>&1 | tail -n 10 | sed 's/^/    /'
}

# Why the selected Pods cannot become Ready, or nothing while they still may.
rollout_blocker() {
  local ns="$1" selector="$2"
  kubectl get pods -n "$ns" -l "$selector" -o json >"$SUITE_WORK/blocker-pods.json" 2>/dev/null || return 0
  kubectl get events -n "$ns" -o json >"$SUITE_WORK/blocker-events.json" 2>/dev/null || return 0
  python3 "$REPO/test/node/rollout_blocker.py" "$SUITE_WORK/blocker-pods.json" "$SUITE_WORK/blocker-events.json"
}

# Runs an install block in the background and watches the webhook's Pods while it
# waits, so a broken install fails in seconds with its cause instead of a time-out.
run_watched() {
  local what="$1" ns="$2" selector="$3" script="$4"
  # Every command of the block must succeed, not only the last; its own process group so
  # that stopping it also stops the helm or kubectl it is waiting in.
  setsid bash -eo pipefail -c "$script" >"$SUITE_WORK/$what.log" 2>&1 &
  local pid=$! blocker="" deadline=$((SECONDS + 300))
  while kill -0 "$pid" 2>/dev/null; do
    blocker="$(rollout_blocker "$ns" "$selector")"
    ((SECONDS < deadline)) || blocker="the install commands were still running after 300 s"
    if [[ -n "$blocker" ]]; then kill -TERM -- "-$pid" 2>/dev/null; break; fi
    sleep 2
  done
  local rc=0
  wait "$pid" || rc=$?
  sed 's/^/    /' "$SUITE_WORK/$what.log"
  if [[ -n "$blocker" ]]; then
    if [[ "$blocker" == *crash-looping* ]]; then
      # The last words of the crashed process usually name the cause (a refused flag).
      blocker+="; its last log lines: $(kubectl logs -n "$ns" "${blocker%%:*}" --previous --tail 3 2>&1 | paste -sd'|')"
    fi
    echo "FATAL $what: the webhook's Pods cannot become Ready: $blocker"
    dump_webhook "$ns"; return 1
  fi
  if ((rc != 0)); then
    echo "FATAL $what: the install commands failed (exit $rc)"
    dump_webhook "$ns"; return 1
  fi
}

# `kubectl rollout status` returns once the new replicas are Ready, while the old ones are
# still draining: they keep answering /mutate for --shutdown-drain-delay, and kube-proxy
# may route to them until its next sync. A scenario that needs the new settings waits
# until no old Pod is left (bounded).
wait_old_replicas_gone() {
  local ns="$1" selector="$2" deadline=$((SECONDS + 120)) left
  while ((SECONDS < deadline)); do
    left="$(kubectl get pods -n "$ns" -l "$selector" -o json |
      jq -r '[.items[] | select(.metadata.deletionTimestamp != null)] | length')"
    [[ "$left" == 0 ]] && return 0
    sleep 1
  done
  echo "FATAL old webhook Pods were still terminating after 120 s"; dump_webhook "$ns"; return 1
}

# The fenced shell block that follows `<!-- suite: NAME -->` in the README: the suite
# runs the operator instructions themselves, so they cannot drift from what is tested.
readme_block() {
  awk -v marker="<!-- suite: $1 -->" '
    $0 == marker {found = 1; next}
    found && /^```/ {if (inside) exit; inside = 1; next}
    found && inside {print}' "$REPO/README.md"
}

# What an operator expects of a finished install, read back from the cluster and from
# the running processes themselves.
check_install() {
  local ns="$1" how="$2" ok=1
  local ready want
  want="$(kubectl get deployment irsa-webhook -n "$ns" -o jsonpath='{.spec.replicas}')"
  ready="$(kubectl get deployment irsa-webhook -n "$ns" -o jsonpath='{.status.readyReplicas}')"
  if [[ -n "$want" && "$ready" == "$want" ]]; then pass "$how: $ready of $want replicas Ready through their probes"
  else fail "$how: ${ready:-0} of ${want:-?} replicas Ready"; ok=0; fi
  # The processes as the kernel sees them: user 65532, root filesystem mounted read-only.
  local pid count=0 bad=""
  for pid in $(pgrep -x irsa-webhook); do
    grep -q kubepods "/proc/$pid/cgroup" 2>/dev/null || continue   # only the node's Pods
    count=$((count + 1))
    grep -q $'^Uid:\t65532\t' "/proc/$pid/status" || bad+=" pid $pid runs as $(awk '/^Uid:/{print $2}' "/proc/$pid/status");"
    awk '$5 == "/" {print $6}' "/proc/$pid/mountinfo" | grep -q '^ro' || bad+=" pid $pid has a writable root filesystem;"
  done
  if [[ -n "$want" ]] && ((want > 0 && count >= want)) && [[ -z "$bad" ]]; then pass "$how: $count webhook processes run as 65532 with a read-only root filesystem"
  else fail "$how: webhook processes: $count found;$bad"; ok=0; fi
  local secret_ca bundle
  secret_ca="$(kubectl get secret irsa-webhook-cert -n "$ns" -o jsonpath='{.data.ca\.crt}' 2>/dev/null)"
  bundle="$(kubectl get mutatingwebhookconfiguration irsa-webhook -o jsonpath='{.webhooks[0].clientConfig.caBundle}' 2>/dev/null)"
  if [[ -n "$secret_ca" && "$secret_ca" == "$bundle" ]]; then pass "$how: built-in certificates: Secret irsa-webhook-cert created, caBundle set to its CA"
  else fail "$how: built-in certificates: Secret CA ${secret_ca:+present}${secret_ca:-missing}, caBundle ${bundle:+differs}${bundle:-empty}"; ok=0; fi
  if kubectl get poddisruptionbudget irsa-webhook -n "$ns" >/dev/null 2>&1; then pass "$how: PodDisruptionBudget exists"
  else fail "$how: no PodDisruptionBudget"; ok=0; fi
  ((ok)) || dump_webhook "$ns"
  ((ok))
}
