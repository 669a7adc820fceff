#!/bin/bash
# TAP runner for pattern_check.txt: solidarity pattern check (exit 0 valid, 2 invalid).
# A line '#decision: REASON' before a case says that its expectation is ours, not the
# OASIS suite's, for REASON (a spec section); the TAP line then says so.
# usage: run_pattern_check.sh SOLIDARITY_BINARY CASEFILE [START_NUMBER]
bin=$1; cases=$2; why=""; decided=0; n=${3:-0}
while IFS=$'\t' read -r expect ver pat; do
	case $expect in
	'#decision: '*) why=${expect#'#decision: '}; continue ;;
	''|'#'*) continue ;;
	esac
	n=$((n + 1))
	note=""
	if [ -n "$why" ]; then note=" [differs from OASIS by decision: $why]"; decided=$((decided + 1)); fi
	why=
	"$bin" pattern check --stix-version "$ver" -- "$pat" >/dev/null 2>&1
	rc=$?
	got=other
	[ $rc -eq 0 ] && got=valid
	[ $rc -eq 2 ] && got=invalid
	if [ "$got" = "$expect" ]; then
		echo "ok $n - check $ver expect $expect: $pat$note"
	else
		echo "not ok $n - check $ver expect $expect got $got (rc $rc): $pat$note"
	fi
done < "$cases"
echo "#count $n"
echo "#decided $decided"
