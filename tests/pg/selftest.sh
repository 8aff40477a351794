#!/usr/bin/env bash
# selftest.sh [DIR]: proves tests/pg/pg_server.sh with psql alone, timing
# each step.  In DIR (default: a new folder under $TMPDIR or /tmp, removed
# when the test passes) it starts a primary; creates two databases in
# parallel and checks that each is there and that creating one again gives
# an empty one; makes a streaming replica and checks that it is in recovery
# and has the primary's databases; then, while a loop inserts numbered rows
# one psql connection at a time through conninfo.both (each insert psql
# reports committed is recorded in DIR/committed, each failed one in
# DIR/failed), fails over to the replica; checks that inserts resumed
# through the same conninfo, now on the promoted replica, that every
# recorded row is there and that no row is there that was never tried;
# stops everything and checks that no process of either server and no
# socket is left.
#
# Does not: test the C code (the _pg CTest variants do), crash the primary
# (failover is a fast stop), or run in parallel with itself on one DIR.
# Exits 0 when every check passed; otherwise prints what failed, the
# servers' log tails, stops the servers and leaves DIR for a look.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd -P)
pgs=$here/pg_server.sh
made=
if [ $# -ge 1 ]; then
  mkdir -p "$1"
  dir=$(cd "$1" && pwd -P)
else
  dir=$(mktemp -d "${TMPDIR:-/tmp}/rs-pgself.XXXXXX")
  made=1
fi
psql_bin=$(find /usr/lib/postgresql -mindepth 3 -maxdepth 3 -path '*/bin/psql' 2>/dev/null |
           sort -V | tail -n 1)
[ -n "$psql_bin" ] || { echo "selftest: no psql under /usr/lib/postgresql/*/bin" >&2; exit 1; }
loop_pid=
t_start=$(date +%s%3N)
t_last=$t_start

on_exit() {
  local status=$?
  if [ -n "$loop_pid" ]; then
    kill "$loop_pid" 2>/dev/null || true
    wait "$loop_pid" 2>/dev/null || true
  fi
  if [ "$status" -ne 0 ]; then
    bash "$pgs" stop "$dir" >/dev/null 2>&1 || true
    echo "selftest: FAILED; the servers are stopped, their folder and logs are in $dir" >&2
  fi
}
trap on_exit EXIT

fail() {
  local f
  echo "selftest: FAIL: $*" >&2
  for f in "$dir"/log/primary.log "$dir"/log/replica.log; do
    [ -s "$f" ] || continue
    echo "---- last lines of $f ----" >&2
    tail -n 20 "$f" >&2
  done
  exit 1
}

step() {
  local now
  now=$(date +%s%3N)
  echo "selftest: ok $1 ($((now - t_last)) ms)"
  t_last=$now
}

# q CONNINFO SQL: the result unaligned, without headers.
q() {
  PGOPTIONS="-c client_min_messages=warning" timeout -k 2 30 \
    "$psql_bin" -X -q -A -t -v ON_ERROR_STOP=1 -d "$1" -c "$2"
}

lines() {
  if [ -f "$1" ]; then wc -l <"$1"; else echo 0; fi
}

# Waits up to 60 s for FILE to have at least N lines.
wait_lines() {
  local file=$1 n=$2 i
  for ((i = 0; i < 600; i++)); do
    [ "$(lines "$file")" -ge "$n" ] && return 0
    sleep 0.1
  done
  fail "after 60 s $file has $(lines "$file") lines, not $n"
}

# Processes whose working folder is inside DIR: the servers' postmasters and
# backends (they chdir to their data folder).
procs_in_dir() {
  local p cwd
  for p in /proc/[0-9]*; do
    cwd=$(readlink "$p/cwd" 2>/dev/null) || continue
    case $cwd in
      "$dir"/*) echo "${p#/proc/} $cwd" ;;
    esac
  done
}

bash "$pgs" start "$dir" || fail "pg_server.sh start"
[ "$(q "$(cat "$dir/conninfo")" "SELECT current_user, pg_is_in_recovery()")" = "postgres|f" ] ||
  fail "the primary does not answer as postgres, out of recovery, through DIR/conninfo"
step "start"

bash "$pgs" createdb "$dir" par_a >"$dir/ci.par_a" 2>"$dir/err.par_a" &
pid_a=$!
bash "$pgs" createdb "$dir" par_b >"$dir/ci.par_b" 2>"$dir/err.par_b" &
pid_b=$!
wait "$pid_a" || fail "createdb par_a in parallel: $(cat "$dir/err.par_a")"
wait "$pid_b" || fail "createdb par_b in parallel: $(cat "$dir/err.par_b")"
for db in par_a par_b; do
  [ "$(q "$(cat "$dir/ci.$db")" "SELECT current_database()")" = "$db" ] ||
    fail "the conninfo createdb printed for $db does not reach $db"
done
q "$(cat "$dir/ci.par_a")" "CREATE TABLE old (n int)" >/dev/null
bash "$pgs" createdb "$dir" par_a >/dev/null || fail "createdb par_a again"
[ "$(q "$(cat "$dir/ci.par_a")" "SELECT to_regclass('old') IS NULL")" = t ] ||
  fail "createdb par_a again left the old database's table"
step "createdb twice in parallel, and again"

bash "$pgs" replica "$dir" || fail "pg_server.sh replica"
[ "$(q "$(cat "$dir/conninfo.replica")" "SELECT pg_is_in_recovery()")" = t ] ||
  fail "the replica is not in recovery"
[ "$(q "$(cat "$dir/conninfo.replica")" "SELECT count(*) FROM pg_database WHERE datname IN ('par_a', 'par_b')")" = 2 ] ||
  fail "the replica does not have the primary's databases"
[ "$(q "$(cat "$dir/conninfo.both")" "SELECT current_setting('port'), pg_is_in_recovery()")" = "5432|f" ] ||
  fail "conninfo.both does not pick the primary"
step "replica"

ci=$(bash "$pgs" createdb "$dir" flow) || fail "createdb flow"
case $ci in
  *sock.replica*target_session_attrs=read-write*) ;;
  *) fail "with a replica, createdb should print the two-host conninfo, not: $ci" ;;
esac
q "$ci" "CREATE TABLE rows (n int PRIMARY KEY, at timestamptz NOT NULL DEFAULT now())" >/dev/null

rm -f "$dir/committed" "$dir/failed" "$dir/stop-inserts" "$dir/insert-errors.log"
insert_loop() {
  local i=0
  while [ ! -e "$dir/stop-inserts" ]; do
    i=$((i + 1))
    if q "$ci" "INSERT INTO rows (n) VALUES ($i)" >/dev/null 2>>"$dir/insert-errors.log"; then
      echo "$i $(date +%s%3N)" >>"$dir/committed"
    else
      echo "$i $(date +%s%3N)" >>"$dir/failed"
    fi
  done
}
insert_loop &
loop_pid=$!
wait_lines "$dir/committed" 100
before=$(lines "$dir/committed")
t_fo=$(date +%s%3N)
bash "$pgs" failover "$dir" || fail "pg_server.sh failover"
t_fo_end=$(date +%s%3N)
after=$(lines "$dir/committed")
wait_lines "$dir/committed" $((after + 100))
touch "$dir/stop-inserts"
wait "$loop_pid"
loop_pid=
step "inserts through conninfo.both across the failover (failover itself $((t_fo_end - t_fo)) ms)"

[ "$(q "$ci" "SELECT current_setting('port'), pg_is_in_recovery()")" = "5433|f" ] ||
  fail "after the failover conninfo.both does not reach the promoted replica"
q "$ci" "SELECT n FROM rows ORDER BY n" | sort >"$dir/have"
cut -d' ' -f1 "$dir/committed" | sort >"$dir/want"
cut -d' ' -f1 "$dir/committed" "$dir/failed" 2>/dev/null | sort >"$dir/tried"
missing=$(comm -23 "$dir/want" "$dir/have" | wc -l)
phantom=$(comm -13 "$dir/tried" "$dir/have" | wc -l)
[ "$missing" -eq 0 ] ||
  fail "$missing committed rows are missing on the new primary: $(comm -23 "$dir/want" "$dir/have" | head -n 10 | tr '\n' ' ')"
[ "$phantom" -eq 0 ] || fail "$phantom rows on the new primary were never inserted"
committed=$(lines "$dir/committed")
failed=$(lines "$dir/failed")
late=$(awk -v t="$t_fo_end" '$2 > t' "$dir/committed" | wc -l)
[ "$late" -ge 100 ] || fail "only $late inserts committed after the failover"
gap=$(sort -n -k2 "$dir/committed" | awk 'NR > 1 && $2 - p > g { g = $2 - p } { p = $2 } END { print g + 0 }')
# A failed insert whose commit had reached the server is also there.
also=$(comm -12 <(cut -d' ' -f1 "$dir/failed" 2>/dev/null | sort) "$dir/have" | wc -l)
echo "selftest: $committed inserts committed ($before before the failover, $late after it), $failed failed during it ($also of them committed all the same); all $committed on the new primary; longest pause between two commits $gap ms"
step "every committed row on the new primary"

bash "$pgs" stop "$dir" || fail "pg_server.sh stop"
left=$(procs_in_dir)
[ -z "$left" ] || fail "processes left after stop: $left"
socks=$(find "$dir" -name '.s.PGSQL.*' | wc -l)
[ "$socks" -eq 0 ] || fail "$socks sockets left after stop"
step "stop, no process or socket left"

echo "selftest: passed in $(($(date +%s%3N) - t_start)) ms"
if [ -n "$made" ]; then
  rm -rf "$dir"
fi
