#!/bin/bash
# TAP runner for validate/*.json: solidarity validate [--strict] FILE.
# The expectation is the file name's prefix (see gen_validate.sh).
# DIR/decisions.txt lists NAME<TAB>EXIT STRICT_EXIT<TAB>REASON for the files whose
# expectation is ours, not the OASIS suite's, for REASON (a spec section).
# usage: run_validate.sh SOLIDARITY_BINARY DIR [START_NUMBER]
bin=$1; dir=$2; n=${3:-0}; decided=0
for f in "$dir"/*.json; do
	name=$(basename "$f" .json)
	"$bin" validate -q "$f" >/dev/null 2>&1; rc=$?
	"$bin" validate -q --strict "$f" >/dev/null 2>&1; rcs=$?
	case $name in
	valid-*) want="0 0" ;;
	warn-*) want="0 1" ;;
	invalid-*) want="1 1" ;;
	strict-*) want="? 1" ;;
	notjson-*) want="2 2" ;;
	*) continue ;;
	esac
	note=""
	if [ -f "$dir/decisions.txt" ]; then
		d=$(awk -F'\t' -v k="$name" '$1 == k { print $2 "\t" $3; exit }' "$dir/decisions.txt")
		if [ -n "$d" ]; then
			want=${d%%$'\t'*}
			note=" [differs from OASIS by decision: ${d#*$'\t'}]"
			decided=$((decided + 1))
		fi
	fi
	n=$((n + 1))
	w0=${want% *}; w1=${want#* }
	if { [ "$w0" = "?" ] || [ "$rc" = "$w0" ]; } && [ "$rcs" = "$w1" ]; then
		echo "ok $n - validate $name (exit $rc, --strict $rcs)$note"
	else
		echo "not ok $n - validate $name: want exit $w0 / --strict $w1, got $rc / $rcs$note"
	fi
done
echo "#count $n"
echo "#decided $decided"
