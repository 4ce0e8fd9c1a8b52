#!/usr/bin/env bash
# Set up what is missing and run the print server in the foreground on the
# embedded default configuration (AE PRINTSCP, port 11112, data in ./spool).
# Extra arguments go to `printserver serve`, e.g. --port 10400.
source "$(dirname "$0")/_setup.sh"
build_deps
# Installed again only when the project's dependencies changed: a restart
# needs no package index (the install is editable, so code changes count).
stamp="$VENV/.serve-installed"
wanted="$(sha256sum "$ROOT/pyproject.toml" | cut -d' ' -f1)"
if [ ! -x "$VENV/bin/printserver" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$wanted" ]; then
    make_venv
    "$VENV/bin/python" -m pip install -q -e "$ROOT"
    echo "$wanted" > "$stamp"
fi
cd "$ROOT"
exec "$VENV/bin/printserver" serve "$@"
