#!/bin/bash
# validate.sh — `solidarity validate` on real STIX data: exit codes and exact output
# lines on the copies in tests/data/stix/, and every STIX file of ../shared/data when
# that folder is there (a clone of the repository alone skips it, saying so).
#
# usage: validate.sh SOLIDARITY   (env SOLIDARITY_TESTS: the tests folder)
set -u
SOL=$1
TESTS=${SOLIDARITY_TESTS:-$(cd "$(dirname "$0")/.." && pwd)}
DATA=$TESTS/data/stix
SHARED=$TESTS/../../shared/data
n=0
fails=0
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)); fails=$((fails + 1)); echo "not ok $n - $1"; }

# run NAME WANT_EXIT ARGS...: run solidarity in $DATA, keep stdout and stderr.
run() {
    local name=$1 want=$2
    shift 2
    (cd "$DATA" && "$SOL" "$@" >"$TMP/out" 2>"$TMP/err")
    local got=$?
    if [ "$got" = "$want" ]; then
        ok "$name (exit $want)"
    else
        not_ok "$name (exit $got, expected $want)"
        sed 's/^/# /' "$TMP/out" "$TMP/err" | head -20
    fi
}

# has FILE LINE: the exact line is in the output file.
has() {
    if grep -Fxq -- "$2" "$TMP/$1"; then
        ok "$1 has: $2"
    else
        not_ok "$1 lacks: $2"
        sed 's/^/#   /' "$TMP/$1" | head -20
    fi
}

V=stix-validator-examples

for f in amnesty/2024-12-16_serbia_novispy__novispy.stix2 mvt-indicators/cellebrite_cellebrite.stix2 \
         mvt-indicators/2022-06-23_rcs_lab_rcs.stix2 oasis-cti-documentation/sighting-of-observed-data.json \
         oasis-cti-documentation/using-granular-markings.json oasis-cti-documentation/using-marking-definitions.json \
         oasis-schema-examples/indicator-for-c2-ip-address.json oasis-schema-examples/poisonivy.json \
         $V/identity.json $V/identity_unicode.json $V/identity_warning.json $V/tlp-amber.json; do
    run "$f is valid" 0 validate "$f"
done
run "the Amnesty NovISpy bundle" 0 validate amnesty/2024-12-16_serbia_novispy__novispy.stix2
has out "amnesty/2024-12-16_serbia_novispy__novispy.stix2: valid: 37 objects, 0 errors, 0 warnings"

# The validator's own invalid examples fail, each for the reason its name gives.
run "invalid_identity.json" 1 validate $V/invalid_identity.json
has out "$V/invalid_identity.json: identity--8c6af861-7b20-41ef-9b59-6344fd872a8f: modified: required property missing"
has out "$V/invalid_identity.json: invalid: 1 object, 1 error, 0 warnings"
run "invalid_timestamp.json" 1 validate $V/invalid_timestamp.json
has out "$V/invalid_timestamp.json: identity--8c6af861-7b20-41ef-9b59-6344fd872a8f: modified: must be later than or equal to created (§3.2)"
run "invalid_braces.json is not JSON" 2 validate $V/invalid_braces.json
has err "solidarity: validate: $V/invalid_braces.json: line 1, column 1: expected a value, found '<'"
run "invalid_comma.json is not JSON" 2 validate $V/invalid_comma.json
has err "solidarity: validate: $V/invalid_comma.json: line 9, column 1: expected a string key after ',', found '}'"

# Custom properties without x_ are warnings (STIX 2.1 §11.1.1), errors with --strict.
run "identity_custom.json" 0 validate $V/identity_custom.json
has out "$V/identity_custom.json: warning: objects[0] (identity--8c6af861-7b20-41ef-9b59-6344fd872a8f): foo: custom property should start with x_ (§11.1.1)"
has out "$V/identity_custom.json: valid: 1 object, 0 errors, 1 warning"
run "identity_custom.json --strict" 1 validate --strict $V/identity_custom.json
has out "$V/identity_custom.json: objects[0] (identity--8c6af861-7b20-41ef-9b59-6344fd872a8f): foo: custom property should start with x_ (§11.1.1)"

# SCOs with UUIDv4 ids where a deterministic UUIDv5 is possible (§2.9: SHOULD).
run "infrastructure.json" 0 validate oasis-schema-examples/infrastructure.json
has out "oasis-schema-examples/infrastructure.json: warning: objects[4] (ipv4-addr--1e4ffad7-0b88-41d4-ba4d-77d27490b956): id: the UUID should be the deterministic version 5 one, ipv4-addr--28bb3599-77cd-5a82-a950-b5bc3caf07c4 (§2.9)"

# A TAXII server fixture is JSON but not STIX.
run "medallion default_data.json" 1 validate medallion/default_data.json
has out "medallion/default_data.json: not a STIX bundle or object: type missing"

# Several files: the worst status wins; standard input; --quiet; --json.
run "several files" 2 validate $V/identity.json $V/invalid_identity.json $V/invalid_comma.json
run "valid and invalid" 1 validate $V/identity.json $V/invalid_identity.json
run "standard input" 1 validate - <"$DATA/$V/invalid_timestamp.json"
has out "(standard input): invalid: 1 object, 1 error, 0 warnings"
run "--quiet prints findings only" 1 validate --quiet $V/invalid_identity.json
if [ "$(wc -l <"$TMP/out")" -eq 1 ]; then ok "--quiet: one line"; else not_ok "--quiet: one line"; fi
run "--json" 2 validate --json $V/identity_custom.json $V/invalid_braces.json
has out '      "valid": true,'
has out '          "text": "objects[0] (identity--8c6af861-7b20-41ef-9b59-6344fd872a8f): foo: custom property should start with x_ (§11.1.1)"'
has out '      "error": "line 1, column 1: expected a value, found '"'"'<'"'"'"'
has out '  "valid": false'
run "--stix-version 2.0 on 2.1 content" 1 validate --stix-version 2.0 $V/identity.json
has out "$V/identity.json: identity--8c6af861-7b20-41ef-9b59-6344fd872a8f: spec_version: not a property of STIX 2.0 objects"
run "--stix-version 3" 2 validate --stix-version 3 $V/identity.json
run "no file" 2 validate
run "unreadable file" 2 validate no-such-file.json
run "--help" 0 validate --help
has out "usage: solidarity validate [--strict] [--json] [--quiet] [--stix-version 2.0|2.1] FILE..."

# Every STIX file of the shared data (misp-warninglists and misp-stix/misp-format hold MISP
# JSON, not STIX): each one valid,
# except the validator's invalid_* examples and the TAXII fixture, for the reasons above,
# MITRE's ICS matrix is valid: its x_mitre_related_assets hold empty related_asset_sectors
# lists, a warning in a custom property (STIX 2.1 §2.12 types only STIX's lists; the OASIS
# validator accepts them), an error under --strict.
if [ -d "$SHARED" ]; then
    run "ics-attack.json: an empty list in a custom property" 0 validate "$SHARED/mitre-attack/ics-attack.json"
    has out "$SHARED/mitre-attack/ics-attack.json: warning: objects[329] (x-mitre-asset--75f810ad-b678-4c57-b93b-fdc79bba0c04): x_mitre_related_assets[1].related_asset_sectors: empty list in a custom property: omit it (§2.12)"
    run "ics-attack.json --strict" 1 validate --strict --quiet "$SHARED/mitre-attack/ics-attack.json"
    # Import loses none of MITRE's ATT&CK objects: every consumer accepts them.
    "$SOL" --data "$TMP/node" init >/dev/null 2>&1
    for m in ics-attack mobile-attack-17.1; do
        total=$(grep -o '"spec_version"' "$SHARED/mitre-attack/$m.json" | wc -l)
        "$SOL" --data "$TMP/node" collection add --title "$m" --alias "$m" >/dev/null 2>&1
        "$SOL" --data "$TMP/node" --json import --collection "$m" "$SHARED/mitre-attack/$m.json" >"$TMP/out" 2>"$TMP/err"
        if grep -q '"rejected":0' "$TMP/out" && grep -q '"stored":[1-9]' "$TMP/out"; then
            ok "import $m.json: nothing rejected ($(grep -o '"stored":[0-9]*' "$TMP/out"), $total objects with spec_version)"
        else
            not_ok "import $m.json rejects objects"
            sed 's/^/# /' "$TMP/out" "$TMP/err" | head -10
        fi
    done
    while IFS= read -r f; do
        rel=${f#"$SHARED"/}
        case $rel in
        */invalid_braces.json | */invalid_comma.json) want=2 ;;
        */invalid_*.json | medallion/default_data.json) want=1 ;;
        *) want=0 ;;
        esac
        "$SOL" validate --quiet "$f" >/dev/null 2>&1
        got=$?
        if [ "$got" = "$want" ]; then ok "shared data $rel (exit $want)"; else not_ok "shared data $rel (exit $got, expected $want)"; fi
    done < <(find "$SHARED" -type f \( -name '*.json' -o -name '*.stix2' \) -not -path '*/misp-warninglists/*' -not -path '*/misp-format/*' | sort)
else
    n=$((n + 1))
    echo "ok $n - # SKIP ../shared/data is not there (a clone of the repository alone)"
fi

echo "1..$n"
[ "$fails" = 0 ]
