#!/usr/bin/env bash
# Installs every Debian 12 package that building, testing and running the
# resettle demo need.  Idempotent; run as root.  Skips apt entirely when
# everything is already installed.  libreoffice-calc-nogui is for the tests
# only (itest_libreoffice fills an Excel template in LibreOffice): 55
# packages, about 82 MB to download and 254 MiB installed, under a minute.
set -euo pipefail

packages=(
  build-essential cmake pkgconf
  libuv1-dev libsqlite3-dev libprotobuf-c-dev protobuf-c-compiler
  libssl-dev openssl libcmocka-dev libcjson-dev
  libzip-dev libexpat1-dev libxlsxwriter-dev
  sqlite3 clang libclang-rt-14-dev valgrind
  libreoffice-calc-nogui
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "install-deps: missing ${missing[*]}; run as root (sudo)" >&2
  exit 1
fi

echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "install-deps: done"
