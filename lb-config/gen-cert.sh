#!/usr/bin/env bash
# A self-signed certificate for local runs and tests:
#   lb-config/gen-cert.sh DIR [NAME ...]
# writes DIR/lb.crt and DIR/lb.key (kept when they exist).  For a real
# deployment put your certificate and key at the paths lb.conf names
# (/etc/fanout/tls/lb.crt, lb.key), e.g. from your ACME client.
set -euo pipefail
dir=$1; shift
names=("${@:-localhost}")
mkdir -p "$dir"
[ -s "$dir/lb.crt" ] && [ -s "$dir/lb.key" ] && exit 0
san=$(printf 'DNS:%s,' "${names[@]}")IP:127.0.0.1
openssl req -x509 -newkey rsa:2048 -nodes -days 825 -sha256 \
  -subj "/CN=${names[0]}" -addext "subjectAltName=$san" \
  -keyout "$dir/lb.key" -out "$dir/lb.crt" 2>/dev/null
chmod 600 "$dir/lb.key"
