#!/usr/bin/env bash
# solidarity scan --follow (sightings as lines are appended), --threads (the same
# sightings as one thread) and --with-observed-data.
set -u
bin=${1:?usage: scan_follow.sh SOLIDARITY}
tests=${SOLIDARITY_TESTS:-$(cd "$(dirname "$0")/.." && pwd)}
cd "$tests" || exit 2
tmp=$(mktemp -d)
pid=
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$tmp"' EXIT
n=0
fail=0
check() {
  n=$((n + 1))
  local name=$1
  shift
  if "$@"; then echo "ok $n - $name"; else echo "not ok $n - $name"; fail=1; fi
}
id=identity--11111111-2222-4333-8444-555555555555
ind="--indicators data/logs/rcs_lab.stix2 --indicators data/logs/wyrmspy.stix2"

# --follow: the log starts with its headers and one harmless line.
head -9 data/logs/zeek_dns.log > "$tmp/dns.log"
# shellcheck disable=SC2086
"$bin" scan --identity $id $ind --follow "$tmp/dns.log" > "$tmp/out" 2> "$tmp/err" &
pid=$!
sleep 1
check "nothing sighted yet" test ! -s "$tmp/out"
sed -n 10p data/logs/zeek_dns.log >> "$tmp/dns.log"   # apps.fb-techsupport.com, 121.201.109.98
for _ in 1 2 3 4 5 6 7 8 9 10; do [ "$(wc -l < "$tmp/out")" -ge 2 ] && break; sleep 0.5; done
check "two sightings printed as the line arrived" test "$(wc -l < "$tmp/out")" = 2
check "each is one JSON line naming its indicator" \
  grep -q '"sighting_of_ref":"indicator--c3d4e132-1311-4eeb-a293-f9ed98f623c4"' "$tmp/out"
# cloud-apple.info twice, the first line written in two parts
sed -n 13p data/logs/zeek_dns.log | head -c 40 | tr -d '\n' >> "$tmp/dns.log"
sleep 0.6
check "a line still being written is not read yet" test ! -s "$tmp/err"
sed -n 13p data/logs/zeek_dns.log | tail -c +41 >> "$tmp/dns.log"
sed -n 14p data/logs/zeek_dns.log >> "$tmp/dns.log"
for _ in 1 2 3 4 5 6 7 8 9 10; do [ "$(wc -l < "$tmp/out")" -ge 4 ] && break; sleep 0.5; done
check "a repeat prints the sighting again with its count" \
  grep -q '"count":2,"first_seen":"2024-06-10T06:13:23.500000Z","last_seen":"2024-06-10T06:13:29.750000Z"' "$tmp/out"
kill "$pid"
wait "$pid" 2>/dev/null
pid=

# --follow on two logs: one time-ordered stream within the reorder window. The connections
# (conn) arrive before the lookup (dns) that precedes them in time: with a window of 20
# minutes the lookup still comes in time; with none, conn has moved on without it (said).
corr() { # corr WINDOW OUT
  : > "$tmp/c_dns.json"
  : > "$tmp/c_conn.json"
  "$bin" scan --identity $id --indicators data/logs/corr.stix2 --follow --reorder-window "$1" \
    "$tmp/c_dns.json" "$tmp/c_conn.json" > "$2" 2> "$2.err" &
  pid=$!
  sleep 0.5
  cat data/logs/corr_conn.json >> "$tmp/c_conn.json"
  # and a later connection, ten minutes on: the log has moved past the earlier ones
  echo '{"ts": 1718001000.0, "uid": "Cc9", "id.orig_h": "192.168.1.30", "id.orig_p": 51009, "id.resp_h": "198.51.100.1", "id.resp_p": 443, "proto": "tcp"}' >> "$tmp/c_conn.json"
  sleep 0.7
  cat data/logs/corr_dns.json >> "$tmp/c_dns.json"
  sleep 0.7
  kill "$pid"
  wait "$pid" 2>/dev/null
  pid=
}
corr 1200 "$tmp/c120"
check "two followed logs: the lookup and the later connection meet, though read the other way round" \
  grep -q '"sighting_of_ref":"indicator--0c1e0a57-7a3b-4c0d-9e55-3b9d2f1a6c01"' "$tmp/c120"
corr 0 "$tmp/c0"
check "with no reorder window the summary says the lookup came late" \
  grep -q '^scan: 1 observation came later than the reorder window' "$tmp/c0.err"

# --threads: the same sightings whatever the number of threads.
logs="data/logs/zeek_dns.log data/logs/zeek_http.log data/logs/zeek_files.log data/logs/eve.json data/logs/zeek_conn.json"
# shellcheck disable=SC2086
"$bin" scan -q --identity $id $ind $logs 2>/dev/null | grep -v '"id": "\(bundle\|sighting\)--\|"created"\|"modified"' > "$tmp/one"
# shellcheck disable=SC2086
"$bin" scan -q --identity $id $ind --threads 3 $logs 2>/dev/null | grep -v '"id": "\(bundle\|sighting\)--\|"created"\|"modified"' > "$tmp/three"
check "three threads sight what one does" cmp -s "$tmp/one" "$tmp/three"
check "and that is something" test "$(grep -c sighting_of_ref "$tmp/one")" -ge 10
# --with-observed-data: each sighting names an observed-data of its first observation,
# whose SCOs carry their deterministic ids; the bundle is valid STIX 2.1.
# shellcheck disable=SC2086
"$bin" scan -q --identity $id $ind --with-observed-data data/logs/zeek_conn.json > "$tmp/od.json" 2>/dev/null
check "observed-data for each sighting" \
  test "$(grep -c '"observed_data_refs"' "$tmp/od.json")" = "$(grep -c '"sighting_of_ref"' "$tmp/od.json")"
check "the address's deterministic id" \
  grep -q '"id": "ipv4-addr--c3ddc96c-9af4-5aa9-a3c5-bb4fd46cefbe"' "$tmp/od.json"
check "a valid bundle, even under --strict" "$bin" validate --strict -q "$tmp/od.json"
echo "1..$n"
exit $fail
