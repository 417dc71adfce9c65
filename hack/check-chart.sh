#!/usr/bin/env bash
# helm lint + helm template of every certificate mode and option set, plus negative schema
# checks: a bad value must be refused. Every rendering (and deploy/irsa-webhook.yaml) must
# also start: the webhook container's args go through the binary's own flag parser
# (`irsa-webhook check-flags`, ${IRSA_BINARY:-build/irsa-webhook}), and no number may be
# rendered in exponent form (Helm reads numbers in values files as float64 and prints
# 3145728 as 3.145728e+06, which neither the flag parser nor Kubernetes' integer fields take).
set -euo pipefail
cd "$(dirname "$0")/.."
bash test/e2e/build-components.sh >/dev/null
helm="${IRSA_CACHE_DIR:-$HOME/.cache/irsa-webhook}/bin/helm"
binary="${IRSA_BINARY:-build/irsa-webhook}"
if [[ ! -x "$binary" ]]; then
  echo "chart: $binary not found: build it first (bash hack/build.sh) or set IRSA_BINARY"; exit 1
fi
chart=charts/irsa-webhook
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
"$helm" lint --strict "$chart" >/dev/null
render() { "$helm" template irsa-webhook "$chart" --namespace eks --kube-version 1.33.0 "$@"; }

# check_manifest MODE FILE: the rendered Deployment's flags are accepted by the binary and
# no number is in exponent form; prints what is wrong, naming MODE, and returns 1 if anything
# is. Callers count failures, so one run names every bad mode.
check_manifest() {
  local mode="$1" manifest="$2" output exponent status=0
  local -a args
  if ! python3 hack/webhook-container-args.py <"$manifest" >"$work/args"; then
    echo "chart ($mode): cannot read the webhook container's args from the rendered Deployment"
    return 1
  fi
  mapfile -d '' args <"$work/args"
  if ((${#args[@]} == 0)); then
    echo "chart ($mode): the webhook container has no args"; return 1
  fi
  if ! output="$("$binary" check-flags "${args[@]}" 2>&1)"; then
    echo "chart ($mode): the webhook refuses the rendered Deployment's flags: $output"; status=1
  fi
  if exponent="$(grep -nE '[0-9]e[+-][0-9]' "$manifest")"; then
    echo "chart ($mode): numbers rendered in exponent form:"; sed 's/^/  /' <<<"$exponent"; status=1
  fi
  return $status
}
checked=0 failed=0
# mode NAME [helm template flags]: renders and checks one chart mode.
mode() {
  local name="$1"; shift
  render "$@" >"$work/manifest.yaml"
  checked=$((checked + 1))
  check_manifest "$name" "$work/manifest.yaml" || failed=$((failed + 1))
}

mode builtin
mode cert-manager --set certificates.mode=cert-manager
mode cert-manager-issuer --set certificates.mode=cert-manager \
  --set certificates.certManager.issuerRef.name=ca --set certificates.certManager.issuerRef.kind=ClusterIssuer
mode secret --set certificates.mode=secret --set certificates.caBundle=Zm9v
mode pod-identity --set config.watchConfigMap=true --set config.podIdentity.enabled=true --set config.podIdentity.configMap=pi \
  --set metrics.serviceMonitor.enabled=true --set networkPolicy.enabled=true --set hostNetwork=true \
  --set config.awsDefaultRegion=eu-west-1 --set 'webhook.matchConditions[0].name=not-kube-system' \
  --set 'webhook.matchConditions[0].expression=request.namespace != "kube-system"' \
  --set-json config.kubeApiQps=0.5 --set 'podDisruptionBudget.minAvailable=50%'
# Large numbers from a values file (--set would hand Helm int64s, which print fine).
cat >"$work/large-numbers.yaml" <<'VALUES'
replicaCount: 1000000
terminationGracePeriodSeconds: 1000000
podDisruptionBudget: {minAvailable: 1000000}
config:
  tokenExpiration: 1000000
  workerThreads: 128
  maxRequestBytes: 10485760
  kubeApiQps: 1000000
  kubeApiBurst: 100000
  verbosity: 10
VALUES
mode large-numbers -f "$work/large-numbers.yaml"
checked=$((checked + 1))
check_manifest deploy/irsa-webhook.yaml deploy/irsa-webhook.yaml || failed=$((failed + 1))
if ((failed)); then echo "chart: $failed of $checked manifests failed the checks above"; exit 1; fi

# The check itself must catch a flag the binary refuses (here one given through extraArgs).
render --set 'extraArgs[0]=--no-such-flag' >"$work/manifest.yaml"
if check_manifest self-test "$work/manifest.yaml" >"$work/self-test"; then
  echo "chart: the flag check let --no-such-flag through"; exit 1
fi
grep -q 'chart (self-test): .*unknown flag --no-such-flag' "$work/self-test" ||
  { echo "chart: the flag check's message does not name the flag:"; cat "$work/self-test"; exit 1; }

# Values the schema must refuse (its bounds are the flag parser's, so what it lets through
# does not crash-loop).
bad_values=(config.logFormat=xml webhook.failurePolicy=Sometimes config.tlsMinVersion=1.4
            config.resyncPeriod=soon certificates.mode=magic config.workerThreads=0
            config.maxRequestBytes=4294967297 config.kubeApiBurst=100001
            podDisruptionBudget.minAvailable=half)
for bad in "${bad_values[@]}"; do
  if render --set "$bad" >/dev/null 2>&1; then echo "chart accepted bad value $bad"; exit 1; fi
done
if render --set certificates.mode=secret >/dev/null 2>&1; then echo "chart accepted mode=secret without caBundle"; exit 1; fi
echo "chart: lint, $checked manifests (every mode and deploy/) whose flags $binary check-flags" \
     "accepts, $((${#bad_values[@]} + 1)) rejected bad values OK"
