#!/bin/bash
# TAXII 2.1 requests shaped like taxii2-client (oasis-open/cti-taxii-client, taxii2client/v21
# and common.py) and checks in the manner of medallion's tests (oasis-open/cti-taxii-server),
# against a throwaway node served on 127.0.0.1. Our own requests and data; prints TAP.
# usage: taxii_client.sh SOLIDARITY_BINARY [START_NUMBER]   (needs curl, jq)
bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1"); n=${2:-0}
command -v curl >/dev/null && command -v jq >/dev/null || { echo "# skip: curl or jq missing"; echo "#count $n"; exit 0; }
tmp=$(mktemp -d); pid=
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
ok() { n=$((n + 1)); if [ "$1" = 0 ]; then echo "ok $n - taxii $2"; else echo "not ok $n - taxii $2${3:+: $3}"; fi; }
D="$tmp/node"
echo 'pw-conformance-1' | "$bin" --data "$D" init --name conf --password-stdin >/dev/null 2>&1
C=$("$bin" --data "$D" collection add --title "Conformance feed" --alias conf --default-tlp clear 2>/dev/null)
T=$("$bin" --data "$D" token issue admin --name conformance 2>/dev/null)
for port in $(seq 18500 18540); do
	"$bin" --data "$D" --quiet serve --listen 127.0.0.1:$port >"$tmp/url" 2>"$tmp/err" & pid=$!
	for _ in 1 2 3 4 5 6 7 8 9 10; do [ -s "$tmp/url" ] && break; kill -0 $pid 2>/dev/null || break; sleep 0.2; done
	[ -s "$tmp/url" ] && break
	wait $pid 2>/dev/null; pid=
done
[ -n "$pid" ] || { echo "not ok $((n + 1)) - taxii server did not start"; echo "#count $((n + 1))"; exit 0; }
U=http://127.0.0.1:$port
ACC='application/taxii+json;version=2.1'
UA='User-Agent: taxii2-client/2.3.0'
AUTH="Authorization: Token $T"
# get URL [curl args...]: status code to $code, body to $tmp/b, headers to $tmp/h
get() { local u=$1; shift; code=$(curl -g -s -D "$tmp/h" -o "$tmp/b" -w '%{http_code}' -H "$UA" "$@" "$u"); }
ctype_ok() { # taxii2-client's check: every ;-token of Accept is in Content-Type, first is application/taxii+json
	local ct; ct=$(tr -d '\r ' <"$tmp/h" | grep -i '^content-type:' | head -1 | cut -d: -f2-)
	local IFS=';'; local tok toks=($ct)
	[ "${toks[0]}" = application/taxii+json ] || return 1
	for tok in application/taxii+json version=2.1; do [[ ";$ct;" == *";$tok;"* ]] || return 1; done
}
hdr() { tr -d '\r' <"$tmp/h" | grep -i "^$1:" | head -1 | cut -d' ' -f2-; }

# Server discovery (taxii2client Server.refresh): GET with the 2.1 Accept and a trailing slash
get $U/taxii2/ -H "Accept: $ACC" -H "$AUTH"
ok $([ "$code" = 200 ] && ctype_ok; echo $?) "discovery 200 with a Content-Type taxii2-client accepts" "$code"
ok $(jq -e '.title and ((.default == null) or (.default as $d | .api_roots | index($d)))' "$tmp/b" >/dev/null; echo $?) "discovery has title; default is one of api_roots"
root=$(jq -r '.api_roots[0]' "$tmp/b")
case $root in http*) rootu=$root ;; /*) rootu=$U$root ;; *) rootu=$U/taxii2/$root ;; esac
# API root (ApiRoot.refresh_information): title, versions, max_content_length required
get "$rootu" -H "Accept: $ACC" -H "$AUTH"
ok $([ "$code" = 200 ] && ctype_ok && jq -e '.title and (.versions | index("application/taxii+json;version=2.1")) and (.max_content_length | type == "number")' "$tmp/b" >/dev/null; echo $?) "api root information (urljoin of discovery api_roots)" "$code"
# Collections (ApiRoot.refresh_collections): collection url is collections/ + id + /
get "${rootu}collections/" -H "Accept: $ACC" -H "$AUTH"
ok $([ "$code" = 200 ] && jq -e --arg c "$C" '.collections | map(select(.id == $c and .title and (.can_read|type=="boolean") and (.can_write|type=="boolean"))) | length == 1' "$tmp/b" >/dev/null; echo $?) "collections lists ours with id, title, can_read, can_write" "$code"
CU="${rootu}collections/$C/"
get "$CU" -H "Accept: $ACC" -H "$AUTH"
ok $([ "$code" = 200 ] && jq -e --arg c "$C" '.id == $c' "$tmp/b" >/dev/null; echo $?) "get a collection by its id" "$code"

# Add Objects (Collection.add_objects): Accept and Content-Type both the TAXII 2.1 media type
ts() { printf '2021-0%d-01T00:00:00.000Z' "$1"; }
obj() { # obj N VERSIONMONTH
	printf '{"type":"indicator","spec_version":"2.1","id":"indicator--%08d-0000-4000-8000-000000000000","created":"2021-01-01T00:00:00.000Z","modified":"%s","name":"i%d","pattern":"[ipv4-addr:value = '"'"'203.0.113.%d'"'"']","pattern_type":"stix","valid_from":"2021-01-01T00:00:00Z"}' "$1" "$(ts "$2")" "$1" "$1"; }
env="{\"objects\":[$(obj 1 1),$(obj 1 2),$(obj 2 1),$(obj 3 1),$(obj 4 1),$(obj 5 1),$(obj 6 1)]}"
code=$(curl -g -s -o "$tmp/b" -w '%{http_code}' -H "$UA" -H "$AUTH" -H "Accept: $ACC" -H "Content-Type: $ACC" -X POST --data-binary "$env" "${CU}objects/")
ok $([ "$code" = 202 ]; echo $?) "add objects answers 202" "$code"
ok $(jq -e '.id and .status and (.total_count|type=="number") and (.success_count|type=="number") and (.failure_count|type=="number") and (.pending_count|type=="number") and (.success_count + .failure_count + .pending_count == .total_count) and (((.successes // []) | length) == 0 or ((.successes|length) == .success_count))' "$tmp/b" >/dev/null; echo $?) "status resource passes taxii2-client's Status validation"
ok $(jq -e '.success_count == 7' "$tmp/b" >/dev/null; echo $?) "all 7 object versions accepted" "$(head -c 200 "$tmp/b")"
sid=$(jq -r .id "$tmp/b")
# taxii2-client computes urljoin(collection_url, "../../status/ID"): no trailing slash
get "${rootu}status/$sid" -H "Accept: $ACC" -H "$AUTH"
ok $([ "$code" = 200 ] && jq -e --arg s "$sid" '.id == $s' "$tmp/b" >/dev/null; echo $?) "status at api-root/status/ID without trailing slash (client's urljoin)" "$code"
get "${rootu}status/$sid/" -H "Accept: $ACC" -H "$AUTH"
ok $([ "$code" = 200 ]; echo $?) "status at api-root/status/ID/" "$code"

# Get Objects with as_pages(per_request=2): limit, then next from the envelope until more is false
ids=(); page=0; nextp=; lim=2
while :; do
	q="limit=$lim"; [ -n "$nextp" ] && q="$q&next=$(jq -rn --arg v "$nextp" '$v|@uri')"
	get "${CU}objects/?$q" -H "Accept: $ACC" -H "$AUTH"
	[ "$code" = 200 ] || break
	page=$((page + 1)); [ $page -gt 10 ] && break
	ids+=($(jq -r '.objects[]?.id' "$tmp/b"))
	[ "$(jq -r '.more // false' "$tmp/b")" = true ] || break
	nextp=$(jq -r '.next // empty' "$tmp/b"); [ -n "$nextp" ] || break
done
ok $([ "$code" = 200 ] && [ ${#ids[@]} = 6 ] && [ $(printf '%s\n' "${ids[@]}" | sort -u | wc -l) = 6 ]; echo $?) "paging with limit=2 and next yields the 6 objects once each" "code $code, got ${#ids[@]} in $page pages"
get "${CU}objects/?limit=2" -H "Accept: $ACC" -H "$AUTH"
nx=$(jq -r '.next // empty' "$tmp/b")
get "${CU}objects/?limit=3&next=$(jq -rn --arg v "$nx" '$v|@uri')" -H "Accept: $ACC" -H "$AUTH"
ok $([ "$code" = 200 ]; echo $?) "next still accepted when the client changes limit (as_pages adapts limit)" "$code $(head -c 160 "$tmp/b")"
get "${CU}objects/?limit=2" -H "Accept: $ACC" -H "$AUTH"
first=$(hdr X-TAXII-Date-Added-First); last=$(hdr X-TAXII-Date-Added-Last)
ok $([ -n "$first" ] && [ -n "$last" ]; echo $?) "objects page carries X-TAXII-Date-Added-First/Last"
get "${CU}objects/?added_after=$last" -H "Accept: $ACC" -H "$AUTH"
ok $([ "$code" = 200 ] && [ "$(jq '.objects | length' "$tmp/b")" = 4 ]; echo $?) "added_after = X-TAXII-Date-Added-Last of page 1 gives the other 4" "$code $(jq -c '[.objects[]?.id]' "$tmp/b" 2>/dev/null)"
get "${CU}objects/?match[spec_version]=2.0" -H "Accept: $ACC" -H "$AUTH"
ok $([ "$code" = 200 ] && jq -e '((.objects // []) | length) == 0' "$tmp/b" >/dev/null; echo $?) "an empty result is 200 with no objects" "$code"
ok $([ -n "$(hdr X-TAXII-Date-Added-First)" ]; echo $?) "empty 200 objects response still has X-TAXII-Date-Added-First (TAXII 2.1 §3.2 says all 200s MUST)"

I1=indicator--00000001-0000-4000-8000-000000000000
get "${CU}objects/$I1/" -H "Accept: $ACC" -H "$AUTH"
ok $([ "$code" = 200 ] && jq -e --arg i $I1 '.objects[0].id == $i and (.objects|length) == 1 and .objects[0].modified == "2021-02-01T00:00:00.000Z"' "$tmp/b" >/dev/null; echo $?) "get an object: latest version by default" "$code"
get "${CU}objects/$I1/versions/" -H "Accept: $ACC" -H "$AUTH"
ok $([ "$code" = 200 ] && jq -e '.versions == ["2021-01-01T00:00:00.000Z","2021-02-01T00:00:00.000Z"]' "$tmp/b" >/dev/null; echo $?) "object versions, oldest first" "$code $(head -c 200 "$tmp/b")"
get "${CU}manifest/?match[id]=$I1" -H "Accept: $ACC" -H "$AUTH"
ok $([ "$code" = 200 ] && jq -e '.objects[0] | .id and .date_added and .version and .media_type' "$tmp/b" >/dev/null; echo $?) "manifest record has id, date_added, version, media_type" "$code"
for v in all:2 first:1 last:1 2021-01-01T00:00:00.000Z:1 2021-01-01T00:00:00Z:1; do
	get "${CU}objects/?match[id]=$I1&match[version]=${v%:*}" -H "Accept: $ACC" -H "$AUTH"
	ok $([ "$code" = 200 ] && [ "$(jq '.objects|length' "$tmp/b")" = "${v##*:}" ]; echo $?) "match[version]=${v%:*} gives ${v##*:}" "$code $(jq -c '[.objects[]?.modified]' "$tmp/b" 2>/dev/null)"
done
get "${CU}objects/?match[type]=indicator,malware" -H "Accept: $ACC" -H "$AUTH"
ok $([ "$code" = 200 ] && [ "$(jq '.objects|length' "$tmp/b")" = 6 ]; echo $?) "match[type] with a comma list" "$code"
get "${CU}objects/?match%5Bid%5D=$I1" -H "Accept: $ACC" -H "$AUTH"
ok $([ "$code" = 200 ] && [ "$(jq '.objects|length' "$tmp/b")" = 1 ]; echo $?) "percent-encoded match%5Bid%5D (as requests sends it)" "$code"

# Authentication: requests' HTTPBasicAuth and taxii2client.common.TokenAuth
get "${rootu}collections/" -H "Accept: $ACC" -u admin:pw-conformance-1
ok $([ "$code" = 200 ]; echo $?) "HTTP Basic (user/password) accepted" "$code"
get "${rootu}collections/" -H "Accept: $ACC" -H "Authorization: Token $T"
ok $([ "$code" = 200 ]; echo $?) "Authorization: Token (TokenAuth) accepted" "$code"
get "${rootu}collections/" -H "Accept: $ACC"
ok $([ "$code" = 401 ] && [ -n "$(hdr WWW-Authenticate)" ]; echo $?) "no credentials: 401 with WWW-Authenticate" "$code"
get "${rootu}collections/" -H "Accept: $ACC" -u admin:wrong
ok $([ "$code" = 401 ]; echo $?) "wrong password: 401" "$code"
# Media types (medallion: 406 / 415)
get "${rootu}" -H "Accept: application/json" -H "$AUTH"
ok $([ "$code" = 406 ]; echo $?) "Accept application/json: 406" "$code"
get "${rootu}" -H "Accept: application/vnd.oasis.taxii+json; version=2.0" -H "$AUTH"
ok $([ "$code" = 406 ]; echo $?) "TAXII 2.0 Accept: 406 (taxii2-client logs its 2.0-vs-2.1 hint on 406)" "$code"
get "${rootu}" -H "Accept: application/taxii+json" -H "$AUTH"
ok $([ "$code" = 200 ]; echo $?) "Accept application/taxii+json without version: 200" "$code"
code=$(curl -g -s -o "$tmp/b" -w '%{http_code}' -H "$AUTH" -H "Accept: $ACC" -H "Content-Type: application/json" -X POST --data-binary "$env" "${CU}objects/")
ok $([ "$code" = 415 ]; echo $?) "POST with Content-Type application/json: 415" "$code"
# Not found
get "$U/no-such-root/" -H "Accept: $ACC" -H "$AUTH"; ok $([ "$code" = 404 ]; echo $?) "unknown api root: 404" "$code"
get "${rootu}collections/00000000-0000-4000-8000-000000000000/" -H "Accept: $ACC" -H "$AUTH"; ok $([ "$code" = 404 ]; echo $?) "unknown collection: 404" "$code"
get "${CU}objects/indicator--99999999-0000-4000-8000-000000000000/" -H "Accept: $ACC" -H "$AUTH"; ok $([ "$code" = 404 ]; echo $?) "unknown object: 404" "$code"
ok $(ctype_ok && jq -e '.title' "$tmp/b" >/dev/null; echo $?) "404 body is a TAXII error message (title) as application/taxii+json"
get "${rootu}status/00000000-0000-4000-8000-000000000000/" -H "Accept: $ACC" -H "$AUTH"; ok $([ "$code" = 404 ]; echo $?) "unknown status: 404" "$code"
# Delete an Object (Collection.delete_object)
code=$(curl -g -s -o "$tmp/b" -w '%{http_code}' -H "$AUTH" -H "Accept: $ACC" -X DELETE "${CU}objects/indicator--00000006-0000-4000-8000-000000000000/")
ok $([ "$code" = 200 ]; echo $?) "delete an object: 200" "$code"
get "${CU}objects/indicator--00000006-0000-4000-8000-000000000000/" -H "Accept: $ACC" -H "$AUTH"
ok $([ "$code" = 404 ]; echo $?) "deleted object: 404" "$code"
echo "#count $n"
