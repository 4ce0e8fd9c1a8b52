#!/usr/bin/env bash
# Set up what is missing (Debian: ghostscript, dcmtk, cups, fonts-dejavu-core,
# chromium and chromium-driver for the web page's test, and what pycups
# builds with; Python: the project and its test and lint
# groups), check lint and types, and run the whole test suite.  Extra
# arguments go to pytest.
source "$(dirname "$0")/_setup.sh"
apt_install ghostscript dcmtk dicom3tools fonts-dejavu-core cups cups-client systemd \
    chromium chromium-driver
build_deps
make_venv
"$VENV/bin/python" -m pip install -q -e "$ROOT" \
    --group "$ROOT/pyproject.toml:test" --group "$ROOT/pyproject.toml:lint"
cd "$ROOT"
"$VENV/bin/ruff" check printserver tests benchmarks
"$VENV/bin/ruff" format --check printserver tests benchmarks
"$VENV/bin/mypy"
if grep -rnE '#\s*(TODO|FIXME|XXX)\b[^(]' printserver tests benchmarks; then
    echo "TODO/FIXME needs a trigger in parentheses, e.g. TODO(#3)" >&2
    exit 1
fi
exec "$VENV/bin/python" -m pytest "$@"
