"""``printserver doctor``: one line per check, and the fix for each failure."""

import os
import socket
import subprocess
import sys

import pytest

from printserver import doctor
from printserver.__main__ import main
from tests.conftest import require_tool
from tests.test_cli import free_port


@pytest.fixture(autouse=True)
def no_appliance(monkeypatch):
    """Judge the data root as the user running the test: no service user,
    and no /etc/printserver configuration taken by default."""
    monkeypatch.setattr(doctor, "SERVICE_USER", "no-such-user-for-tests")
    monkeypatch.setattr(doctor, "SYSTEM_CONFIG", doctor.Path("/nonexistent.toml"))


def write_config(tmp_path, data=None, port=None, printers="", host="127.0.0.1"):
    data = data or tmp_path / "data"
    port = port or free_port()
    path = tmp_path / "printserver.toml"
    path.write_text(
        f'[server]\nhost = "{host}"\nport = {port}\ndata = "{data}"\n'
        f"[spool]\nmin_free_mb = 1\n{printers}"
    )
    return path


def run_doctor(capsys, *argv):
    status = main(["doctor", *argv])
    return status, capsys.readouterr().out.splitlines()


def test_good_config_passes(tmp_path, capsys):
    require_tool("gs", "ghostscript")
    status, lines = run_doctor(capsys, "--config", str(write_config(tmp_path)))
    assert status == 0, lines
    assert [line.split()[:2] for line in lines] == [
        ["ok", "configuration:"],
        ["ok", "data"],
        ["ok", "Ghostscript:"],
        ["ok", "printer"],
        ["ok", "port"],
    ]
    assert "absent;" in lines[1]  # not created: the server makes it
    assert not (tmp_path / "data").exists()


def test_data_root_that_is_a_file_fails_with_the_fix(tmp_path, capsys):
    (tmp_path / "data").write_text("not a folder")
    status, lines = run_doctor(capsys, "--config", str(write_config(tmp_path)))
    assert status == 1
    [line] = [x for x in lines if x.startswith("FAIL")]
    root = tmp_path / "data"
    assert line == (
        f"FAIL  data root: {root} is not a folder; fix: move {root} away, or set "
        "server.data to a folder"
    )


def test_data_root_not_owned_by_the_service_user(tmp_path, capsys, monkeypatch):
    if os.geteuid() != 0:
        pytest.skip("as root only: the check judges for the service's user")
    monkeypatch.setattr(doctor, "SERVICE_USER", "nobody")
    (tmp_path / "data").mkdir()
    status, lines = run_doctor(capsys, "--config", str(write_config(tmp_path)))
    assert status == 1
    assert f"FAIL  data root: {tmp_path / 'data'} belongs to root" in lines[1]
    assert lines[1].endswith(f"fix: chown -R nobody: {tmp_path / 'data'}")


def test_too_little_free_space(tmp_path, capsys):
    config = write_config(tmp_path)
    config.write_text(
        config.read_text().replace("min_free_mb = 1", "min_free_mb = 1000000000")
    )
    status, lines = run_doctor(capsys, "--config", str(config))
    assert status == 1
    assert "below spool.min_free_mb = 1000000000" in lines[1]
    assert "fix: free disk space" in lines[1]


def test_dead_socket_printer_is_named(tmp_path, capsys):
    dead = free_port()  # nobody listens there
    printers = (
        f'[[printers]]\nname = "film"\nkind = "socket"\nhost = "127.0.0.1"\n'
        f"port = {dead}\n"
    )
    config = write_config(tmp_path, printers=printers)
    status, lines = run_doctor(capsys, "--config", str(config))
    assert status == 1
    [line] = [x for x in lines if x.startswith("FAIL")]
    assert line.startswith(
        "FAIL  printer film (socket): FAILURE (PRINTER DOWN): cannot connect to "
        f"127.0.0.1:{dead}"
    )
    assert "fix: switch the printer on" in line


def test_disabled_printer(tmp_path, capsys):
    config = write_config(tmp_path)
    data = str(tmp_path / "data")
    assert (
        main(["printers", "disable", "folder", "--reason", "jam", "--data", data]) == 0
    )
    capsys.readouterr()
    status, lines = run_doctor(capsys, "--config", str(config))
    assert status == 1
    [line] = [x for x in lines if x.startswith("FAIL")]
    assert line == (
        "FAIL  printer folder (folder): NORMAL (NORMAL); disabled (jam); "
        "fix: printserver printers enable folder"
    )


def test_port_of_a_running_printserver_is_ok(print_server, capsys, tmp_path):
    scp, port, _ = print_server
    config = write_config(tmp_path, data=scp.config.data_root, port=port)
    status, lines = run_doctor(capsys, "--config", str(config))
    assert lines[-1] == (
        f"ok    port {port} on 127.0.0.1: in use by a running printserver (PRINTSCP)"
    )


def test_port_held_by_another_program_fails(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(doctor, "TIMEOUT", 1.0)
    with socket.socket() as other:
        other.bind(("127.0.0.1", 0))
        other.listen()
        port = other.getsockname()[1]
        config = write_config(tmp_path, port=port)
        status, lines = run_doctor(capsys, "--config", str(config))
    assert status == 1
    assert lines[-1].startswith(
        f"FAIL  port {port} on 127.0.0.1: Address already in use"
    )
    assert lines[-1].endswith(
        f"fix: stop the program that holds it (ss -ltnp 'sport = :{port}'), "
        "or set server.port"
    )


def test_bad_config_is_a_finding(tmp_path, capsys):
    path = tmp_path / "bad.toml"
    path.write_text("[server]\nport = 0\n")
    status, lines = run_doctor(capsys, "--config", str(path))
    assert status == 1
    assert lines == [
        f"FAIL  configuration: {path}: server.port: 0 not in 1-65535; fix: correct "
        f"{path}"
    ]


def test_embedded_default_as_a_command(tmp_path):
    # The whole command, as an admin runs it, in a folder of its own.
    require_tool("gs", "ghostscript")
    done = subprocess.run(
        [sys.executable, "-m", "printserver", "doctor", "--config",
         str(write_config(tmp_path))],
        capture_output=True, text=True, check=False, cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stderr == ""
