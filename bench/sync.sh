#!/usr/bin/env bash
# sync.sh — federation: time to pull a partner's collection of N objects between two nodes
# on loopback (A serves TAXII, B runs `solidarity sync`), and B's peak RSS while doing it,
# for N = 1e4 and 1e5 (SYNC_BENCH_SIZES to change). The baseline, measured in the same
# run, is a local `solidarity import` of the same objects on a third node: a pull does
# that work plus HTTP paging, so the ratio shows what paging costs. Memory must stay flat
# as N grows (one page at a time): the RSS ratio of the largest N to the smallest is
# printed too. With SYNC_BENCH_SIGNED=1 A signs every object and B verifies each against
# A's key (Ed25519 over JCS). Usage: bench/sync.sh BUILD-DIR
set -uo pipefail
# serve started as root runs as $SOLIDARITY_USER: the benchmark runs it as whoever runs it
export SOLIDARITY_USER=${SOLIDARITY_USER:-$(id -un)}
build=${1:?usage: bench/sync.sh BUILD-DIR}
bin=$build/solidarity
sizes=${SYNC_BENCH_SIZES:-10000 100000}
page=${SYNC_BENCH_PAGE:-1000}
signed=${SYNC_BENCH_SIGNED:-0}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/sol-bench-sync-XXXXXX")
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null; done
  rm -rf "$tmp"
}
trap cleanup EXIT

for t in python3 /usr/bin/time; do
  command -v "$t" >/dev/null || { echo "sync: SKIP ($t is not installed)"; exit 0; }
done
[ -x "$bin" ] || { echo "sync: no $bin (build first)"; exit 1; }

sol() { local node=$1; shift; "$bin" --quiet --data "$tmp/$node" "$@"; }
# measure OUT CMD...: run CMD, write "seconds max_rss_kib" to OUT
measure() {
  local out=$1; shift
  /usr/bin/time -f '%e %M' -o "$out" "$@" >/dev/null 2>>"$tmp/log"
}

first_rss=
for n in $sizes; do
  rm -rf "$tmp/a" "$tmp/b" "$tmp/c"
  python3 - "$tmp/objs.json" "$n" <<'EOF'
import json, sys, uuid
n = int(sys.argv[2])
with open(sys.argv[1], "w") as f:
    f.write('{"type":"bundle","id":"bundle--%s","objects":[' % uuid.uuid4())
    for i in range(n):
        if i:
            f.write(",")
        json.dump({"type": "indicator", "spec_version": "2.1",
                   "id": "indicator--%s" % uuid.UUID(int=(7 << 100) | i, version=4),
                   "created": "2026-01-01T00:00:00.000Z", "modified": "2026-01-01T00:00:00.000Z",
                   "name": "bench indicator %d" % i,
                   "pattern": "[ipv4-addr:value = '10.%d.%d.%d']" % (i >> 16 & 255, i >> 8 & 255, i & 255),
                   "pattern_type": "stix", "valid_from": "2026-01-01T00:00:00Z",
                   "object_marking_refs": ["marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"]}, f)
    f.write("]}")
EOF
  for node in a b c; do sol "$node" init --name "$node" --partner "org$node" >/dev/null 2>>"$tmp/log" || { echo "sync: init failed"; cat "$tmp/log"; exit 1; }; done
  col=$(sol a collection add --title shared) || exit 1
  sol a user partner add orgb >/dev/null
  sol a user add bsync --partner orgb --clearance amber >/dev/null
  token=$(sol a token issue bsync 2>/dev/null)
  sol a grant read "$col" --partner orgb >/dev/null
  keyopt=()
  if [ "$signed" = 1 ]; then
    sol a peer sign "$tmp/objs.json" --output "$tmp/objs.signed.json" || { echo "sync: signing failed"; exit 1; }
    mv "$tmp/objs.signed.json" "$tmp/objs.json"
    keyopt=(--key "$(sol a peer key)")
  fi
  sol a import --collection "$col" --batch 5000 "$tmp/objs.json" 2>>"$tmp/log" || { echo "sync: import on A failed"; exit 1; }
  ccol=$(sol c collection add --title baseline)
  measure "$tmp/base.$n" "$bin" --quiet --data "$tmp/c" import --collection "$ccol" --batch "$page" "$tmp/objs.json"

  # The binary itself in the background, not the sol function: $! of a function is a
  # subshell's pid, and killing that would leave the server running.
  "$bin" --quiet --data "$tmp/a" serve --listen 127.0.0.1:0 >"$tmp/a.url" 2>>"$tmp/log" &
  spid=$!
  pids+=("$spid")
  url=
  for _ in $(seq 100); do [ -s "$tmp/a.url" ] && { url=$(head -n 1 "$tmp/a.url"); break; }; sleep 0.1; done
  [ -n "$url" ] || { echo "sync: serve did not start"; exit 1; }
  SOLIDARITY_PEER_TOKEN="$token" sol b peer add a "$url" --api-root intel --collection "$col" --pull --page "$page" "${keyopt[@]}" >/dev/null
  measure "$tmp/sync.$n" "$bin" --quiet --data "$tmp/b" sync a
  kill "$spid"; wait "$spid" 2>/dev/null
  read -r st srss <"$tmp/sync.$n"
  read -r bt brss <"$tmp/base.$n"
  got=$(python3 -c 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute("select count(*) from objects").fetchone()[0])' "$tmp/b/store.db" 2>/dev/null || echo "?")
  python3 - "$n" "$st" "$srss" "$bt" "$brss" "$got" "$signed" <<'EOF'
import sys
n, st, srss, bt, brss, got = int(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4]), int(sys.argv[5]), sys.argv[6]
print("sync: %s%d objects pulled in %.2f s (%.0f objects/s), peak RSS %.1f MiB, %s stored" % ("signed: " if sys.argv[7] == "1" else "", n, st, n / st if st else 0, srss / 1024, got))
print("sync: baseline local import of the same objects %.2f s (%.0f objects/s), peak RSS %.1f MiB" % (bt, n / bt if bt else 0, brss / 1024))
print("sync: ratio pull/import throughput %.2f" % ((n / st) / (n / bt) if st and bt else 0))
EOF
  [ -n "$first_rss" ] || { first_rss=$srss; first_n=$n; }
  last_rss=$srss; last_n=$n
done
python3 -c 'import sys; a,b,na,nb=map(int,sys.argv[1:]); print("sync: peak RSS at %d objects / at %d objects: %.2f (flat is 1.0)" % (nb, na, b / a))' "$first_rss" "$last_rss" "$first_n" "$last_n"
