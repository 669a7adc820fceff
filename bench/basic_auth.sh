#!/usr/bin/env bash
# basic_auth.sh — what HTTP Basic costs the TAXII server, against API tokens in the same
# run (the baseline), and what senders of wrong passwords cost a token client.
#
#   1. GET /intel/ (the API root: a cheap answer, so the login is most of the work) with
#      a token, then with Basic: req/s of each and the ratio. A password is checked with
#      argon2id once and then remembered (src/access/guard.c), so Basic should come close
#      to the token.
#   2. A token client's latency (p50, p99) alone, then while 16 clients send wrong
#      passwords as fast as they can: their attempts are limited per address and per
#      user (429 with Retry-After) and at most one password check runs at a time, so the
#      token client's p50 should stay near its baseline.
# wrk (Debian package wrk) drives the load; the server gets 2 threads.
# Usage: bench/basic_auth.sh BUILD-DIR [SECONDS]
set -uo pipefail
# serve started as root runs as $SOLIDARITY_USER: the benchmark runs it as whoever runs it
export SOLIDARITY_USER=${SOLIDARITY_USER:-$(id -un)}
umask 077 # serve refuses a store other users may read
build=${1:?usage: bench/basic_auth.sh BUILD-DIR [SECONDS]}
secs=${2:-${BASIC_AUTH_BENCH_SECONDS:-5}}
bin=$build/solidarity
load=$build/bench/taxii_load
tmp=$(mktemp -d /tmp/sol-bench-basic-XXXXXX)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null; done
  rm -rf "$tmp"
}
trap cleanup EXIT

for t in wrk curl python3 base64; do
  command -v "$t" >/dev/null || { echo "basic_auth: SKIP ($t is not installed: scripts/install-deps --bench)"; exit 0; }
done
[ -x "$load" ] || { echo "basic_auth: no $load (build the bench first)"; exit 1; }

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

mkdir -p "$tmp/data"
"$load" "$tmp/data" 1000 >"$tmp/vars" || { echo "basic_auth: loading objects failed"; exit 1; }
token=$(sed -n 's/^token=//p' "$tmp/vars")
password="correct horse battery staple"
printf '%s\n' "$password" | "$bin" --data "$tmp/data" user set bench --password-stdin >/dev/null ||
  { echo "basic_auth: could not set a password"; exit 1; }
good=$(printf 'bench:%s' "$password" | base64 -w0)
bad=$(printf 'bench:not the password' | base64 -w0)

port=$(free_port)
"$bin" --quiet --data "$tmp/data" serve --listen "127.0.0.1:$port" --threads 2 >/dev/null \
  2>"$tmp/serve.log" &
pids+=($!)
for _ in $(seq 100); do
  curl -s -o /dev/null "http://127.0.0.1:$port/healthz" && break
  sleep 0.1
done
url="http://127.0.0.1:$port/intel/"
accept='Accept: application/taxii+json;version=2.1'

# rps AUTH: requests/s of GET /intel/ with that Authorization header (0 on non-2xx)
rps() {
  local out
  out=$(wrk -t2 -c16 -d"${secs}s" -H "$accept" -H "Authorization: $1" "$url" 2>&1)
  if echo "$out" | grep -q 'Non-2xx'; then
    echo "basic_auth: non-2xx answers: $(echo "$out" | grep Non-2xx)" >&2
    echo 0
    return
  fi
  echo "$out" | awk '/^Requests\/sec/ { print int($2) }'
}

# latency: p50 and p99 of a token client (four connections, so that both server threads
# are sampled), in $tmp/lat
latency() {
  wrk -t1 -c4 -d"${secs}s" --latency -H "$accept" -H "Authorization: Bearer $token" "$url" \
    >"$tmp/lat" 2>&1
  p50=$(awk '$1 == "50%" { print $2 }' "$tmp/lat")
  p99=$(awk '$1 == "99%" { print $2 }' "$tmp/lat")
  answered=$(awk '/requests in/ { print $1 }' "$tmp/lat")
  if [ "${answered:-0}" = 0 ]; then p50="over ${secs}s" p99="over ${secs}s"; fi
}

bearer_rps=$(rps "Bearer $token")
basic_rps=$(rps "Basic $good")
sleep 2 # a server that checks every password finishes what the Basic clients left
latency
alone_p50=$p50 alone_p99=$p99
# 16 senders of wrong passwords for the whole measurement, and a little longer
wrk -t2 -c16 -d"$((secs + 3))s" -H "$accept" -H "Authorization: Basic $bad" "$url" \
  >"$tmp/attack" 2>&1 &
pids+=($!)
attacker=$!
sleep 2
latency
attacked_p50=$p50 attacked_p99=$p99
wait "$attacker" 2>/dev/null
attack_rps=$(awk '/^Requests\/sec/ { print int($2) }' "$tmp/attack")
curl -s -H "Authorization: Bearer $token" "http://127.0.0.1:$port/metrics" | grep '^solidarity_login' >"$tmp/metrics"

ratio() { python3 -c "print('%.2f' % ($1 / $2 if $2 else 0))"; }
ms() { python3 -c "
v = '$1'
print(float(v[:-2]) if v.endswith('ms') else float(v[:-2]) / 1000 if v.endswith('us') else float(v[:-1]) * 1000 if v.endswith('s') else 0)"; }
echo "basic_auth: GET /intel/, wrk -t2 -c16 ${secs}s, 2 server threads"
echo "basic_auth: Bearer token: ${bearer_rps} req/s (baseline)"
echo "basic_auth: HTTP Basic:   ${basic_rps} req/s; ratio Basic/Bearer = $(ratio "$basic_rps" "$bearer_rps")"
echo "basic_auth: a token client alone: p50 ${alone_p50}, p99 ${alone_p99}"
echo "basic_auth: while 16 clients send wrong passwords (${attack_rps:-0} answers/s to them): p50 ${attacked_p50}, p99 ${attacked_p99}"
case $attacked_p50 in
over*) echo "basic_auth: ratio p50 attacked/alone: no answer at all while attacked" ;;
*) echo "basic_auth: ratio p50 attacked/alone = $(ratio "$(ms "$attacked_p50")" "$(ms "$alone_p50")")" ;;
esac
sed 's/^/basic_auth: /' "$tmp/metrics"
echo "basic_auth: load average while measuring: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"
