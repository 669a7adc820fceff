#!/bin/bash
# Regenerates validate/*.json from our own base objects with jq edits (needs jq).
# Each output file's name encodes the expectation checked by run_validate.sh:
#   valid-*    valid with and without --strict
#   warn-*     valid without --strict, invalid with --strict (a SHOULD / open vocabulary)
#   invalid-*  invalid with and without --strict (a MUST)
#   strict-*   invalid with --strict (what the OASIS validator's strict tests assert);
#              the non-strict result is only reported
#   notjson-*  exit 2
set -e
cd "$(dirname "$0")/validate"
rm -f ./*.json
IND='{"type":"indicator","spec_version":"2.1","id":"indicator--0a1b2c3d-4e5f-4a6b-8c7d-8e9f0a1b2c3d","created":"2021-03-04T05:06:07.000Z","modified":"2021-03-04T05:06:07.000Z","name":"Dropper hash","indicator_types":["malicious-activity"],"pattern":"[file:hashes.'"'"'SHA-256'"'"' = '"'"'4bac27393bdd9777ce02453256c5577cd02275510b2227f473d03f533924f877'"'"']","pattern_type":"stix","valid_from":"2021-03-04T05:06:07Z"}'
OD='{"type":"observed-data","spec_version":"2.1","id":"observed-data--1b2c3d4e-5f6a-4b7c-8d9e-0f1a2b3c4d5e","created":"2021-03-04T05:06:07.000Z","modified":"2021-03-04T05:06:07.000Z","first_observed":"2021-03-01T00:00:00Z","last_observed":"2021-03-01T00:00:00Z","number_observed":7,"objects":{"0":{"type":"file","id":"file--2c3d4e5f-6a7b-4c8d-9e0f-1a2b3c4d5e6f","name":"bundle.zip","hashes":{"MD5":"0CC175B9C0F1B6A831C399E269772661"},"mime_type":"application/zip","extensions":{"archive-ext":{"contains_refs":["1"]}}},"1":{"type":"file","id":"file--3d4e5f6a-7b8c-4d9e-8f1a-2b3c4d5e6f7a","name":"payload.dll","hashes":{"MD5":"92EB5FFEE6AE2FEC3AD71C777531578F"}}},"granular_markings":[{"marking_ref":"marking-definition--f88d31f6-486f-44da-b317-01333bde0b82","selectors":["objects.0.type"]}]}'
ODB='{"type":"bundle","id":"bundle--9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d","objects":[{"type":"observed-data","spec_version":"2.1","id":"observed-data--1b2c3d4e-5f6a-4b7c-8d9e-0f1a2b3c4d5e","created":"2021-03-04T05:06:07.000Z","modified":"2021-03-04T05:06:07.000Z","first_observed":"2021-03-01T00:00:00Z","last_observed":"2021-03-01T00:00:00Z","number_observed":7,"object_refs":["file--2c3d4e5f-6a7b-4c8d-9e0f-1a2b3c4d5e6f","file--3d4e5f6a-7b8c-4d9e-8f1a-2b3c4d5e6f7a"],"granular_markings":[{"marking_ref":"marking-definition--f88d31f6-486f-44da-b317-01333bde0b82","selectors":["object_refs.[0]"]}]},{"type":"file","spec_version":"2.1","id":"file--2c3d4e5f-6a7b-4c8d-9e0f-1a2b3c4d5e6f","name":"bundle.zip","hashes":{"MD5":"0CC175B9C0F1B6A831C399E269772661"},"mime_type":"application/zip","extensions":{"archive-ext":{"contains_refs":["file--3d4e5f6a-7b8c-4d9e-8f1a-2b3c4d5e6f7a"]}}},{"type":"file","spec_version":"2.1","id":"file--3d4e5f6a-7b8c-4d9e-8f1a-2b3c4d5e6f7a","name":"payload.dll","hashes":{"MD5":"92EB5FFEE6AE2FEC3AD71C777531578F"}}]}'
BUN='{"type":"bundle","id":"bundle--4e5f6a7b-8c9d-4e0f-9a1b-2c3d4e5f6a7b","objects":[{"type":"identity","spec_version":"2.1","id":"identity--5f6a7b8c-9d0e-4f1a-8b2c-3d4e5f6a7b8c","created":"2021-03-04T05:06:07.123Z","modified":"2021-03-04T05:06:07.123Z","name":"example.org","identity_class":"organization"}]}'
g() { # g NAME BASE JQFILTER
	printf "%s" "$2" | jq "$3" | python3 ../fixids.py > "$1.json"
}
# indicator (cf. stix2validator/test/v21/indicator_tests.py)
g valid-indicator "$IND" '.'
g invalid-ind-modified-before-created "$IND" '.modified="2001-01-01T00:00:00Z"'
g invalid-ind-custom-prop-bang "$IND" '.["my_new_property!"]="v"'
g invalid-ind-custom-prop-short "$IND" '.mp="v"'
g invalid-ind-custom-prop-long "$IND" '.[("x_" + ("abcdefghijklmnop" * 16))]="v"'
g invalid-ind-custom-prop-empty-list "$IND" '.x_new_property=[]'
g invalid-ind-id-type-mismatch "$IND" '.id="something--0a1b2c3d-4e5f-4a6b-8c7d-8e9f0a1b2c3d"'
g invalid-ind-confidence-string "$IND" '.confidence="Something"'
g invalid-ind-confidence-101 "$IND" '.confidence=101'
g invalid-ind-pattern-double-quotes "$IND" '.pattern="[file:hashes.\"SHA-256\" = '"'"'4bac27393bdd9777ce02453256c5577cd02275510b2227f473d03f533924f877'"'"']"'
g invalid-ind-pattern-garbage "$IND" '.pattern="file:name = 1"'
g strict-ind-pattern-short-type "$IND" '.pattern="[ab:yz = '"'"'something'"'"']"'
g warn-ind-pattern-custom-type-noprefix "$IND" '.pattern="[foo:name = '"'"'something'"'"']"'
g valid-ind-pattern-custom-type-prefixed "$IND" '.pattern="[x-x-foo:x_x_name = '"'"'something'"'"']"'
g valid-ind-pattern-custom-prop-prefixed "$IND" '.pattern="[file:x_x_name = '"'"'something'"'"']"'
g valid-ind-pattern-list-star "$IND" '.pattern="[windows-registry-key:values[*].data='"'"'badstuff'"'"']"'
g valid-ind-pattern-escaped-backslashes "$IND" '.pattern="[windows-registry-key:key LIKE '"'"'HKEY_LOCAL_MACHINE\\\\Foo\\\\Bar%'"'"']"'
g strict-ind-pattern-malformed-md5 "$IND" '.pattern="[file:hashes.MD5 = '"'"'zz'"'"']"'
g warn-ind-indicator-type-vocab "$IND" '.indicator_types=["suspicious"]'
g invalid-ind-missing-pattern-type "$IND" 'del(.pattern_type)'
g invalid-ind-missing-valid-from "$IND" 'del(.valid_from)'
g invalid-ind-valid-until-before-from "$IND" '.valid_until="2020-01-01T00:00:00Z"'
g invalid-ind-spec-version-20 "$IND" '.spec_version="2.0"'
g invalid-ind-missing-spec-version "$IND" 'del(.spec_version)'
g invalid-ind-bad-timestamp "$IND" '.created="2021-03-04 05:06:07Z"'
g invalid-ind-created-by-ref-wrong-type "$IND" '.created_by_ref="indicator--0a1b2c3d-4e5f-4a6b-8c7d-8e9f0a1b2c3d"'
g invalid-ind-id-not-uuid "$IND" '.id="indicator--not-a-uuid"'
g warn-ind-custom-prop-noprefix "$IND" '.foobar="v"'
g valid-ind-custom-prop-x "$IND" '.x_foobar="v"'
# bundle (cf. bundle_tests.py)
g valid-bundle "$BUN" '.'
g strict-bundle-objects-renamed "$BUN" '.identities=.objects | del(.objects)'
g strict-bundle-created "$BUN" '.created="2021-03-04T05:06:07.123456Z"'
g strict-bundle-version "$BUN" '.version=1'
g strict-bundle-duplicate-object "$BUN" '.objects += [.objects[0]]'
g valid-bundle-two-versions "$BUN" '.objects += [(.objects[0] | .modified="2022-01-01T00:00:00.000Z")]'
g invalid-bundle-sdo-missing-type "$BUN" 'del(.objects[0].type)'
g invalid-bundle-id-wrong-prefix "$BUN" '.id="report--4e5f6a7b-8c9d-4e0f-9a1b-2c3d4e5f6a7b"'
g invalid-identity-missing-modified "$BUN" '.objects[0] | del(.modified)'
# observed-data (cf. observed_data_tests.py)
g warn-observed-data-container "$OD" '.'
g valid-observed-data-refs "$ODB" '.'
g invalid-od-refs-selector-unknown "$ODB" '.objects[0].granular_markings[0].selectors=["foobar"]'
g invalid-od-refs-selector-index "$ODB" '.objects[0].granular_markings[0].selectors=["object_refs.[5]"]'
g invalid-od-refs-number-observed-negative "$ODB" '.objects[0].number_observed=-1'
g invalid-od-number-observed-negative "$OD" '.number_observed=-1'
g invalid-od-number-observed-zero "$OD" '.number_observed=0'
g invalid-od-selector-unknown-property "$OD" '.granular_markings[0].selectors=["foobar"]'
g invalid-od-selector-index-out-of-range "$OD" '.granular_markings[0].selectors=["objects.0.extensions.archive-ext.contains_refs.[5]"]'
g invalid-od-selector-bracketed-key "$OD" '.granular_markings[0].selectors=["objects.[0].extensions"]'
g strict-od-dict-key-uppercase "$ODB" '.objects[1].x_s_dicts={"FOOBAR":{"foo":"bar"}}'
g valid-od-dict-key-long "$ODB" '.objects[1].x_s_dicts={"foofoobarfoofoobarbarfoofoobarbarbar":{"foo":"bar"}}'
g warn-od-account-type-vocab "$ODB" '.objects += [{"type":"user-account","id":"user-account--6a7b8c9d-0e1f-4a2b-9c3d-4e5f6a7b8c9d","user_id":"1001","account_login":"bwayne","account_type":"superhero"}] | .objects[0].object_refs += [.objects[3].id]'
g warn-od-pe-type-vocab "$ODB" '.objects[1].extensions["windows-pebinary-ext"]={"pe_type":"elf","machine_hex":"014c"}'
g strict-od-encryption-algorithm "$ODB" '.objects += [{"type":"artifact","id":"artifact--7b8c9d0e-1f2a-4b3c-8d4e-5f6a7b8c9d0e","mime_type":"application/zip","payload_bin":"aGVsbG8gd29ybGQ=","encryption_algorithm":"foo","decryption_key":"secret"}] | .objects[0].object_refs += [.objects[3].id]'
g valid-od-encryption-algorithm-ok "$ODB" '.objects += [{"type":"artifact","id":"artifact--7b8c9d0e-1f2a-4b3c-8d4e-5f6a7b8c9d0e","mime_type":"application/zip","payload_bin":"aGVsbG8gd29ybGQ=","encryption_algorithm":"mime-type-indicated","decryption_key":"secret"}] | .objects[0].object_refs += [.objects[3].id]'
g warn-od-file-hash-algo "$ODB" '.objects[1].hashes={"something":"foobar"}'
g warn-od-artifact-hash-algo "$ODB" '.objects += [{"type":"artifact","id":"artifact--7b8c9d0e-1f2a-4b3c-8d4e-5f6a7b8c9d0e","url":"http://www.example.com/file.txt","hashes":{"foo":"B4D33B0C7306351B9ED96578465C5579"}}] | .objects[0].object_refs += [.objects[3].id]'
g valid-od-pe-optional-header-x-hash "$ODB" '.objects[1].extensions["windows-pebinary-ext"]={"pe_type":"exe","optional_header":{"hashes":{"x_foo":"1C19FC56AEF2048C1CD3A5E67B099350"}}}'
g warn-od-pe-section-hash-algo "$ODB" '.objects[1].extensions["windows-pebinary-ext"]={"pe_type":"exe","sections":[{"name":"CODE","entropy":0.061089,"hashes":{"foo":"1C19FC56AEF2048C1CD3A5E67B099350"}}]}'
g warn-od-ads-hash-algo "$ODB" '.objects[1].extensions["ntfs-ext"]={"alternate_data_streams":[{"name":"second.stream","size":25536,"hashes":{"foo":"B4D33B0C7306351B9ED96578465C5579"}}]}'
g strict-od-object-key-not-index "$OD" '.objects["abc"]={"type":"x509-certificate","id":"x509-certificate--8c9d0e1f-2a3b-4c4d-9e5f-6a7b8c9d0e1f","hashes":{"MD5":"B4D33B0C7306351B9ED96578465C5579"}}'
g invalid-od-sco-no-type "$OD" 'del(.objects["0"].type)'
g invalid-od-sco-type-double-hyphen "$ODB" '.objects[1].type="x--foo" | .objects[1].id="x--foo--2c3d4e5f-6a7b-4c8d-9e0f-1a2b3c4d5e6f" | .objects[0].object_refs[0]=.objects[1].id'
g invalid-od-sco-type-upper "$ODB" '.objects[1].type="FOO" | .objects[1].id="FOO--2c3d4e5f-6a7b-4c8d-9e0f-1a2b3c4d5e6f" | .objects[0].object_refs[0]=.objects[1].id'
g invalid-od-sco-type-short "$ODB" '.objects[1].type="a" | .objects[1].id="a--2c3d4e5f-6a7b-4c8d-9e0f-1a2b3c4d5e6f" | .objects[0].object_refs[0]=.objects[1].id'
g warn-od-sco-type-noprefix "$ODB" '.objects[1].type="foo" | .objects[1].id="foo--2c3d4e5f-6a7b-4c8d-9e0f-1a2b3c4d5e6f" | .objects[0].object_refs[0]=.objects[1].id'
g valid-od-sco-type-prefixed "$ODB" '.objects[1].type="x-c-foo" | .objects[1].id="x-c-foo--2c3d4e5f-6a7b-4c8d-9e0f-1a2b3c4d5e6f" | .objects[0].object_refs[0]=.objects[1].id'
g strict-od-extension-unknown "$ODB" '.objects[1].extensions.foobar={"foo":"bar"}'
g warn-od-sco-custom-prop-noprefix "$ODB" '.objects[1].foo="bar"'
g strict-od-extension-custom-prop "$ODB" '.objects[1].extensions["archive-ext"].foo="bar"'
g invalid-od-last-before-first "$OD" '.last_observed="2020-01-01T00:00:00Z"'
g invalid-od-ref-dangling "$OD" '.objects["0"].extensions["archive-ext"].contains_refs=["9"]'
g invalid-od-both-objects-and-refs "$OD" '.object_refs=["file--3d4e5f6a-7b8c-4d9e-8f1a-2b3c4d5e6f7a"]'
g invalid-od-neither-objects-nor-refs "$OD" 'del(.objects) | del(.granular_markings)'
printf '{"type": "identity", "id": "identity--5f6a7b8c-9d0e-4f1a-8b2c-3d4e5f6a7b8c"' > notjson-braces.json
printf '{"type": "identity",, "id": "x"}' > notjson-comma.json
