#!/bin/bash
# TAP runner for pattern_check.txt: solidarity pattern check (exit 0 valid, 2 invalid).
# usage: run_pattern_check.sh SOLIDARITY_BINARY CASEFILE [START_NUMBER]
bin=$1; cases=$2; n=${3:-0}
while IFS=$'\t' read -r expect ver pat; do
	case $expect in ''|'#'*) continue ;; esac
	n=$((n + 1))
	"$bin" pattern check --stix-version "$ver" -- "$pat" >/dev/null 2>&1
	rc=$?
	got=other
	[ $rc -eq 0 ] && got=valid
	[ $rc -eq 2 ] && got=invalid
	if [ "$got" = "$expect" ]; then
		echo "ok $n - check $ver expect $expect: $pat"
	else
		echo "not ok $n - check $ver expect $expect got $got (rc $rc): $pat"
	fi
done < "$cases"
echo "#count $n"
