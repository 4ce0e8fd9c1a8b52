"""scripts/install.sh, staged into a folder (DESTDIR): what it puts where,
and that the installed command works.  Enabling the service needs a running
systemd, which this test does not call."""

import os
import re
import subprocess
from pathlib import Path

import pytest

from printserver.config import load_config
from printserver.password import verify_password
from tests.conftest import require_tool
from tests.test_cli import free_port

ROOT = Path(__file__).resolve().parent.parent
#: The web admin password the staged install is given.
PASSWORD = "install-time"


@pytest.fixture(scope="module")
def stage(tmp_path_factory):
    """Run the install script once, into a staging folder."""
    require_tool("systemd-sysusers", "systemd")
    if os.geteuid() != 0:
        pytest.skip("the install script runs as root (it makes a user)")
    dest = tmp_path_factory.mktemp("stage")
    assert "systemctl not called" in install(dest)
    return dest


def install(dest):
    """Run the script with DESTDIR=*dest*; its stderr."""
    done = subprocess.run(
        [str(ROOT / "scripts" / "install.sh")],
        env={**os.environ, "DESTDIR": str(dest),
             "PRINTSERVER_ADMIN_PASSWORD": PASSWORD},
        capture_output=True, text=True, check=False, timeout=900,
        stdin=subprocess.DEVNULL,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-4000:]
    return done.stderr


def test_files_where_the_readme_says(stage):
    unit = stage / "etc/systemd/system/printserver.service"
    assert unit.read_text() == (ROOT / "systemd/printserver.service").read_text()
    for kind in ("sysusers", "tmpfiles"):
        installed = stage / f"etc/{kind}.d/printserver.conf"
        assert (
            installed.read_text() == (ROOT / f"systemd/printserver.{kind}").read_text()
        )
    config = stage / "etc/printserver/printserver.toml"
    shipped = (ROOT / "systemd/printserver.toml").read_text()
    # The shipped file, with the hash of the password given at install.
    text, hashed = config.read_text().rsplit("password_hash = ", 1)
    assert text == shipped
    assert verify_password(load_config(config).web.password_hash, PASSWORD)
    assert hashed.startswith('"scrypt:')

    passwd = (stage / "etc/passwd").read_text()
    user = re.search(r"^printserver:x:(\d+):", passwd, re.M)
    assert user
    group = re.search(r"^printserver:x:(\d+):", (stage / "etc/group").read_text(), re.M)
    assert (config.stat().st_mode & 0o777, config.stat().st_gid) == (
        0o640,
        int(group[1]),
    )
    data_root = stage / "var/spool/printserver"
    assert data_root.stat().st_uid == int(user[1])


def test_installed_command_runs_doctor(stage, tmp_path):
    require_tool("gs", "ghostscript")
    program = stage / "opt/printserver/bin/printserver"
    # The shipped configuration, with the data root and port moved here.
    config = tmp_path / "printserver.toml"
    text = (stage / "etc/printserver/printserver.toml").read_text()
    text = text.replace('"/var/spool/printserver"', f'"{tmp_path / "data"}"')
    text = text.replace("port = 104", f"port = {free_port()}")
    web_port = free_port()
    text = text.replace("port = 8080", f"port = {web_port}")
    config.write_text(text.replace('host = "0.0.0.0"', 'host = "127.0.0.1"'))

    done = subprocess.run(
        [str(program), "doctor", "--config", str(config)],
        capture_output=True, text=True, check=False, cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert len(done.stdout.splitlines()) == 6
    assert f"ok    web page port {web_port} on 127.0.0.1: free, password" in done.stdout
    assert "ok    printer folder (folder)" in done.stdout


def test_staged_unit_verifies_with_the_installed_program(stage, tmp_path):
    analyze = require_tool("systemd-analyze", "systemd")
    program = stage / "opt/printserver/bin/printserver"
    unit = tmp_path / "printserver.service"
    text = (stage / "etc/systemd/system/printserver.service").read_text()
    unit.write_text(text.replace("/opt/printserver/bin/printserver", str(program)))
    done = subprocess.run(
        [analyze, "verify", str(unit)], capture_output=True, text=True, check=False
    )
    assert (done.returncode, done.stderr) == (0, "")


def test_a_second_run_keeps_the_configuration(stage):
    config = stage / "etc/printserver/printserver.toml"
    config.write_text(config.read_text() + "\n# edited by the admin\n")
    assert f"kept {config}" in install(stage)
    assert config.read_text().endswith("# edited by the admin\n")


def test_readme_install_section_names_what_is_staged(stage):
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Install on Debian / Raspberry Pi OS", 1)[1]
    named = set(re.findall(r"`(/(?:etc|opt|var)/[^` ]*)`", section))
    assert "/etc/sysusers.d/printserver.conf" in named
    for path in named - {"/var/spool/printserver/output"}:  # the server makes it
        assert (stage / path.lstrip("/")).exists(), path
