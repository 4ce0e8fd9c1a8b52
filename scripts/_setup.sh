# Shared set-up for scripts/serve.sh and scripts/test.sh (sourced, not run).
# Creates .venv with the project installed, installing Debian packages
# first when they are missing and we may (root, or sudo without a password).

set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${PRINTSERVER_VENV:-$ROOT/.venv}"

apt_install() {
    # apt_install PROGRAM-OR-CHECK PACKAGE...
    local missing=()
    for pkg in "$@"; do
        dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    local sudo=""
    if [ "$(id -u)" -ne 0 ]; then
        if command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
            sudo="sudo"
        else
            echo "missing Debian packages: ${missing[*]} (install them as root)" >&2
            return 1
        fi
    fi
    echo "installing Debian packages: ${missing[*]}" >&2
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
}

build_deps() {
    # pycups is built from source: it needs libcups headers and a compiler.
    apt_install libcups2-dev gcc
    local include
    include="$(python3 -c 'import sysconfig; print(sysconfig.get_paths()["include"])')"
    [ -f "$include/Python.h" ] || apt_install python3-dev
}

make_venv() {
    if ! python3 -c "import venv, ensurepip" 2>/dev/null; then
        apt_install python3-venv
    fi
    if [ ! -x "$VENV/bin/python" ]; then
        echo "creating $VENV" >&2
        python3 -m venv "$VENV"
    fi
    "$VENV/bin/python" -m pip install -q --upgrade "pip>=25.1"
}
