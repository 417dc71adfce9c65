#!/usr/bin/env bash
# Developer loop on a kind cluster: create the cluster, build and load the image, install
# the chart (built-in certificates), create a demo ServiceAccount and Pod, print the
# injected environment. Needs docker, kind and helm on the PATH (not available in CI; the
# same install steps run against a real kube-apiserver in test/e2e/run.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
cluster="${KIND_CLUSTER:-irsa-webhook}"
image="irsa-webhook:dev"
for tool in docker kind helm kubectl; do
  command -v "$tool" >/dev/null || { echo "kind-up: $tool is required but not installed"; exit 1; }
done
docker info >/dev/null 2>&1 || { echo "kind-up: the docker daemon is not reachable"; exit 1; }

kind get clusters | grep -qx "$cluster" || kind create cluster --name "$cluster"
docker build -t "$image" .
kind load docker-image "$image" --name "$cluster"
kubectl create namespace irsa-system --dry-run=client -o yaml | kubectl apply -f -
helm upgrade --install irsa-webhook charts/irsa-webhook --namespace irsa-system \
  --set image.repository=irsa-webhook --set image.tag=dev --set image.pullPolicy=Never \
  --set replicaCount=1 --set config.awsDefaultRegion=eu-west-1 --wait --timeout 3m

kubectl create namespace demo --dry-run=client -o yaml | kubectl apply -f -
kubectl apply -f - <<'YAML'
apiVersion: v1
kind: ServiceAccount
metadata:
  name: s3-reader
  namespace: demo
  annotations:
    eks.amazonaws.com/role-arn: arn:aws:iam::111122223333:role/s3-reader
---
apiVersion: v1
kind: Pod
metadata:
  name: demo
  namespace: demo
spec:
  serviceAccountName: s3-reader
  containers:
    - name: app
      image: busybox
      command: ["sleep", "3600"]
YAML
echo "Injected environment of demo/demo:"
kubectl get pod -n demo demo -o jsonpath='{range .spec.containers[0].env[*]}{.name}={.value}{"\n"}{end}'
