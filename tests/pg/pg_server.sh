#!/usr/bin/env bash
# pg_server.sh: a throwaway PostgreSQL server in a folder of its own, and on
# request a streaming replica of it, for the tests of the store on
# PostgreSQL.
#
#   pg_server.sh start DIR          initdb into DIR/primary, start it, write
#                                   DIR/conninfo and DIR/pg.conninfo
#   pg_server.sh createdb DIR NAME  a fresh database NAME (an old one of that
#                                   name is dropped first); prints its conninfo
#   pg_server.sh replica DIR        pg_basebackup into DIR/replica, start it,
#                                   wait until it streams and has caught up;
#                                   write DIR/conninfo.replica, DIR/conninfo.both
#   pg_server.sh failover DIR       stop the primary (fast), promote the
#                                   replica, wait until it accepts writes
#   pg_server.sh stop DIR           stop every server started in DIR (fast)
#                                   and check that no process of theirs is left
#
# The binaries are the newest under /usr/lib/postgresql/*/bin (Debian 12:
# PostgreSQL 15, from deploy/install-deps.sh).  PostgreSQL refuses to run as
# root, so when this script runs as root (CI does) the servers run as the
# system user rs-pgtest, created with useradd -r when missing, and DIR is
# given to that user; run as anyone else, they run as that user.  When that
# user cannot enter DIR (a parent folder closed to it, as a clone under a
# mktemp -d folder is), the servers, their sockets and logs live in
# /tmp/rs-pg-HASH instead (HASH from DIR's path, so every command on DIR
# finds them; stop removes it) and only the conninfo files are written in
# DIR; where this note says DIR/... for a server's file, read that folder.
#
# The servers listen on Unix sockets only (listen_addresses = ''): the
# primary in DIR/sock, port 5432, the replica in DIR/sock.replica, port 5433
# (the port only names the socket file).  No TCP port is taken, so runs in
# other folders, other helpers' servers and the Debian cluster never collide,
# and nothing is reachable from the network.  Both socket folders are mode
# 0700: only the server's user and root can connect.  Authentication is
# trust (pg_hba: local all all trust, local replication all trust); the
# tests connect as the role postgres, the superuser initdb creates.  The
# clusters use encoding UTF8 and locale C, so text sorts by bytes as it does
# in SQLite.
#
# Logs: DIR/log/primary.log and DIR/log/replica.log (the servers),
# DIR/log/initdb.log and DIR/log/basebackup.log.  On any failure the script
# prints the tail of each log and exits non-zero: a test that needs this
# server must fail, never skip.
#
# Does not: keep data across runs (start wipes DIR/primary, DIR/replica and
# the files it wrote in DIR), listen on TCP, use passwords or TLS, archive
# WAL, or make replication synchronous.  Replication is asynchronous; a
# fast stop hands every WAL record to the connected replica before the
# primary exits, so failover loses no committed transaction, whereas a
# crash of the primary (pg_ctl stop -m immediate) could.
set -euo pipefail
set -o errtrace

readonly os_user=rs-pgtest
readonly role=postgres
readonly primary_port=5432
readonly replica_port=5433
readonly slot=rs_replica
readonly wait_seconds=60

# The caller's PG* variables (PGHOST, PGUSER, PGDATA, ...) must not redirect
# psql, pg_ctl or pg_basebackup to another server.
while IFS= read -r v; do
  unset "$v"
done < <(compgen -e | grep '^PG' || true)

dir=      # where the servers, their sockets and logs live
out=      # DIR as given: where the conninfo files are written too
bin=
on_fail=

usage() {
  echo "usage: pg_server.sh start|stop|replica|failover DIR | createdb DIR NAME" >&2
  exit 2
}

show_logs() {
  local f
  [ -n "$dir" ] && [ -d "$dir/log" ] || return 0
  # initdb's log matters only when the primary never started.
  for f in "$dir"/log/*.log; do
    [ -s "$f" ] || continue
    if [ "${f##*/}" = initdb.log ] && [ -s "$dir/log/primary.log" ]; then
      continue
    fi
    echo "---- last lines of $f ----" >&2
    tail -n 30 "$f" >&2
  done
}

die() {
  echo "pg_server: $*" >&2
  show_logs
  if [ -n "$on_fail" ]; then
    local hook=$on_fail
    on_fail=
    "$hook" || true
  fi
  exit 1
}

# A command that fails unexpectedly fails the script, with the logs; in a
# subshell (a $(...) or as_server) it only ends the subshell, whose caller
# then reports.
on_err() {
  local status=$1 line=$2
  if [ "$BASH_SUBSHELL" -gt 0 ]; then
    exit "$status"
  fi
  die "command failed (line $line, status $status)"
}
trap 'on_err $? $LINENO' ERR

find_bin() {
  local d
  d=$(find /usr/lib/postgresql -mindepth 2 -maxdepth 2 -name bin -type d 2>/dev/null |
      sort -V | tail -n 1)
  if [ -z "$d" ] || [ ! -x "$d/pg_ctl" ]; then
    die "no PostgreSQL under /usr/lib/postgresql/*/bin (bash deploy/install-deps.sh installs it)"
  fi
  bin=$d
}

# DIR as an absolute path without symlinks; refuses characters that would
# need quoting in postgresql.conf or a conninfo.
set_dir() {
  [ -n "${1:-}" ] || usage
  mkdir -p "$1"
  dir=$(cd "$1" && pwd -P)
  if ! [[ $dir =~ ^[A-Za-z0-9_./+-]+$ ]]; then
    dir=
    die "DIR may hold only letters, digits and _ . / + - (got '$1')"
  fi
  out=$dir
  if [ "$(id -u)" -eq 0 ]; then
    ensure_user
    if ! runuser -u "$os_user" -- test -x "$dir" 2>/dev/null; then
      dir=/tmp/rs-pg-$(printf '%s' "$out" | sha256sum | cut -c1-16)
      mkdir -p "$dir"
      # A name in /tmp anyone could have made first: only ours is used.
      if [ -L "$dir" ] || ! [[ $(stat -c %U "$dir") =~ ^(root|$os_user)$ ]]; then
        die "$dir is a link or belongs to another user; remove it"
      fi
    fi
  fi
  # A Unix socket's path has at most 107 bytes.
  local sock="$dir/sock.replica/.s.PGSQL.$replica_port"
  if [ ${#sock} -gt 107 ]; then
    die "DIR is too long for a Unix socket path (${#sock} > 107 bytes): $sock"
  fi
}

server_user() {
  if [ "$(id -u)" -eq 0 ]; then
    echo "$os_user"
  else
    id -un
  fi
}

# Runs a command as the server's user, from DIR (the user may not be able to
# enter the caller's working folder).
as_server() {
  if [ "$(id -u)" -eq 0 ]; then
    (cd "$dir" && runuser -u "$os_user" -- "$@")
  else
    (cd "$dir" && "$@")
  fi
}

ensure_user() {
  [ "$(id -u)" -eq 0 ] || return 0
  getent passwd "$os_user" >/dev/null && return 0
  # Two fixtures starting at once may race here: the loser finds the user.
  useradd -r -M -d /nonexistent -s /usr/sbin/nologin \
    -c "resettle PostgreSQL tests" "$os_user" 2>/dev/null ||
    getent passwd "$os_user" >/dev/null ||
    die "cannot create the system user $os_user (useradd -r)"
}

conninfo_primary() {
  echo "host=$dir/sock port=$primary_port user=$role dbname=$1"
}

conninfo_replica() {
  echo "host=$dir/sock.replica port=$replica_port user=$role dbname=$1"
}

# Both servers, the one that accepts writes chosen by libpq.
conninfo_both() {
  echo "host=$dir/sock,$dir/sock.replica port=$primary_port,$replica_port user=$role dbname=$1 connect_timeout=10 target_session_attrs=read-write"
}

# Writes the file NAME of DIR whole (readers never see half of it), in the
# servers' folder and, when that is not DIR, in DIR too.
write_file() {
  local d
  for d in "$dir" "$out"; do
    printf '%s\n' "$2" >"$d/$1.tmp"
    mv -f "$d/$1.tmp" "$d/$1"
    [ "$out" != "$dir" ] || break
  done
}

# Removes the conninfo files NAME... of DIR, in both folders.
remove_files() {
  local f
  for f in "$@"; do
    rm -f "${dir:?}/$f" "${out:?}/$f"
  done
}

# psql CONNINFO SQL...: the first column(s) unaligned, stops on an error.
q() {
  local ci=$1
  shift
  local args=()
  local s
  for s in "$@"; do
    args+=(-c "$s")
  done
  PGOPTIONS="-c client_min_messages=warning" timeout -k 5 30 "$bin/psql" -X -q -A -t -v ON_ERROR_STOP=1 -d "$ci" "${args[@]}"
}

running() {
  [ -f "$dir/$1/postmaster.pid" ] &&
    as_server "$bin/pg_ctl" -D "$dir/$1" status >/dev/null 2>&1
}

# Processes whose working folder is a data folder of DIR: a postmaster and
# every backend it forked chdir there.
our_pids() {
  local p cwd
  for p in /proc/[0-9]*; do
    cwd=$(readlink "$p/cwd" 2>/dev/null) || continue
    case $cwd in
      "$dir/primary" | "$dir/primary/"* | "$dir/primary (deleted)" | \
      "$dir/replica" | "$dir/replica/"* | "$dir/replica (deleted)")
        echo "${p#/proc/}" ;;
    esac
  done
}

# Polls SQL on CONNINFO until it prints "t", for at most wait_seconds.
wait_true() {
  local ci=$1 sql=$2 what=$3 i out
  for ((i = 0; i < wait_seconds * 10; i++)); do
    out=$(q "$ci" "$sql" 2>/dev/null) || out=
    [ "$out" = t ] && return 0
    sleep 0.1
  done
  die "timed out after ${wait_seconds}s waiting for $what"
}

stop_node() {
  local node=$1
  [ -f "$dir/$node/postmaster.pid" ] || return 0
  if as_server "$bin/pg_ctl" -D "$dir/$node" -m fast -w -t "$wait_seconds" stop >/dev/null 2>&1; then
    return 0
  fi
  running "$node" || return 0
  echo "pg_server: the $node did not stop fast; stopping it immediately" >&2
  as_server "$bin/pg_ctl" -D "$dir/$node" -m immediate -w -t 30 stop >/dev/null 2>&1 || true
  return 1
}

# Stops both servers; 0 when they stopped fast and nothing is left, 1 when
# something had to be stopped by force (it is gone all the same unless the
# message says otherwise).
stop_all() {
  local status=0 left
  stop_node replica || status=1
  stop_node primary || status=1
  left=$(our_pids)
  if [ -n "$left" ]; then
    echo "pg_server: processes left in $dir after the stop, killing: $(echo "$left" | tr "\n" " ")" >&2
    # shellcheck disable=SC2086
    kill -KILL $left 2>/dev/null || true
    sleep 1
    status=1
    left=$(our_pids)
    if [ -n "$left" ]; then
      echo "pg_server: processes still left: $(echo "$left" | tr "\n" " ")" >&2
    fi
  fi
  return "$status"
}

cmd_start() {
  local user version
  find_bin
  set_dir "$1"
  ensure_user
  user=$(server_user)
  # A previous run that was killed may have left its servers running.
  stop_all >/dev/null 2>&1 || true
  rm -rf "$dir/primary" "$dir/replica" "$dir/sock" "$dir/sock.replica" "$dir/log"
  remove_files conninfo pg.conninfo conninfo.replica conninfo.both
  if [ "$(id -u)" -eq 0 ]; then
    chown "$user": "$dir"
  fi
  if ! as_server test -w "$dir" -a -x "$dir"; then
    die "the user $user cannot write to $dir (is a parent folder closed to it? choose a DIR under /tmp)"
  fi
  as_server mkdir -m 0700 "$dir/sock" "$dir/log"
  on_fail=stop_all
  as_server "$bin/initdb" -D "$dir/primary" -U "$role" --auth=trust \
    --encoding=UTF8 --locale=C --no-sync --no-instructions \
    >"$dir/log/initdb.log" 2>&1 || die "initdb failed"
  # Later lines win in postgresql.conf.  initdb --no-sync only skips syncing
  # the fresh cluster's files once; the server itself keeps fsync on.
  cat >>"$dir/primary/postgresql.conf" <<EOF

# resettle test fixture (tests/pg/pg_server.sh)
listen_addresses = ''
unix_socket_directories = '$dir/sock'
port = $primary_port
max_connections = 200
shared_buffers = 64MB
fsync = on
synchronous_commit = on
wal_level = replica
max_wal_senders = 4
max_replication_slots = 4
hot_standby = on
EOF
  cat >"$dir/primary/pg_hba.conf" <<EOF
# resettle test fixture (tests/pg/pg_server.sh): Unix sockets only, in a
# folder only the server's user (and root) can enter.
local all all trust
local replication all trust
EOF
  as_server "$bin/pg_ctl" -D "$dir/primary" -l "$dir/log/primary.log" \
    -w -t "$wait_seconds" start >/dev/null || die "the primary did not start"
  version=$(q "$(conninfo_primary postgres)" "SHOW server_version") ||
    die "the primary started but does not answer"
  write_file conninfo "$(conninfo_primary postgres)"
  write_file pg.conninfo "host=$dir/sock port=$primary_port user=$role"
  on_fail=
  echo "pg_server: PostgreSQL $version running as $user in $dir/primary (socket $dir/sock, port $primary_port, log $dir/log/primary.log)"
}

cmd_createdb() {
  local name=$2 ci
  find_bin
  set_dir "$1"
  if ! [[ $name =~ ^[a-z_][a-z0-9_]{0,62}$ ]]; then
    die "a database name is 1 to 63 of a-z, 0-9 and _, not starting with a digit (got '$name')"
  fi
  [ -f "$dir/conninfo" ] || die "no server in $dir (run: pg_server.sh start $dir)"
  if [ -f "$dir/conninfo.both" ]; then
    ci=conninfo_both
  else
    ci=conninfo_primary
  fi
  q "$($ci postgres)" "DROP DATABASE IF EXISTS \"$name\" WITH (FORCE)" \
    "CREATE DATABASE \"$name\"" || die "cannot create the database $name"
  "$ci" "$name"
}

cmd_replica() {
  local primary_ci lsn
  find_bin
  set_dir "$1"
  [ -f "$dir/conninfo" ] || die "no server in $dir (run: pg_server.sh start $dir)"
  primary_ci=$(conninfo_primary postgres)
  running primary || die "the primary in $dir is not running"
  if [ -d "$dir/replica" ]; then
    stop_node replica || true
    rm -rf "$dir/replica"
  fi
  remove_files conninfo.replica conninfo.both
  q "$primary_ci" "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = '$slot'" >/dev/null
  rm -rf "$dir/sock.replica"
  as_server mkdir -m 0700 "$dir/sock.replica"
  # -c fast: without it pg_basebackup asks for a spread checkpoint and
  # waits ("waiting for checkpoint") while the primary paces its writes over
  # most of checkpoint_timeout (5 min): it looks hung.  Without the "local
  # replication" line of pg_hba.conf it is refused at once; --no-password
  # keeps it from ever waiting for a password at a terminal, and timeout
  # bounds whatever else.  The slot keeps the primary's WAL until the
  # replica has streamed it.
  as_server timeout -k 5 120 "$bin/pg_basebackup" -D "$dir/replica" -R -X stream \
    -c fast --no-password -C -S "$slot" -d "host=$dir/sock port=$primary_port user=$role" \
    >"$dir/log/basebackup.log" 2>&1 || die "pg_basebackup failed or took more than 120 s"
  on_fail=stop_replica
  cat >>"$dir/replica/postgresql.conf" <<EOF

# the replica (tests/pg/pg_server.sh replica)
unix_socket_directories = '$dir/sock.replica'
port = $replica_port
EOF
  as_server "$bin/pg_ctl" -D "$dir/replica" -l "$dir/log/replica.log" \
    -w -t "$wait_seconds" start >/dev/null || die "the replica did not start"
  local replica_ci
  replica_ci=$(conninfo_replica postgres)
  wait_true "$replica_ci" "SELECT pg_is_in_recovery()" "the replica to be in recovery"
  wait_true "$replica_ci" "SELECT count(*) = 1 FROM pg_stat_wal_receiver WHERE status = 'streaming'" \
    "the replica to stream from the primary"
  lsn=$(q "$primary_ci" "SELECT pg_current_wal_lsn()")
  wait_true "$replica_ci" "SELECT pg_wal_lsn_diff(pg_last_wal_replay_lsn(), '$lsn') >= 0" \
    "the replica to replay the primary's WAL up to $lsn"
  write_file conninfo.replica "$replica_ci"
  write_file conninfo.both "$(conninfo_both postgres)"
  on_fail=
  echo "pg_server: replica streaming in $dir/replica (socket $dir/sock.replica, port $replica_port, caught up to $lsn, log $dir/log/replica.log)"
}

stop_replica() {
  stop_node replica || true
}

cmd_failover() {
  find_bin
  set_dir "$1"
  [ -f "$dir/conninfo.both" ] || die "no replica in $dir (run: pg_server.sh replica $dir)"
  running replica || die "the replica in $dir is not running"
  if running primary; then
    as_server "$bin/pg_ctl" -D "$dir/primary" -m fast -w -t "$wait_seconds" stop >/dev/null ||
      die "the primary did not stop"
  fi
  as_server "$bin/pg_ctl" -D "$dir/replica" -w -t "$wait_seconds" promote >/dev/null ||
    die "the replica was not promoted"
  wait_true "$(conninfo_replica postgres)" "SELECT NOT pg_is_in_recovery()" \
    "the promoted replica to leave recovery"
  # A transaction id is assigned only where writes are allowed; through the
  # two-host conninfo this also proves libpq now picks the replica.
  q "$(conninfo_both postgres)" "SELECT pg_current_xact_id() IS NOT NULL" >/dev/null ||
    die "the promoted replica does not accept writes through conninfo.both"
  echo "pg_server: failed over: $dir/replica (socket $dir/sock.replica) accepts writes; $dir/primary is stopped"
}

cmd_stop() {
  [ -n "${1:-}" ] || usage
  if [ ! -d "$1" ]; then
    echo "pg_server: nothing to stop in $1"
    return 0
  fi
  find_bin
  set_dir "$1"
  if ! stop_all; then
    die "a server in $dir needed more than a fast stop"
  fi
  if [ "$dir" != "$out" ]; then
    rm -rf "${dir:?}"
  fi
  echo "pg_server: stopped; no process left in $dir"
}

[ $# -ge 2 ] || usage
case $1 in
  start) [ $# -eq 2 ] || usage; cmd_start "$2" ;;
  stop) [ $# -eq 2 ] || usage; cmd_stop "$2" ;;
  createdb) [ $# -eq 3 ] || usage; cmd_createdb "$2" "$3" ;;
  replica) [ $# -eq 2 ] || usage; cmd_replica "$2" ;;
  failover) [ $# -eq 2 ] || usage; cmd_failover "$2" ;;
  *) usage ;;
esac
