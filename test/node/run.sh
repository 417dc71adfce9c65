#!/usr/bin/env bash
# The real-node suite: the product installed as the README tells an operator to (the
# image built from the Dockerfile, the Helm chart with its defaults, then the plain
# manifests) on a single-node cluster in a network namespace of its own, with Pods whose
# AWS SDK gets credentials from what the webhook injected. docs/e2e.md has the picture.
# Usage: test/node/run.sh   (KEEP_NODE=1 leaves the node running for a look afterwards)
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
REPO="$(cd "$here/../.." && pwd)"
source "$here/env.sh"
source "$here/lib.sh"
source "$here/scenarios.sh"
cd "$REPO"
suite_started=$(date +%s)
SUITE_WORK="$(mktemp -d /tmp/irsa-node.XXXXXX)"
NODE_WORK="$SUITE_WORK/node"
WEBHOOK_NS=irsa-system
EMULATOR_PID=""

cleanup() {
  [[ -n "$EMULATOR_PID" ]] && kill "$EMULATOR_PID" 2>/dev/null
  if [[ "${KEEP_NODE:-0}" == 1 ]]; then
    echo "node: kept running; kubectl: test/node/kubectl.sh $NODE_WORK ...; stop: test/node/down.sh $NODE_WORK"
  else
    bash "$here/down.sh" "$NODE_WORK"
    rm -rf "$SUITE_WORK"
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

phase_started=$(date +%s)
phase() {
  local now; now=$(date +%s)
  [[ -n "${phase_name:-}" ]] && echo "node: phase '$phase_name' took $((now - phase_started))s"
  phase_name="$1"; phase_started=$now
  echo "== $1"
}

phase "components (Kubernetes, helm, test tools)"
bash "$REPO/test/e2e/build-components.sh" || exit 1
bash "$here/tools/build.sh" "$SUITE_WORK/tools" || exit 1

phase "images (the Dockerfile with buildah, base images from Debian packages)"
AWS_WHOAMI_BIN="$SUITE_WORK/tools/aws-whoami" bash "$here/images/build.sh" "$SUITE_WORK/images" || exit 1

phase "node (etcd, kube-apiserver, controller-manager, scheduler, containerd, kubelet, kube-proxy)"
bash "$here/up.sh" "$NODE_WORK" "$SUITE_WORK"/images/*.tar || exit 1
NODE_NS="$(cat "$NODE_WORK/netns")"
export NODE_NS NODE_BIN NODE_WORK
export -f in_node kubectl helm

# IAM reads the cluster's OIDC discovery without credentials, as on EKS.
kubectl create clusterrolebinding oidc-discovery-anonymous \
  --clusterrole system:service-account-issuer-discovery --group system:unauthenticated >/dev/null
kubectl get --raw /.well-known/openid-configuration | grep -q "\"issuer\":\"$SA_ISSUER\"" \
  || { echo "FATAL kube-apiserver does not serve OIDC discovery for $SA_ISSUER"; exit 1; }
# The provider's client IDs hold every audience the scenarios use, so that a wrong audience
# is refused by the role's trust policy, which is what (c) is about.
nsenter --net="/run/netns/$NODE_NS" "$SUITE_WORK/tools/aws-emulator" \
  --oidc-client-ids sts.amazonaws.com,billing.example.com,other.example.com \
  --sts-listen "$NODE_IP:$STS_PORT" --agent-listen "$POD_IDENTITY_AGENT_IP:80" \
  --oidc-issuer "$SA_ISSUER" --oidc-discovery-url "https://$NODE_IP:$APISERVER_PORT/.well-known/openid-configuration" \
  --oidc-ca-file "$NODE_WORK/pki/ca.crt" \
  --roles "$here/manifests/roles.json" --associations "$here/manifests/associations.json" \
  --ready-file "$SUITE_WORK/emulator-ready" >"$SUITE_WORK/emulator.log" 2>&1 &
EMULATOR_PID=$!
for _ in $(seq 1 50); do [[ -e "$SUITE_WORK/emulator-ready" ]] && break; sleep 0.2; done
[[ -e "$SUITE_WORK/emulator-ready" ]] || { echo "FATAL the AWS emulator did not start:"; cat "$SUITE_WORK/emulator.log"; exit 1; }

phase "install with Helm, as the README says"
run_watched helm-install "$WEBHOOK_NS" app.kubernetes.io/name=irsa-webhook "$(readme_block helm-install)" || exit 1
check_install "$WEBHOOK_NS" helm || exit 1

phase "scenarios"
kubectl apply -f "$here/manifests/demo.yaml" -f "$here/manifests/service-accounts.yaml" >/dev/null
# demo.yaml is also kind-up.sh's demo, so it names no STS endpoint: this checks the
# mutation, and only that the SDK ran.
expect "demo Pod from manifests/demo.yaml is mutated" whoami app containers AWS_ROLE_ARN "^caller-identity "
scenario_web_identity
scenario_sidecars
scenario_rolling_restart
run_watched pod-identity-upgrade "$WEBHOOK_NS" app.kubernetes.io/name=irsa-webhook "$(readme_block pod-identity)" || exit 1
wait_old_replicas_gone "$WEBHOOK_NS" app.kubernetes.io/name=irsa-webhook || exit 1
scenario_pod_identity

phase "plain manifests (deploy/irsa-webhook.yaml) on a fresh namespace"
helm uninstall irsa-webhook -n "$WEBHOOK_NS" --wait --timeout 120s >/dev/null \
  && kubectl delete namespace "$WEBHOOK_NS" --wait --timeout 120s >/dev/null \
  || { echo "FATAL the Helm release or its namespace could not be removed"; dump_webhook "$WEBHOOK_NS"; exit 1; }
run_watched manifests-install "$WEBHOOK_NS" app.kubernetes.io/name=irsa-webhook "$(readme_block manifests-install)" || exit 1
check_install "$WEBHOOK_NS" manifests || exit 1
workload_pod after-manifests s3-reader | kubectl apply -f - >/dev/null
# The plain manifests are the chart's defaults, which set no region: the token exchange
# works, and STS refuses the SDK's region-less signature, as AWS does.
expect "Pods are mutated by the plain manifests' webhook" after-manifests app containers AWS_ROLE_ARN \
  "^caller-identity error=.*valid region"

phase "charts broken on purpose"
scenario_broken_charts

phase "done"
echo "node suite: $passed passed, $failed failed in $(( $(date +%s) - suite_started ))s"
((failed == 0))
