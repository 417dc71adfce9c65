#!/usr/bin/env bash
# helm lint + helm template of every certificate mode and option set, plus negative schema
# checks: a bad value must be refused.
set -euo pipefail
cd "$(dirname "$0")/.."
bash test/e2e/build-components.sh >/dev/null
helm="${IRSA_CACHE_DIR:-$HOME/.cache/irsa-webhook}/bin/helm"
chart=charts/irsa-webhook
"$helm" lint --strict "$chart" >/dev/null
render() { "$helm" template irsa-webhook "$chart" --namespace eks --kube-version 1.33.0 "$@" >/dev/null; }
render
render --set certificates.mode=cert-manager
render --set certificates.mode=cert-manager --set certificates.certManager.issuerRef.name=ca --set certificates.certManager.issuerRef.kind=ClusterIssuer
render --set certificates.mode=secret --set certificates.caBundle=Zm9v
render --set config.watchConfigMap=true --set config.podIdentity.enabled=true --set config.podIdentity.configMap=pi \
  --set metrics.serviceMonitor.enabled=true --set networkPolicy.enabled=true --set hostNetwork=true \
  --set config.awsDefaultRegion=eu-west-1 --set 'webhook.matchConditions[0].name=not-kube-system' \
  --set 'webhook.matchConditions[0].expression=request.namespace != "kube-system"'
for bad in config.logFormat=xml webhook.failurePolicy=Sometimes config.tlsMinVersion=1.4 \
           config.resyncPeriod=soon certificates.mode=magic config.workerThreads=0; do
  if render --set "$bad" 2>/dev/null; then echo "chart accepted bad value $bad"; exit 1; fi
done
if render --set certificates.mode=secret 2>/dev/null; then echo "chart accepted mode=secret without caBundle"; exit 1; fi
echo "chart: lint, 5 renderings and 7 rejected bad values OK"
