#!/usr/bin/env bash
# privileges.sh — see privileges.py. Usage: privileges.sh SOLIDARITY-BINARY
command -v python3 >/dev/null || { echo "1..0 # SKIP python3 is not installed"; exit 0; }
exec python3 "$(dirname "$0")/privileges.py" "$1" "${SOLIDARITY_BUILD:-$(dirname "$1")}"
