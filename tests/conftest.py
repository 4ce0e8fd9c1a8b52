"""Shared fixtures: a print server on loopback, and a way to wait for jobs."""

import contextlib
import logging
import shutil
import subprocess
import threading
from dataclasses import replace

import numpy as np
import pytest
from watchdog.observers.polling import PollingObserver

from printserver.config import load_config, parse_config
from printserver.render.gsdf import Viewing, drive_values, pvalue_to_density
from printserver.scp import PrintSCP
from printserver.sop import PrintContext
from printserver.spooler import Spool, Spooler


def polling_observer():
    """The portable watchdog observer, polling often (tests only)."""
    return PollingObserver(timeout=0.05)


class JobWatcher:
    """Collects the spooler's state changes; waits for one with a timeout."""

    def __init__(self):
        self._cond = threading.Condition()
        self.states: dict[str, str] = {}

    def __call__(self, job_id: str, state: str) -> None:
        with self._cond:
            self.states[job_id] = state
            self._cond.notify_all()

    def wait_finished(self, count: int = 1, timeout: float = 60.0) -> dict[str, str]:
        """Wait until *count* jobs reached done or failed."""

        def finished():
            done = {j: s for j, s in self.states.items() if s in ("done", "failed")}
            return done if len(done) >= count else None

        with self._cond:
            result = self._cond.wait_for(finished, timeout)
        assert result, f"jobs did not finish in {timeout}s: {self.states}"
        return result


@pytest.fixture
def server_config(tmp_path):
    """The embedded configuration, on loopback, an OS-chosen port, tmp data."""
    config = load_config(None, data=str(tmp_path / "data"), host="127.0.0.1")
    return replace(config, server=replace(config.server, port=0))


@pytest.fixture
def print_server(server_config):
    """A running PrintSCP; yields (scp, port, watcher) and always stops it."""
    scp = PrintSCP(server_config, polling_observer)
    watcher = JobWatcher()
    scp.spooler.add_listener(watcher)
    _, port = scp.start()
    try:
        yield scp, port, watcher
    finally:
        scp.stop()


@pytest.fixture
def toml_server(tmp_path):
    """Start PrintSCPs from TOML: *server_lines* go under ``[server]`` (host
    and data root filled in: ``data``, then ``data-2``...), *rest* after it;
    all are stopped at the end."""
    started = []

    def start(server_lines="", rest=""):
        # A data root each: two spoolers on one spool would race for its jobs.
        data = tmp_path / ("data" if not started else f"data-{len(started) + 1}")
        text = f'[server]\nhost = "127.0.0.1"\ndata = "{data}"\n{server_lines}\n{rest}'
        config = parse_config(text)
        config = replace(config, server=replace(config.server, port=0))
        scp = PrintSCP(config, polling_observer)
        watcher = JobWatcher()
        scp.spooler.add_listener(watcher)
        _, port = scp.start()
        started.append(scp)
        return scp, port, watcher

    yield start
    for scp in started:
        scp.stop()


@pytest.fixture
def server_with_profile(tmp_path, toml_server):
    """Start a PrintSCP whose printer uses a profile written by the test."""

    def start(profile_toml):
        path = tmp_path / "profile.toml"
        path.write_text(profile_toml)
        return toml_server(rest=f'[[printers]]\nname = "custom"\nprofile = "{path}"\n')

    return start


@pytest.fixture
def ctx(tmp_path):
    """A PrintContext for calling SOP handlers directly, with a real spool."""
    config = load_config(None, data=str(tmp_path))
    spool = Spool(config.data_root)
    spool.ensure()
    return PrintContext(
        config=config,
        printer=config.default_printer,
        profile=config.profile(config.default_printer),
        spool=spool,
        spooler=Spooler(spool, config),
        calling_ae="TABLE",
        log=logging.getLogger("test"),
    )


@pytest.fixture
def tmpfs(tmp_path):
    """Mount a tmpfs of a given size (``"512k"``): a disk that really fills
    up.  Needs root; skips otherwise.  Unmounted after the test."""
    with contextlib.ExitStack() as stack:

        def mount(size):
            count = len(list(tmp_path.glob("tmpfs-*")))
            return stack.enter_context(mounted_tmpfs(tmp_path / f"tmpfs-{count}", size))

        yield mount


def gsdf_gray(pvalue, viewing=None):
    """The 8-bit drive value a P-Value (0-1) prints at with the default film
    settings, computed without the renderer's tone table."""
    viewing = viewing or Viewing()
    density = pvalue_to_density(np.array([pvalue]), viewing)
    return int(np.rint(drive_values(density, None, viewing.min_density)[0] * 255))


def require_tool(name: str, package: str) -> str:
    """Path of a program, or skip naming the Debian package to install."""
    path = shutil.which(name, path="/usr/sbin:/usr/bin:/usr/local/bin:/sbin:/bin")
    if path is None:
        pytest.skip(f"{name} not found: install the Debian package {package}")
    return path


@contextlib.contextmanager
def mounted_tmpfs(mount_point, size):
    """A real tmpfs of *size* (``512k``, ``10m``) on *mount_point*, a disk
    that really fills up; skips the test when it cannot mount (needs
    root)."""
    mount_point.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(mount_point)],
        capture_output=True,
        check=False,
    )
    if mounted.returncode != 0:
        pytest.skip("cannot mount a tmpfs (needs root)")
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", str(mount_point)], check=True)
