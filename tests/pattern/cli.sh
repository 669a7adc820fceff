#!/usr/bin/env bash
# cli.sh — `solidarity pattern` check, dump and match: output and exit status.
# $1 is the solidarity binary; SOLIDARITY_TESTS is the tests directory.
S="$1"
T="${SOLIDARITY_TESTS:-$(dirname "$0")/..}"
D="$T/cases/pattern/data"
n=0
fails=0

# expect NAME WANT-STATUS WANT-STDOUT WANT-STDERR -- ARGS...
expect() {
    local name="$1" want_rc="$2" want_out="$3" want_err="$4"
    shift 5
    local out err rc
    out=$("$S" "$@" 2>/tmp/solidarity-pattern-cli.$$)
    rc=$?
    err=$(cat /tmp/solidarity-pattern-cli.$$)
    rm -f /tmp/solidarity-pattern-cli.$$
    n=$((n + 1))
    if [ "$rc" = "$want_rc" ] && [ "$out" = "$want_out" ] && [ "$err" = "$want_err" ]; then
        echo "ok $n - $name"
    else
        echo "not ok $n - $name"
        echo "# status $rc (want $want_rc)"
        echo "# stdout: $out"
        echo "# want:   $want_out"
        echo "# stderr: $err"
        echo "# want:   $want_err"
        fails=$((fails + 1))
    fi
}

expect "check valid" 0 "" "" -- pattern check "[file:name = 'foo.dll']"
expect "check invalid" 2 "" "solidarity: pattern: column 17: expected ']' to close the observation expression opened at column 1" -- pattern check "[file:name = 'a'"
expect "check limit" 2 "" "solidarity: pattern: column 19: REPEATS 5000 is more than the limit of 1000" -- pattern check "[a:b = 1] REPEATS 5000 TIMES" 
expect "check strict warns" 0 "" "solidarity: pattern: warning: column 2: unknown object type 'foo'" -- pattern check --strict "[foo:bar = 1]"
expect "check 2.0 dialect" 0 "" "solidarity: pattern: warning: column 14: comparisons joined by AND apply to a and to c, but one object has one type: this observation expression never matches" -- pattern check --stix-version 2.0 "[a:b = 1 AND c:d = 2]"
expect "check 2.0 dialect strict" 0 "" "solidarity: pattern: warning: column 2: unknown object type 'a'
solidarity: pattern: warning: column 14: unknown object type 'c'
solidarity: pattern: warning: column 14: comparisons joined by AND apply to a and to c, but one object has one type: this observation expression never matches" -- pattern check --strict --stix-version 2.0 "[a:b = 1 AND c:d = 2]"
expect "check 2.0 repeated qualifiers" 0 "" "" -- pattern check --stix-version 2.0 "[a:b = 1] REPEATS 2 TIMES REPEATS 3 TIMES"
expect "check 2.1 repeated qualifiers" 2 "" "solidarity: pattern: column 27: a second REPEATS qualifier: an observation expression may have only one of each type (use parentheses to qualify a qualified expression)" -- pattern check "[a:b = 1] REPEATS 2 TIMES REPEATS 3 TIMES"
expect "check 2.1 same object" 0 "" "solidarity: pattern: warning: column 14: comparisons joined by AND apply to a and to c, but one object has one type: this observation expression never matches (§9.5)" -- pattern check "[a:b = 1 AND c:d = 2]"
expect "check 2.1 same object strict" 2 "" "solidarity: pattern: column 14: comparisons joined by AND must apply to the same object, but this one is about c and an earlier one about a: join them with OR, or use two observation expressions" -- pattern check --strict "[a:b = 1 AND c:d = 2]"
expect "check == strict" 0 "" "solidarity: pattern: warning: column 2: unknown object type 'a'
solidarity: pattern: warning: column 6: '==' is not STIX: write '=' (§9.6.1)" -- pattern check --strict "[a:b == 1]"
expect "dump == <> canonical" 0 "AND
  [ ]
    file:name = 'a'
  [ ]
    file:size != 1" "" -- pattern dump "[file:name == 'a'] AND [file:size <> 1]"
expect "check hash length" 2 "" "solidarity: pattern: column 26: 'f00' is not a valid SHA-256 hash (STIX 2.1 §10.7)" -- pattern check "[file:hashes.'SHA-256' = 'f00']"
expect "bad version" 2 "" "solidarity: pattern: --stix-version takes 2.0 or 2.1, not '3'
(see 'solidarity pattern --help')" -- pattern check --stix-version 3 "[a:b = 1]"
expect "no subcommand" 2 "" "solidarity: pattern: expected check, dump or match
(see 'solidarity pattern --help')" -- pattern
expect "unknown subcommand" 2 "" "solidarity: pattern: unknown subcommand 'frob' (check, dump or match)
(see 'solidarity pattern --help')" -- pattern frob "[a:b = 1]"
expect "dump" 0 "FOLLOWEDBY
  [ ]
    file:hashes.MD5 = 'cead3f77f6cda6ec00f57d76c9a6879f'
  WITHIN 300 SECONDS
    [ ]
      windows-registry-key:key = 'k'" "" -- pattern dump "[file:hashes.MD5 = 'cead3f77f6cda6ec00f57d76c9a6879f'] FOLLOWEDBY [windows-registry-key:key = 'k'] WITHIN 300 SECONDS"
expect "match 2.1 bundle" 0 "observed-data--1
observed-data--3" "" -- pattern match "[file:name LIKE '%.exe']" "$D/bundle21.json"
expect "match none" 1 "" "" -- pattern match "[file:name = 'nothing']" "$D/bundle21.json"
expect "match across files" 0 "observed-data--1
observed-data--9" "" -- pattern match "[file:name = 'a.exe'] FOLLOWEDBY [domain-name:value = 'example.com']" "$D/bundle21.json" "$D/objects20.json"
expect "match 2.0 objects" 0 "observed-data--9" "" -- pattern match "[domain-name:value = 'example.com']" "$D/objects20.json"
expect "match missing file" 2 "" "solidarity: pattern: /nonexistent.json: cannot open: No such file or directory" -- pattern match "[a:b = 1]" /nonexistent.json
expect "match objects and object_refs" 2 "" "solidarity: pattern: $D/both_containers.json: objects[0]: objects and object_refs must not both be present (§4.14)" -- pattern match "[file:name = 'a.exe']" "$D/both_containers.json"
expect "match bad observed-data" 2 "" "solidarity: pattern: $D/bad_observed.json: [0].first_observed: required property missing" -- pattern match "[a:b = 1]" "$D/bad_observed.json"
expect "match without files" 2 "" "solidarity: pattern: match takes a PATTERN and at least one FILE
(see 'solidarity pattern --help')" -- pattern match "[a:b = 1]"
out=$(echo "[file:name = 'x']" | "$S" pattern check - 2>&1); rc=$?
n=$((n + 1)); if [ $rc = 0 ] && [ -z "$out" ]; then echo "ok $n - pattern from stdin"; else echo "not ok $n - pattern from stdin"; fails=$((fails + 1)); fi
out=$("$S" pattern --help); rc=$?
n=$((n + 1)); case "$out" in "usage: solidarity pattern check"*) [ $rc = 0 ] && echo "ok $n - help" || { echo "not ok $n - help"; fails=$((fails + 1)); } ;; *) echo "not ok $n - help"; fails=$((fails + 1)) ;; esac
echo "1..$n"
[ $fails = 0 ]
