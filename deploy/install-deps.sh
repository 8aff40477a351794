#!/usr/bin/env bash
# Installs every Debian 12 package that building, testing and running the
# resettle demo need, and what building and testing the Debian packages
# needs (dpkg-shlibdeps from dpkg-dev, lintian, man-db for the man pages'
# check, debootstrap and iproute2 for deploy/package-test.sh).  Idempotent;
# run as root.  Skips apt entirely when everything is already installed.
# libreoffice-calc-nogui is for the tests only (itest_libreoffice fills an
# Excel template in LibreOffice): 55 packages, about 82 MB to download and
# 254 MiB installed, under a minute.  So are the formats tests'
# (tests/formats/): libreoffice-writer-nogui (LibreOffice opens the Word
# report), chromium and fonts-noto-cjk (headless Chromium renders the HTML
# report with Chinese text): 30 packages, 188 MB to download and 538 MB
# installed, under a minute; and node with npm (npm installs playwright-core,
# which drives Chromium), taken from Debian (nodejs, npm) only when no node
# and npm are on PATH.  libmicrohttpd-dev is the console's HTTP server
# (`resettle console`, client/console/): a small, maintained library that
# parses HTTP so the client does not, 1 package.  libpq-dev is the store's
# PostgreSQL engine, and postgresql (Debian 12: PostgreSQL 15) is
# for the tests only: tests/pg/pg_server.sh runs a throwaway server, and a
# replica of it, from /usr/lib/postgresql/*/bin in a folder of the build:
# 13 packages, about 24 MB to download and 84 MiB installed.  The cluster
# the package makes (15 main) is used by nothing here.
set -euo pipefail

packages=(
  build-essential cmake pkgconf
  libuv1-dev libsqlite3-dev libprotobuf-c-dev protobuf-c-compiler
  libssl-dev openssl libcmocka-dev libcjson-dev
  libzip-dev libexpat1-dev libxlsxwriter-dev
  sqlite3 clang libclang-rt-14-dev valgrind
  libreoffice-calc-nogui libreoffice-writer-nogui chromium fonts-noto-cjk
  libinih-dev libsystemd-dev libmicrohttpd-dev
  libpq-dev postgresql
  dpkg-dev lintian man-db debootstrap iproute2
)
command -v node >/dev/null 2>&1 || packages+=(nodejs)
command -v npm >/dev/null 2>&1 || packages+=(npm)

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
