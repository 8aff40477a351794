#!/usr/bin/env bash
# Builds the libFuzzer targets (tests/fuzz/) with clang and runs each for
# SECONDS_PER_TARGET seconds (default 60) on a copy of its checked-in seed
# corpus, so the corpus in git never grows.  Prints one summary line per
# target and, for a target that failed, the tail of its log.  Exits 1 if any
# target crashed, leaked, timed out, ran out of memory or tripped a
# sanitizer; 2 on a usage or build error.
#
# Usage: deploy/fuzz.sh [SECONDS_PER_TARGET]
# Environment: RS_FUZZ_BUILD_DIR (default build-fuzz), RS_FUZZ_OUT (default
# fuzz-out: full logs and crash reproducers), RS_FUZZ_TARGETS (default all
# nine, space-separated, e.g. "fuzz_csv fuzz_frame").
set -euo pipefail
cd "$(dirname "$0")/.."

secs=${1:-60}
if ! [[ "$secs" =~ ^[0-9]+$ ]] || [ "$secs" -lt 1 ]; then
  echo "usage: deploy/fuzz.sh [SECONDS_PER_TARGET]" >&2
  exit 2
fi
build=${RS_FUZZ_BUILD_DIR:-build-fuzz}
out=${RS_FUZZ_OUT:-fuzz-out}
read -r -a targets <<<"${RS_FUZZ_TARGETS:-fuzz_frame fuzz_envelope fuzz_csv fuzz_framework fuzz_expr fuzz_peek fuzz_xlsx fuzz_schedule fuzz_canonical}"

bash deploy/install-deps.sh
mkdir -p "$out"
echo "fuzz: building $build"
if ! { CC=clang cmake -S . -B "$build" -DRS_FUZZ=ON -DBUILD_TESTING=OFF -DRS_BENCH=OFF \
         -DCMAKE_BUILD_TYPE=RelWithDebInfo &&
       cmake --build "$build" -j"$(nproc)" --target "${targets[@]}"; } >"$out/build.log" 2>&1; then
  echo "fuzz: build failed; last lines of $out/build.log:" >&2
  tail -n 40 "$out/build.log" >&2
  exit 2
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/rs-fuzz.XXXXXX")
trap 'rm -rf "$work"' EXIT

# UBSan must stop the run so libFuzzer saves the input; ASan reports leaks.
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
export ASAN_OPTIONS=detect_leaks=1

# Pulls "name value" out of libFuzzer's final stats.
stat() { sed -n "s/^stat::$1: *\([0-9]*\).*/\1/p" "$2" | tail -n 1; }

failed=0
for t in "${targets[@]}"; do
  name=${t#fuzz_}
  bin="$build/tests/fuzz/$t"
  log="$out/$t.log"
  corpus="$work/$name"
  rm -rf "$out/$t-artifacts"
  mkdir -p "$corpus" "$out/$t-artifacts"
  cp tests/fuzz/corpus/"$name"/* "$corpus"/
  rc=0
  "$bin" -max_total_time="$secs" -rss_limit_mb=2048 -timeout=10 -print_final_stats=1 \
    -artifact_prefix="$out/$t-artifacts/" "$corpus" >"$log" 2>&1 || rc=$?

  runs=$(stat number_of_executed_units "$log")
  eps=$(stat average_exec_per_sec "$log")
  last=$(grep -E '^#[0-9]+.*cov: ' "$log" | tail -n 1 || true)
  cov=$(sed -n 's/.*cov: \([0-9]*\).*/\1/p' <<<"$last")
  ft=$(sed -n 's/.*ft: \([0-9]*\).*/\1/p' <<<"$last")
  if [ "$rc" -eq 0 ]; then
    result=ok
  elif grep -q 'ERROR: LeakSanitizer' "$log"; then
    result=LEAK
  elif grep -q 'ERROR: libFuzzer: timeout' "$log"; then
    result=TIMEOUT
  elif grep -qE 'ERROR: libFuzzer: (out-of-memory|malloc limit)' "$log"; then
    result=OOM
  elif grep -q 'runtime error:' "$log"; then
    result=UBSAN
  elif grep -q 'ERROR: AddressSanitizer' "$log"; then
    result=ASAN
  else
    result="CRASH(rc=$rc)"
  fi
  printf 'fuzz: %-15s %10s runs %8s exec/s  cov %-5s ft %-6s %s\n' "$t" "${runs:-?}" \
    "${eps:-?}" "${cov:-?}" "${ft:-?}" "$result"
  if [ "$result" != ok ]; then
    failed=1
    echo "----- last 60 lines of $log -----"
    tail -n 60 "$log"
    echo "----- reproducer(s): $(find "$out/$t-artifacts" -type f | tr '\n' ' ')"
    echo "----- rerun: $bin <reproducer>"
  fi
done

if [ "$failed" -ne 0 ]; then
  echo "fuzz: FAILED (logs in $out/)"
  exit 1
fi
echo "fuzz: all targets ok (${secs}s each; logs in $out/)"
