#!/usr/bin/env bash
# taxii.sh — TAXII GET throughput: pages of 100 objects from collections of 1e3 and 1e6
# objects through `solidarity serve`, and nginx serving the same bytes as a static file
# in the same run (the baseline). The targets: at 1e6 objects >= 0.5x nginx, and
# req/s at 1e6 >= 0.8x req/s at 1e3.
#
# Pages are taken at ten points spread over the collection (next cursors), so the 1e6
# figure is not only the first page. The server caches answers (src/taxii/cache.c), so
# repeated pages are mostly hits; a third run at 1e6 makes every request a miss and
# prints what a computed page costs. wrk (Debian package wrk) drives the load; both
# servers get 2 threads/workers. Usage: bench/taxii.sh BUILD-DIR [SECONDS]
set -uo pipefail
# serve started as root runs as $SOLIDARITY_USER: the benchmark runs it as whoever runs it
export SOLIDARITY_USER=${SOLIDARITY_USER:-$(id -un)}
umask 077 # serve refuses a store other users may read
build=${1:?usage: bench/taxii.sh BUILD-DIR [SECONDS]}
secs=${2:-${TAXII_BENCH_SECONDS:-5}}
bin=$build/solidarity
load=$build/bench/taxii_load
big=${TAXII_BENCH_BIG:-1000000}
tmp=$(mktemp -d /tmp/sol-bench-taxii-XXXXXX)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null; done
  rm -rf "$tmp"
}
trap cleanup EXIT

for t in wrk nginx curl python3; do
  command -v "$t" >/dev/null || { echo "taxii: SKIP ($t is not installed: scripts/install-deps --bench)"; exit 0; }
done
[ -x "$load" ] || { echo "taxii: no $load (build the bench first)"; exit 1; }

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# prepare NAME N: a store with N objects; prints its variables into $tmp/NAME.vars
prepare() {
  mkdir -p "$tmp/$1"
  local t0=$SECONDS
  "$load" "$tmp/$1" "$2" >"$tmp/$1.vars" || { echo "taxii: loading $2 objects failed"; exit 1; }
  echo "taxii: $2 objects stored in $((SECONDS - t0)) s"
}
v() { sed -n "s/^$2=//p" "$tmp/$1.vars"; }

# serve NAME: start solidarity serve on a free port; sets $port
serve() {
  port=$(free_port)
  "$bin" --quiet --data "$tmp/$1" serve --listen "127.0.0.1:$port" --threads 2 >/dev/null \
    2>"$tmp/$1.log" &
  pids+=($!)
  for _ in $(seq 100); do
    curl -s -o /dev/null "http://127.0.0.1:$port/healthz" && return 0
    sleep 0.1
  done
  echo "taxii: serve did not start: $(cat "$tmp/$1.log")"; exit 1
}

# paths NAME PORT: ten page paths spread over the collection, in $tmp/NAME.lua. The
# cursors come from walking the collection with next (limit 1000); a cursor does not
# depend on limit, so each page is then asked for with limit=100.
paths() {
  python3 - "$2" "$(v "$1" collection)" "$(v "$1" token)" "$3" >"$tmp/$1.lua" <<'PY'
import json, sys, urllib.request
port, col, token, n = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
base = "/intel/collections/%s/objects/?limit=" % col
def get(path):
    r = urllib.request.Request("http://127.0.0.1:%s%s" % (port, path),
                               headers={"Authorization": "Bearer " + token})
    return json.load(urllib.request.urlopen(r))
want = {k * (n // 1000) // 10 for k in range(10)}
cursors, nxt, page = [""], None, 0
while True:
    d = get(base + "1000" + ("&next=" + nxt if nxt else ""))
    page += 1
    nxt = d.get("next")
    if not d.get("more") or not nxt:
        break
    if page in want:
        cursors.append(nxt)
paths = [base + "100" + ("&next=" + c if c else "") for c in cursors]
print('wrk.headers["Authorization"] = "Bearer %s"' % token)
print('wrk.headers["Accept"] = "application/taxii+json;version=2.1"')
print("paths = {" + ", ".join('"%s"' % p for p in paths) + "}")
print("i = 0")
print("request = function() i = i % #paths + 1; return wrk.format(\"GET\", paths[i]) end")
PY
}

# cpu PID...: CPU ticks (user + system) used so far by these processes
cpu() {
  local t=0 p
  for p in "$@"; do t=$((t + $(awk '{print $14 + $15}' "/proc/$p/stat" 2>/dev/null || echo 0))); done
  echo $t
}

# rps URL SCRIPT PID...: requests/s by wrk; also sets $us_per_req, the server's CPU time
# per request (robust when other work shares the machine, unlike req/s)
rps() {
  local out url=$1 script=$2 c0 c1 n
  shift 2
  c0=$(cpu "$@")
  out=$(wrk -t2 -c32 -d"${secs}s" ${script:+-s "$script"} "$url" 2>&1)
  c1=$(cpu "$@")
  n=$(echo "$out" | awk '/requests in/ { print $1 }')
  us_per_req=$(python3 -c "print(round(($c1 - $c0) * 1e6 / $(getconf CLK_TCK) / max(1, ${n:-0})))")
  if echo "$out" | grep -q 'lua:'; then echo "taxii: wrk script error: $out" >&2; echo 0; return; fi
  if echo "$out" | grep -q 'Non-2xx'; then
    echo "taxii: non-2xx answers from $1: $(echo "$out" | grep Non-2xx)" >&2
    echo 0
    return
  fi
  echo "$out" | awk '/^Requests\/sec/ { print int($2) }'
}

prepare small 1000
prepare big "$big"

serve small
small_port=$port
paths small "$port" 1000
curl -s -o "$tmp/page.json" -H "Authorization: Bearer $(v small token)" \
  "http://127.0.0.1:$small_port/intel/collections/$(v small collection)/objects/?limit=100"
page_bytes=$(wc -c <"$tmp/page.json")
rps "http://127.0.0.1:$small_port" "$tmp/small.lua" "${pids[-1]}" >"$tmp/r"
small_rps=$(cat "$tmp/r"); small_us=$us_per_req

serve big
paths big "$port" "$big"
rps "http://127.0.0.1:$port" "$tmp/big.lua" "${pids[-1]}" >"$tmp/r"
big_rps=$(cat "$tmp/r"); big_us=$us_per_req
# The same pages with an Accept header that differs on every request: each one misses
# the server's answer cache (src/taxii/cache.c), so this is the cost of a page computed.
sed -e '/wrk.headers\["Accept"\]/d' -e 's/^request = function() /request = function() wrk.headers["Accept"] = "application\/taxii+json;version=2.1, text\/x-" .. math.random(1e9) .. "-" .. i; /' \
  "$tmp/big.lua" >"$tmp/big-miss.lua"
rps "http://127.0.0.1:$port" "$tmp/big-miss.lua" "${pids[-1]}" >"$tmp/r"
miss_rps=$(cat "$tmp/r"); miss_us=$us_per_req

# nginx serving the same bytes as a static file, 2 workers, no access log
nginx_port=$(free_port)
mkdir -p "$tmp/nginx/html" "$tmp/nginx/logs"
cp "$tmp/page.json" "$tmp/nginx/html/page.json"
chmod 755 "$tmp" "$tmp/nginx" "$tmp/nginx/html"   # nginx's workers drop root
chmod 644 "$tmp/nginx/html/page.json"
cat >"$tmp/nginx/nginx.conf" <<EOF
worker_processes 2;
pid $tmp/nginx/nginx.pid;
error_log $tmp/nginx/logs/error.log;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path $tmp/nginx; proxy_temp_path $tmp/nginx;
  fastcgi_temp_path $tmp/nginx; uwsgi_temp_path $tmp/nginx; scgi_temp_path $tmp/nginx;
  server {
    listen 127.0.0.1:$nginx_port;
    root $tmp/nginx/html;
    default_type application/taxii+json;
  }
}
EOF
nginx -c "$tmp/nginx/nginx.conf" -p "$tmp/nginx" -g 'daemon off;' 2>"$tmp/nginx/start.log" &
pids+=($!)
for _ in $(seq 50); do curl -s -o /dev/null "http://127.0.0.1:$nginx_port/page.json" && break; sleep 0.1; done
nginx_master=${pids[-1]}
rps "http://127.0.0.1:$nginx_port/page.json" "" "$nginx_master" $(pgrep -P "$nginx_master") >"$tmp/r"
nginx_rps=$(cat "$tmp/r"); nginx_us=$us_per_req

ratio() { python3 -c "print('%.2f' % ($1 / $2 if $2 else 0))"; }
echo "taxii: GET 100-object pages (${page_bytes} bytes), wrk -t2 -c32 ${secs}s, 2 server threads"
echo "taxii: 1e3 objects:  ${small_rps} req/s, ${small_us} us of server CPU per request"
echo "taxii: $big objects: ${big_rps} req/s, ${big_us} us of server CPU per request"
echo "taxii: $big objects, every request a cache miss: ${miss_rps} req/s, ${miss_us} us of server CPU per request"
echo "taxii: baseline nginx static file: ${nginx_rps} req/s, ${nginx_us} us of CPU per request"
echo "taxii: ratio big/nginx = $(ratio "$big_rps" "$nginx_rps") (target >= 0.5); by CPU per request $(ratio "$nginx_us" "$big_us")"
echo "taxii: ratio big/1e3   = $(ratio "$big_rps" "$small_rps") (target >= 0.8); by CPU per request $(ratio "$small_us" "$big_us")"
echo "taxii: load average while measuring: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"
