#!/bin/bash
# TAP runner for validate/*.json: solidarity validate [--strict] FILE.
# The expectation is the file name's prefix (see gen_validate.sh).
# usage: run_validate.sh SOLIDARITY_BINARY DIR [START_NUMBER]
bin=$1; dir=$2; n=${3:-0}
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
	n=$((n + 1))
	w0=${want% *}; w1=${want#* }
	if { [ "$w0" = "?" ] || [ "$rc" = "$w0" ]; } && [ "$rcs" = "$w1" ]; then
		echo "ok $n - validate $name (exit $rc, --strict $rcs)"
	else
		echo "not ok $n - validate $name: want exit $w0 / --strict $w1, got $rc / $rcs"
	fi
done
echo "#count $n"
