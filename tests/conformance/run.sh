#!/bin/bash
# Conformance cases rewritten from the behaviours the OASIS suites test (see README).
# usage: bash tests/conformance/run.sh BUILD_DIR      prints TAP; exit 1 if any case fails
here=$(cd "$(dirname "$0")" && pwd)
bin=${1:?usage: run.sh BUILD_DIR}/solidarity
[ -x "$bin" ] || { echo "Bail out! no $bin"; exit 2; }
out=$(
	r=$(bash "$here/suite.sh" "$bin"); echo "$r" | grep -v '^1\.\.'; n=$(echo "$r" | sed -n 's/^1\.\.//p')
	r=$(bash "$here/taxii_client.sh" "$bin" $n); echo "$r" | grep -v '^#count'; n=$(echo "$r" | sed -n 's/^#count //p')
	echo "1..$n"
)
echo "$out"
! echo "$out" | grep -q '^not ok'
