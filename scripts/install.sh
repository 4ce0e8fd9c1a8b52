#!/usr/bin/env bash
# Install printserver as a systemd service (Debian, Raspberry Pi OS), as root:
#
#   scripts/install.sh [WHEEL]
#
# WHEEL (default: one built from this checkout) goes into a virtual
# environment of its own, PREFIX (default /opt/printserver).  The unit, the
# sysusers.d and tmpfiles.d files go into /etc, the configuration into
# /etc/printserver/printserver.toml (an existing one is kept).  Then the user
# and the data root are made, and the service is enabled and (re)started.
#
# DESTDIR=DIR stages everything below DIR instead, for tests and packaging:
# the user and the data root are made inside DIR, and systemctl is not
# called.  The virtual environment's scripts then name DIR: it does not move.
source "$(dirname "$0")/_setup.sh"

PREFIX="${PREFIX:-/opt/printserver}"
DESTDIR="${DESTDIR:-}"
PYTHON="${PYTHON:-/usr/bin/python3}"
UNITS="$ROOT/systemd"
ETC="$DESTDIR/etc"
VENV_DIR="$DESTDIR$PREFIX"
ROOT_OPTION=()
[ -n "$DESTDIR" ] && ROOT_OPTION=(--root="$DESTDIR")

# Debian packages: Ghostscript, the annotation font, what pycups builds with.
apt_install ghostscript fonts-dejavu-core
build_deps
"$PYTHON" -c "import venv, ensurepip" 2>/dev/null || apt_install python3-venv

echo "virtual environment $VENV_DIR" >&2
"$PYTHON" -m venv "$VENV_DIR"
"$VENV_DIR/bin/python" -m pip install -q --upgrade "pip>=25.1"
wheel="${1:-}"
if [ -z "$wheel" ]; then
    dist="$(mktemp -d)"
    trap 'rm -rf "$dist"' EXIT
    "$VENV_DIR/bin/python" -m pip wheel -q --no-deps -w "$dist" "$ROOT"
    wheel="$(echo "$dist"/printserver-*.whl)"
fi
"$VENV_DIR/bin/python" -m pip install -q "$wheel"
# The same version again (a rebuilt checkout) replaces the package too.
"$VENV_DIR/bin/python" -m pip install -q --force-reinstall --no-deps "$wheel"

echo "unit, sysusers.d and tmpfiles.d files in $ETC" >&2
install -D -m 0644 "$UNITS/printserver.sysusers" "$ETC/sysusers.d/printserver.conf"
install -D -m 0644 "$UNITS/printserver.tmpfiles" "$ETC/tmpfiles.d/printserver.conf"
unit="$ETC/systemd/system/printserver.service"
install -d -m 0755 "$(dirname "$unit")"
sed "s|/opt/printserver/|$PREFIX/|g" "$UNITS/printserver.service" >"$unit"
chmod 0644 "$unit"
install -d -m 0755 "$ETC/printserver"
if [ -e "$ETC/printserver/printserver.toml" ]; then
    echo "kept $ETC/printserver/printserver.toml" >&2
else
    install -m 0644 "$UNITS/printserver.toml" "$ETC/printserver/printserver.toml"
fi

# The user, then the data root it owns.
systemd-sysusers "${ROOT_OPTION[@]}" printserver.conf
systemd-tmpfiles "${ROOT_OPTION[@]}" --create printserver.conf

# The web page's admin password, set once (an existing one is kept):
# $PRINTSERVER_ADMIN_PASSWORD, else asked for on a terminal.  Its scrypt
# hash goes into the configuration, which only root and the service read.
config="$ETC/printserver/printserver.toml"
if ! grep -q '^password_hash' "$config"; then
    if [ -n "${PRINTSERVER_ADMIN_PASSWORD:-}" ]; then
        printf '%s\n' "$PRINTSERVER_ADMIN_PASSWORD" |
            "$VENV_DIR/bin/printserver" passwd --config "$config" --stdin >&2
    elif [ -t 0 ]; then
        "$VENV_DIR/bin/printserver" passwd --config "$config" >&2
    else
        echo "no web admin password: set one with" \
            "$PREFIX/bin/printserver passwd --config /etc/printserver/printserver.toml" >&2
    fi
fi
gid="$(awk -F: '$1 == "printserver" { print $3 }' "$ETC/group")"
chgrp "$gid" "$config"
chmod 0640 "$config"

if [ -n "$DESTDIR" ]; then
    echo "staged in $DESTDIR; systemctl not called" >&2
elif [ ! -d /run/systemd/system ]; then
    echo "systemd is not running here: later, systemctl enable --now printserver" >&2
else
    systemctl daemon-reload
    systemctl enable printserver
    systemctl restart printserver  # starts it, or runs the new version
    echo "running; check it with: sudo -u printserver $PREFIX/bin/printserver doctor" >&2
fi
