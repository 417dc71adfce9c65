#!/usr/bin/env bash
# The image runs as 65532 while --port defaults to 443 (upstream's default). Proves the
# documented fix (docs/operations.md): with the namespaced sysctl
# net.ipv4.ip_unprivileged_port_start=443, the binary as uid 65532 with no capabilities
# binds 443 and answers. Runs in a network namespace of its own (needs root: unshare -n);
# exits 77 (skipped) without root.
# Usage: test/compat/unprivileged-port-443.sh IRSA_WEBHOOK_BINARY REPO_ROOT
set -euo pipefail
binary=$1
repo=$2
if [[ $(id -u) -ne 0 ]] || ! command -v unshare >/dev/null || ! command -v setpriv >/dev/null; then
  echo "skipped: needs root, unshare and setpriv"
  exit 77
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=localhost \
  -addext subjectAltName=IP:127.0.0.1 -keyout "$work/tls.key" -out "$work/tls.crt" 2>/dev/null
cp "$repo/examples/service-accounts.yaml" "$work/"
cp "$binary" "$work/irsa-webhook"
chown -R 65532:65532 "$work"
chmod 0755 "$work"

unshare -n bash -s "$work" <<'INNER'
set -euo pipefail
work=$1
ip link set lo up
# Without the sysctl the bind must fail: the check is not passing for another reason.
if setpriv --reuid 65532 --regid 65532 --clear-groups --inh-caps=-all --bounding-set=-all \
  "$work/irsa-webhook" --port=443 --metrics-port=9999 --bind-address=127.0.0.1 \
  --tls-cert="$work/tls.crt" --tls-key="$work/tls.key" \
  --service-accounts-file="$work/service-accounts.yaml" >"$work/refused.log" 2>&1 & pid=$!
  sleep 2; kill -0 "$pid" 2>/dev/null; then
  kill "$pid"; echo "FAIL: uid 65532 bound 443 without the sysctl"; exit 1
fi
echo "without the sysctl: refused ($(grep -m1 -io 'permission denied\|bind[^"]*' "$work/refused.log" || true))"
sysctl -qw net.ipv4.ip_unprivileged_port_start=443
setpriv --reuid 65532 --regid 65532 --clear-groups --inh-caps=-all --bounding-set=-all \
  "$work/irsa-webhook" --port=443 --metrics-port=9999 --bind-address=127.0.0.1 \
  --tls-cert="$work/tls.crt" --tls-key="$work/tls.key" \
  --service-accounts-file="$work/service-accounts.yaml" >"$work/served.log" 2>&1 &
pid=$!
trap 'kill "$pid" 2>/dev/null || true' EXIT
for _ in $(seq 50); do
  if code=$(curl -s -o /dev/null -w '%{http_code}' --cacert "$work/tls.crt" https://127.0.0.1:443/healthz) &&
    [[ "$code" == 200 ]]; then
    echo "PASS: uid $(awk '/^Uid:/{print $2}' /proc/$pid/status) serves https://127.0.0.1:443/healthz -> $code"
    exit 0
  fi
  sleep 0.2
done
echo "FAIL: no answer on 443"; tail -5 "$work/served.log"; exit 1
INNER
