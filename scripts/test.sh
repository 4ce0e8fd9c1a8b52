#!/usr/bin/env bash
# Set up what is missing (Debian: ghostscript, dcmtk; Python: the project and
# its test group) and run the whole test suite.  Extra arguments go to pytest.
source "$(dirname "$0")/_setup.sh"
apt_install ghostscript dcmtk
make_venv
"$VENV/bin/python" -m pip install -q -e "$ROOT" --group "$ROOT/pyproject.toml:test"
cd "$ROOT"
exec "$VENV/bin/python" -m pytest "$@"
