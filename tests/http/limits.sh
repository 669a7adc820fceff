#!/usr/bin/env bash
# limits.sh — see limits.py. Usage: limits.sh SOLIDARITY-BINARY
command -v python3 >/dev/null || { echo "1..0 # SKIP python3 is not installed"; exit 0; }
exec python3 "$(dirname "$0")/limits.py" "$1" "${SOLIDARITY_BUILD:-$(dirname "$1")}"
