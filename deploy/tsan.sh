#!/usr/bin/env bash
# Builds with ThreadSanitizer (-DRS_TSAN=ON) and runs the tests with it:
# every resettled and resettle process the integration tests start is the
# TSan build too, so a data race between the loop thread and the libuv pool
# (or the report's helper thread) fails the test that started it.
#
#   deploy/tsan.sh [ctest arguments...]     default: every test but the
#                                           formats tests (label formats)
#                                           and the console's browser tests
#                                           (label browser)
#
# The formats tests render files in Chromium and LibreOffice, no code of
# ours; the ASan run (deploy/test.sh) has them, and the TSan run still has
# the golden test that writes those files.  The browser tests drive the
# console from Chromium; under TSan they would time the browser, not our
# threads, which itest_console runs (its sender and libmicrohttpd's).
# TSAN_OPTIONS makes the first report fatal (exit 66).  Resource bounds that
# assume an uninstrumented process (memory, time) are relaxed by the test
# harness when RS_SLOW_BUILD=1 (tests/itest_harness.h).
set -euo pipefail
cd "$(dirname "$0")/.."

bash deploy/install-deps.sh
build=${RS_BUILD_DIR:-build-tsan}
cmake -S . -B "$build" -DRS_TSAN=ON -DRS_BENCH=OFF -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" -j"$(nproc)"
export TSAN_OPTIONS="halt_on_error=1 exitcode=66 second_deadlock_stack=1 ${TSAN_OPTIONS:-}"
export RS_SLOW_BUILD=1
ctest --test-dir "$build" --output-on-failure -j"$(nproc)" -LE 'formats|browser' "$@"
