#!/usr/bin/env bash
# man_pages.sh SOURCE_DIR: resettled(8) and resettle(1) render without a
# warning (man --warnings), and resettle(1) names every long option of
# client/main.c (test_config checks resettled(8) against serve's key table).
set -euo pipefail
src=$1
status=0
for page in "$src/docs/man/resettled.8" "$src/docs/man/resettle.1"; do
  warnings=$(MANWIDTH=80 man --warnings -l "$page" 2>&1 >/dev/null)
  if [ -n "$warnings" ]; then
    echo "$page: $warnings"
    status=1
  fi
done
options=$(grep -oE '\{"[a-z-]+", (required|no)_argument' "$src/client/main.c" |
          sed -E 's/^\{"([a-z-]+)".*/\1/' | sort -u)
for opt in $options; do
  roff="\\-\\-${opt//-/\\-}"
  if ! grep -qF -- "$roff" "$src/docs/man/resettle.1"; then
    echo "resettle(1) does not document --$opt"
    status=1
  fi
done
if [ "$status" -eq 0 ]; then
  echo "man pages: no warning; resettle(1) names all $(echo "$options" | wc -l) options"
fi
exit "$status"
