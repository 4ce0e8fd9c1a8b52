#!/usr/bin/env bash
# Set up what is missing and run the print server in the foreground on the
# embedded default configuration (AE PRINTSCP, port 11112, data in ./spool).
# Extra arguments go to `printserver serve`, e.g. --port 10400.
source "$(dirname "$0")/_setup.sh"
build_deps
make_venv
"$VENV/bin/python" -m pip install -q -e "$ROOT"
cd "$ROOT"
exec "$VENV/bin/printserver" serve "$@"
