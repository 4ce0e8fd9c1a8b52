"""``printserver serve`` with its web page, and ``printserver passwd``."""

import io
import os
import signal
import socket
import ssl
import subprocess
import sys
import urllib.request

import pytest

from printserver.__main__ import main
from printserver.config import load_config, parse_config
from printserver.errors import ConfigError
from printserver.password import hash_password, verify_password
from tests.test_cli import free_port


def write_config(tmp_path, web_port):
    path = tmp_path / "printserver.toml"
    path.write_text(
        f'[server]\nhost = "127.0.0.1"\nport = {free_port()}\n'
        f'data = "{tmp_path / "data"}"\n'
        f"# the page\n[web]\nenabled = true\nport = {web_port}\n"
    )
    return path


def serve(path):
    return subprocess.Popen(
        [sys.executable, "-m", "printserver", "serve", "--config", str(path)],
        stderr=subprocess.PIPE, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )  # fmt: skip


def serve_web(tmp_path):
    """A server with its page on a free port: (process, port, its log up to
    the line naming the page's address)."""
    port = free_port()
    proc = serve(write_config(tmp_path, port))
    seen = []
    for line in proc.stderr:
        seen.append(line)
        if "web admin page on" in line:
            return proc, port, "".join(seen)
    proc.communicate(timeout=10)
    pytest.fail(f"server did not start (exit {proc.returncode})")


def test_serve_runs_the_web_page(tmp_path):
    proc, port, log = serve_web(tmp_path)
    try:
        assert (
            f"INFO printserver.web: web admin page on http://127.0.0.1:{port}/" in log
        )
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics") as rsp:
            text = rsp.read().decode()
        assert 'printserver_jobs{state="done"} 0.0' in text
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/login") as rsp:
            assert "No admin password is set" in rsp.read().decode()
    finally:
        proc.send_signal(signal.SIGTERM)
        rest = proc.communicate(timeout=30)[1]
    assert proc.returncode == 0, rest
    assert "WARNING printserver.web: web admin page: no password set" in log


def test_web_port_in_use_is_a_critical_error(tmp_path):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        proc = serve(write_config(tmp_path, port))
        rest = proc.communicate(timeout=60)[1]
    assert proc.returncode == 1
    assert (
        f"CRITICAL printserver: cannot start: web admin page on 127.0.0.1:{port}"
        in rest
    )


def test_lim_009_the_page_speaks_plain_http_only(tmp_path):
    # LIMITATION(LIM-009) pinned: a TLS client gets no handshake.
    proc, port, _ = serve_web(tmp_path)
    try:
        context = ssl.create_default_context()
        with socket.create_connection(("127.0.0.1", port), timeout=2) as raw:
            with pytest.raises((ssl.SSLError, TimeoutError), match="handshake|VERSION"):
                context.wrap_socket(raw, server_hostname="localhost")
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=30)


def test_passwd_writes_the_hash_and_keeps_the_file(tmp_path, monkeypatch, capsys):
    path = write_config(tmp_path, 8080)
    monkeypatch.setattr(sys, "stdin", io.StringIO("correct horse\n"))
    assert main(["passwd", "--config", str(path), "--stdin"]) == 0
    assert "password hash written to" in capsys.readouterr().out
    text = path.read_text()
    assert "# the page\n[web]\nenabled = true\nport = 8080\n" in text
    config = load_config(path)
    assert config.web.password_hash.startswith("scrypt:")
    assert verify_password(config.web.password_hash, "correct horse")
    assert not verify_password(config.web.password_hash, "correct horsE")

    monkeypatch.setattr(sys, "stdin", io.StringIO("short\n"))
    assert main(["passwd", "--config", str(path), "--stdin"]) == 1
    assert "a password needs 8 characters or more" in capsys.readouterr().err
    assert load_config(path).web.password_hash == config.web.password_hash


def test_no_hash_lets_nobody_in():
    assert not verify_password("", "")
    assert not verify_password("plain text", "plain text")
    assert verify_password(hash_password("eight chars"), "eight chars")


def test_web_section_defaults_and_errors():
    web = parse_config("").web
    assert (web.enabled, web.host, web.port, web.password_hash) == (
        False, "127.0.0.1", 8080, "",
    )  # fmt: skip
    with pytest.raises(ConfigError, match=r"web.port: 70000 not in 0-65535"):
        parse_config("[web]\nport = 70000\n")
    with pytest.raises(ConfigError, match=r"web.theme: unknown key"):
        parse_config("[web]\ntheme = 'dark'\n")
    with pytest.raises(ConfigError, match=r"web.enabled: expected bool"):
        parse_config("[web]\nenabled = 'yes'\n")
