#!/usr/bin/env bash
# The scan cases: tests/cases/scan/*.case, each a conversation with `solidarity scan`.
#
#   # what the case shows
#   args: --indicators data/logs/rcs_lab.stix2 data/logs/zeek_dns.log
#   stdin: data/logs/zeek_dns.log        (optional: feed this file on standard input)
#   gzip: yes                            (optional: gzip the file given to stdin first)
#   exit: 0
#   --- sightings                        (sighting_of_ref count first_seen last_seen)
#   indicator--... 1 2024-06-10T06:13:21.250000Z 2024-06-10T06:13:21.250000Z
#   --- stderr                           (exactly what scan prints there)
#   solidarity: scan: ...
#
# Paths are relative to the tests directory. The identity is fixed so output is stable.
# Whatever bundle a case writes must pass `solidarity validate --strict`.
set -u
bin=${1:?usage: scan.sh SOLIDARITY}
tests=${SOLIDARITY_TESTS:-$(cd "$(dirname "$0")/.." && pwd)}
cd "$tests" || exit 2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
n=0
fail=0
for case in cases/scan/*.case; do
  n=$((n + 1))
  name=$(basename "$case" .case)
  args=$(sed -n 's/^args: //p' "$case")
  stdin_file=$(sed -n 's/^stdin: //p' "$case")
  gz=$(sed -n 's/^gzip: //p' "$case")
  want_exit=$(sed -n 's/^exit: //p' "$case")
  sed -n '/^--- sightings$/,/^--- /p' "$case" | grep -v '^--- ' > "$tmp/want_s"
  sed -n '/^--- stderr$/,$p' "$case" | grep -v '^--- ' > "$tmp/want_e"
  in=/dev/null
  if [ -n "$stdin_file" ]; then
    in=$stdin_file
    if [ "$gz" = yes ]; then gzip -c "$stdin_file" > "$tmp/in.gz"; in=$tmp/in.gz; fi
  fi
  # shellcheck disable=SC2086
  "$bin" scan --identity identity--11111111-2222-4333-8444-555555555555 $args \
      < "$in" > "$tmp/out" 2> "$tmp/err"
  rc=$?
  grep -E '^ *"(count|first_seen|last_seen|sighting_of_ref)":' "$tmp/out" |
    sed -E 's/^ *"[a-z_]+": "?([^",]*)"?,?$/\1/' | paste -d' ' - - - - |
    awk '{print $4, $1, $2, $3}' > "$tmp/got_s"
  bad=""
  [ "$rc" = "$want_exit" ] || bad="exit $rc, expected $want_exit"
  # Every bundle of sightings the scan writes is valid STIX 2.1, even under --strict.
  if [ -s "$tmp/out" ] && ! "$bin" validate --strict -q "$tmp/out" > "$tmp/valid" 2>&1; then
    bad="$bad the sightings are not valid STIX: $(head -3 "$tmp/valid")"
  fi
  if ! diff -u "$tmp/want_s" "$tmp/got_s" > "$tmp/diff_s"; then bad="$bad sightings differ"; fi
  if ! diff -u "$tmp/want_e" "$tmp/err" > "$tmp/diff_e"; then bad="$bad stderr differs"; fi
  if [ -z "$bad" ]; then
    echo "ok $n - $name"
  else
    echo "not ok $n - $name: $bad"
    sed 's/^/# /' "$tmp/diff_s" "$tmp/diff_e"
    fail=1
  fi
done
echo "1..$n"
exit $fail
