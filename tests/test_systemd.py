"""Life under systemd: the unit files, and the notification protocol as a
service manager sees it (a datagram socket of our own as NOTIFY_SOCKET)."""

import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import tomllib
from pathlib import Path

import pytest

from printserver.__main__ import main
from printserver.config import load_config, parse_config
from printserver.spooler import Spool, Spooler
from printserver.systemd import ServiceNotifier, queue_status
from tests.conftest import polling_observer, require_tool
from tests.net.test_dcmtk import write_images
from tests.test_cli import free_port

ROOT = Path(__file__).resolve().parent.parent
UNIT = ROOT / "systemd" / "printserver.service"
DATA_ROOT = "/var/spool/printserver"


def unit_for_here(tmp_path):
    """A copy of the unit whose ExecStart is this checkout's entry point:
    systemd-analyze verify wants the program to exist."""
    program = Path(sys.executable).parent / "printserver"
    assert program.exists(), f"{program}: install the project in its venv"
    text = UNIT.read_text()
    assert "ExecStart=/opt/printserver/bin/printserver serve" in text
    copy = tmp_path / "printserver.service"
    copy.write_text(text.replace("/opt/printserver/bin/printserver", str(program)))
    return copy


def test_unit_verifies(tmp_path):
    analyze = require_tool("systemd-analyze", "systemd")
    done = subprocess.run(
        [analyze, "verify", str(unit_for_here(tmp_path))],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert (done.returncode, done.stdout, done.stderr) == (0, "", "")


def test_unit_is_hardened(tmp_path):
    # Exposure 0-10 as systemd-analyze security rates it; the threshold is in
    # tenths.  2.0 and below is rated "OK".
    analyze = require_tool("systemd-analyze", "systemd")
    done = subprocess.run(
        [analyze, "security", "--offline=true", "--threshold=20", "--no-pager",
         str(unit_for_here(tmp_path))],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr


def unit_settings():
    settings = {}
    for line in UNIT.read_text().splitlines():
        if "=" in line and not line.startswith("#"):
            key, value = line.split("=", 1)
            settings.setdefault(key, []).append(value)
    return settings


def test_unit_settings_the_issue_asks_for():
    settings = unit_settings()
    assert settings["Type"] == ["notify"]
    assert settings["Restart"] == ["on-failure"]
    assert settings["User"] == ["printserver"]
    assert settings["ReadWritePaths"] == [DATA_ROOT]
    assert settings["AmbientCapabilities"] == ["CAP_NET_BIND_SERVICE"]
    assert settings["CapabilityBoundingSet"] == ["CAP_NET_BIND_SERVICE"]
    for key in ("NoNewPrivileges", "PrivateTmp", "ProtectHome"):
        assert settings[key] == ["yes"], key
    assert settings["ProtectSystem"] == ["strict"]
    assert settings["RestrictAddressFamilies"] == ["AF_INET AF_INET6 AF_UNIX"]
    # The idle loop pings every RESCAN_SECONDS; the watchdog must allow more.
    assert settings["WatchdogSec"] == ["5min"]


def test_shipped_config_matches_the_unit():
    text = (ROOT / "systemd" / "printserver.toml").read_text()
    config = parse_config(text, "printserver.toml")
    assert str(config.data_root) == DATA_ROOT
    assert config.server.port == 104
    assert "--config /etc/printserver/printserver.toml" in UNIT.read_text()
    assert tomllib.loads(text)["server"]["data"] == DATA_ROOT


def test_sysusers_and_tmpfiles_make_the_user_and_data_root(tmp_path):
    sysusers = require_tool("systemd-sysusers", "systemd")
    tmpfiles = require_tool("systemd-tmpfiles", "systemd")
    root = tmp_path / "root"
    (root / "etc").mkdir(parents=True)
    subprocess.run(
        [sysusers, f"--root={root}", str(ROOT / "systemd/printserver.sysusers")],
        check=True, capture_output=True,
    )  # fmt: skip
    passwd = (root / "etc/passwd").read_text()
    user = re.search(r"^printserver:x:(\d+):(\d+):[^:]*:(.*):(.*)$", passwd, re.M)
    assert user, passwd
    assert user[3] == DATA_ROOT and user[4].endswith("nologin")

    subprocess.run(
        [tmpfiles, f"--root={root}", "--create",
         str(ROOT / "systemd/printserver.tmpfiles")],
        check=True, capture_output=True,
    )  # fmt: skip
    st = (root / DATA_ROOT.lstrip("/")).stat()
    assert (st.st_uid, st.st_gid) == (int(user[1]), int(user[2]))
    assert st.st_mode & 0o777 == 0o750


# The notification protocol ---------------------------------------------------


def test_no_notify_socket_means_no_op():
    notifier = ServiceNotifier({})
    assert not notifier.enabled
    assert notifier.watchdog_seconds is None
    assert not notifier.ready("x")
    assert not notifier.watchdog()
    assert not notifier.stopping()
    notifier.close()


def test_abstract_socket_and_watchdog_pid():
    name = f"printserver-test-{os.getpid()}-{time.monotonic_ns()}"
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as manager:
        manager.bind(b"\0" + name.encode())
        manager.settimeout(5)
        env = {"NOTIFY_SOCKET": f"@{name}", "WATCHDOG_USEC": "2000000"}
        notifier = ServiceNotifier({**env, "WATCHDOG_PID": str(os.getpid())})
        assert notifier.watchdog_seconds == 2.0
        assert notifier.ready("0 pending")
        assert manager.recv(4096) == b"READY=1\nSTATUS=0 pending"
        assert notifier.watchdog()
        assert manager.recv(4096) == b"WATCHDOG=1"
        notifier.close()
    # The watchdog of another process (our parent's) is not ours to ping.
    other = ServiceNotifier({**env, "WATCHDOG_PID": str(os.getppid())})
    assert other.watchdog_seconds is None
    other.close()


def test_unreachable_manager_warns_once(tmp_path, caplog):
    notifier = ServiceNotifier({"NOTIFY_SOCKET": str(tmp_path / "gone")})
    assert not notifier.status("a")
    assert not notifier.status("b")
    warnings = [r for r in caplog.records if "cannot notify systemd" in r.message]
    assert len(warnings) == 1
    notifier.close()


def test_spooler_heartbeat_while_idle(tmp_path):
    config = load_config(None, data=str(tmp_path))
    spooler = Spooler(Spool(config.data_root), config, polling_observer)
    beats = threading.Semaphore(0)
    spooler.add_heartbeat(beats.release, 0.05)
    spooler.start()
    try:
        # Three beats with an empty queue: the loop turns by itself.
        assert all(beats.acquire(timeout=5) for _ in range(3))
    finally:
        spooler.stop()


def queue_held_job(tmp_path, data, capsys):
    """A job put in the spool by ``printserver print``, then held."""
    write_images(tmp_path, 1)
    assert main(["print", str(tmp_path / "img00.dcm"), "--data", str(data)]) == 0
    job_id = capsys.readouterr().out.split()[1].rstrip(":")
    assert main(["queue", "hold", job_id, "--data", str(data)]) == 0
    assert queue_status(Spool(data)) == (
        "0 pending, 0 rendering, 0 sending, 1 held, 0 failed"
    )
    return job_id


class Manager:
    """The service manager's end of NOTIFY_SOCKET: collects datagrams."""

    def __init__(self, path):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(str(path))
        self.path = path
        self.received = []

    def wait_for(self, wanted, timeout=20.0):
        """Read datagrams until one has the line *wanted* (a regex)."""
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            self.sock.settimeout(left)
            try:
                lines = self.sock.recv(4096).decode().splitlines()
            except TimeoutError:
                break
            self.received.append(lines)
            for line in lines:
                if re.fullmatch(wanted, line):
                    return line
        pytest.fail(f"no {wanted!r} in {timeout}s; got {self.received}")

    def close(self):
        self.sock.close()


def test_serve_notifies_the_service_manager(tmp_path, capsys):
    data = tmp_path / "data"
    job_id = queue_held_job(tmp_path, data, capsys)
    manager = Manager(tmp_path / "notify")  # AF_UNIX paths: 108 bytes at most
    env = {
        **os.environ,
        "NOTIFY_SOCKET": str(manager.path),
        "WATCHDOG_USEC": "400000",
        "INVOCATION_ID": "0123456789abcdef",
        "PYTHONUNBUFFERED": "1",
    }
    env.pop("WATCHDOG_PID", None)
    proc = subprocess.Popen(
        [sys.executable, "-m", "printserver", "serve", "--host", "127.0.0.1",
         "--port", str(free_port()), "--data", str(data)],
        stderr=subprocess.PIPE, text=True, env=env,
    )  # fmt: skip
    try:
        manager.wait_for("READY=1")
        ready = manager.received[-1]
        assert "STATUS=0 pending, 0 rendering, 0 sending, 1 held, 0 failed" in ready
        # Two pings at 0.2 s apart: the spooler's loop turns by itself.
        manager.wait_for("WATCHDOG=1", timeout=5)
        manager.wait_for("WATCHDOG=1", timeout=5)

        # A released job prints; STATUS follows the counts.
        assert main(["queue", "release", job_id, "--data", str(data)]) == 0
        manager.wait_for("STATUS=0 pending, 0 rendering, 0 sending, 0 held, 0 failed")
    finally:
        proc.send_signal(signal.SIGTERM)
        log = proc.communicate(timeout=60)[1]
    manager.wait_for("STOPPING=1", timeout=5)
    manager.close()
    assert proc.returncode == 0, log

    # Under systemd the journal stamps the time: our lines do not.
    lines = log.splitlines()
    assert lines and all(
        re.match(r"(DEBUG|INFO|WARNING|ERROR) \S+: ", x) for x in lines
    )
    assert f"job={job_id}" in log
