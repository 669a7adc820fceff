#!/usr/bin/env bash
# peer_secrets.sh — peer add takes a partner's token or password from a file, standard
# input or the environment, never from the command line (where the process list and the
# shell's history would show it), and keeps it; the old --token and --password are refused.
# Usage: peer_secrets.sh SOLIDARITY-BINARY
set -u
umask 077
bin=$1
tmp=$(mktemp -d /tmp/sol-secrets-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
n=0 fails=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
notok() { n=$((n + 1)); fails=$((fails + 1)); echo "not ok $n - $1"; sed 's/^/# /' "$tmp/err" 2>/dev/null | tail -n 5; }
check() { local d=$1; shift; if "$@"; then ok "$d"; else notok "$d"; fi; }
sol() { "$bin" --data "$tmp/d" "$@" >"$tmp/out" 2>"$tmp/err"; }
command -v sqlite3 >/dev/null || { echo "1..0 # SKIP sqlite3 is not installed"; exit 0; }

"$bin" --data "$tmp/d" init >/dev/null 2>&1 || { echo "Bail out! init"; exit 1; }
add() { sol peer add "$1" https://partner.example/ --api-root intel --collection c1 --pull "${@:2}"; }
secret() { sqlite3 "$tmp/d/store.db" "SELECT coalesce(token,'') || '|' || coalesce(json_extract(config_json,'$.password'),'') FROM peers WHERE name='$1'"; }

add p1 --token sol_secret_on_argv
check "--token on the command line: refused (exit 2)" test $? = 2
check "saying what to use instead" grep -q -- "--token: a secret is not given on the command line: use --token-file FILE" "$tmp/err"
add p1 --user u --password hunter2
check "--password on the command line: refused (exit 2)" test $? = 2
printf 'sol_from_file\n' >"$tmp/token"
add p1 --token-file "$tmp/token"
check "--token-file: the token is kept, without its newline" test "$(secret p1)" = "sol_from_file|"
printf 'sol_from_stdin\r\n' | sol peer add p2 https://partner.example/ --api-root intel --collection c1 --pull --token-file -
check "--token-file -: from standard input" test "$(secret p2)" = "sol_from_stdin|"
SOLIDARITY_PEER_TOKEN=sol_from_env add p3
check "\$SOLIDARITY_PEER_TOKEN" test "$(secret p3)" = "sol_from_env|"
printf 'pw from file\n' >"$tmp/pw"
add p4 --user syncer --password-file "$tmp/pw"
check "--user with --password-file" test "$(secret p4)" = "|pw from file"
SOLIDARITY_PEER_PASSWORD=pw-env add p5 --user syncer
check "--user with \$SOLIDARITY_PEER_PASSWORD" test "$(secret p5)" = "|pw-env"
add p6 --user syncer
check "--user without a password: exit 2" test $? = 2
: >"$tmp/empty"
add p7 --token-file "$tmp/empty"
check "an empty token file: exit 2" test $? = 2
check "saying so" grep -q -- "--token-file: the secret is empty" "$tmp/err"
add p8 --token-file "$tmp/missing"
check "a token file that is not there: exit 2, naming it" grep -q "$tmp/missing: cannot open" "$tmp/err"
sol peer list
check "peer list shows no secret" bash -c "! grep -q 'sol_from\|pw from' '$tmp/out'"
echo "1..$n"
[ $fails = 0 ]
