"""Fixtures for outputs: a server with printers of the test's choosing, a
private cupsd, a TCP sink standing in for a printer's port 9100."""

import socket
import threading
from dataclasses import replace

import numpy as np
import pytest

from printserver.config import parse_config
from printserver.scp import PrintSCP
from tests.conftest import JobWatcher, polling_observer, require_tool
from tests.outputs.cupsd import PrivateCupsd
from tests.printclient import PrintClient, grayscale_item
from tests.test_cli import free_port


@pytest.fixture
def server_with_printers(tmp_path):
    """Start a PrintSCP whose ``[[printers]]`` the test writes."""
    started = []

    def start(printers_toml):
        text = (
            f'[server]\nhost = "127.0.0.1"\ndata = "{tmp_path / "data"}"\n'
            f"{printers_toml}"
        )
        (tmp_path / "config.toml").write_text(text)  # for the CLI
        config = parse_config(text)
        config = replace(config, server=replace(config.server, port=0))
        scp = PrintSCP(config, polling_observer)
        scp.spooler.status_seconds = 0.2
        watcher = JobWatcher()
        scp.spooler.add_listener(watcher)
        _, port = scp.start()
        started.append(scp)
        return scp, port, watcher

    yield start
    for scp in started:
        scp.stop()


@pytest.fixture
def cupsd():
    """A private cupsd on a free loopback port, stopped after the test."""
    require_tool("cupsd", "cups")
    require_tool("lpadmin", "cups-client")
    daemon = PrivateCupsd(free_port())
    try:
        daemon.start()
        yield daemon
    finally:
        daemon.stop()


class Sink:
    """A TCP listener that keeps the bytes of each connection that sent
    any (the output's status probes connect and close)."""

    def __init__(self, port=0):
        self.server = socket.create_server(("127.0.0.1", port))
        self.port = self.server.getsockname()[1]
        self.received: list[bytes] = []
        self.got = threading.Condition()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        while True:
            try:
                conn, _ = self.server.accept()
            except OSError:
                return
            with conn:
                data = bytearray()
                while chunk := conn.recv(1 << 16):
                    data += chunk
            if not data:
                continue  # a status probe: connected, sent nothing
            with self.got:
                self.received.append(bytes(data))
                self.got.notify_all()

    def wait(self, count, timeout=30):
        with self.got:
            ok = self.got.wait_for(lambda: len(self.received) >= count, timeout)
        assert ok, f"{len(self.received)} connections, expected {count}"
        return self.received[:count]

    def close(self):
        self.server.close()


@pytest.fixture
def sink():
    listener = Sink()
    yield listener
    listener.close()


def print_film(port, gray=90, called_ae="PRINTSCP", calling_ae="TESTSCU", **session):
    """Print one STANDARD\\1,1 film of a flat image; the N-ACTION status."""
    with PrintClient(port, called_ae=called_ae, calling_ae=calling_ae) as client:
        client.create_session(**session)
        _, rsp = client.create_film_box()
        client.fill(
            rsp, lambda position: grayscale_item(np.full((8, 8), gray, np.uint8))
        )
        return client.print_film_box()[0].Status
