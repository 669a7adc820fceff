#!/bin/bash
# TAP runner for pattern_match.txt: solidarity pattern match (0 match, 1 no match, 2 error).
# usage: run_pattern_match.sh SOLIDARITY_BINARY CASEFILE DATADIR [START_NUMBER]
bin=$1; cases=$2; data=$3; n=${4:-0}
while IFS=$'\t' read -r expect files pat; do
	case $expect in ''|'#'*) continue ;; esac
	n=$((n + 1))
	args=()
	for f in $files; do args+=("$data/$f"); done
	"$bin" pattern match -- "$pat" "${args[@]}" >/dev/null 2>&1
	rc=$?
	case $rc in 0) got=match ;; 1) got=nomatch ;; 2) got=error ;; *) got="crash($rc)" ;; esac
	if [ "$got" = "$expect" ]; then
		echo "ok $n - match expect $expect [$files]: $pat"
	else
		echo "not ok $n - match expect $expect got $got [$files]: $pat"
	fi
done < "$cases"
echo "#count $n"
