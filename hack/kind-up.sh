#!/usr/bin/env bash
# Developer loop on a kind cluster, with the real-node suite's steps (test/node/run.sh):
# build the image from the Dockerfile under the chart's default name, run the README's
# install commands, apply the suite's demo (test/node/manifests/demo.yaml) and check
# that its Pod got the role's environment and token volume. Needs docker, kind, helm
# and kubectl; every command targets the kind cluster's own context, never the current one.
set -euo pipefail
cd "$(dirname "$0")/.."
REPO="$PWD"
cluster="${KIND_CLUSTER:-irsa-webhook}"
context="kind-$cluster"
export PATH="/usr/local/go/bin:$PATH"
for tool in docker kind helm kubectl go; do
  command -v "$tool" >/dev/null || { echo "kind-up: $tool is required but not installed"; exit 1; }
done
docker info >/dev/null 2>&1 || { echo "kind-up: the docker daemon is not reachable"; exit 1; }

kind get clusters | grep -qx "$cluster" || kind create cluster --name "$cluster"
# The chart's default image name, as the real-node suite tags it.
image="$(REPO_ROOT="$REPO" bash -c 'source test/node/images/lib.sh; chart_image')"
docker build -t "$image" .
kind load docker-image "$image" --name "$cluster"
tools="$(mktemp -d)"
trap 'rm -rf "$tools"' EXIT
bash test/node/tools/build.sh "$tools"
printf 'FROM scratch\nCOPY aws-whoami /aws-whoami\nENTRYPOINT ["/aws-whoami"]\n' >"$tools/Dockerfile"
docker build -t irsa-e2e.local/aws-whoami:v1 "$tools"
kind load docker-image irsa-e2e.local/aws-whoami:v1 --name "$cluster"

# The README's install block, with kubectl and helm bound to this cluster's context
# (lib.sh first: its own kubectl and helm are the suite's, replaced here).
source test/node/lib.sh
kubectl() { command kubectl --context "$context" "$@"; }
helm() { command helm --kube-context "$context" "$@"; }
export -f kubectl helm
export context
if helm status irsa-webhook --namespace irsa-system >/dev/null 2>&1; then
  helm upgrade irsa-webhook charts/irsa-webhook --namespace irsa-system --reuse-values
  # Same tag, new image: only a restart makes the Pods run it.
  kubectl rollout restart deployment/irsa-webhook --namespace irsa-system
  kubectl rollout status deployment/irsa-webhook --namespace irsa-system --timeout 3m
else
  bash -c "$(readme_block helm-install)"
fi

kubectl delete pod whoami --namespace demo --ignore-not-found >/dev/null
kubectl apply -f test/node/manifests/demo.yaml
env="$(kubectl get pod whoami --namespace demo -o jsonpath='{range .spec.containers[0].env[*]}{.name}={.value}{"\n"}{end}')"
echo "Injected environment of demo/whoami:"
echo "$env"
missing=()
for name in AWS_ROLE_ARN AWS_WEB_IDENTITY_TOKEN_FILE AWS_REGION AWS_DEFAULT_REGION; do
  grep -q "^$name=" <<<"$env" || missing+=("$name")
done
volume="$(kubectl get pod whoami --namespace demo -o jsonpath='{.spec.volumes[?(@.name=="aws-iam-token")].projected.sources[0].serviceAccountToken.audience}')"
[[ "$volume" == sts.amazonaws.com ]] || missing+=("aws-iam-token volume")
if ((${#missing[@]})); then
  echo "kind-up: demo/whoami was admitted without ${missing[*]}"
  kubectl get pods --namespace irsa-system
  kubectl logs --namespace irsa-system deployment/irsa-webhook --tail 20 || true
  exit 1
fi
echo "kind-up: demo/whoami was mutated. (Its SDK call fails here: kind has no STS emulator.)"
