#!/usr/bin/env bash
# formats.sh — import and export in the other formats, on real files (tests/data/formats/,
# SOURCES.md there): plain lists (Amnesty's, and a defanged one with junk), CSV with and
# without a mapping, MISP events, attributes, objects and a feed folder, warninglists;
# Zeek Intel (checked as Zeek's ASCII input reader reads it), RPZ (named-checkzone),
# Suricata, CSV and plain lists out; MISP -> STIX -> MISP round trips.
# Usage: formats.sh SOLIDARITY-BINARY
set -u
bin=$1
here=$(cd "$(dirname "$0")" && pwd)
data=$here/../data/formats
tmp=$(mktemp -d /tmp/sol-formats-XXXXXX)
trap 'rm -rf "$tmp"' EXIT

n=0
fails=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
notok() { n=$((n + 1)); fails=$((fails + 1)); echo "not ok $n - $1"; [ -f "$tmp/err" ] && sed 's/^/# /' "$tmp/err" | head -20; }
check() { local d=$1; shift; if "$@"; then ok "$d"; else notok "$d"; fi; }
skip() { n=$((n + 1)); echo "ok $n - $1 # SKIP $2"; }

command -v python3 >/dev/null || { echo "1..0 # SKIP python3 is not installed"; exit 0; }

# node DIR: a fresh node with one collection "x" (default TLP amber)
node() {
  "$bin" --data "$1" init --name test-node --partner test-node >/dev/null 2>&1 &&
    "$bin" --data "$1" collection add --title "test indicators" --alias x >/dev/null 2>&1
}
sol() { "$bin" --data "$tmp/d" "$@"; }
node "$tmp/d" || { echo "not ok 1 - a node"; echo "1..1"; exit 1; }

# Plain lists
sol import --json "$data/lists/2021-12-16_cytrox__domains.txt" >"$tmp/out" 2>"$tmp/err"
rc=$?
check "Amnesty's Cytrox domain list: exit 0" test $rc = 0
check "  336 indicators stored" test "$(python3 -c "import json;print(json.load(open('$tmp/out'))['stored'])")" = 336
sol import "$data/lists/2020-06-15_india__ips.txt" "$data/lists/2020-06-15_india__sha256.txt" \
  "$data/lists/2021-07-18_nso__emails.txt" 2>"$tmp/err"
check "addresses, SHA-256 digests and e-mail addresses detected" grep -q '^stored 46, already held 0, rejected 0$' "$tmp/err"
sol import "$data/lists/2021-07-18_nso__processes.txt" 2>"$tmp/err"
rc=$?
check "a list of process names is junk for the detector: exit 1" test $rc = 1
check "  each junk line named with its line number" \
  grep -q "^solidarity: import: $data/lists/2021-07-18_nso__processes.txt:1: 'ABSCarryLog' is not an indicator" "$tmp/err"
sol import "$data/defanged.txt" 2>"$tmp/err"
rc=$?
check "a defanged list with comments and junk: exit 1" test $rc = 1
check "  10 indicators refanged and stored" grep -q '^stored 10, already held 0, rejected 0, junk 3$' "$tmp/err"
check "  comment lines reported by number" grep -q 'defanged.txt: comment lines skipped: 1-2$' "$tmp/err"
check "  a line of words is junk, whole" grep -q "defanged.txt:12: 'this line is not an indicator' is not an indicator" "$tmp/err"
check "  text after a value that is not a comment is junk" grep -q "defanged.txt:16: '5f4dcc3b5aa765d61d8327deb882cf99' is followed by text that is not a comment: 'trailing words'" "$tmp/err"
sol export --format list --only url,domain-name,email-addr >"$tmp/list" 2>/dev/null
check "  hxxp/hxxps and [.] refanged" grep -qx 'https://cdn.bad-updates.example/x.apk' "$tmp/list"
check "  (.) refanged" grep -qx 'mail.phish.example' "$tmp/list"
check "  [at] refanged" grep -qx 'attacker@phish.example' "$tmp/list"
sol export --format csv >"$tmp/all.csv" 2>/dev/null
check "  a trailing comment is the description... (CSV names the indicator)" \
  grep -q 'https://cdn.bad-updates.example/x.apk' "$tmp/all.csv"
sol import --type domain-name "$data/lists/2020-06-15_india__ips.txt" 2>"$tmp/err"
check "--type domain-name refuses addresses, with their line" grep -q "india__ips.txt:1: '185.82.202.155' is not a domain-name" "$tmp/err"
sol --quiet import --tlp green --label spyware --confidence 80 --valid-from 2024-05-01T00:00:00Z \
  "$data/lists/2024-12-16_serbia_novispy__sha256.txt" 2>/dev/null || true
sol export --format stix >"$tmp/bundle.json" 2>/dev/null
python3 - "$tmp/bundle.json" >"$tmp/opts" <<'PY'
import json, sys
for o in json.load(open(sys.argv[1]))["objects"]:
    if "99673ce7f10e938ed73ed4a99930fbd6499983caa7a2c1b9e3f0e0bb0a5df602" in o.get("pattern", ""):
        print(o["object_marking_refs"][0], o["labels"], o["confidence"], o["valid_from"], o["created_by_ref"][:10])
PY
check "--tlp, --label, --confidence, --valid-from and the node as creator" \
  grep -q "^marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb \['spyware'\] 80 2024-05-01T00:00:00.000Z identity--$" "$tmp/opts"

# CSV
node "$tmp/c"
"$bin" --data "$tmp/c" import "$data/lists/2018-08-01_nso__indicators.csv" 2>"$tmp/err"
check "Amnesty's 2018 NSO CSV by its header: domains and addresses" grep -q '^stored 1191, already held 17, rejected 0$' "$tmp/err"
node "$tmp/c2"
"$bin" --data "$tmp/c2" import --mapping "$data/nso.map" "$data/lists/2018-08-01_nso__indicators.csv" 2>"$tmp/err"
check "the same through a mapping file" grep -q '^stored 1191, already held 17, rejected 0$' "$tmp/err"
printf 'domain_name,ip_address\nexample.org,not-an-ip\n' >"$tmp/bad.csv"
"$bin" --data "$tmp/c2" import --mapping "$data/nso.map" "$tmp/bad.csv" 2>"$tmp/err"
check "a cell not of its column's kind: named with line and column" \
  grep -q "bad.csv:2 (column ip_address): 'not-an-ip' is not a ipv4-addr" "$tmp/err"
printf 'nope -> domain-name:value\n' >"$tmp/bad.map"
"$bin" --data "$tmp/c2" import --mapping "$tmp/bad.map" "$data/lists/2018-08-01_nso__indicators.csv" 2>"$tmp/err"
rc=$?
check "a mapping naming a column the header has not: exit 2, said" \
  test $rc = 2 -a -n "$(grep "mapping line 1: .*has no column 'nope'" "$tmp/err")"
"$bin" --data "$tmp/c" export --format csv >"$tmp/nso.csv" 2>/dev/null
node "$tmp/c3"
"$bin" --data "$tmp/c3" import "$tmp/nso.csv" 2>"$tmp/err"
check "a CSV export reads back: the same 1191 values" grep -q '^stored 1191, already held 0, rejected 0$' "$tmp/err"

# MISP in
node "$tmp/m"
m() { "$bin" --data "$tmp/m" "$@"; }
for f in "$data"/misp/*.json; do m --quiet import "$f" 2>>"$tmp/misp-err"; done
m export --format stix >"$tmp/m.json" 2>/dev/null
python3 - "$tmp/m.json" >"$tmp/types" <<'PY'
import json, sys, collections
c = collections.Counter(o["type"] for o in json.load(open(sys.argv[1]))["objects"])
print(" ".join("%s=%d" % kv for kv in sorted(c.items())))
PY
check "MISP attributes, events and objects: indicators, observed-data, SCOs, groupings, identity" \
  grep -qx 'autonomous-system=1 grouping=4 identity=1 indicator=6 observed-data=2 user-account=1' "$tmp/types"
m import "$data/misp/test_objects_collection_2.json" 2>"$tmp/err"
check "the credential object's unmapped attributes, by type and count" \
  grep -q 'test_objects_collection_2.json: 5 MISP attributes have no STIX mapping: credential/text 1, credential/type 1, credential/origin 1, credential/format 1, credential/notification 1' "$tmp/err"
m import "$data/event_rich.json" 2>"$tmp/err"
check "an event with every kind of member: unmapped types counted" \
  grep -q 'event_rich.json: 2 MISP attributes have no STIX mapping: port 1, named pipe 1' "$tmp/err"
check "  a value that is not of its type: named by its path" \
  grep -q "Event.Attribute\[8\]: ip-src 'not an address': not an IP address" "$tmp/err"
m export --format stix --max-tlp red >"$tmp/rich.json" 2>/dev/null
python3 - "$tmp/rich.json" >"$tmp/rich" <<'PY'
import json, sys
objs = {o["id"]: o for o in json.load(open(sys.argv[1]))["objects"]}
TLP = {"marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487": "clear",
       "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb": "green",
       "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421": "amber",
       "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003": "amber+strict",
       "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1": "red"}
def tlp(i): return TLP.get((objs[i].get("object_marking_refs") or ["?"])[0], "none")
rep = objs["report--5f0e8b7a-1c2d-4e3f-9a8b-7c6d5e4f3a21"]
print("report", rep["name"], rep["published"], tlp(rep["id"]), sorted(rep["labels"]), rep["created_by_ref"])
d = objs["indicator--6a1f0c3e-1111-4a2b-9c3d-000000000001"]
print("domain", d["pattern"], tlp(d["id"]), d["valid_from"], d["valid_until"])
print("port", objs["indicator--6a1f0c3e-1111-4a2b-9c3d-000000000002"]["pattern"], tlp("indicator--6a1f0c3e-1111-4a2b-9c3d-000000000002"))
print("email", objs["indicator--6a1f0c3e-1111-4a2b-9c3d-000000000003"]["pattern"], tlp("indicator--6a1f0c3e-1111-4a2b-9c3d-000000000003"))
print("deleted", objs["indicator--6a1f0c3e-1111-4a2b-9c3d-000000000004"].get("revoked"))
s = [o for o in objs.values() if o["type"] == "sighting"]
print("sightings", len(s), s[0]["sighting_of_ref"][-4:], s[0]["first_seen"])
op = [o for o in objs.values() if o["type"] == "opinion"]
print("opinions", len(op), op[0]["opinion"])
print("vulnerability", objs["vulnerability--6a1f0c3e-1111-4a2b-9c3d-000000000006"]["external_references"][0]["external_id"])
print("note", objs["note--6a1f0c3e-1111-4a2b-9c3d-000000000007"]["object_refs"][0])
print("identity", objs["identity--1b9d3c5e-7f11-4a2b-8c3d-4e5f6a7b8c9d"]["name"])
PY
check "  a published event is a report, its tags labels, stricter TLP wins (amber over green)" \
  grep -qx "report Phishing wave against journalists 2024-03-08T00:00:00.000Z amber \['circl:incident-classification=\"phishing\"', 'misp-galaxy:threat-actor=\"Example Actor\"'\] identity--1b9d3c5e-7f11-4a2b-8c3d-4e5f6a7b8c9d" "$tmp/rich"
check "  first_seen is valid_from, an expiration sighting valid_until" \
  grep -qx "domain \[domain-name:value = 'login-secure.example'\] amber 2024-02-20T10:00:00.000Z 2030-01-01T00:00:00.000Z" "$tmp/rich"
check "  distribution 0 (your organisation only) is TLP:RED; ip-dst|port on one object" \
  grep -qx "port \[network-traffic:dst_ref.value = '198.51.100.7' AND network-traffic:dst_port = 8443\] red" "$tmp/rich"
check "  email-src is the message's sender" grep -qx "email \[email-message:from_ref.value = 'press-office@login-secure.example'\] amber" "$tmp/rich"
check "  deleted is revoked" grep -qx "deleted True" "$tmp/rich"
check "  a sighting of type 0 is a sighting" grep -qx "sightings 1 0001 2024-03-07T08:26:40.000Z" "$tmp/rich"
check "  a sighting of type 1 (false positive) is an opinion" grep -qx "opinions 1 strongly-disagree" "$tmp/rich"
check "  vulnerability, text, Orgc" test "$(grep -c '^vulnerability CVE-2023-4863$\|^note report--5f0e8b7a\|^identity Example CERT$' "$tmp/rich")" = 3
node "$tmp/f"
"$bin" --data "$tmp/f" import "$data/misp-feed" 2>"$tmp/err"
check "a MISP feed folder (manifest.json, its events checked by SHA-256)" grep -q '^stored 10, already held 3, rejected 0$' "$tmp/err"
cp -r "$data/misp-feed" "$tmp/feed2" && chmod -R u+w "$tmp/feed2" &&
  sed -i 's/circl.lu/evil.example/' "$tmp/feed2/50bf87fc-d134-499f-9e26-806cbe89ed37.json"
"$bin" --data "$tmp/f" import "$tmp/feed2" 2>"$tmp/err"
check "  an event whose SHA-256 is not the manifest's is not imported" \
  grep -q "50bf87fc-d134-499f-9e26-806cbe89ed37.json: its SHA-256 is not the manifest's integrity:sha256: not imported" "$tmp/err"

# MISP -> STIX -> MISP keeps every mapped attribute
python3 - "$data/misp" >"$tmp/misp-in" <<'PY'
import json, sys, os
MAPPED_REL = {"credential": {"username", "password"}}
out = set()
for fn in sorted(os.listdir(sys.argv[1])):
    d = json.load(open(os.path.join(sys.argv[1], fn)))["response"]
    items = d.get("Attribute", []) if isinstance(d, dict) else d
    for it in items:
        if "Event" in it:
            attrs, objs = it["Event"].get("Attribute", []), it["Event"].get("Object", [])
        elif "Object" in it:
            attrs, objs = [], [it["Object"]]
        else:
            attrs, objs = [it.get("Attribute", it)], []
        for a in attrs:
            out.add(("attr", a["uuid"], a["type"], a["value"], bool(a.get("to_ids"))))
        for o in objs:
            for a in o["Attribute"]:
                if o["name"] in MAPPED_REL and a["object_relation"] not in MAPPED_REL[o["name"]]:
                    continue
                out.add(("obj", o["uuid"], o["name"], a["object_relation"], a["value"]))
for x in sorted(out): print(*x)
PY
m export --format misp >"$tmp/back.json" 2>/dev/null
python3 - "$tmp/back.json" >"$tmp/misp-out" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
events = [x["Event"] for x in d["response"]] if "response" in d else [d["Event"]]
out = set()
for e in events:
    for a in e["Attribute"]:
        out.add(("attr", a["uuid"], a["type"], a["value"], a["to_ids"]))
    for o in e["Object"]:
        for a in o["Attribute"]:
            out.add(("obj", o["uuid"], o["name"], a["object_relation"], a["value"]))
for x in sorted(out): print(*x)
PY
missing=$(comm -23 "$tmp/misp-in" "$tmp/misp-out")
check "MISP -> STIX -> MISP: every mapped attribute of the six MISP files comes back ($(wc -l <"$tmp/misp-in"))" \
  test -z "$missing" -a -s "$tmp/misp-in"
[ -n "$missing" ] && echo "$missing" | sed 's/^/# missing: /'
python3 -c "
import json,sys; d=json.load(open('$tmp/back.json'))
ev=[x['Event'] for x in d['response']]
assert all(e['uuid'] and e['info'] and e['date'] and e['Orgc']['name'] for e in ev)
assert any(e['uuid']=='e2e6a6ea-f69b-4d93-8564-f51d67cafe51' for e in ev)" 2>"$tmp/err"
check "  events keep their uuid, info, date and Orgc" test $? = 0

# Out: Zeek Intel, RPZ, Suricata, CSV on the mixed bundle
node "$tmp/x"
x() { "$bin" --data "$tmp/x" "$@"; }
x --quiet import "$data/mixed.stix2" "$data/defanged.txt" 2>/dev/null
x export --format zeek-intel --output "$tmp/intel.dat" 2>"$tmp/zeek-err"
check "zeek-intel: the count of what went out and what did not" \
  grep -q 'export: 14 of 22 indicators (17 entries) in zeek-intel; left out: 1 revoked, 1 expired, 6 not expressible in zeek-intel' "$tmp/zeek-err"
check "  an https URL is named: Zeek sees URLs in clear HTTP only" \
  grep -q 'indicator--00000000-0000-4000-8000-000000000004  TLS landing page: Zeek sees URLs in clear HTTP only' "$tmp/zeek-err"
check "  an AND of properties is named" grep -q 'named sample: the pattern is not a list of values (AND joins comparisons on one object)' "$tmp/zeek-err"
check "  a SHA-512 is named" grep -q 'sha512 only: Zeek computes no SHA-512 of files' "$tmp/zeek-err"
check "  revoked and expired values are not there" test -z "$(grep -E 'withdrawn|old.example' "$tmp/intel.dat")"
# What Zeek's input framework (Input::READER_ASCII, Intel::Item) would load.
python3 - "$tmp/intel.dat" >"$tmp/zeek-check" 2>&1 <<'PY'
import ipaddress, sys
lines = open(sys.argv[1], encoding="utf-8").read().split("\n")
assert lines[-1] == "", "the file ends with a newline"
fields = lines[0].split("\t")
assert fields[0] == "#fields" and fields[1:3] == ["indicator", "indicator_type"], fields
types = {"Intel::ADDR", "Intel::SUBNET", "Intel::URL", "Intel::SOFTWARE", "Intel::EMAIL",
         "Intel::DOMAIN", "Intel::USER_NAME", "Intel::CERT_HASH", "Intel::PUBKEY_HASH",
         "Intel::FILE_HASH", "Intel::FILE_NAME"}
n = 0
for i, l in enumerate(lines[1:-1], 2):
    if l.startswith("#"): continue
    v = l.split("\t")
    assert len(v) == len(fields) - 1, "line %d: %d fields" % (i, len(v))
    assert all(x != "" for x in v), "line %d: an empty field (Zeek wants '-' or '(empty)')" % i
    assert v[1] in types, "line %d: %s" % (i, v[1])
    if v[1] == "Intel::ADDR": ipaddress.ip_address(v[0])
    if v[1] == "Intel::SUBNET": ipaddress.ip_network(v[0], strict=False)
    if v[1] == "Intel::URL": assert "://" not in v[0], "line %d: a URL with its scheme" % i
    n += 1
print("loads", n)
PY
check "  every line loads as Zeek reads it ($(cat "$tmp/zeek-check"))" grep -qx 'loads 17' "$tmp/zeek-check"
check "  http:// is dropped from URLs, as Zeek matches them" grep -q "^drop.example/a.php	Intel::URL	" "$tmp/intel.dat"
check "  ISSUBSET is a subnet" grep -q "^203.0.113.0/24	Intel::SUBNET	" "$tmp/intel.dat"

x export --format rpz --rpz-zone rpz.test.example --serial 2024050101 --output "$tmp/rpz.zone" 2>"$tmp/rpz-err"
if command -v named-checkzone >/dev/null; then
  named-checkzone -i local rpz.test.example "$tmp/rpz.zone" >"$tmp/checkzone" 2>&1
  check "rpz: named-checkzone loads the zone ($(tail -n 1 "$tmp/checkzone"))" grep -q 'loaded serial 2024050101' "$tmp/checkzone"
else
  skip "rpz: named-checkzone" "bind9-utils is not installed (scripts/install-deps --test)"
fi
check "  a domain is a QNAME trigger" grep -q '^c2.example CNAME \. ' "$tmp/rpz.zone"
check "  a network is a response-IP trigger" grep -q '^24.0.113.0.203.rpz-ip CNAME \. ' "$tmp/rpz.zone"
check "  IPv6 reversed with zz" grep -q '^128.5.zz.1.0.db8.2001.rpz-ip CNAME \. ' "$tmp/rpz.zone"
check "  a URL is named as inexpressible" grep -q 'dropper page: neither a domain name nor an address' "$tmp/rpz-err"
x export --format rpz --rpz-action nodata --output "$tmp/rpz2.zone" 2>/dev/null
check "  --rpz-action nodata" grep -q '^c2.example CNAME \*\. ' "$tmp/rpz2.zone"

x export --format suricata --output "$tmp/sur" 2>"$tmp/sur-err"
check "suricata: rules, datasets, hash lists and IP reputation" \
  test -s "$tmp/sur/solidarity.rules" -a -s "$tmp/sur/domains.lst" -a -s "$tmp/sur/sha256.lst" -a -s "$tmp/sur/iprep.list"
check "  string datasets are base64 (c2.example)" grep -qx "$(printf c2.example | base64)" "$tmp/sur/domains.lst"
check "  the rules load the files beside them" grep -q 'dataset:isset,solidarity-domains,type string,load domains.lst;' "$tmp/sur/solidarity.rules"
check "  a network in the reputation list" grep -qx '203.0.113.0/24,1,100' "$tmp/sur/iprep.list"
check "  sids are unique" test "$(grep -o 'sid:[0-9]*' "$tmp/sur/solidarity.rules" | sort | uniq -d | wc -l)" = 0
if command -v suricata >/dev/null; then
  skip "suricata -T" "not wired: this Debian has no suricata package to hold the test to"
else
  skip "suricata -T on the rules" "Debian 12 does not package Suricata (only bookworm-backports has it)"
fi
x export --format suricata 2>"$tmp/err"
rc=$?
check "  several files need --output DIR: exit 2" test $rc = 2

# Warninglists
node "$tmp/w"
w() { "$bin" --data "$tmp/w" "$@"; }
w import --format warninglist "$data/warninglists/rfc1918.json" "$data/warninglists/common-ioc-false-positive.json" 2>"$tmp/err"
check "warninglists are kept in the node" grep -q "warninglist 'List of RFC 1918 CIDR blocks' kept: 3 values (cidr)" "$tmp/err"
w import "$data/warninglists/cisco_top1000.json" 2>"$tmp/err"
check "  one is detected as such" grep -q "warninglist 'Top 1000 websites from Cisco Umbrella' kept: 1000 values (string)" "$tmp/err"
printf '10.1.2.3\nevil.example\nd41d8cd98f00b204e9800998ecf8427e\ngoogle.com\n' >"$tmp/wl.txt"
w import "$tmp/wl.txt" 2>"$tmp/err"
check "an indicator in RFC 1918 space is flagged and kept" \
  grep -q "wl.txt:1: indicator--.*: '10.1.2.3' is on the warninglist 'List of RFC 1918 CIDR blocks' (kept)" "$tmp/err"
check "  as is a top site" grep -q "'google.com' is on the warninglist 'Top 1000 websites from Cisco Umbrella'" "$tmp/err"
check "  the summary says so" grep -q '^stored 4, already held 0, rejected 0, on warninglists 3 (kept)$' "$tmp/err"
node "$tmp/w2"
"$bin" --data "$tmp/w2" import --format warninglist "$data/warninglists/rfc1918.json" 2>/dev/null
"$bin" --data "$tmp/w2" import --valid-from 2024-01-01T00:00:00Z --refuse-warninglisted "$tmp/wl.txt" 2>"$tmp/err"
check "--refuse-warninglisted leaves them out" grep -q '^stored 3, already held 0, rejected 0, on warninglists 1 (refused)$' "$tmp/err"
"$bin" --data "$tmp/w2" import --valid-from 2024-01-01T00:00:00Z --no-warninglists "$tmp/wl.txt" 2>"$tmp/err"
check "--no-warninglists does not look (the same valid_from: the others are held)" grep -q '^stored 1, already held 3, rejected 0$' "$tmp/err"

# scan raises no sighting on a warninglisted value unless asked
sightings() { python3 -c "
import json,sys
for o in json.load(open(sys.argv[1]))['objects']:
    if o['type'] == 'sighting': print(o['sighting_of_ref'][-2:], o['count'])" "$1" | sort | tr '\n' ' '; }
"$bin" scan --indicators "$data/scan_indicators.stix2" "$data/scan_dns.json" >"$tmp/s0.json" 2>/dev/null
check "scan without warninglists: google.com is sighted twice" test "$(sightings "$tmp/s0.json")" = "a1 2 a2 1 "
"$bin" scan --warninglist "$data/warninglists/hosts.json" --indicators "$data/scan_indicators.stix2" \
  "$data/scan_dns.json" >"$tmp/s1.json" 2>"$tmp/err"
check "scan --warninglist: only the value on no list is sighted" test "$(sightings "$tmp/s1.json")" = "a1 1 "
check "  an indicator whose every value is on a list is said not to be matched" \
  grep -q "scan_indicators.stix2: 1 indicator not matched: every value is on a warninglist (first: 'test top sites')" "$tmp/err"
check "  one with some is said to be matched without them" \
  grep -q "scan_indicators.stix2: 1 indicator matched without their values on a warninglist" "$tmp/err"
"$bin" scan --include-warninglisted --warninglist "$data/warninglists/hosts.json" \
  --indicators "$data/scan_indicators.stix2" "$data/scan_dns.json" >"$tmp/s2.json" 2>/dev/null
check "scan --include-warninglisted: sightings as without lists" test "$(sightings "$tmp/s2.json")" = "a1 2 a2 1 "
"$bin" --data "$tmp/w" scan --indicators "$data/scan_indicators.stix2" "$data/scan_dns.json" >"$tmp/s3.json" 2>/dev/null
check "scan on a node applies the node's warninglists (Cisco's top 1000 has google.com)" \
  test "$(sightings "$tmp/s3.json")" = "a1 1 "

# --help lists exactly the formats of the table
sol import --help >"$tmp/ih"
sol export --help >"$tmp/eh"
check "import --help lists the readers" test "$(grep -cE '^  (stix|misp|list|csv|warninglist) ' "$tmp/ih")" = 5
check "export --help lists the writers" test "$(grep -cE '^  (stix|misp|list|csv|zeek-intel|suricata|rpz) ' "$tmp/eh")" = 7

echo "1..$n"
[ $fails = 0 ]
