#!/usr/bin/env bash
# Creates a development CA and a serving certificate for localhost/127.0.0.1 in
# ${1:-.dev-certs}/ (git-ignored). Reuses them while they are valid for another day.
set -euo pipefail
dir="${1:-.dev-certs}"
mkdir -p "$dir"
if [[ -f "$dir/tls.crt" ]] && openssl x509 -checkend 86400 -noout -in "$dir/tls.crt" >/dev/null 2>&1; then
  exit 0
fi
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 \
  -subj "/CN=irsa-webhook-dev-ca" -keyout "$dir/ca.key" -out "$dir/ca.crt" \
  -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign" 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=localhost" \
  -keyout "$dir/tls.key" -out "$dir/tls.csr" 2>/dev/null
openssl x509 -req -in "$dir/tls.csr" -CA "$dir/ca.crt" -CAkey "$dir/ca.key" -CAcreateserial -days 30 \
  -extfile <(printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n') \
  -out "$dir/tls.crt" 2>/dev/null
rm -f "$dir/tls.csr" "$dir/ca.srl"
echo "dev-certs: wrote CA and serving certificate to $dir/"
