#!/usr/bin/env bash
# Installs the dependencies, builds with ASan+UBSan and runs the whole test
# suite through CTest.  This is the README's second quick-start command and
# what CI runs.
set -euo pipefail
cd "$(dirname "$0")/.."

bash deploy/install-deps.sh
build=${RS_BUILD_DIR:-build-test}
cmake -S . -B "$build" -DRS_SANITIZE=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" -j"$(nproc)"
ctest --test-dir "$build" --output-on-failure -j"$(nproc)"
