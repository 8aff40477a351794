#!/usr/bin/env bash
# The README's first quick-start command: installs, builds, makes a private
# CA and a server certificate for 127.0.0.1 (deploy/make-certs.sh), starts
# resettled with TLS on an embedded SQLite file in a fresh folder, registers
# the sample offices, submits the sample CSV files with resettle over TLS
# (one outbox per office, the server verified against the CA), shows what
# was stored, prints the 2023 self-evaluation report and writes it next to
# the Markdown as Word, Excel and a web page (saying where); then, as the
# central office, sets the sample schedule of expected returns, prints the
# completeness board and closes the year (its report issued); checks the
# audit trail, starts a township's console briefly to print the address a
# clerk would open, and stops the server cleanly.
#
#   RS_DEMO_DIR   folder for the database, outboxes and logs (default: a new
#                 folder under /tmp)
#   RS_SAMPLES    sample folder (default: samples/yueyang-2023)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

bash deploy/install-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$(nproc)" --target resettled resettle >/dev/null
server=$root/build/server/resettled
client=$root/build/client/resettle

work=${RS_DEMO_DIR:-$(mktemp -d /tmp/resettle-demo.XXXXXX)}
mkdir -p "$work"
samples=${RS_SAMPLES:-$root/samples/yueyang-2023}
db=$work/resettle.db
pki=$work/pki
echo "== demo folder: $work"

echo "== making a private CA and a server certificate for 127.0.0.1 in $pki"
bash deploy/make-certs.sh "$pki" 127.0.0.1 localhost | sed 's/^/   /'

echo "== registering offices from $samples/offices.csv"
central=""
while IFS=, read -r code name role; do
  code=${code//$'\r'/}; name=${name//$'\r'/}; role=${role//$'\r'/}
  [ "$code" = "code" ] && continue
  [ -z "$code" ] && continue
  "$server" office add --db "$db" --code "$code" --name "$name" --role "$role" \
    > "$work/$code.token"
  chmod 600 "$work/$code.token"
  [ "$role" = "central" ] && central=$code
  echo "   $code $name ($role)"
done < "$samples/offices.csv"

"$server" serve --db "$db" --listen 127.0.0.1:0 --tls-cert "$pki/server.crt" \
  --tls-key "$pki/server.key" > "$work/server.out" 2> "$work/server.log" &
pid=$!
trap 'kill -TERM $pid 2>/dev/null || true' EXIT
for _ in $(seq 100); do
  grep -q '^listening on ' "$work/server.out" 2>/dev/null && break
  sleep 0.1
done
addr=$(sed -n 's/^listening on //p' "$work/server.out")
[ -n "$addr" ] || { echo "server did not start:"; cat "$work/server.log"; exit 1; }
echo "== resettled (pid $pid) listening on $addr (TLS, $(sed -n 's/^tls certificate //p' "$work/server.out"))"

submit() {   # office, files...
  local office=$1; shift
  "$client" --server "$addr" --ca "$pki/ca.crt" --office "$office" \
    --token-file "$work/$office.token" --outbox "$work/$office.outbox" submit "$@"
}

status=0
for tok in "$work"/*.token; do
  office=$(basename "$tok" .token)
  [ "$office" = "$central" ] && continue
  files=("$samples/$office"-*.csv)
  [ -e "${files[0]}" ] || continue
  echo "== $office submits ${#files[@]} files"
  submit "$office" "${files[@]}" || status=$?
done
unit_files=()
for f in "$samples"/*.csv; do
  b=$(basename "$f")
  [ "$b" = "offices.csv" ] && continue
  [[ "$b" =~ ^[0-9]{9,12}- ]] && continue
  unit_files+=("$f")
done
if [ -n "$central" ] && [ ${#unit_files[@]} -gt 0 ]; then
  echo "== $central (central office) submits ${#unit_files[@]} unit-level files"
  submit "$central" "${unit_files[@]}" || status=$?
fi

echo "== stored records (current versions) by office and type"
sqlite3 -readonly -column -header "$db" "
  SELECT r.office_code AS office, o.name AS name,
    CASE r.type WHEN 20 THEN 'project' WHEN 21 THEN 'subsidy' WHEN 22 THEN 'training'
      WHEN 23 THEN 'relief' WHEN 24 THEN 'petition' WHEN 25 THEN 'survey'
      WHEN 40 THEN 'unit_profile' WHEN 41 THEN 'staffing' WHEN 42 THEN 'budget_line'
      WHEN 43 THEN 'san_gong' WHEN 44 THEN 'procurement' WHEN 45 THEN 'carry_over'
      WHEN 46 THEN 'fixed_assets' WHEN 47 THEN 'manual_score' WHEN 48 THEN 'stated_figure'
      ELSE r.type END AS type,
    count(*) AS records
  FROM records r JOIN offices o ON o.code = r.office_code
  WHERE r.superseded_by IS NULL GROUP BY 1, 2, 3 ORDER BY 1, 3;"

if [ -n "$central" ]; then
  report() {   # format, file
    "$client" --server "$addr" --ca "$pki/ca.crt" --office "$central" \
      --token-file "$work/$central.token" --outbox "$work/$central.outbox" \
      report --year 2023 --format "$1" --out "$2"
  }
  echo "== the 2023 self-evaluation report, as the central office pulls it"
  report markdown "$work/report-2023.md" || status=$?
  cat "$work/report-2023.md"
  echo "== the same report as the office files it"
  for f in docx xlsx html; do
    report "$f" "$work/report-2023.$f" || status=$?
  done
  echo "   Markdown:             $work/report-2023.md"
  echo "   Word (自评报告):      $work/report-2023.docx"
  echo "   Excel (评分表与数据): $work/report-2023.xlsx"
  echo "   web page (图表):      $work/report-2023.html"

  central_cmd() {   # resettle as the central office
    "$client" --server "$addr" --ca "$pki/ca.crt" --office "$central" \
      --token-file "$work/$central.token" --outbox "$work/$central.outbox" "$@"
  }
  if [ -f "$samples/schedule/2023.csv" ]; then
    echo "== the reporting year: the central office sets what it expects ($samples/schedule/2023.csv)"
    central_cmd schedule set --year 2023 "$samples/schedule/2023.csv" || status=$?
    echo "== the completeness board (the samples were sent today, so 2023's returns are late)"
    central_cmd completeness --year 2023 --format text || status=$?
    echo "== closing 2023: the report is issued in every format, later records are refused"
    central_cmd year close --year 2023 || status=$?
  fi
fi

first_town=""
for tok in "$work"/*.token; do
  b=$(basename "$tok" .token)
  if [ "$b" != "$central" ]; then first_town=$b; break; fi
done
if [ -n "$first_town" ]; then
  echo "== the clerks' console (resettle console), started briefly for $first_town"
  # Never opens a browser here: DISPLAY and WAYLAND_DISPLAY are cleared.
  DISPLAY= WAYLAND_DISPLAY= "$client" --server "$addr" --ca "$pki/ca.crt" --office "$first_town" \
    --token-file "$work/$first_town.token" --outbox "$work/$first_town.outbox" \
    console --listen 127.0.0.1:0 > "$work/console.out" 2>&1 &
  cpid=$!
  for _ in $(seq 100); do
    grep -q '^console: http' "$work/console.out" 2>/dev/null && break
    sleep 0.1
  done
  url=$(sed -n 's/^console: //p' "$work/console.out")
  if [ -n "$url" ]; then
    echo "   a clerk of $first_town would open: $url"
    echo "   (the address holds a secret made anew at each start; it works on this machine only)"
  else
    echo "   the console did not start:"; cat "$work/console.out"; status=1
  fi
  kill -TERM "$cpid"
  wait "$cpid" && echo "   console stopped (status 0)" || { echo "   console exited $?"; status=1; }
fi

echo "== the audit trail (every office change and accepted batch, hash-chained)"
"$server" audit verify --db "$db" || status=1

echo "== stopping resettled"
kill -TERM "$pid"
wait "$pid" && echo "resettled exited cleanly (status 0)" || { echo "resettled exited $?"; status=1; }
trap - EXIT
echo "== log: $work/server.log"
exit "$status"
