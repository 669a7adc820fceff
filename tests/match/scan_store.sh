#!/usr/bin/env bash
# solidarity scan with a node: indicators from a collection, the node's identity as the
# one that sighted, sightings stored into another collection (and found there).
set -u
bin=${1:?usage: scan_store.sh SOLIDARITY}
tests=${SOLIDARITY_TESTS:-$(cd "$(dirname "$0")/.." && pwd)}
cd "$tests" || exit 2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
n=0
fail=0
check() { # check NAME COMMAND...
  n=$((n + 1))
  local name=$1
  shift
  if "$@"; then echo "ok $n - $name"; else echo "not ok $n - $name"; fail=1; fi
}
S() { "$bin" --data "$tmp/node" "$@"; }
S init > "$tmp/init.out" 2>&1
S collection add --title Spyware --alias spyware > /dev/null 2>&1
intel=spyware
seen=$(S collection add --title Sightings 2>/dev/null | tail -1)
S import --collection "$intel" data/logs/wyrmspy.stix2 > /dev/null 2>&1
S scan --collection "$intel" --store "$seen" data/logs/zeek_dns.log data/logs/eve.json \
  > "$tmp/out.json" 2> "$tmp/err"
rc=$?
check "exit 0 when something is sighted" test "$rc" = 0
check "three sightings written" test "$(grep -c '"sighting_of_ref"' "$tmp/out.json")" = 3
check "valid STIX 2.1, even under --strict" "$bin" validate --strict -q "$tmp/out.json"
check "three sightings stored" grep -q '^scan: 3 sightings stored in collection ' "$tmp/err"
check "the node's identity sighted" grep -q "(the node's)" "$tmp/err"
node_id=$(grep -o 'identity identity--[0-9a-f-]*' "$tmp/err" | cut -d' ' -f2)
check "where_sighted_refs is the node's identity" grep -q "\"$node_id\"" "$tmp/out.json"
S export --format stix --collection "$seen" --output "$tmp/export.json" > /dev/null 2>&1
check "the stored sightings are in the collection" \
  test "$(grep -o '"type": *"sighting"' "$tmp/export.json" | wc -l)" -ge 3
S scan --collection no-such-collection data/logs/zeek_dns.log > /dev/null 2> "$tmp/err2"
check "an unknown collection is an error" \
  grep -q '^solidarity: scan: collection no-such-collection: no such collection$' "$tmp/err2"
echo "1..$n"
exit $fail
