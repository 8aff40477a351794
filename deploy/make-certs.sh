#!/usr/bin/env bash
# Makes a private certificate authority and a server certificate for a
# district that has no PKI of its own (deploy/README.md walks through it).
#
#   deploy/make-certs.sh DIR NAME [NAME ...]
#
# DIR    folder for the files; created with mode 700 if missing.
# NAME   every host name and IP address the townships use to reach the
#        centre (the certificate's subjectAltName); the first one is also
#        its common name.  E.g. resettle.yueyang.example 10.20.0.5
#
# Makes, with OpenSSL (EC P-256 keys):
#   DIR/ca.key, DIR/ca.crt          the district CA, valid 10 years; made
#                                   only if DIR/ca.crt does not exist yet
#   DIR/server.key, DIR/server.crt  the server's key and certificate, valid
#                                   825 days, signed by the CA; made anew on
#                                   every run (renewal = run it again)
# and prints the server certificate's SHA-256 fingerprint, the value a
# township may pin with `resettle --pin sha256:...` instead of trusting the
# CA file.  Keys are written with mode 600 and never leave DIR: copy only
# ca.crt to the townships.
#
# Environment: RS_CA_NAME (the CA's common name, default
# "resettle district CA"), RS_CERT_DAYS (server certificate validity,
# default 825).
set -euo pipefail

if [ $# -lt 2 ]; then
  sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//' >&2
  exit 2
fi
dir=$1
shift
command -v openssl >/dev/null || { echo "make-certs: openssl not found (apt-get install openssl)" >&2; exit 1; }
ca_name=${RS_CA_NAME:-resettle district CA}
days=${RS_CERT_DAYS:-825}

san=""
for n in "$@"; do
  if [[ "$n" =~ ^[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+$ || "$n" == *:* ]]; then
    san+="${san:+,}IP:$n"
  elif [[ "$n" =~ ^[A-Za-z0-9.-]+$ ]]; then
    san+="${san:+,}DNS:$n"
  else
    echo "make-certs: '$n' is neither a host name nor an IP address" >&2
    exit 2
  fi
done

umask 077
mkdir -p "$dir"
chmod 700 "$dir"

if [ ! -f "$dir/ca.crt" ]; then
  openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$dir/ca.key" 2>/dev/null
  openssl req -x509 -new -key "$dir/ca.key" -sha256 -days 3650 -subj "/CN=$ca_name" \
    -addext "basicConstraints=critical,CA:TRUE,pathlen:0" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" -out "$dir/ca.crt"
  echo "make-certs: new CA $dir/ca.crt (copy this file to every township)"
else
  echo "make-certs: keeping the CA $dir/ca.crt"
fi

ext=$(mktemp)
trap 'rm -f "$ext" "$dir/server.csr"' EXIT
cat >"$ext" <<EOF
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=serverAuth
subjectAltName=$san
EOF
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$dir/server.key" 2>/dev/null
openssl req -new -key "$dir/server.key" -subj "/CN=$1" -out "$dir/server.csr"
openssl x509 -req -in "$dir/server.csr" -CA "$dir/ca.crt" -CAkey "$dir/ca.key" \
  -CAcreateserial -sha256 -days "$days" -extfile "$ext" -out "$dir/server.crt" 2>/dev/null
chmod 600 "$dir"/*.key
chmod 644 "$dir/ca.crt" "$dir/server.crt"

fp=$(openssl x509 -in "$dir/server.crt" -noout -fingerprint -sha256 | sed 's/^.*=//; s/://g' |
     tr 'A-F' 'a-f')
echo "make-certs: server certificate $dir/server.crt for $san"
echo "make-certs: server key $dir/server.key (stays on the server)"
echo "sha256:$fp"
