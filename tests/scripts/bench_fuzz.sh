#!/usr/bin/env bash
# bench_fuzz.sh — bench/run and scripts/fuzz on a stub build: a bench/ and a fuzz/ folder
# with tiny programs beside meson's object folders (bench_x.p, fuzz_x.p), one of them
# failing. Each script must run every program and no folder, go on past a failure, and
# exit non-zero naming it (zero when all pass). Then bench/sync.sh on this build with a
# few objects: it must print its ratios and leave no server running.
# Usage: bench_fuzz.sh SOLIDARITY-BINARY   (SOLIDARITY_TESTS, SOLIDARITY_BUILD from meson)
set -u
bin=$1
src=$(cd "${SOLIDARITY_TESTS:-$(dirname "$0")/..}/.." && pwd)
build=${SOLIDARITY_BUILD:-$(dirname "$bin")}
tmp=$(mktemp -d /tmp/sol-scripts-XXXXXX)
cleanup() {
  pkill -f -- "$tmp/" 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT

n=0
fails=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
notok() { n=$((n + 1)); fails=$((fails + 1)); echo "not ok $n - $1"; [ -n "${2:-}" ] && sed 's/^/# /' <<<"$2"; }
check() { if eval "$2"; then ok "$1"; else notok "$1" "${3:-}"; fi; }

# stub NAME EXIT: a program that logs its name and arguments, and exits with EXIT
stub() {
  printf '#!/bin/sh\necho "%s $*" >>"%s/ran"\necho "%s: 1 thing/s, baseline 1 thing/s, ratio 1.00"\nexit %s\n' \
    "$(basename "$1")" "$tmp" "$(basename "$1")" "$2" >"$1"
  chmod +x "$1"
  mkdir -p "$1.p" # meson's object folder beside it
}

mkdir -p "$tmp/ok/bench" "$tmp/ok/fuzz" "$tmp/bad/bench" "$tmp/bad/fuzz"
stub "$tmp/ok/bench/bench_a" 0
stub "$tmp/ok/bench/bench_b" 0
stub "$tmp/ok/fuzz/fuzz_x" 0
stub "$tmp/ok/fuzz/fuzz_y" 0
stub "$tmp/bad/bench/bench_a" 1
stub "$tmp/bad/bench/bench_b" 0
stub "$tmp/bad/fuzz/fuzz_x" 1
stub "$tmp/bad/fuzz/fuzz_y" 0

# bench: only the stub programs (the filter keeps the real bench/*.sh out)
: >"$tmp/ran"
out=$("$src/bench/run" "$tmp/ok" bench_ 2>&1); rc=$?
check "bench/run: all pass, exit 0" '[ $rc = 0 ]' "exit $rc: $out"
check "bench/run: every program ran, once" '[ "$(sort "$tmp/ran" | tr "\n" ";")" = "bench_a ;bench_b ;" ]' "$(cat "$tmp/ran")"
check "bench/run: no object folder taken for a program" '! grep -q "Is a directory\|\.p$" <<<"$out"' "$out"
check "bench/run: prints each figure" '[ "$(grep -c "ratio 1.00" <<<"$out")" = 2 ]' "$out"
: >"$tmp/ran"
out=$("$src/bench/run" "$tmp/bad" bench_ 2>&1); rc=$?
check "bench/run: a failing benchmark makes exit 1" '[ $rc = 1 ]' "exit $rc: $out"
check "bench/run: the others still run" 'grep -q "^bench_b" "$tmp/ran"' "$(cat "$tmp/ran")"
check "bench/run: names the failure" 'grep -q "^bench: failed: bench_a$" <<<"$out"' "$out"
out=$("$src/bench/run" "$tmp/ok" nothing-matches 2>&1); rc=$?
check "bench/run: nothing to run is an error" '[ $rc = 1 ] && grep -q "no benchmark" <<<"$out"' "exit $rc: $out"

# fuzz: corpus and output in the test's folder, not the source tree
export FUZZ_CORPUS=$tmp/corpus FUZZ_OUT=$tmp/out
: >"$tmp/ran"
out=$("$src/scripts/fuzz" "$tmp/ok" 1 2>&1); rc=$?
check "scripts/fuzz: all pass, exit 0" '[ $rc = 0 ]' "exit $rc: $out"
check "scripts/fuzz: every target ran, with its time, output and corpus" \
  '[ "$(sort "$tmp/ran" | tr "\n" ";")" = "fuzz_x -max_total_time=1 -max_len=65536 -timeout=10 -rss_limit_mb=2048 -artifact_prefix=$tmp/out/x/ $tmp/out/x $tmp/corpus/x;fuzz_y -max_total_time=1 -max_len=65536 -timeout=10 -rss_limit_mb=2048 -artifact_prefix=$tmp/out/y/ $tmp/out/y $tmp/corpus/y;" ]' \
  "$(cat "$tmp/ran")"
check "scripts/fuzz: no object folder taken for a target" '! grep -q "Is a directory\|\.p " <<<"$out" && [ ! -e "$tmp/corpus/x.p" ]' "$out"
: >"$tmp/ran"
out=$("$src/scripts/fuzz" "$tmp/bad" 1 2>&1); rc=$?
check "scripts/fuzz: a target that finds a crash makes exit 1" '[ $rc = 1 ]' "exit $rc: $out"
check "scripts/fuzz: the targets after it still run" 'grep -q "^fuzz_y" "$tmp/ran"' "$(cat "$tmp/ran")"
check "scripts/fuzz: names the failure" 'grep -q "^fuzz: failed .*: x$" <<<"$out"' "$out"
unset FUZZ_CORPUS FUZZ_OUT

# bench/sync.sh on this build, tiny: its servers must be gone when it ends
if command -v python3 >/dev/null && [ -x /usr/bin/time ]; then
  mkdir -p "$tmp/t"
  servers() { pgrep -f -- "^$build/solidarity .*/sol-bench-sync-[^ ]*/a serve" | sort; }
  before=$(servers)
  out=$(TMPDIR=$tmp/t SYNC_BENCH_SIZES="20 40" SYNC_BENCH_PAGE=10 "$src/bench/run" "$build" sync.sh 2>&1); rc=$?
  check "bench/sync.sh: exit 0" '[ $rc = 0 ]' "exit $rc: $out"
  check "bench/sync.sh: pulls everything and prints its ratios" \
    'grep -q "40 objects pulled in .* 40 stored" <<<"$out" && grep -q "ratio pull/import" <<<"$out" && grep -q "peak RSS at 40 objects / at 20 objects" <<<"$out"' "$out"
  left=$(comm -13 <(echo "$before") <(servers))
  check "bench/sync.sh: leaves no solidarity serve running" '[ -z "$left" ]' "$(for p in $left; do ps -o pid=,args= -p "$p"; done)"
  for p in $left; do kill "$p"; done
else
  n=$((n + 1)); echo "ok $n - bench/sync.sh # SKIP python3 or /usr/bin/time is not installed"
fi

echo "1..$n"
[ "$fails" = 0 ]
