#!/usr/bin/env bash
# The sightings solidarity scan writes: valid STIX 2.1 under --strict whatever the options,
# a detection context that says where each of the first hits was read (and is right about
# it), new versions that keep their id and created (STIX 2.1 §3.6), and observed-data
# that validates.
set -u
bin=${1:?usage: scan_sightings.sh SOLIDARITY}
tests=${SOLIDARITY_TESTS:-$(cd "$(dirname "$0")/.." && pwd)}
cd "$tests" || exit 2
tmp=$(mktemp -d)
pid=
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$tmp"' EXIT
n=0
fail=0
check() { # check NAME COMMAND...
  n=$((n + 1))
  local name=$1
  shift
  if "$@"; then echo "ok $n - $name"; else echo "not ok $n - $name"; fail=1; fi
}
# json FILE EXPR: evaluate a Python expression over the JSON document d (exit 0 if true).
json() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if ($2) else 1)" "$1"; }
id=identity--11111111-2222-4333-8444-555555555555
ind="--indicators data/logs/rcs_lab.stix2 --indicators data/logs/wyrmspy.stix2"
all="data/logs/zeek_dns.log data/logs/zeek_http.log data/logs/zeek_files.log data/logs/eve.json
     data/logs/zeek_conn.json data/logs/zeek_ssl.json data/logs/zeek_x509.json"
S() { "$bin" --data "$tmp/node" "$@"; }
sight='[o for o in d["objects"] if o["type"] == "sighting" and o["sighting_of_ref"] == "indicator--c3d4e132-1311-4eeb-a293-f9ed98f623c4"][0]'
ext='"extension-definition--24746a4d-8268-4df6-be61-306b2f59629d"'

# shellcheck disable=SC2086
"$bin" scan -q --identity $id $ind --with-observed-data $all > "$tmp/all.json" 2>/dev/null
check "with observed-data, every log: valid under --strict" "$bin" validate --strict -q "$tmp/all.json"
check "sightings have version 4 ids (STIX 2.1 §2.9: SROs SHOULD)" \
  json "$tmp/all.json" 'all(o["id"][len(o["type"])+16] == "4" for o in d["objects"] if o["type"] in ("sighting", "observed-data"))'
check "HTTP traffic says its protocols and its request line" \
  json "$tmp/all.json" 'any(o.get("protocols") == ["ipv4", "tcp", "http"] and o["extensions"]["http-request-ext"]["request_value"] == "/api/v2/beacon?id=7" and o["extensions"]["http-request-ext"]["request_method"] == "post" for o in d["objects"] if o["type"] == "network-traffic" and "extensions" in o)'
check "an SCO seen in several observations is written once" \
  json "$tmp/all.json" 'len([o["id"] for o in d["objects"]]) == len(set(o["id"] for o in d["objects"]))'

# The detection context: the first hit of apps.fb-techsupport.com is line 10 of dns.log.
check "the detection context names log, line, field, value and time" \
  json "$tmp/all.json" "$sight[\"extensions\"][$ext][\"detections\"][0] == {\"source\": \"data/logs/zeek_dns.log\", \"line\": 10, \"byte_offset\": 628, \"event_time\": \"2024-06-10T06:13:21.250000Z\", \"field\": \"query\", \"property\": \"domain-name:value\", \"value\": \"Apps.FB-TechSupport.com.\"}"
check "and the byte offset is where that line starts" \
  python3 -c 'import sys; f=open("data/logs/zeek_dns.log","rb"); f.seek(628); sys.exit(0 if b"Apps.FB-TechSupport.com." in f.readline() and open("data/logs/zeek_dns.log","rb").read()[627:628] == b"\n" else 1)'
# shellcheck disable=SC2086
"$bin" scan -q --identity $id $ind --context 1 data/logs/zeek_dns.log data/logs/zeek_dns.log > "$tmp/c1.json" 2>/dev/null
check "--context 1 keeps one hit of two" \
  json "$tmp/c1.json" "$sight[\"count\"] == 2 and len($sight[\"extensions\"][$ext][\"detections\"]) == 1"
# shellcheck disable=SC2086
"$bin" scan -q --identity $id $ind --context 0 data/logs/zeek_dns.log > "$tmp/c0.json" 2>/dev/null
check "--context 0: no extension" json "$tmp/c0.json" "\"extensions\" not in $sight"
check "nothing sighted: a bundle without objects, still valid" \
  sh -c "'$bin' scan -q --identity $id --indicators data/logs/rcs_lab.stix2 data/logs/zeek_x509.json > '$tmp/none.json' 2>/dev/null; '$bin' validate --strict -q '$tmp/none.json'"

# A new version of a stored sighting keeps its id and created.
S init > /dev/null 2>&1
seen=$(S collection add --title Sightings 2>/dev/null | tail -1)
S scan --identity $id $ind --store "$seen" data/logs/zeek_dns.log > "$tmp/v1.json" 2> "$tmp/v1.err"
sleep 1.1
cp data/logs/zeek_dns.log "$tmp/dns-again.log"
S scan --identity $id $ind --store "$seen" data/logs/zeek_dns.log "$tmp/dns-again.log" \
  > "$tmp/v2.json" 2> "$tmp/v2.err"
check "stored, then stored again as new versions" \
  grep -q '^scan: 3 sightings stored in collection ' "$tmp/v2.err"
check "the new version keeps id and created, with a later modified and the new count" \
  python3 -c "
import json,sys
a=[o for o in json.load(open('$tmp/v1.json'))['objects'] if o['type']=='sighting']
b=[o for o in json.load(open('$tmp/v2.json'))['objects'] if o['type']=='sighting']
ok=len(a)==3 and all(any(x['id']==y['id'] and x['created']==y['created'] and y['modified']>x['modified'] and y['count']==2*x['count'] for y in b) for x in a)
sys.exit(0 if ok else 1)"
S scan --identity $id $ind --store "$seen" data/logs/zeek_dns.log "$tmp/dns-again.log" \
  > "$tmp/v3.json" 2> "$tmp/v3.err"
check "the same scan again: the same versions, nothing new stored" \
  bash -c "grep -q '^scan: 0 sightings stored' '$tmp/v3.err' && diff <(grep -v bundle-- '$tmp/v2.json') <(grep -v bundle-- '$tmp/v3.json') > /dev/null"
S export --format stix --collection "$seen" --output "$tmp/export.json" > /dev/null 2>&1
check "the stored sightings are valid STIX under --strict" "$bin" validate --strict -q "$tmp/export.json"

# --follow prints each new version of a sighting with the same id and created.
head -9 data/logs/zeek_dns.log > "$tmp/dns.log"
# shellcheck disable=SC2086
"$bin" scan --identity $id $ind --follow "$tmp/dns.log" > "$tmp/follow.out" 2> /dev/null &
pid=$!
sed -n 13p data/logs/zeek_dns.log >> "$tmp/dns.log"
for _ in 1 2 3 4 5 6 7 8 9 10; do [ "$(wc -l < "$tmp/follow.out")" -ge 1 ] && break; sleep 0.5; done
sleep 1.1
sed -n 14p data/logs/zeek_dns.log >> "$tmp/dns.log"
for _ in 1 2 3 4 5 6 7 8 9 10; do [ "$(wc -l < "$tmp/follow.out")" -ge 2 ] && break; sleep 0.5; done
kill "$pid"
wait "$pid" 2>/dev/null
pid=
check "--follow: two versions of one sighting, same id and created, later modified" \
  python3 -c "
import json,sys
v=[json.loads(l) for l in open('$tmp/follow.out')]
ok=len(v)==2 and v[0]['id']==v[1]['id'] and v[0]['created']==v[1]['created'] and v[1]['modified']>v[0]['modified'] and v[1]['count']==2
sys.exit(0 if ok else 1)"
head -1 "$tmp/follow.out" > "$tmp/follow1.json"
check "--follow: each line is valid STIX under --strict" "$bin" validate --strict -q "$tmp/follow1.json"
echo "1..$n"
exit $fail
