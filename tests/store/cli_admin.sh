#!/usr/bin/env bash
# cli_admin.sh — solidarity init, user, partner, token, collection, grant and import:
# exact messages, outputs and exit codes, and the audit trail they leave.
set -u
B=$1
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
D=$T/node
S="$B --data $D"
n=0
ok() {
  n=$((n + 1))
  if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fi
}
# run CMD...: sets rc, out, err
run() {
  out=$("$@" 2>"$T/err" <"${STDIN:-/dev/null}")
  rc=$?
  err=$(cat "$T/err")
}
# expect NAME RC STDOUT STDERR ('*' = anything)
expect() {
  local bad=0
  [ "$rc" = "$2" ] || { echo "# exit $rc, expected $2"; bad=1; }
  if [ "$3" != "*" ] && [ "$out" != "$3" ]; then
    echo "# stdout: $out" | sed '2,$s/^/# /'; echo "# expected: $3" | sed '2,$s/^/# /'; bad=1
  fi
  if [ "$4" != "*" ] && [ "$err" != "$4" ]; then
    echo "# stderr: $err" | sed '2,$s/^/# /'; echo "# expected: $4" | sed '2,$s/^/# /'; bad=1
  fi
  ok $bad "$1"
}

run $S user list
expect "no node yet" 2 "" "solidarity: user: $D: no node here (create one with 'solidarity init', or say where with --data DIR)"

run $S init --name north --partner north-ngo
expect "init" 0 "*" ""
token=$(printf '%s\n' "$out" | tail -n 1)
node_identity=$(printf '%s\n' "$out" | sed -n 's/^identity: //p')
[[ "$token" =~ ^sol_[A-Za-z0-9_-]{43}$ ]]; ok $? "init prints the admin token alone on the last line"
printf '%s\n' "$out" | head -n 5 | sed 's/identity--[0-9a-f-]*/identity--X/' >"$T/head"
printf "node 'north' created in %s\nidentity: identity--X\npartner: north-ngo\nAPI root: /intel/\nadmin user: admin (clearance red)\n" "$D" | diff - "$T/head" >/dev/null
ok $? "init says what it made"
[ "$(stat -c %a "$D")" = 700 ]; ok $? "the data directory is private (0700)"

run $S init
expect "init refuses an existing node" 2 "" "solidarity: init: $D: a node already exists here; refusing to overwrite it"

run $S user partner add acme
[[ "$rc" = 0 && "$out" =~ ^identity--[0-9a-f-]{36}$ ]]; ok $? "partner add prints the new identity"
run $S user partner add acme
expect "partner names are unique" 2 "" "solidarity: user: acme: already exists"
run $S user partner add ngo --identity identity--bbbbbbbb-0000-4000-8000-000000000002
expect "partner add with an explicit identity" 0 "identity--bbbbbbbb-0000-4000-8000-000000000002" ""
run $S user partner add bad --identity nope
expect "partner add refuses a bad identity" 2 "" "solidarity: user: --identity: 'nope' is not an identity id (identity--UUID)
(see 'solidarity user --help')"

run $S user add alice --partner nope
expect "user add needs an existing partner" 2 "" "solidarity: user: nope: no such partner (add it with 'solidarity user partner add nope')"
run $S user add alice
expect "user add needs --partner" 2 "" "solidarity: user: add: --partner P is required (see 'solidarity user partner list')
(see 'solidarity user --help')"
run $S user add bob --partner acme --clearance purple
expect "clearance must be a TLP level" 2 "" "solidarity: user: --clearance: 'purple' is not a TLP level (clear, green, amber, amber+strict, red)
(see 'solidarity user --help')"
run $S user add alice --partner acme --clearance amber
expect "user add" 0 "" ""
run $S user add alice --partner acme
expect "user names are unique" 2 "" "solidarity: user: alice: already exists"
STDIN=/dev/null run $S user add carol --partner ngo --password-stdin
expect "an empty password is refused" 2 "" "solidarity: user: no password on standard input"
echo 's3cret' >"$T/pw"
STDIN=$T/pw run $S user add carol --partner ngo --password-stdin --clearance amber+strict
expect "user add with a password" 0 "" ""
run $S user set alice --clearance red --admin
expect "user set" 0 "" ""
run $S user list
expect "user list" 0 "admin                north-ngo            red           admin
alice                acme                 red           admin
carol                ngo                  amber+strict " ""
run $S --json user list --partner ngo
expect "user list --json --partner" 0 '[{"name":"carol","partner":"ngo","clearance":"amber+strict","admin":false,"password":true}]' ""
run $S user remove nobody
expect "user remove of an unknown user" 1 "" "solidarity: user: nobody: not found"
run $S user partner remove acme
expect "a partner with users stays" 2 "" "solidarity: user: acme: the partner still has users; remove them first"
run $S user partner list
expect "partner list" 0 "*" ""
[ "$(printf '%s\n' "$out" | awk '{print $1}' | tr '\n' ' ')" = "acme ngo north-ngo " ]; ok $? "partner list names them all, sorted"

run $S collection add
expect "collection add needs a title" 2 "" "solidarity: collection: add: --title T is required
(see 'solidarity collection --help')"
run $S collection add --title X --id 1234
expect "collection ids are UUIDs" 2 "" "solidarity: collection: --id: '1234' is not a UUID
(see 'solidarity collection --help')"
run $S collection add --title X --default-tlp rouge
expect "default TLP must be a level" 2 "" "solidarity: collection: --default-tlp: 'rouge' is not a TLP level (clear, green, amber, amber+strict, red)
(see 'solidarity collection --help')"
run $S collection add --id 6B0F3C3A-1111-4222-8333-444455556666 --title "Spyware feed" --alias feed --default-tlp green
expect "collection add with an explicit id (mirroring)" 0 "6b0f3c3a-1111-4222-8333-444455556666" ""
run $S collection add --id 6b0f3c3a-1111-4222-8333-444455556666 --title again
expect "collection ids are unique" 2 "" "solidarity: collection: 6b0f3c3a-1111-4222-8333-444455556666: a collection with this id exists already"
run $S collection add --title other --alias feed
expect "aliases are unique in an API root" 2 "" "solidarity: collection: feed: the alias is taken in API root intel"
run $S collection add --title other --api-root nowhere
expect "the API root must exist" 2 "" "solidarity: collection: nowhere: no such API root"
run $S collection add --title "Second" --description "for tests"
expect "collection add makes a UUIDv4" 0 "*" ""
second=$out
[[ "$second" =~ ^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$ ]]; ok $? "the new id is a UUIDv4"
run $S collection list
expect "collection list" 0 "6b0f3c3a-1111-4222-8333-444455556666 intel    feed         green                0 Spyware feed
$second intel    -            amber                0 Second" ""

run $S collection root add partners --title "Partner feeds" --max-content-length 1048576
expect "collection root add" 0 "" ""
run $S collection root add partners --title again
expect "API root names are unique" 2 "" "solidarity: collection: partners: the API root exists already"
run $S collection root add taxii2 --title x
expect "an API root may not shadow discovery" 2 "" "solidarity: collection: root add: 'taxii2' is not a usable API root name (lower-case letters, digits, '-', '_' and '.'; not taxii2 or api)
(see 'solidarity collection --help')"
run $S collection root list
expect "collection root list" 0 "/intel/ 104857600 north *
/partners/ 1048576 Partner feeds" ""

run $S grant read feed --partner ngo
expect "grant read to a partner" 0 "" ""
run $S grant readwrite feed --user carol
expect "grant readwrite to a user" 0 "" ""
run $S grant write feed --partner ngo --user carol
expect "grant needs one of --partner and --user" 2 "" "solidarity: grant: say either --partner P or --user U
(see 'solidarity grant --help')"
run $S grant read nowhere --partner ngo
expect "grant on an unknown collection" 1 "" "solidarity: grant: nowhere: not found"
run $S grant read feed --user nobody
expect "grant to an unknown user" 1 "" "solidarity: grant: nobody: not found"
run $S grant list feed
expect "grant list" 0 "6b0f3c3a-1111-4222-8333-444455556666 read      partner ngo
6b0f3c3a-1111-4222-8333-444455556666 readwrite user    carol" ""
run $S grant revoke write feed --user carol
expect "grant revoke" 0 "" ""
run $S grant revoke all feed --partner acme
expect "revoking what was never granted" 1 "" "solidarity: grant: acme has no grant on feed"
run $S --json grant list
expect "grant list --json" 0 '[{"collection":"6b0f3c3a-1111-4222-8333-444455556666","partner":"ngo","read":true,"write":false},{"collection":"6b0f3c3a-1111-4222-8333-444455556666","user":"carol","read":true,"write":false}]' ""

run $S token issue carol --name ci
[[ "$rc" = 0 && "$out" =~ ^sol_[A-Za-z0-9_-]{43}$ && "$err" = "token 2 for carol (shown only now; keep it safe):" ]]
ok $? "token issue prints the token alone on stdout"
run $S token issue nobody
expect "token issue for an unknown user" 1 "" "solidarity: token: nobody: not found"
run $S token revoke 2
expect "token revoke" 0 "" ""
run $S token revoke 99
expect "token revoke of an unknown token" 1 "" "solidarity: token: token 99: not found"
run $S token revoke x
expect "token ids are numbers" 2 "" "solidarity: token: revoke: 'x' is not a token id
(see 'solidarity token --help')"
run $S token list carol
[[ "$rc" = 0 && "$out" =~ ^2\ +carol\ +ci\ +[0-9T:Z-]+\ +-\ +revoked$ ]]; ok $? "token list shows the revoked token"

# import
ind() { # id-suffix modified [extra]
  printf '{"type":"indicator","spec_version":"2.1","id":"indicator--%s","created":"2020-01-01T00:00:00.000Z","modified":"%s","pattern":"[ipv4-addr:value = '"'"'10.0.0.1'"'"']","pattern_type":"stix","valid_from":"2020-01-01T00:00:00Z"%s}' "$1" "$2" "${3:-}"
}
{
  printf '{"type":"bundle","id":"bundle--6d3b5f8a-3c2e-4b8e-9a4e-4f2b8a2c1d00","objects":['
  ind 11111111-1111-4111-8111-111111111111 2020-01-01T00:00:00.000Z; printf ','
  ind 22222222-2222-4222-8222-222222222222 2020-01-01T00:00:00.000Z; printf ','
  printf '{"type":"indicator","id":"indicator--33333333-3333-4333-8333-333333333333","spec_version":"2.1"}'
  printf ']}'
} >"$T/b.json"
run $S import "$T/b.json"
expect "import needs a collection when there are several" 2 "" "solidarity: import: the node has 2 collections: say which with --collection"
run $S import --collection feed "$T/b.json"
expect "import reports each rejection and sums up" 1 "" "solidarity: import: $T/b.json: objects[2] (indicator--33333333-3333-4333-8333-333333333333): created: required property missing (and 4 more errors)
stored 2, already held 0, rejected 1"
run $S import --collection feed --ack "$T/b.json"
expect "import again: held, not duplicated" 1 "committed 2" "solidarity: import: $T/b.json: objects[2] (indicator--33333333-3333-4333-8333-333333333333): created: required property missing (and 4 more errors)
stored 0, already held 2, rejected 1"
printf '[%s]' "$(ind 44444444-4444-4444-8444-444444444444 2021-01-01T00:00:00.000Z)" >"$T/list.json"
run $S --json import --collection 6b0f3c3a-1111-4222-8333-444455556666 "$T/list.json"
expect "import --json" 0 '{"rejections":[],"notes":[],"stored":1,"held":0,"rejected":0,"junk":0,"unmapped":0,"warninglisted":0,"refused":0,"collection":"6b0f3c3a-1111-4222-8333-444455556666"}' ""
printf '{"type":' >"$T/bad.json"
run $S import --collection feed "$T/bad.json" "$T/list.json"
expect "a file that is not JSON: exit 2, the others still go in" 2 "" "solidarity: import: $T/bad.json: line 1, column 9: unexpected end of input
stored 0, already held 1, rejected 0"
STDIN=$T/list.json run $S import --collection feed -q -
expect "import from standard input, quietly" 0 "" ""
run $S import --collection nowhere "$T/list.json"
expect "import into an unknown collection" 2 "" "solidarity: import: nowhere: no such collection"
run $S import --collection feed --format zeek-intel "$T/list.json"
expect "import of a format the node only writes" 2 "" "solidarity: import: --format: 'zeek-intel' is not a format this node reads (stix, misp, list, csv, warninglist)
(see 'solidarity import --help')"
run $S import --collection feed
expect "import without files" 2 "" "solidarity: import: no input files (use '-' for standard input)
(see 'solidarity import --help')"
if command -v script >/dev/null; then
  # On a terminal (script(1) gives it one), a progress bar, cleared before the summary.
  bar=$(script -qc "$S import --collection feed $T/b.json" /dev/null | tr -d '\r')
  [[ "$bar" == *"b.json [##############################] 3/3"*$'\033[K'*"stored 0, already held 2, rejected 1"* ]]
  ok $? "a progress bar on a terminal"
else
  n=$((n + 1)); echo "ok $n - progress bar # SKIP script(1) not installed"
fi
run $S collection list
[[ "$out" == *"feed         green                3 Spyware feed"* ]]; ok $? "the collection holds the three valid objects"

if command -v sqlite3 >/dev/null; then
  got=$(sqlite3 "$D/store.db" "SELECT action FROM audit ORDER BY seq" | sort | uniq -c | awk '{print $2":"$1}' | tr '\n' ' ')
  want="api_root.add:1 collection.add:2 grant.add:2 grant.revoke:1 node.init:1 objects.add:2 partner.add:2 token.issue:1 token.revoke:1 user.add:2 user.set:1 "
  [ "$got" = "$want" ] || echo "# audit: $got"
  [ "$got" = "$want" ]; ok $? "every change is in the audit log, once"
else
  n=$((n + 1)); echo "ok $n - audit log # SKIP sqlite3 not installed"
fi

RED=marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1
ind 55555555-5555-4555-8555-555555555555 2021-01-01T00:00:00.000Z ",\"object_marking_refs\":[\"$RED\"]" >"$T/red.json"
run $S import --collection feed --recipient identity--bbbbbbbb-0000-4000-8000-000000000002 "$T/red.json"
expect "import of a TLP:RED object" 0 "" "stored 1, already held 0, rejected 0"
if command -v sqlite3 >/dev/null; then
  got=$(sqlite3 "$D/store.db" "SELECT tlp || ' ' || red_recipients FROM objects WHERE id = 'indicator--55555555-5555-4555-8555-555555555555'")
  [ "$got" = "5 identity--bbbbbbbb-0000-4000-8000-000000000002,$node_identity" ] || echo "# got: $got"
  [ "$got" = "5 identity--bbbbbbbb-0000-4000-8000-000000000002,$node_identity" ]
  ok $? "TLP:RED goes to the named recipients and the node's own organisation"
else
  n=$((n + 1)); echo "ok $n - RED recipients # SKIP sqlite3 not installed"
fi

run $S user remove carol
expect "user remove" 0 "" ""
run $S grant list
expect "a removed user's grants go with them" 0 "6b0f3c3a-1111-4222-8333-444455556666 read      partner ngo" ""
run $S collection remove feed
expect "collection remove" 0 "" ""
run $S collection remove feed
expect "collection remove of an unknown one" 1 "" "solidarity: collection: feed: not found"
run $S grant list
expect "a removed collection's grants go with it" 0 "" ""

# issue #10, finding 7: init in a directory someone else made (0755, files 0644) makes it and
# everything in it owner-only; serve refuses a store other users may read.
E=$T/existing
mkdir -m 755 "$E"
touch "$E/notes.txt" && chmod 644 "$E/notes.txt"
(umask 022 && $B --data "$E" init --name east >/dev/null 2>"$T/err")
ok $? "init in an existing directory"
[ "$(stat -c %a "$E")" = 700 ]; ok $? "that directory is made owner-only (0700)"
modes=$(cd "$E" && stat -c '%n %a' * | sort | tr '\n' ' ')
[ "$(cd "$E" && find . -mindepth 1 -perm /077 | wc -l)" = 0 ]; ok $? "and everything in it ($modes)"
[ -f "$E/store.db" ] && [ "$(stat -c %a "$E/store.db")" = 600 ]; ok $? "the store is 0600"
chmod o+r "$E/store.db"
run timeout 10 $B --data "$E" serve --listen 127.0.0.1:0
expect "serve refuses a store other users may read" 2 "" "solidarity: serve: $E/store.db is open to other users (mode 0604): every object, TLP:RED included, and the node's keys would be; refusing to serve it (make the data directory owner-only: chmod -R go= DIR)"
chmod o-r "$E/store.db" && chmod o+x "$E"
run timeout 10 $B --data "$E" serve --listen 127.0.0.1:0
expect "or a data directory they may enter" 2 "" "solidarity: serve: $E is open to other users (mode 0701): every object, TLP:RED included, and the node's keys would be; refusing to serve it (make the data directory owner-only: chmod -R go= DIR)"

# issue #10, finding 8: a collection's policy for objects whose provenance fails
run $B --data "$E" collection add --title Inbox --alias inbox --unverified quarantine
expect "collection add --unverified quarantine" 0 "*" ""
run $B --data "$E" collection list
printf '%s\n' "$out" | grep -q " quarantine-inbox  *red  *0 quarantine of collection inbox (not scanned, not shared): objects whose provenance failed$"
ok $? "it has its quarantine collection, TLP:RED by default"
run $B --data "$E" collection set inbox --unverified refuse
expect "collection set --unverified refuse" 0 "" ""
run $B --data "$E" collection set inbox --unverified accept
expect "accept is no policy for what failed" 2 "" "solidarity: collection: --unverified: 'accept' is not refuse or quarantine
(see 'solidarity collection --help')"
run $B --data "$E" collection set nowhere --unverified refuse
expect "collection set of an unknown one" 1 "" "solidarity: collection: nowhere: not found"

echo "1..$n"
