#!/usr/bin/env bash
# serve_pg.sh — one node on PostgreSQL served by two `solidarity serve` processes:
#   the TAXII fixture (a SQLite node) moved with `solidarity migrate`, verified; a second
#   migrate refused on the non-empty target (and, at the end, moved back to SQLite);
#   both servers answer; concurrent POSTs to
#   both; a client paging across both (a `next` from one server followed on the other);
#   a status resource made by one read from the other; one server killed -9 in the
#   middle of a bulk POST, the client retrying on the other: nothing lost, nothing
#   duplicated, and date_added strictly increasing over the whole collection.
# Starts a throwaway cluster (scripts/pg-test-cluster), removed at the end; SKIP when
# PostgreSQL cannot be started here.
# Usage: serve_pg.sh SOLIDARITY-BINARY   (env SOLIDARITY_BUILD: the build directory)
set -u
bin=$1
build=${SOLIDARITY_BUILD:-$(dirname "$bin")}
fixture=$build/tests/taxii/taxii_fixture
here=$(cd "$(dirname "$0")" && pwd)
cluster_script=$here/../../scripts/pg-test-cluster
tmp=$(mktemp -d /tmp/sol-pgserve-XXXXXX)
pgdir=$(mktemp -d /tmp/solpg-XXXXXX)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null; done
  "$cluster_script" stop "$pgdir" >/dev/null 2>&1
  rm -rf "$tmp"
}
trap cleanup EXIT

n=0
fails=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
notok() {
  n=$((n + 1)); fails=$((fails + 1)); echo "not ok $n - $1"
  [ -f "$tmp/body" ] && echo "# status ${status:-}: $(head -c 600 "$tmp/body")"
}
check() { local d=$1; shift; if "$@"; then ok "$d"; else notok "$d"; fi; }
bail() {
  echo "not ok $((n + 1)) - $1"; [ -f "$tmp/log" ] && tail -20 "$tmp/log" | sed 's/^/# /'
  echo "1..$((n + 1))"; exit 1
}

command -v curl >/dev/null || { echo "1..0 # SKIP curl is not installed"; exit 0; }
command -v python3 >/dev/null || { echo "1..0 # SKIP python3 is not installed"; exit 0; }
[ -x "$fixture" ] || { echo "1..0 # SKIP no TAXII fixture tool in this build"; exit 0; }
if ! db=$("$cluster_script" start "$pgdir" 2>"$tmp/cluster"); then
  echo "1..0 # SKIP PostgreSQL cannot be started here: $(tail -n 1 "$tmp/cluster")"
  exit 0
fi

mkdir "$tmp/data"
"$fixture" "$tmp/data" >"$tmp/vars" || bail "the fixture could not be created"
var() { sed -n "s/^$1=//p" "$tmp/vars"; }
alice=$(var alice); A=$(var A); B=$(var B)

# Some real objects first (TLP:RED ones with a recipient too), so that there is
# something to verify; then the node moves to PostgreSQL.
data=$(cd "$here/../data/stix" && pwd)
"$bin" --data "$tmp/data" import --collection "$B" "$data/oasis-schema-examples/poisonivy.json" \
  "$data/mvt-indicators/2022-06-23_rcs_lab_rcs.stix2" "$data/misp-stix/test_event2_stix21.json" \
  >/dev/null 2>>"$tmp/log"
"$bin" --data "$tmp/data" import --collection "$B" --recipient "$(var OTHER)" \
  "$data/oasis-cti-documentation/using-marking-definitions.json" >/dev/null 2>>"$tmp/log"
key_sqlite=$("$bin" --data "$tmp/data" peer key 2>>"$tmp/log")
moved=$("$bin" --data "$tmp/data" collection list | awk -v b="$B" '$1 == b {print $5}')
check "the SQLite node holds objects to move ($moved in collection B)" test "${moved:-0}" -gt 100
"$bin" migrate --from "sqlite://$tmp/data" --to "$db" >"$tmp/migrate" 2>>"$tmp/log"
check "migrate moves the fixture node to PostgreSQL" test $? = 0
check "and verifies every object version ($(tail -n 1 "$tmp/migrate" | cut -d' ' -f2-4))" \
  grep -Eq "^verified: $moved of $moved object versions identical" "$tmp/migrate"
"$bin" migrate --from "$tmp/data" --to "$db" >/dev/null 2>"$tmp/err"
rc=$?
check "a second migrate onto the non-empty target is refused (exit $rc)" test $rc = 2
check "with the reason" grep -q "the target store is not empty; refusing to write over it (--force replaces it)" "$tmp/err"
"$bin" migrate --from "$tmp/data" --to "postgresql://sol:s3cret@/cti?host=$tmp/nowhere" \
  >/dev/null 2>"$tmp/err"
check "a target that cannot be reached: exit 2, the password not shown" \
  grep -q "^solidarity: migrate: postgresql://sol:\*\*\*@/cti?host=$tmp/nowhere: cannot connect to the store: " "$tmp/err"
check "and never the password" bash -c "! grep -q s3cret '$tmp/err'"
# same_listing WHAT CMD...: the command lists the same on the SQLite and PostgreSQL store.
same_listing() {
  local what=$1; shift
  "$bin" --data "$tmp/data" "$@" >"$tmp/l1" 2>&1
  "$bin" --data "$db" "$@" >"$tmp/l2" 2>&1
  check "$what: the same on both stores ($(wc -l <"$tmp/l1") lines)" cmp -s "$tmp/l1" "$tmp/l2"
}
same_listing "collections and their counts" collection list
same_listing "partners" user partner list
same_listing "users" user list
same_listing "tokens (last use, revocation)" token list
same_listing "grants" grant list
same_listing "peers" peer list
# The objects themselves: an export of collection B (bundle id aside).
"$bin" --data "$tmp/data" export --format stix --collection "$B" 2>/dev/null |
  sed 's/bundle--[0-9a-f-]*//' >"$tmp/e1"
"$bin" --data "$db" export --format stix --collection "$B" 2>/dev/null |
  sed 's/bundle--[0-9a-f-]*//' >"$tmp/e2"
check "an export of collection B: the same $(wc -c <"$tmp/e1") bytes from both stores" \
  test -s "$tmp/e1" -a "$(wc -c <"$tmp/e1")" -gt 1000 -a -z "$(cmp "$tmp/e1" "$tmp/e2" 2>&1)"

# issue #10, finding 9: a node on PostgreSQL signs, with the key it had before the move, kept
# in the store where every serve of the node finds it (not in a "directory" named by the URL).
key_pg=$("$bin" --data "$db" peer key 2>"$tmp/err")
check "the node on PostgreSQL has its signing key: the one it had on SQLite" \
  test -n "$key_sqlite" -a "$key_pg" = "$key_sqlite"
check "and says nothing of a signing.key file" bash -c "! grep -q signing.key '$tmp/err'"
"$bin" --data "$db" export --format stix --signed --collection "$B" --output "$tmp/signed.json" \
  2>>"$tmp/log"
check "export --signed works on PostgreSQL" grep -q '"signature"' "$tmp/signed.json"
"$bin" --data "$db" peer sign "$tmp/signed.json" --output "$tmp/signed2.json" 2>>"$tmp/log"
check "so does peer sign" grep -q '"signature"' "$tmp/signed2.json"

# start: run serve on the PostgreSQL store in the background; sets url and server_pid.
start() {
  local out=$tmp/out.$RANDOM
  "$bin" --data "$db" serve --listen 127.0.0.1:0 >"$out" 2>>"$tmp/log" &
  pids+=($!)
  server_pid=$!
  for _ in $(seq 150); do
    if [ -s "$out" ]; then url=$(head -n 1 "$out"); url=${url%/}; return 0; fi
    kill -0 "$server_pid" 2>/dev/null || return 1
    sleep 0.1
  done
  return 1
}
start || bail "the first serve did not start"
url1=$url pid1=$server_pid
start || bail "the second serve did not start"
url2=$url pid2=$server_pid
ok "two servers on one PostgreSQL store ($url1, $url2)"

# req URL METHOD PATH [CURL-ARGS...]: body in $tmp/body, $status.
req() {
  local u=$1 m=$2 p=$3; shift 3
  status=$(curl -sS -o "$tmp/body" -w '%{http_code}' -X "$m" \
    -H 'Accept: application/taxii+json;version=2.1' "$@" "$u$p" 2>"$tmp/curlerr")
}
js() { python3 -c "import json,sys; d=json.load(open('$tmp/body')); print(eval(sys.argv[1]))" "$1"; }
# bundle FILE N PREFIX: an envelope of N new indicators named PREFIX-i, TLP:GREEN
bundle() {
  python3 - "$1" "$2" "$3" <<'PY'
import json, sys, uuid
path, n, prefix = sys.argv[1], int(sys.argv[2]), sys.argv[3]
objs = [{"type": "indicator", "spec_version": "2.1", "id": "indicator--" + str(uuid.uuid4()),
         "created": "2024-01-01T00:00:00.000Z", "modified": "2024-01-01T00:00:00.000Z",
         "name": "%s-%d" % (prefix, i), "pattern": "[domain-name:value = '%s-%d.example']" % (prefix, i),
         "pattern_type": "stix", "valid_from": "2024-01-01T00:00:00Z",
         "object_marking_refs": ["marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"]}
        for i in range(n)]
json.dump({"objects": objs}, open(path, "w"))
PY
}
# all_ids LIMIT: page through collection A, alternating the two servers at each `next`;
# one "date_added id" line per object into $tmp/ids.
all_ids() {
  local next="" pages=0 u
  : >"$tmp/ids"
  while :; do
    if [ $((pages % 2)) = 0 ]; then u=$url1; else u=$url2; fi
    req "$u" GET "/intel/collections/$A/objects/?limit=$1${next:+&next=$next}" \
      -H "Authorization: Bearer $alice"
    [ "$status" = 200 ] || return 1
    python3 -c "
import json; d=json.load(open('$tmp/body'))
for o in d.get('objects', []): print(o['id'])" >>"$tmp/ids"
    next=$(js "d.get('next','')")
    [ "$(js "d.get('more')")" = True ] || break
    [ -n "$next" ] || return 1
    pages=$((pages + 1)); [ $pages -lt 5000 ] || return 1
  done
  pages_seen=$((pages + 1))
}
count_ids() { wc -l <"$tmp/ids"; }
unique_ids() { sort -u "$tmp/ids" | wc -l; }

all_ids 7 || bail "cannot page through the collection"
base=$(count_ids)
check "paging across both servers ($pages_seen pages): $base objects, each once" \
  test "$base" = "$(unique_ids)"

# Concurrent POSTs to both servers.
for i in 1 2 3 4; do bundle "$tmp/p$i.json" 40 "p$i"; done
post() {
  curl -sS -o "$3" -w '%{http_code}' -X POST -H "Authorization: Bearer $alice" \
    -H 'Accept: application/taxii+json;version=2.1' \
    -H 'Content-Type: application/taxii+json;version=2.1' --data-binary "@$2" \
    "$1/intel/collections/$A/objects/" >"$3.status" 2>/dev/null
}
post "$url1" "$tmp/p1.json" "$tmp/r1" & w1=$!
post "$url2" "$tmp/p2.json" "$tmp/r2" & w2=$!
post "$url1" "$tmp/p3.json" "$tmp/r3" & w3=$!
post "$url2" "$tmp/p4.json" "$tmp/r4" & w4=$!
wait $w1 $w2 $w3 $w4
good=0
for i in 1 2 3 4; do
  [ "$(cat "$tmp/r$i.status")" = 202 ] &&
    [ "$(python3 -c "import json; print(json.load(open('$tmp/r$i'))['success_count'])")" = 40 ] &&
    good=$((good + 1))
done
check "four concurrent POSTs of 40 to two servers: all 202, all successes" test $good = 4
sid=$(python3 -c "import json; print(json.load(open('$tmp/r1'))['id'])")
req "$url2" GET "/intel/status/$sid/" -H "Authorization: Bearer $alice"
check "a status resource made by one server is read from the other" \
  test "$status" = 200 -a "$(js "d.get('success_count')")" = 40
all_ids 9 || bail "cannot page after the POSTs"
check "paging across both servers: $((base + 160)) objects, each once" \
  test "$(count_ids)" = $((base + 160)) -a "$(unique_ids)" = $((base + 160))

# A bulk POST to server 2, which is killed -9 in the middle of it.
bundle "$tmp/big.json" 2000 big
post "$url2" "$tmp/big.json" "$tmp/rbig" & wbig=$!
# Kill it in the middle: once a server's transaction has written rows (it has an xid)
# and not yet committed, as pg_stat_activity shows.
busy=0
for _ in $(seq 400); do
  busy=$(psql -XAtq "$db" -c "SELECT count(*) FROM pg_stat_activity WHERE
    application_name = 'solidarity' AND backend_xid IS NOT NULL" 2>/dev/null || echo 0)
  [ "$busy" -gt 0 ] && break
  sleep 0.02
done
kill -9 "$pid2" 2>/dev/null
wait $wbig 2>/dev/null
wait "$pid2" 2>/dev/null
url2=$url1 # the client goes on with the surviving server
all_ids 50 || bail "cannot page after the kill"
mid=$(count_ids)
check "killed mid-transaction ($busy writing): $mid objects after, each once" \
  test "$mid" = "$(unique_ids)" -a "$mid" -ge $((base + 160)) -a "$mid" -le $((base + 2160))
# The client retries on the surviving server: the versions already held are no-ops.
post "$url1" "$tmp/big.json" "$tmp/rbig2"
check "the retried POST on the other server: 202" test "$(cat "$tmp/rbig2.status")" = 202
check "with 2000 successes" \
  test "$(python3 -c "import json; print(json.load(open('$tmp/rbig2'))['success_count'])")" = 2000
all_ids 500 || bail "cannot page after the retry"
check "nothing lost, nothing duplicated: $((base + 2160)) objects, each once" \
  test "$(count_ids)" = $((base + 2160)) -a "$(unique_ids)" = $((base + 2160))
# Every object of the big bundle is there exactly once.
python3 - "$tmp/big.json" "$tmp/ids" >"$tmp/cmp" <<'PY'
import json, sys
want = {o["id"] for o in json.load(open(sys.argv[1]))["objects"]}
got = [l.strip() for l in open(sys.argv[2])]
print(sum(1 for i in got if i in want), len(want))
PY
check "each of the bulk POST's 2000 objects once ($(cat "$tmp/cmp"))" test "$(cat "$tmp/cmp")" = "2000 2000"

# date_added strictly increasing over the collection, across both servers' writes.
psql_ok=0
if command -v psql >/dev/null; then
  dup=$(psql -XAtq "$db" -c \
    "SELECT count(*) FROM (SELECT collection, date_added FROM objects GROUP BY 1, 2 HAVING count(*) > 1) d" 2>>"$tmp/log")
  [ "$dup" = 0 ] && psql_ok=1
  check "no two objects of a collection share a date_added" test "$psql_ok" = 1
fi

start || bail "a server did not restart"
pid2=$server_pid url2=$url
req "$url2" GET "/intel/collections/$A/objects/?limit=1" -H "Authorization: Bearer $alice"
check "a restarted server serves the same store" test "$status" = 200

# --force replaces the target with the SQLite store again: the POSTed objects are gone.
"$bin" migrate --from "$tmp/data" --to "$db" --force >"$tmp/migrate2" 2>>"$tmp/log"
check "migrate --force replaces the target" test $? = 0
all_ids 500 || bail "cannot page after migrate --force"
check "and the collection is the SQLite one again ($base objects)" test "$(count_ids)" = "$base"

# And back: the PostgreSQL store moves to a new SQLite directory, with the signing key.
"$bin" migrate --from "$db" --to "sqlite://$tmp/back" >"$tmp/migrate3" 2>>"$tmp/log"
check "migrate moves the PostgreSQL store to a new SQLite directory" test $? = 0
check "and verifies every object version" \
  grep -Eq "^verified: $moved of $moved object versions identical" "$tmp/migrate3"
check "the directory it made is owner-only" test "$(stat -c %a "$tmp/back")" = 700
key_back=$("$bin" --data "$tmp/back" peer key 2>>"$tmp/log")
check "the node signs with the same key again, from DIR/signing.key" \
  test "$key_back" = "$key_sqlite" -a -f "$tmp/back/signing.key"
check "the collection lists the same on the SQLite store it came back to" \
  test "$("$bin" --data "$tmp/back" collection list)" = "$("$bin" --data "$db" collection list)"

echo "1..$n"
[ $fails = 0 ]
