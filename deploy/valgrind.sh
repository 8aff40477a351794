#!/usr/bin/env bash
# Runs the integration tests with every resettled and resettle process under
# valgrind (memcheck, --leak-check=full --error-exitcode=99), on a plain build
# without sanitizers (valgrind and ASan do not mix).
#
#   deploy/valgrind.sh [ctest arguments...]     e.g. deploy/valgrind.sh -R itest_framing
#
# The test harness (tests/itest_harness.h) prefixes the two binaries with
# valgrind when RS_VALGRIND=1; each process writes its report to
# $RS_VALGRIND_LOGDIR/vg.<pid>.log.  A process with a memory error or a leak
# exits 99, which fails the test that started it; this script also lists every
# report with errors or definite leaks, and exits non-zero if there is one.
# Processes the tests SIGKILL on purpose (the crash tests) leave no summary.
#
# Tests with timing bounds relax them under valgrind (see it_slow() in tests/itest_harness.h).
set -euo pipefail
cd "$(dirname "$0")/.."

command -v valgrind >/dev/null || { echo "valgrind.sh: valgrind is not installed" >&2; exit 2; }

build=${RS_BUILD_DIR:-build-valgrind}
logs="$PWD/$build/valgrind-logs"
cmake -S . -B "$build" -DRS_SANITIZE=OFF -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" -j"$(nproc)"
rm -rf "$logs"
mkdir -p "$logs"

export RS_VALGRIND=1
export RS_VALGRIND_LOGDIR="$logs"
status=0
ctest --test-dir "$build" -L integration --output-on-failure "$@" || status=$?

bad=0
total=0
for f in "$logs"/vg.*.log; do
    [ -e "$f" ] || continue
    total=$((total + 1))
    if grep -Eq 'ERROR SUMMARY: [1-9]|definitely lost: [1-9]|indirectly lost: [1-9]' "$f"; then
        bad=$((bad + 1))
        echo "---- $f"
        grep -E 'Command:|ERROR SUMMARY|definitely lost|indirectly lost|possibly lost' "$f"
    fi
done
summaries=$(grep -l 'ERROR SUMMARY' "$logs"/vg.*.log 2>/dev/null | wc -l)
echo "valgrind: $total processes, $summaries finished with a summary, $bad with errors or leaks"
if [ "$bad" -ne 0 ] && [ "$status" -eq 0 ]; then
    status=1
fi
exit "$status"
