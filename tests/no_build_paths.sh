#!/usr/bin/env bash
# no_build_paths.sh SOURCE_DIR BUILD_DIR BINARY...: fails if any binary holds
# the absolute path of the source or the build tree (a path of the machine
# that built it: debug info, __FILE__ or a compiled-in default).  CTest runs
# it on resettled and resettle (tests/CMakeLists.txt).
set -euo pipefail
src=$1 build=$2
shift 2
status=0
for bin in "$@"; do
  for dir in "$src" "$build"; do
    if hits=$(strings -a "$bin" | grep -F -- "$dir"); then
      echo "$bin holds $dir:"
      printf '%s\n' "$hits" | head -5
      status=1
    fi
  done
done
[ "$status" -eq 0 ] && echo "no build path in $#" binaries
exit "$status"
