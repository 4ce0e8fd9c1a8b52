"""The `printserver` command as a user runs it: real process, real signals."""

import json
import os
import signal
import socket
import subprocess
import sys

import pytest
from pynetdicom import AE
from pynetdicom.sop_class import Verification

from printserver.__main__ import main


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(tmp_path, *extra):
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "printserver", "serve", "--host", "127.0.0.1",
         "--port", str(port), "--data", str(tmp_path / "data"), *extra],
        stderr=subprocess.PIPE, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )  # fmt: skip
    # Wait for the line that says the port is bound (no sleeping).
    for line in proc.stderr:
        if "listening on" in line:
            return proc, port, line
    proc.communicate(timeout=10)
    pytest.fail(f"server did not start (exit {proc.returncode})")


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_serve_answers_echo_and_stops_on_signal(tmp_path, signum):
    proc, port, line = start_server(tmp_path, "--ae-title", "FILMER")
    assert f"127.0.0.1:{port} as FILMER" in line
    try:
        ae = AE(ae_title="ECHOSCU")
        ae.add_requested_context(Verification)
        assoc = ae.associate("127.0.0.1", port, ae_title="FILMER")
        assert assoc.is_established
        assert assoc.send_c_echo().Status == 0x0000
        assoc.release()
    finally:
        proc.send_signal(signum)
        rest = proc.communicate(timeout=30)[1]
    assert proc.returncode == 0
    assert "ECHOSCU@127.0.0.1" in rest and "association accepted" in rest
    assert "association released" in rest
    assert rest.rstrip().endswith("printserver.scp: stopped")


def test_wrong_called_ae_is_rejected_and_logged(tmp_path):
    proc, port, _ = start_server(tmp_path)
    try:
        ae = AE(ae_title="ECHOSCU")
        ae.add_requested_context(Verification)
        assoc = ae.associate("127.0.0.1", port, ae_title="SOMEONE")
        assert assoc.is_rejected
    finally:
        proc.send_signal(signal.SIGTERM)
        rest = proc.communicate(timeout=30)[1]
    assert (
        "association rejected: called AE title not recognized ('SOMEONE'; we are "
        "PRINTSCP)"
    ) in rest


def test_port_in_use_is_a_critical_error(tmp_path):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = subprocess.run(
            [sys.executable, "-m", "printserver", "serve", "--host", "127.0.0.1",
             "--port", str(port), "--data", str(tmp_path)],
            capture_output=True, text=True, timeout=60, check=False,
        )  # fmt: skip
    assert result.returncode == 1
    assert "CRITICAL printserver: cannot start" in result.stderr


def test_bad_config_names_the_key(tmp_path, capsys):
    path = tmp_path / "bad.toml"
    path.write_text("[server]\nport = 0\n")
    assert main(["serve", "--config", str(path)]) == 2
    assert "server.port: 0 not in 1-65535" in capsys.readouterr().err


def test_queue_list_empty_and_table(tmp_path, capsys):
    assert main(["queue", "list", "--data", str(tmp_path)]) == 0
    assert "no jobs in" in capsys.readouterr().out
    assert main(["queue", "list", "--json", "--data", str(tmp_path)]) == 0
    assert json.loads(capsys.readouterr().out) == []
