#!/bin/bash
# The conformance cases of the pattern checker, pattern matcher and STIX validator as one
# TAP test of the suite (tests/conformance/meson.build). The TAXII client cases
# (taxii_client.sh: a server on a loopback port, curl and jq) run only from run.sh.
# usage: suite.sh SOLIDARITY_BINARY
here=$(cd "$(dirname "$0")" && pwd)
bin=${1:?usage: suite.sh SOLIDARITY_BINARY}
[ -x "$bin" ] || { echo "Bail out! no $bin"; exit 2; }
n=0 decided=0
part() {
	local r
	r=$("$@" "$n")
	echo "$r" | grep -v '^#count\|^#decided'
	n=$(echo "$r" | sed -n 's/^#count //p')
	decided=$((decided + $(echo "$r" | sed -n 's/^#decided //p')))
}
part bash "$here/run_pattern_check.sh" "$bin" "$here/pattern_check.txt"
part bash "$here/run_pattern_match.sh" "$bin" "$here/pattern_match.txt" "$here/data"
part bash "$here/run_validate.sh" "$bin" "$here/validate"
echo "# $n cases: $((n - decided)) as the OASIS suites expect, $decided differ by decision (reasons on their lines)"
echo "1..$n"
