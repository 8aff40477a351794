#!/usr/bin/env bash
# run.sh browser|office DIR - the formats tests (CTest label "formats").
#
# DIR is where itest_golden left the seed year's reports (RS_FORMATS_OUT):
# central.{docx,xlsx,html,json} and 430602001.{docx,xlsx,html}.  What these
# tests make goes into DIR too: screenshots, PDFs, LibreOffice's text and
# CSV, and the npm packages (DIR/npm/node_modules, never committed).
#
#   browser  installs playwright-core from package-lock.json (npm ci, once
#            per lock file), then renders both pages in the system's
#            Chromium (browser.cjs): no console error, no request, every
#            chart with marks; PNG screenshots and an A4 PDF of each.
#   office   converts both documents and both workbooks with LibreOffice
#            headless (its own profile under DIR, so it never meets another
#            soffice) and checks the text and CSV against the JSON report
#            (office.cjs).
#
# A missing tool fails the test and says which package installs it; nothing
# here is skipped.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
what=${1:?usage: run.sh browser|office DIR}
dir=${2:?usage: run.sh browser|office DIR}

need() {   # command, Debian package
  command -v "$1" >/dev/null 2>&1 || {
    echo "formats: $1 is missing: apt-get install $2 (deploy/install-deps.sh)" >&2
    exit 1
  }
}
for f in central.docx central.xlsx central.html central.json \
         430602001.docx 430602001.xlsx 430602001.html; do
  [ -s "$dir/$f" ] || { echo "formats: $dir/$f is missing (itest_golden makes it)" >&2; exit 1; }
done
need node nodejs

case $what in
browser)
  need npm npm
  chromium=${RS_CHROMIUM:-/usr/bin/chromium}
  [ -x "$chromium" ] || { echo "formats: $chromium is missing: apt-get install chromium" >&2; exit 1; }
  npmdir=$dir/npm
  mkdir -p "$npmdir"
  if ! cmp -s "$here/package-lock.json" "$npmdir/package-lock.json" ||
     [ ! -d "$npmdir/node_modules/playwright-core" ]; then
    cp "$here/package.json" "$here/package-lock.json" "$npmdir/"
    # playwright-core has no install script and downloads no browser.
    (cd "$npmdir" && npm ci --no-audit --no-fund --ignore-scripts --loglevel=error)
  fi
  shots=$dir/browser
  rm -rf "$shots"
  RS_CHROMIUM=$chromium node "$here/browser.cjs" "$npmdir/node_modules" "$dir/central.html" \
    "$dir/central.json" "$shots" consolidated
  RS_CHROMIUM=$chromium node "$here/browser.cjs" "$npmdir/node_modules" "$dir/430602001.html" \
    - "$shots" township
  echo "formats: screenshots and PDFs in $shots"
  ;;
office)
  need soffice "libreoffice-writer-nogui libreoffice-calc-nogui"
  out=$dir/office
  rm -rf "$out"
  mkdir -p "$out"
  lo() {   # soffice with a profile of its own, bounded in time
    timeout 180 soffice -env:UserInstallation="file://$dir/lo-profile" --headless \
      --norestore --nolockcheck "$@" >>"$out/soffice.log" 2>&1
  }
  for name in central 430602001; do
    lo --convert-to txt:Text --outdir "$out" "$dir/$name.docx"
    lo --convert-to pdf --outdir "$out" "$dir/$name.docx"
    # Every sheet (the last option, -1) to its own UTF-8 (76) CSV of raw values.
    lo --convert-to 'csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1' \
      --outdir "$out" "$dir/$name.xlsx"
    [ -s "$out/$name.txt" ] && [ -s "$out/$name.pdf" ] && [ -s "$out/$name-核查发现.csv" ] || {
      echo "formats: LibreOffice did not convert $name (log: $out/soffice.log)" >&2
      cat "$out/soffice.log" >&2
      exit 1
    }
  done
  grep -q '金鹗山街道' "$out/430602001.txt" || { echo "formats: township docx lacks its name" >&2; exit 1; }
  node "$here/office.cjs" "$dir/central.json" "$out/central.txt" "$out/central"
  echo "formats: LibreOffice's text, CSV and PDF in $out"
  ;;
*)
  echo "usage: run.sh browser|office DIR" >&2
  exit 2
  ;;
esac
