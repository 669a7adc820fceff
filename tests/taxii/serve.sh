#!/usr/bin/env bash
# serve.sh — `solidarity serve` over real HTTP: start it on a free loopback port with a
# temporary store (the transcripts' fixture), then curl every kind of request,
# concurrent POSTs and GETs (nothing lost, nothing duplicated), TLS, the plain-HTTP
# refusal, and a clean stop on SIGTERM. The server is always killed at the end.
# Usage: serve.sh SOLIDARITY-BINARY   (env SOLIDARITY_BUILD: the build directory)
set -u
umask 077 # serve refuses a store other users may read
bin=$1
build=${SOLIDARITY_BUILD:-$(dirname "$bin")}
fixture=$build/tests/taxii/taxii_fixture
tmp=$(mktemp -d /tmp/sol-serve-XXXXXX)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null; done
  rm -rf "$tmp"
}
trap cleanup EXIT

n=0
fails=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
notok() {
  n=$((n + 1)); fails=$((fails + 1)); echo "not ok $n - $1"
  [ -f "$tmp/body" ] && echo "# status $status: $(head -c 600 "$tmp/body")"
}
check() { local d=$1; shift; if "$@"; then ok "$d"; else notok "$d"; fi; }
bail() { echo "not ok $((n + 1)) - $1"; echo "1..$((n + 1))"; exit 1; }

command -v curl >/dev/null || { echo "1..0 # SKIP curl is not installed"; exit 0; }
command -v python3 >/dev/null || { echo "1..0 # SKIP python3 is not installed"; exit 0; }
[ -x "$fixture" ] || bail "no fixture tool at $fixture"

mkdir "$tmp/data"
"$fixture" "$tmp/data" >"$tmp/vars" || bail "the fixture could not be created"
var() { sed -n "s/^$1=//p" "$tmp/vars"; }
alice=$(var alice); bob=$(var bob); admin=$(var admin); carol=$(var carol)
A=$(var A); S=$(var S)

# start BIN ARGS...: run serve in the background, wait for its URL on stdout.
start() {
  local out=$tmp/out.$RANDOM
  "$bin" --data "$tmp/data" serve "$@" >"$out" 2>>"$tmp/log" &
  pids+=($!)
  server_pid=$!
  for _ in $(seq 100); do
    if [ -s "$out" ]; then url=$(head -n 1 "$out"); url=${url%/}; return 0; fi
    kill -0 "$server_pid" 2>/dev/null || return 1
    sleep 0.1
  done
  return 1
}

# req METHOD PATH [CURL-ARGS...]: body in $tmp/body, headers in $tmp/hdr, $status.
req() {
  local m=$1 p=$2; shift 2
  status=$(curl -sS -k -o "$tmp/body" -D "$tmp/hdr" -w '%{http_code}' -X "$m" \
    -H 'Accept: application/taxii+json;version=2.1' "$@" "$url$p" 2>"$tmp/curlerr")
}
hdr() { grep -i "^$1:" "$tmp/hdr" | head -n 1 | cut -d' ' -f2- | tr -d '\r'; }
js() { python3 -c "import json,sys; d=json.load(open('$tmp/body')); print(eval(sys.argv[1]))" "$1"; }
post() {
  req POST "$1" -H "Authorization: Bearer $2" \
    -H 'Content-Type: application/taxii+json;version=2.1' --data-binary "@$3"
}
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
# all_ids TOKEN LIMIT: page through collection A with next, one id per line
all_ids() {
  local next="" pages=0
  : >"$tmp/ids"
  while :; do
    req GET "/intel/collections/$A/objects/?limit=$2${next:+&next=$next}" \
      -H "Authorization: Bearer $1"
    [ "$status" = 200 ] || return 1
    python3 -c "
import json; d=json.load(open('$tmp/body'))
for o in d.get('objects', []): print(o['id'])" >>"$tmp/ids"
    next=$(js "d.get('next','')")
    [ "$(js "d.get('more')")" = True ] || break
    [ -n "$next" ] || return 1
    pages=$((pages + 1)); [ $pages -lt 2000 ] || return 1
  done
}

start --listen 127.0.0.1:0 || bail "serve did not start: $(cat "$tmp/log")"
main_pid=$server_pid
main_url=$url
ok "serve starts on a free loopback port ($url)"

req GET /
check "GET / is the placeholder page" test "$status" = 200
check "it links discovery" grep -q 'href="/taxii2/"' "$tmp/body"
req GET /healthz
check "GET /healthz is 200" test "$status" = 200
req GET /taxii2/
check "discovery is public: 200" test "$status" = 200
check "discovery has the exact TAXII Content-Type" \
  test "$(hdr Content-Type)" = "application/taxii+json;version=2.1"
check "discovery lists /intel/" test "$(js "d['api_roots'][0]")" = /intel/
req GET /intel/
check "the API root without credentials: 401" test "$status" = 401
check "with a WWW-Authenticate challenge" test -n "$(hdr WWW-Authenticate)"
check "the 401 is a TAXII error" test "$(js "d['http_status']")" = 401
req GET /intel/ -H "Authorization: Bearer sol_wrong"
check "a wrong token: 401" test "$status" = 401
req GET /intel/ -H "Authorization: Token $alice"
check "the API root with a token: 200" test "$status" = 200
status=$(curl -sS -o "$tmp/body" -w '%{http_code}' -H 'Accept: application/taxii+json;version=2.0' \
  -H "Authorization: Token $alice" "$url/intel/")
check "a TAXII 2.0 Accept: 406" test "$status" = 406
status=$(curl -sS -o "$tmp/body" -w '%{http_code}' -H 'Accept: application/taxii+json;version=2.0' \
  -H 'Accept: application/taxii+json;version=2.1' -H "Authorization: Token $alice" "$url/intel/")
check "two Accept fields are one list: 200" test "$status" = 200
req GET /intel/ -H "Authorization: Basic $(var basic_bob)"
check "Basic credentials: 200" test "$status" = 200
req GET /intel/ -H "Authorization: Basic $(var basic_bob)"
check "Basic credentials again: 200" test "$status" = 200
req GET /metrics -H "Authorization: Bearer $admin"
check "the second Basic login is remembered, its password not checked again" \
  grep -qx 'solidarity_login_remembered_total 1' "$tmp/body"
# Failed logins: 10 from one address are answered 401, then 429 with Retry-After, and
# no password is checked (access.h); a remembered login and tokens go on working.
for i in $(seq 10); do
  req GET /intel/ -H "Authorization: Basic $(printf 'bob:wrong%d' "$i" | base64)"
done
check "ten wrong passwords: 401" test "$status" = 401
req GET /intel/ -H "Authorization: Basic $(printf 'mallory:guess' | base64)"
check "the eleventh from the same address: 429" test "$status" = 429
check "with a Retry-After in seconds" grep -Eq '^[1-9][0-9]*$' <<<"$(hdr Retry-After)"
check "the 429 is a TAXII error" test "$(js "d['http_status']")" = 429
req GET /metrics -H "Authorization: Bearer $admin"
check "the refused attempt was not checked" \
  grep -qx 'solidarity_login_refused_total{reason="failures"} 1' "$tmp/body"
req GET /intel/ -H "Authorization: Basic $(var basic_bob)"
check "bob's remembered login still works: 200" test "$status" = 200
req GET /intel/ -H "Authorization: Token $alice"
check "tokens are not limited: 200" test "$status" = 200

bundle "$tmp/b1.json" 5 first
post "/intel/collections/$A/objects/" "$alice" "$tmp/b1.json"
check "POST an envelope: 202" test "$status" = 202
sid=$(js "d['id']")
check "the status says 5 successes" test "$(js "d['success_count']")" = 5
req GET "/intel/status/$sid/" -H "Authorization: Bearer $alice"
check "polling the status: complete" test "$(js "d['status']")" = complete
# The curl example of solidarity-serve(1) works as written (its -g keeps curl from
# reading the brackets of match[...] as a range of URLs).
man=$(dirname "$0")/../../docs/solidarity-serve.1
if [ -f "$man" ]; then
  sed -n '/^curl /,/[^e]$/p' "$man" | sed -e 's/\\-/-/g' -e 's/\\e$/\\/' \
    -e "s|TOKEN|$alice|; s|ID|$A|; s|http://127.0.0.1:8400|$url|" >"$tmp/example.sh"
  (cd "$tmp" && bash example.sh >"$tmp/body" 2>"$tmp/curlerr")
  check "the man page's curl example with match[type] runs and gets the indicators" \
    test "$(js "len(d['objects'])")" = 5
fi
post "/intel/collections/$A/objects/" "$alice" "$tmp/b1.json"
check "re-POSTing the same objects: 202, all successes" test "$(js "d['success_count']")" = 5
post "/intel/collections/$A/objects/" "$bob" "$tmp/b1.json"
check "POST by a reader: 403" test "$status" = 403
req POST "/intel/collections/$A/objects/" -H "Authorization: Bearer $alice" \
  -H 'Content-Type: application/json' --data-binary "@$tmp/b1.json"
check "POST as application/json: 415" test "$status" = 415
post "/small/collections/$S/objects/" "$alice" "$tmp/b1.json"
check "POST over the API root's max_content_length: 413" test "$status" = 413
check "the 413 is a TAXII error" test "$(js "d['http_status']")" = 413

req GET "/intel/collections/$A/objects/?limit=2" -H "Authorization: Bearer $alice"
check "a page of 2: 200" test "$status" = 200
check "it has X-TAXII-Date-Added-First" test -n "$(hdr X-TAXII-Date-Added-First)"
check "it has X-TAXII-Date-Added-Last" test -n "$(hdr X-TAXII-Date-Added-Last)"
check "more is true" test "$(js "d['more']")" = True
all_ids "$alice" 2
check "paging with next: 5 objects, each once" \
  test "$(wc -l <"$tmp/ids")" = 5 -a "$(sort -u "$tmp/ids" | wc -l)" = 5
first=$(head -n 1 "$tmp/ids")
req GET "/intel/collections/$A/manifest/?match%5Bid%5D=$first" -H "Authorization: Bearer $alice"
check "the manifest with a percent-encoded match[id]" test "$(js "len(d['objects'])")" = 1
req DELETE "/intel/collections/$A/objects/$first/" -H "Authorization: Bearer $alice"
check "DELETE an object: 200" test "$status" = 200
req GET "/intel/collections/$A/objects/$first/" -H "Authorization: Bearer $alice"
check "then GET it: 404" test "$status" = 404
req DELETE "/intel/collections/$A/objects/$first/" -H "Authorization: Bearer $bob"
check "DELETE by a reader: 403" test "$status" = 403
req PUT "/intel/collections/$A/objects/" -H "Authorization: Bearer $alice"
check "PUT: 405 with Allow" test "$status" = 405 -a "$(hdr Allow)" = "GET, HEAD, POST"
hstatus=$(curl -sS -I -o "$tmp/hhdr" -w '%{http_code}' -H "Authorization: Bearer $alice" \
  "$url/intel/collections/$A/objects/?limit=2")
check "HEAD on objects: 200 with the X-TAXII headers and no body" \
  test "$hstatus" = 200 -a -n "$(grep -i '^X-TAXII-Date-Added-Last:' "$tmp/hhdr")"
req GET "/intel/collections/$A/objects/?next=forged" -H "Authorization: Bearer $alice"
check "a forged next: 400" test "$status" = 400
req GET "/intel/collections/$A/objects/" -H "Authorization: Bearer $carol"
check "carol (CLEAR) does not see TLP:GREEN objects" test "$(js "len(d.get('objects', []))")" = 0
status=$(curl -sS -o "$tmp/body" -w '%{http_code}' -H "X-Big: $(head -c 70000 /dev/zero | tr '\0' a)" \
  "$url/taxii2/")
check "header fields over 64 KiB: 431 ($status)" test "$status" = 431
check "the 431 is a TAXII error" test "$(js "d['http_status']")" = 431
req GET /taxii2/
check "and the server still answers" test "$status" = 200

# Raw sockets: a body declared over the cap is refused before it is sent, and clients
# that stall mid-request do not hold up the others.
port=${url##*:}
python3 - "$port" "$alice" "$A" >"$tmp/raw" 2>&1 <<'PY'
import socket, sys, time
port, token, col = int(sys.argv[1]), sys.argv[2], sys.argv[3]
s = socket.create_connection(("127.0.0.1", port), timeout=10)
s.sendall(("POST /intel/collections/%s/objects/ HTTP/1.1\r\nHost: x\r\n"
           "Authorization: Bearer %s\r\nContent-Type: application/taxii+json;version=2.1\r\n"
           "Content-Length: 999999999999\r\n\r\n" % (col, token)).encode())
print("early", s.recv(4096).split(b"\r\n")[0].decode())
s.close()
stalled = []
for i in range(20):
    c = socket.create_connection(("127.0.0.1", port), timeout=10)
    c.sendall(b"GET /taxii2/ HTTP/1.1\r\nHost: x\r\nX-Slow: ")
    stalled.append(c)
t = time.time()
c = socket.create_connection(("127.0.0.1", port), timeout=10)
c.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
print("others", c.recv(4096).split(b"\r\n")[0].decode(), "%.1f" % (time.time() - t))
PY
check "a body declared over the cap gets 413 before it is sent" grep -q '^early HTTP/1.1 413' "$tmp/raw"
check "20 stalled clients do not hold up another request ($(grep ^others "$tmp/raw"))" grep -q '^others HTTP/1.1 200 OK 0\.' "$tmp/raw"

# Concurrency: 4 writers post 10 envelopes of 5 objects each while 2 readers page.
for w in 1 2 3 4; do bundle "$tmp/w$w.json" 5 "w$w"; done
for w in 1 2 3 4; do
  (
    for i in $(seq 10); do
      python3 - "$tmp/w$w.json" "$tmp/w$w.$i.json" <<'PY'
import json, sys, uuid
d = json.load(open(sys.argv[1]))
for o in d["objects"]:
    o["id"] = "indicator--" + str(uuid.uuid4())
json.dump(d, open(sys.argv[2], "w"))
PY
      code=$(curl -sS -o /dev/null -w '%{http_code}' -X POST \
        -H "Authorization: Bearer $alice" -H 'Accept: application/taxii+json;version=2.1' \
        -H 'Content-Type: application/taxii+json;version=2.1' \
        --data-binary "@$tmp/w$w.$i.json" "$url/intel/collections/$A/objects/")
      echo "$code" >>"$tmp/codes.$w"
    done
  ) &
done
for r in 1 2; do
  (
    for i in $(seq 15); do
      curl -sS -o /dev/null -w '%{http_code}\n' -H "Authorization: Bearer $bob" \
        "$url/intel/collections/$A/objects/?limit=7" >>"$tmp/rcodes.$r"
    done
  ) &
done
wait $(jobs -p | grep -v "^$main_pid\$") 2>/dev/null
check "40 concurrent POSTs: all 202" test "$(cat "$tmp"/codes.* | grep -c '^202$')" = 40
check "30 concurrent GETs: all 200" test "$(cat "$tmp"/rcodes.* | grep -c '^200$')" = 30
all_ids "$admin" 7
check "after them: 204 objects by paging, none lost, none twice" \
  test "$(wc -l <"$tmp/ids")" = 204 -a "$(sort -u "$tmp/ids" | wc -l)" = 204

req GET /metrics -H "Authorization: Bearer $admin"
check "/metrics counts requests by status" grep -q 'solidarity_http_requests_total{code="202"}' "$tmp/body"
req GET /metrics
check "/metrics without credentials: 401" test "$status" = 401
req GET /metrics -H "Authorization: Bearer $alice"
check "/metrics for someone who is not an admin: 403 (access.h: every door asks who asks)" test "$status" = 403
check "the request log names method, path and status" grep -q '^GET /intel/ 401 ' "$tmp/log"

# Discovery (TAXII 2.1 §4.1) from the node's settings, read at each discovery, so that
# every serve of the node says the same: a public URL (behind a reverse proxy) makes the
# URLs absolute, and the default API root is the node's.
sol_cfg() { "$bin" --data "$tmp/data" "$@" >"$tmp/cfg.out" 2>"$tmp/cfg.err"; }
sol_cfg serve config public-url https://cti.example.org/taxii
check "serve config public-url" test $? = 0
sol_cfg serve config title "Example CERT" && sol_cfg serve config contact "cert@example.org" &&
  sol_cfg collection root default small
check "serve config title, contact; collection root default" test $? = 0
req GET /taxii2/
check "discovery's title from the node" test "$(js "d['title']")" = "Example CERT"
check "discovery's contact from the node" test "$(js "d['contact']")" = "cert@example.org"
check "discovery's default is the node's default root, under the public URL" \
  test "$(js "d['default']")" = https://cti.example.org/taxii/small/
check "discovery lists absolute URLs under the public URL" \
  test "$(js "','.join(d['api_roots'])")" = https://cti.example.org/taxii/intel/,https://cti.example.org/taxii/small/
sol_cfg serve config public-url ftp://cti.example.org/
check "a public URL that is not http(s) is refused (exit 2)" test $? = 2
check "saying why" grep -q "'ftp://cti.example.org/' is not a public URL" "$tmp/cfg.err"
sol_cfg serve config
check "serve config shows the settings" grep -qx "$(printf 'public-url\thttps://cti.example.org/taxii/')" "$tmp/cfg.out"
# The options of one serve override the node's settings, for that process.
if start --listen 127.0.0.1:0 --quiet --public-url http://proxy.example:8080 --title "From a flag"; then
  req GET /taxii2/
  check "--public-url and --title for one process" \
    test "$(js "d['title'] + ' ' + d['default']")" = "From a flag http://proxy.example:8080/small/"
  kill "$server_pid"
else
  notok "serve with --public-url did not start: $(tail -n 3 "$tmp/log")"
fi
url=$main_url
sol_cfg serve config public-url --unset
req GET /taxii2/
check "without a public URL, relative URLs again" test "$(js "d['default']")" = /small/
# Every API root can go when it holds no collection; the default that named it goes too.
sol_cfg collection root remove intel
check "an API root with collections is not removed (exit 2)" test $? = 2
check "saying what to do" grep -q "intel: the API root holds collections; remove them first" "$tmp/cfg.err"
sol_cfg collection root add spare --title Spare && sol_cfg collection root default spare &&
  sol_cfg collection root remove spare
check "an empty API root, the default, is removed" test $? = 0
req GET /taxii2/
check "discovery no longer lists it, and names another default" \
  test "$(js "d['default'] + ' ' + ','.join(d['api_roots'])")" = "/intel/ /intel/,/small/"


# The intel root that init makes is an API root like another: removable while empty.
"$bin" --data "$tmp/fresh" init >/dev/null 2>>"$tmp/log"
"$bin" --data "$tmp/fresh" collection root remove intel 2>>"$tmp/log"
check "init's intel root, empty, is removed" test $? = 0
"$bin" --data "$tmp/fresh" collection add --title x >/dev/null 2>"$tmp/cfg.err"
check "then a collection needs a root first (exit 2)" test $? = 2
check "saying so" grep -q "the node has no API root" "$tmp/cfg.err"
"$bin" --data "$tmp/fresh" collection root add feeds --title Feeds 2>>"$tmp/log" &&
  "$bin" --data "$tmp/fresh" collection add --title x >/dev/null 2>>"$tmp/log" &&
  "$bin" --data "$tmp/fresh" collection list >"$tmp/cfg.out" 2>>"$tmp/log"
check "and goes into the node's only root" grep -q "feeds" "$tmp/cfg.out"
# No plain HTTP on a non-loopback address without --allow-plain-http.
"$bin" --data "$tmp/data" serve --listen 0.0.0.0:0 >/dev/null 2>"$tmp/refuse"
rc=$?
check "plain HTTP on 0.0.0.0 is refused (exit 2)" test $rc = 2
check "with a reason" grep -q 'refusing to serve plain HTTP on the non-loopback address 0.0.0.0:0' "$tmp/refuse"

if command -v openssl >/dev/null; then
  openssl req -x509 -newkey rsa:2048 -nodes -subj /CN=localhost -days 1 \
    -keyout "$tmp/key.pem" -out "$tmp/cert.pem" 2>/dev/null
  if start --listen 127.0.0.1:0 --tls-cert "$tmp/cert.pem" --tls-key "$tmp/key.pem" --quiet; then
    check "with --tls-cert the URL is https" test "${url%%:*}" = https
    req GET /intel/ -H "Authorization: Bearer $alice"
    check "TAXII over TLS: 200" test "$status" = 200
    code=$(curl -sk --tls-max 1.2 --ciphers AES128-SHA -o /dev/null -w '%{http_code}' "$url/healthz")
    check "a TLS 1.2 CBC suite (RFC 7540 blacklist) is refused" test "$code" = 000
    code=$(curl -sk --tls-max 1.1 -o /dev/null -w '%{http_code}' "$url/healthz")
    check "TLS 1.1 is refused" test "$code" = 000
    kill "$server_pid"
  else
    notok "serve with TLS did not start: $(tail -n 3 "$tmp/log")"
  fi
else
  n=$((n + 1)); echo "ok $n - TLS # SKIP openssl is not installed"
fi

kill -TERM "$main_pid"
stopped=no
for _ in $(seq 50); do
  kill -0 "$main_pid" 2>/dev/null || { stopped=yes; break; }
  sleep 0.1
done
wait "$main_pid"; rc=$?
check "SIGTERM stops the server cleanly (exit $rc)" test $stopped = yes -a $rc = 0

echo "1..$n"
[ $fails = 0 ]
