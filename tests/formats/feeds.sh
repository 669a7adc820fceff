#!/usr/bin/env bash
# feeds.sh — /feeds/ and export through the one policy check, on SQLite and PostgreSQL:
# credentials as for TAXII (401), a collection the asker may not read is 404 like one
# that does not exist, and a GREEN asker never gets an AMBER indicator in any feed, in a
# count, or in an ETag (adding an AMBER indicator leaves a GREEN asker's ETags as they
# were; adding a GREEN one changes them); If-None-Match gives 304. Until the disclosure
# matrix test of the policy issue (#10) has rows for these doors, this is their test.
# Usage: feeds.sh SOLIDARITY-BINARY   (env SOLIDARITY_BUILD: the build directory)
set -u
umask 077 # serve refuses a store other users may read (access.h "Policy")
bin=$1
build=${SOLIDARITY_BUILD:-$(dirname "$bin")}
fixture=$build/tests/taxii/taxii_fixture
here=$(cd "$(dirname "$0")" && pwd)
cluster_script=$here/../../scripts/pg-test-cluster
tmp=$(mktemp -d /tmp/sol-feeds-XXXXXX)
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
notok() { n=$((n + 1)); fails=$((fails + 1)); echo "not ok $n - $1"; [ -f "$tmp/body" ] && echo "# status $status: $(head -c 300 "$tmp/body")"; }
check() { local d=$1; shift; if "$@"; then ok "$d"; else notok "$d"; fi; }
bail() { echo "not ok $((n + 1)) - $1"; echo "1..$((n + 1))"; exit 1; }

command -v curl >/dev/null || { echo "1..0 # SKIP curl is not installed"; exit 0; }
[ -x "$fixture" ] || { echo "1..0 # SKIP no TAXII fixture tool in this build"; exit 0; }

mkdir "$tmp/data"
"$fixture" "$tmp/data" >"$tmp/vars" || bail "the fixture could not be created"
var() { sed -n "s/^$1=//p" "$tmp/vars"; }
alice=$(var alice); bob=$(var bob); carol=$(var carol); eve=$(var eve); A=$(var A); B=$(var B)

# get TOKEN PATH [CURL-ARGS...]: body in $tmp/body, headers in $tmp/hdr, $status
get() {
  local t=$1 p=$2; shift 2
  rm -f "$tmp/body"; : >"$tmp/body"
  status=$(curl -sS -o "$tmp/body" -D "$tmp/hdr" -w '%{http_code}' ${t:+-H "Authorization: Bearer $t"} \
    "$@" "$url$p")
}
hdr() { grep -i "^$1:" "$tmp/hdr" | head -n 1 | cut -d' ' -f2- | tr -d '\r'; }

# suite NAME STORE: serve STORE, check every door; each import goes through the CLI.
suite() {
  local name=$1 store=$2
  local out=$tmp/out.$name
  "$bin" --data "$store" serve --listen 127.0.0.1:0 --quiet >"$out" 2>>"$tmp/log" &
  pids+=($!)
  local pid=$!
  url=
  for _ in $(seq 100); do
    [ -s "$out" ] && { url=$(head -n 1 "$out"); url=${url%/}; break; }
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  [ -n "$url" ] || { notok "$name: serve starts"; return; }
  imp() { printf '%s\n' "$2" >"$tmp/l.txt"; "$bin" --data "$store" --quiet import --collection "$A" --tlp "$1" "$tmp/l.txt" 2>>"$tmp/log"; }
  imp green "green-$name.example"
  imp amber "amber-$name.example"
  imp red "red-$name.example"

  get "" "/feeds/$A/zeek-intel"
  check "$name: no credentials: 401 with a challenge" test "$status" = 401 -a -n "$(hdr WWW-Authenticate)"
  get "sol_nope" "/feeds/$A/zeek-intel"
  check "$name: a wrong token: 401" test "$status" = 401
  get "$bob" "/feeds/$A/zeek-intel"
  check "$name: bob (GREEN) gets the Zeek feed" test "$status" = 200
  check "$name:   with the GREEN indicator" grep -q "^green-$name.example	Intel::DOMAIN" "$tmp/body"
  check "$name:   and neither the AMBER nor the RED one" test -z "$(grep -E 'amber-|red-' "$tmp/body")"
  local etag_bob=$(hdr ETag)
  check "$name:   with an ETag" test -n "$etag_bob"
  get "$bob" "/feeds/$A/zeek-intel" -H "If-None-Match: $etag_bob"
  check "$name: If-None-Match with that ETag: 304, no body" test "$status" = 304 -a ! -s "$tmp/body"
  get "$carol" "/feeds/$A/zeek-intel"
  check "$name: carol (CLEAR) gets none of them" test "$status" = 200 -a -z "$(grep -E '\.example' "$tmp/body")"
  get "$alice" "/feeds/$A/zeek-intel"
  check "$name: alice (AMBER) gets GREEN and AMBER, not RED" \
    test -n "$(grep "amber-$name" "$tmp/body")" -a -n "$(grep "green-$name" "$tmp/body")" -a -z "$(grep "red-$name" "$tmp/body")"
  local etag_alice=$(hdr ETag)
  for f in rpz csv list misp suricata/domains.lst suricata/solidarity.rules; do
    get "$bob" "/feeds/$A/$f"
    local body_ok=yes
    grep -q 'amber-' "$tmp/body" && body_ok=no
    [ "$f" = suricata/domains.lst ] && base64 -d "$tmp/body" 2>/dev/null | grep -q 'amber-' && body_ok=no
    check "$name: bob's $f: 200, nothing AMBER" test "$status" = 200 -a $body_ok = yes
    eval "etag_$(echo "$f" | tr '/.-' '___')=\$(hdr ETag)"
  done
  get "$bob" "/feeds/$A/rpz"
  if command -v named-checkzone >/dev/null; then
    named-checkzone rpz.solidarity "$tmp/body" >"$tmp/cz" 2>&1
    check "$name: the served zone loads (named-checkzone)" grep -q '^OK$' "$tmp/cz"
  fi
  get "$bob" "/feeds/$A/suricata/domains.lst"
  check "$name: bob's dataset holds GREEN base64" grep -qx "$(printf "green-$name.example" | base64)" "$tmp/body"

  # An AMBER and a RED indicator more: bob's feeds do not move, alice's do.
  imp amber "amber2-$name.example"
  imp red "red2-$name.example"
  get "$bob" "/feeds/$A/zeek-intel" -H "If-None-Match: $etag_bob"
  check "$name: after an AMBER and a RED indicator more, bob's ETag is the same (304)" test "$status" = 304
  get "$bob" "/feeds/$A/rpz"
  check "$name: bob's RPZ ETag too, though its serial is the time" test "$(hdr ETag)" = "$etag_rpz"
  get "$bob" "/feeds/$A/csv"
  check "$name: bob's CSV ETag too" test "$(hdr ETag)" = "$etag_csv"
  get "$alice" "/feeds/$A/zeek-intel" -H "If-None-Match: $etag_alice"
  check "$name: alice's changes (200, the new AMBER one in it)" test "$status" = 200 -a -n "$(grep "amber2-$name" "$tmp/body")"
  imp green "green2-$name.example"
  get "$bob" "/feeds/$A/zeek-intel" -H "If-None-Match: $etag_bob"
  check "$name: a GREEN indicator more changes bob's (200)" test "$status" = 200 -a -n "$(grep "green2-$name" "$tmp/body")"

  # Collections the asker may not read do not exist for them.
  get "$bob" "/feeds/$B/zeek-intel"
  local hidden=$(cat "$tmp/body")
  check "$name: a collection bob may not read: 404" test "$status" = 404
  get "$bob" "/feeds/no-such-collection/zeek-intel"
  check "$name:   the same 404 as one that does not exist" test "$status" = 404 -a "$(cat "$tmp/body")" = "$hidden"
  get "$eve" "/feeds/$A/zeek-intel"
  check "$name: eve (RED, no grant): 404" test "$status" = 404
  get "$bob" "/feeds/$A/suricata/nope.lst"
  check "$name: a file suricata does not write: 404" test "$status" = 404
  get "$bob" "/feeds/$A/zeek-intel?only=domain-name"
  check "$name: ?only=domain-name" test "$status" = 200 -a -n "$(grep green- "$tmp/body")"
  get "$bob" "/feeds/$A/zeek-intel?only=bogus"
  check "$name: ?only= with a kind that is not one: 400" test "$status" = 400
  status=$(curl -sS -o /dev/null -w '%{http_code}' -X POST -H "Authorization: Bearer $bob" "$url/feeds/$A/zeek-intel")
  check "$name: POST: 405" test "$status" = 405

  # The CLI's export: the operator with clearance GREEN sees what bob sees, in its counts too.
  "$bin" --data "$store" export --collection "$A" --format zeek-intel --max-tlp green \
    >"$tmp/cli" 2>"$tmp/cli.err"
  check "$name: export --max-tlp green: nothing AMBER" test -z "$(grep -E 'amber|red-' "$tmp/cli")"
  check "$name:   and its counts name only what GREEN may see" \
    grep -q 'export: 2 of 2 indicators (2 entries) in zeek-intel' "$tmp/cli.err"
  kill "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
}

suite sqlite "$tmp/data"

if db=$("$cluster_script" start "$pgdir" 2>"$tmp/cluster"); then
  mkdir "$tmp/pgnode"
  "$fixture" "$tmp/pgnode" >"$tmp/vars" || bail "a second fixture could not be created"
  alice=$(var alice); bob=$(var bob); carol=$(var carol); eve=$(var eve); A=$(var A); B=$(var B)
  if "$bin" migrate --from "$tmp/pgnode" --to "$db" >/dev/null 2>>"$tmp/log"; then
    suite postgresql "$db"
  else
    notok "the fixture moves to PostgreSQL"
  fi
else
  n=$((n + 1)); echo "ok $n - PostgreSQL # SKIP cannot be started here: $(tail -n 1 "$tmp/cluster")"
fi

echo "1..$n"
[ $fails = 0 ]
