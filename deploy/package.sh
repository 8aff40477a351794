#!/usr/bin/env bash
# Builds the two Debian packages, resettle-server and resettle-client, from
# this tree (CPack, deploy/packaging.cmake), with Debian's own compiler
# flags (dpkg-buildflags, hardening=+all), then checks them:
#   - neither packaged binary (nor the unstripped build) holds a path of
#     this machine's source or build tree (tests/no_build_paths.sh);
#   - lintian reports no error and no warning (--fail-on error,warning);
#   - the man pages render without a warning (man --warnings).
# Prints each package's path and size.
#
#   RS_PKG_BUILD_DIR   build folder (default build-pkg)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

bash deploy/install-deps.sh
build=${RS_PKG_BUILD_DIR:-build-pkg}
case "$build" in /*) ;; *) build=$root/$build ;; esac

export DEB_BUILD_MAINT_OPTIONS=hardening=+all
cflags="$(dpkg-buildflags --get CFLAGS) $(dpkg-buildflags --get CPPFLAGS)"
ldflags=$(dpkg-buildflags --get LDFLAGS)
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_INSTALL_PREFIX=/usr \
  -DBUILD_TESTING=OFF -DRS_BENCH=OFF -DCMAKE_C_FLAGS="$cflags" \
  -DCMAKE_EXE_LINKER_FLAGS="$ldflags" -DCMAKE_STRIP="$root/deploy/debian/strip" >/dev/null
cmake --build "$build" -j"$(nproc)" >/dev/null
rm -f "$build"/resettle-*.deb
(cd "$build" && cpack -G DEB >/dev/null)
server_deb=$(ls "$build"/resettle-server_*.deb)
client_deb=$(ls "$build"/resettle-client_*.deb)

echo "== no path of this machine in the binaries"
check=$(mktemp -d)
trap 'rm -rf "$check"' EXIT
dpkg-deb -x "$server_deb" "$check"
dpkg-deb -x "$client_deb" "$check"
bash tests/no_build_paths.sh "$root" "$build" "$check/usr/sbin/resettled" \
  "$check/usr/bin/resettle" "$build/server/resettled" "$build/client/resettle"

echo "== man pages"
for page in docs/man/resettled.8 docs/man/resettle.1; do
  warnings=$(MANWIDTH=80 man --warnings -l "$page" 2>&1 >/dev/null)
  if [ -n "$warnings" ]; then
    echo "$page:"
    echo "$warnings"
    exit 1
  fi
  echo "$page: no warning"
done

echo "== lintian"
# lintian says once that it runs as root; that is not about the packages.
lintian --fail-on error,warning --display-info "$server_deb" "$client_deb" 2>&1 |
  grep -v 'running with root privileges' || true
lintian --fail-on error,warning "$server_deb" "$client_deb" >/dev/null 2>&1 || {
  echo "lintian found errors or warnings"
  exit 1
}
echo "lintian: no error, no warning"

echo "== packages"
for deb in "$server_deb" "$client_deb"; do
  printf '%s  %s bytes, installed %s KiB\n' "$deb" "$(stat -c %s "$deb")" \
    "$(dpkg-deb -f "$deb" Installed-Size)"
  printf '    Depends: %s\n' "$(dpkg-deb -f "$deb" Depends)"
done
