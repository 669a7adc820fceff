#!/bin/bash
# TAP runner for pattern_match.txt: solidarity pattern match (0 match, 1 no match, 2 error).
# A line '#decision: REASON' before a case says that its expectation is ours, not the
# OASIS suite's, for REASON (a spec section); the TAP line then says so.
# usage: run_pattern_match.sh SOLIDARITY_BINARY CASEFILE DATADIR [START_NUMBER]
bin=$1; cases=$2; why=""; decided=0; data=$3; n=${4:-0}
while IFS=$'\t' read -r expect files pat; do
	case $expect in
	'#decision: '*) why=${expect#'#decision: '}; continue ;;
	''|'#'*) continue ;;
	esac
	n=$((n + 1))
	note=""
	if [ -n "$why" ]; then note=" [differs from OASIS by decision: $why]"; decided=$((decided + 1)); fi
	why=
	args=()
	for f in $files; do args+=("$data/$f"); done
	"$bin" pattern match -- "$pat" "${args[@]}" >/dev/null 2>&1
	rc=$?
	case $rc in 0) got=match ;; 1) got=nomatch ;; 2) got=error ;; *) got="crash($rc)" ;; esac
	if [ "$got" = "$expect" ]; then
		echo "ok $n - match expect $expect [$files]: $pat$note"
	else
		echo "not ok $n - match expect $expect got $got [$files]: $pat$note"
	fi
done < "$cases"
echo "#count $n"
echo "#decided $decided"
