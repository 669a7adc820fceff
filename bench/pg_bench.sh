#!/usr/bin/env bash
# pg_bench.sh — the PostgreSQL store: bulk import and the TAXII page query through the
# store API (bench/pg_load.c), next to pgbench running the very same SQL on the same
# database in the same run (the baseline: what the server alone does). Prints each
# figure, its baseline and the ratio (store / pgbench; 1.0 = no overhead of ours).
#
# A throwaway cluster (scripts/pg-test-cluster: fsync off, Unix socket) so that the
# figures measure the queries, not the disk. Usage: bench/pg_bench.sh BUILD-DIR
# [OBJECTS] [SECONDS]   (env PG_BENCH_OBJECTS, PG_BENCH_SECONDS)
set -uo pipefail
build=${1:?usage: bench/pg_bench.sh BUILD-DIR [OBJECTS] [SECONDS]}
objects=${2:-${PG_BENCH_OBJECTS:-100000}}
secs=${3:-${PG_BENCH_SECONDS:-5}}
here=$(cd "$(dirname "$0")" && pwd)
load=$build/bench/pg_load
cluster=$here/../scripts/pg-test-cluster
tmp=$(mktemp -d /tmp/sol-pgb-XXXXXX)
pgdir=$(mktemp -d /tmp/solpgb-XXXXXX)
cleanup() { "$cluster" stop "$pgdir" >/dev/null 2>&1; rm -rf "$tmp"; }
trap cleanup EXIT

[ -x "$load" ] || { echo "pg: no $load (build the bench first)"; exit 1; }
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
pgbench=$(command -v pgbench || echo "$bin/pgbench")
[ -x "$pgbench" ] || { echo "pg: SKIP (pgbench is not installed: scripts/install-deps --bench)"; exit 0; }
if ! url=$("$cluster" start "$pgdir" 2>"$tmp/err"); then
  echo "pg: SKIP (PostgreSQL cannot be started: $(tail -n 1 "$tmp/err"))"; exit 0
fi
chmod 755 "$tmp"

"$load" "$url" "$objects" "$secs" "$tmp" >"$tmp/out" || { echo "pg: pg_load failed"; cat "$tmp/out"; exit 1; }
import=$(awk '/^import/ {print $2}' "$tmp/out")
page=$(awk '/^page/ {print $2}' "$tmp/out")

# pgbench: the same page query, prepared, one client, its parameters as -D pN=value.
defs=()
while IFS='=' read -r k v; do defs+=(-D "p$k=$v"); done <"$tmp/page.params"
defs+=(-D "pjson=$(cat "$tmp/add.json")")
# The store's sessions run without JIT (store_pg.c says why); so does the baseline.
"$bin/psql" -XqAt "$url" -c "CREATE SEQUENCE pgbench_ids" >/dev/null 2>"$tmp/err" ||
  { echo "pg: psql failed: $(cat "$tmp/err")"; exit 1; }
pgbench_tps() { # FILE: transactions per second of one client running FILE for $secs
  PGOPTIONS="-c jit=off" "$pgbench" -n -M prepared -c 1 -T "$secs" "${defs[@]}" -f "$1" "$url" 2>"$tmp/pgbench.err" |
    awk '/^tps/ {print int($3); exit}'
}
base_page=$(pgbench_tps "$tmp/page.sql")
base_add=$(pgbench_tps "$tmp/add.sql")
[ -n "$base_page" ] && [ -n "$base_add" ] || { echo "pg: pgbench failed: $(tail -n 3 "$tmp/pgbench.err")"; exit 1; }
base_import=$((base_add * 50))

ratio() { python3 -c "print('%.2f' % ($1 / $2))" 2>/dev/null || echo "?"; }
echo "pg: TAXII page query (100 objects after the middle of $objects), 1 client"
echo "pg:   store API ${page} queries/s, pgbench same SQL ${base_page} queries/s, ratio $(ratio "$page" "$base_page")"
echo "pg: bulk import (transactions of 1000 through sol_store_object_add; pgbench 50 per transaction)"
echo "pg:   store API ${import} objects/s, pgbench same statement ${base_import} objects/s, ratio $(ratio "$import" "$base_import")"
