#!/usr/bin/env bash
# run.sh DIR - the console's browser tests (CTest label "browser").
#
# Installs playwright-core from package-lock.json into DIR/npm (npm ci, once
# per lock file; it has no install script and downloads no browser), then
# runs console.cjs: a real resettled on 127.0.0.1, a township's and the
# centre's `resettle console`, and the system's Chromium.  Screenshots go
# to DIR/*.png, the processes' output to DIR/work/.
#
# RS_SERVER_BIN, RS_CLIENT_BIN and RS_SOURCE_DIR come from CTest.  A
# missing tool fails the test and says which package installs it.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
dir=${1:?usage: run.sh DIR}

need() {   # command, Debian package
  command -v "$1" >/dev/null 2>&1 || {
    echo "console: $1 is missing: apt-get install $2 (deploy/install-deps.sh)" >&2
    exit 1
  }
}
need node nodejs
need npm npm
chromium=${RS_CHROMIUM:-/usr/bin/chromium}
[ -x "$chromium" ] || { echo "console: $chromium is missing: apt-get install chromium" >&2; exit 1; }
for v in RS_SERVER_BIN RS_CLIENT_BIN RS_SOURCE_DIR; do
  [ -n "${!v:-}" ] || { echo "console: $v is not set (CTest sets it)" >&2; exit 1; }
done
mkdir -p "$dir"
npmdir=$dir/npm
mkdir -p "$npmdir"
if ! cmp -s "$here/package-lock.json" "$npmdir/package-lock.json" ||
   [ ! -d "$npmdir/node_modules/playwright-core" ]; then
  cp "$here/package.json" "$here/package-lock.json" "$npmdir/"
  (cd "$npmdir" && npm ci --no-audit --no-fund --ignore-scripts --loglevel=error)
fi
rm -f "$dir"/*.png
RS_CHROMIUM=$chromium timeout 300 node "$here/console.cjs" "$npmdir/node_modules" "$dir"
