#!/usr/bin/env bash
# The packages alone, on a fresh Debian 12: builds resettle-server and
# resettle-client (deploy/package.sh), makes a Debian 12 root with
# debootstrap (variant minbase, from this machine's Debian mirror and apt
# proxy; kept as a tarball in the build folder so that later runs only
# unpack it), installs both .deb files into it with apt (their dependencies
# come from their own Depends), and in it, as the service would run:
#   - resettled --version;
#   - registers the sample offices (resettled office add, as user resettle);
#   - starts resettled serve on the installed /etc/resettle/resettled.conf,
#     unchanged, as user resettle (in a network namespace of its own, so
#     its 0.0.0.0:7420 is private to the test), with a certificate made by
#     deploy/make-certs.sh in /etc/resettle/tls;
#   - submits every sample CSV with resettle over TLS, pulls the 2023 report,
#     runs the nightly backup's command, stops the server (exit 0) and
#     verifies the audit trail;
#   - installs systemd and checks the units: systemd-analyze verify, and
#     systemd-analyze security (offline) must rate resettled.service OK or
#     better;
#   - purges both packages: no file of theirs is left but the database
#     folder, the user resettle is gone; installs again and purges with
#     RESETTLE_PURGE_DB=yes: nothing at all is left.
# Prints how long each step took.  Needs root (chroot, mounts, namespaces).
#
#   RS_PKGTEST_DIR     work folder (default build-pkgtest)
#   RS_DEBIAN_MIRROR   mirror for debootstrap (default: the first Debian
#                      mirror in this machine's apt sources)
set -euo pipefail
cd "$(dirname "$0")/.."
src=$(pwd)

# Every mount below lives in a mount namespace of this script's own and
# goes when it ends.
if [ -z "${RS_PKGTEST_IN_NS:-}" ]; then
  [ "$(id -u)" -eq 0 ] || { echo "package-test: run as root" >&2; exit 1; }
  exec unshare --mount --propagation private env RS_PKGTEST_IN_NS=1 bash "$0" "$@"
fi

t0=$(date +%s)
step_start=$t0
step() {   # prints the time the last step took, then the next step's title
  local now
  now=$(date +%s)
  [ "$now" = "$t0" ] || echo "   ($((now - step_start)) s)"
  step_start=$now
  echo "== $*"
}

step "building the packages"
bash deploy/package.sh | sed 's/^/   /'
server_deb=$(ls "$src"/build-pkg/resettle-server_*.deb)
client_deb=$(ls "$src"/build-pkg/resettle-client_*.deb)

work=${RS_PKGTEST_DIR:-build-pkgtest}
case "$work" in /*) ;; *) work=$src/$work ;; esac
mkdir -p "$work/apt-archives/partial"
base=$work/bookworm-minbase.tar.gz
root=$work/root

mirror=${RS_DEBIAN_MIRROR:-}
if [ -z "$mirror" ]; then
  mirror=$( (grep -hs '^URIs:' /etc/apt/sources.list.d/*.sources || true) | awk '{print $2}' |
            grep -v security | head -n1)
fi
if [ -z "$mirror" ]; then
  mirror=$( (grep -hsE '^deb ' /etc/apt/sources.list || true) | awk '{print $2}' |
            grep -v security | head -n1)
fi
mirror=${mirror:-http://deb.debian.org/debian}
proxy=""
eval "$(apt-config shell proxy Acquire::http::Proxy)"
if [ -n "$proxy" ]; then
  export http_proxy=$proxy
fi

if [ ! -f "$base" ]; then
  step "making the Debian 12 minbase root (once; cached in $base)"
  rm -rf "$work/bootstrap"
  debootstrap --variant=minbase bookworm "$work/bootstrap" "$mirror" \
    >"$work/debootstrap.log" 2>&1 ||
    { tail -20 "$work/debootstrap.log"; exit 1; }
  tar -C "$work/bootstrap" -czf "$base.part" .
  mv "$base.part" "$base"
  rm -rf "$work/bootstrap"
fi

step "unpacking a fresh root from $base"
rm -rf "$root"
mkdir -p "$root"
tar -C "$root" -xzf "$base"
mount -t proc proc "$root/proc"
mount --bind /dev "$root/dev"
mount --bind "$work/apt-archives" "$root/var/cache/apt/archives"
cp /etc/resolv.conf "$root/etc/resolv.conf"
if [ -n "$proxy" ]; then
  echo "Acquire::http::Proxy \"$proxy\";" >"$root/etc/apt/apt.conf.d/01proxy"
fi
mkdir -p "$root/tmp/pkgs"
cp "$server_deb" "$client_deb" "$root/tmp/pkgs/"

in_root() {
  chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 \
    DEBIAN_FRONTEND=noninteractive "$@"
}

step "installing both packages with apt (dependencies from their Depends only)"
in_root apt-get update -qq
in_root apt-get install -y -qq --no-install-recommends /tmp/pkgs/"$(basename "$server_deb")" \
  /tmp/pkgs/"$(basename "$client_deb")" >"$work/install.log" 2>&1 ||
  { cat "$work/install.log"; exit 1; }
grep -E '^(Setting up|resettle-server:)' "$work/install.log" | sed 's/^/   /'
in_root dpkg -L resettle-server resettle-client | sort -u >"$work/package-files"
in_root getent passwd resettle >/dev/null
[ "$(in_root stat -c '%U:%G %a' /var/lib/resettle)" = "resettle:resettle 750" ]
[ "$(in_root stat -c '%U:%G %a' /etc/resettle/tls)" = "root:resettle 750" ]
echo "   user resettle, /var/lib/resettle (resettle, 750), /etc/resettle/tls (root:resettle, 750)"

step "the district's certificate (deploy/make-certs.sh) in /etc/resettle/tls"
rm -rf "$work/pki"
bash deploy/make-certs.sh "$work/pki" 127.0.0.1 localhost | sed 's/^/   /'
mkdir -p "$root/root/pki" "$root/root/samples"
cp "$work/pki/ca.crt" "$work/pki/server.crt" "$work/pki/server.key" "$root/root/pki/"
in_root install -m 0644 -o root -g resettle /root/pki/server.crt /etc/resettle/tls/server.crt
in_root install -m 0640 -o root -g resettle /root/pki/server.key /etc/resettle/tls/server.key
cp -r samples/yueyang-2023/. "$root/root/samples/"

step "a year from the packages: offices, serve on the installed config, submit, report, backup"
cat >"$root/root/run-year.sh" <<'EOF'
set -euo pipefail
# setpriv execs (runuser would stay the parent and hide the exit status).
as_resettle() { setpriv --reuid=resettle --regid=resettle --init-groups -- "$@"; }
db=/var/lib/resettle/resettle.db
resettled --version
mkdir -p /root/tokens
central=""
while IFS=, read -r code name role; do
  code=${code//$'\r'/}; name=${name//$'\r'/}; role=${role//$'\r'/}
  [ "$code" = "code" ] || [ -z "$code" ] && continue
  as_resettle resettled office add --db "$db" --code "$code" --name "$name" --role "$role" \
    >"/root/tokens/$code.token"
  [ "$role" = "central" ] && central=$code
done </root/samples/offices.csv
echo "offices: $(as_resettle resettled office list --db "$db" | wc -l)"
setpriv --reuid=resettle --regid=resettle --init-groups -- \
  resettled serve --config /etc/resettle/resettled.conf >/root/serve.out 2>/root/serve.log &
pid=$!
trap 'kill -KILL "$pid" 2>/dev/null || true' EXIT
for _ in $(seq 200); do
  grep -q '^listening on ' /root/serve.out 2>/dev/null && break
  sleep 0.05
done
grep '^listening on 0.0.0.0:7420$' /root/serve.out || { cat /root/serve.log; exit 1; }
grep '^tls certificate ' /root/serve.out
client() {   # office, args...
  local office=$1; shift
  resettle --server 127.0.0.1:7420 --ca /root/pki/ca.crt --office "$office" \
    --token-file "/root/tokens/$office.token" --outbox "/root/$office.outbox" "$@"
}
for tok in /root/tokens/*.token; do
  office=$(basename "$tok" .token)
  [ "$office" = "$central" ] && continue
  files=(/root/samples/"$office"-*.csv)
  [ -e "${files[0]}" ] || continue
  client "$office" submit "${files[@]}" >>/root/submit.log 2>&1
done
unit_files=()
for f in /root/samples/*.csv; do
  b=$(basename "$f")
  [ "$b" = "offices.csv" ] && continue
  [[ "$b" =~ ^[0-9]{9,12}- ]] && continue
  unit_files+=("$f")
done
client "$central" submit "${unit_files[@]}" >>/root/submit.log 2>&1
client "$central" status | head -n 3
client "$central" report --year 2023 --format markdown --out /root/report.md
head -n 1 /root/report.md
grep -q '整体支出绩效自评报告$' <(head -n 1 /root/report.md)
grep -q 'unit-2023' /root/report.md
as_resettle resettled backup --config /etc/resettle/resettled.conf \
  --to /var/lib/resettle/backup/resettle-test.db
kill -TERM "$pid"
wait "$pid"
trap - EXIT
echo "resettled stopped: exit 0"
grep -c ' INFO ' /root/serve.log | sed 's/^/log lines (INFO): /'
as_resettle resettled audit verify --db "$db"
EOF
unshare --net sh -c "ip link set lo up && chroot '$root' /usr/bin/env -i \
  PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 /bin/bash /root/run-year.sh" |
  sed 's/^/   /'

step "systemd's view of the units (systemd installed into the root for this)"
in_root apt-get install -y -qq --no-install-recommends systemd procps >"$work/systemd.log" 2>&1 ||
  { cat "$work/systemd.log"; exit 1; }
# --man=no: the root has no man-db; resettled(8) is in the package (checked above by dpkg -L).
in_root systemd-analyze verify --man=no /lib/systemd/system/resettled.service \
  /lib/systemd/system/resettled-backup.service /lib/systemd/system/resettled-backup.timer
echo "   systemd-analyze verify: no complaint"
grep -qx /usr/share/man/man8/resettled.8.gz "$work/package-files"
for unit in resettled.service resettled-backup.service; do
  in_root systemd-analyze security --offline=true "$unit" >"$work/security-$unit.txt" 2>&1 || true
  verdict=$(grep 'Overall exposure level' "$work/security-$unit.txt")
  echo "   $verdict"
  case "$verdict" in
    *" OK "* | *" SAFE "*) ;;
    *) cat "$work/security-$unit.txt"; exit 1 ;;
  esac
done
in_root test -L /etc/systemd/system/multi-user.target.wants/resettled.service
in_root test -L /etc/systemd/system/timers.target.wants/resettled-backup.timer
echo "   resettled.service and resettled-backup.timer are enabled"

# Every path of the root that names resettle, but the test's own files.
leftovers() {
  (cd "$root" && find . -xdev \( -path ./proc -o -path ./dev -o -path ./root -o -path ./tmp \
    -o -path ./var/cache/apt/archives -o -path ./var/log \) -prune -o -name '*resettle*' -print) |
    sort
}

step "purge: nothing of the packages is left but the database folder"
in_root apt-get purge -y -qq resettle-server resettle-client >"$work/purge.log" 2>&1 ||
  { cat "$work/purge.log"; exit 1; }
grep '^resettle-server:' "$work/purge.log" | sed 's/^/   /' || true
left=$(leftovers)
# The database folder only (the database, its -wal/-shm, the backups), and the database in it.
if echo "$left" | grep -qv '^\./var/lib/resettle\(/\|$\)' ||
   ! echo "$left" | grep -qx './var/lib/resettle/resettle.db'; then
  echo "left after purge:"
  echo "$left"
  exit 1
fi
echo "$left" | sed 's/^/   kept: /'
while read -r f; do
  case "$f" in
    /etc/resettle* | /usr/share/resettle* | /usr/share/doc/resettle-* | /usr/sbin/resettled | \
    /usr/bin/resettle | */resettle*)
      if in_root test -e "$f"; then echo "left after purge: $f"; exit 1; fi ;;
  esac
done <"$work/package-files"
if in_root getent passwd resettle >/dev/null || in_root getent group resettle >/dev/null; then
  echo "the user or group resettle is left after purge"
  exit 1
fi
echo "   no package file, no /etc/resettle, no user or group resettle"

step "install again, purge with RESETTLE_PURGE_DB=yes: nothing is left"
in_root apt-get install -y -qq --no-install-recommends /tmp/pkgs/"$(basename "$server_deb")" \
  /tmp/pkgs/"$(basename "$client_deb")" >"$work/install2.log" 2>&1 ||
  { cat "$work/install2.log"; exit 1; }
in_root env RESETTLE_PURGE_DB=yes apt-get purge -y -qq resettle-server resettle-client \
  >"$work/purge2.log" 2>&1 || { cat "$work/purge2.log"; exit 1; }
left=$(leftovers)
if [ -n "$left" ]; then
  echo "left after purge with RESETTLE_PURGE_DB=yes:"
  echo "$left"
  exit 1
fi
echo "   nothing named resettle left"

step "done"
echo "package-test: passed in $(( $(date +%s) - t0 )) s"
