"""C-MOVE to a peer registered with tls = true: DCMTK's storescp over TLS."""

import socket
import subprocess
import threading
import time

import pytest

from tests.net.dicomtools import data_set_bytes, dcmtk, image
from tests.net.test_archive import start_server
from tests.net.test_archive_forward import _wait_for_files
from tests.net.test_tls import pki  # noqa: F401 - the fixture
from tests.test_cli import free_port

pytestmark = pytest.mark.dcmtk


def _wait_listening(port, timeout=30.0):
    """storescp has no ready signal: connect until it accepts."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        threading.Event().wait(0.05)
    raise AssertionError(f"storescp not listening on {port}")


def test_move_to_a_tls_peer(tmp_path, pki):  # noqa: F811 - the fixture
    folder = tmp_path / "dest"
    folder.mkdir()
    port = free_port()
    storescp = subprocess.Popen(
        ["/usr/bin/storescp", "-aet", "TLSDEST", "+B", "+tls", str(pki / "server.key"),
         str(pki / "server.crt"), "+cf", str(pki / "ca.crt"), "-od", str(folder),
         str(port)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    server = (
        f'tls_certificate = "{pki / "client.crt"}"\n'
        f'tls_key = "{pki / "client.key"}"\ntls_ca = "{pki / "ca.crt"}"\n'
        f"tls_port = {free_port()}\n"
        f'[[peers]]\nae_title = "TLSDEST"\nhost = "127.0.0.1"\nport = {port}\n'
        "tls = true\n"
    )
    scp, our_port = start_server(tmp_path, server)
    study = "1.2.826.0.1.3680043.8.498.9"
    try:
        source = image(tmp_path, "ct.dcm", StudyInstanceUID=study)
        run = dcmtk("/usr/bin/storescu", "-aec", "PRINTSCP", "127.0.0.1",
                    str(our_port), str(source))  # fmt: skip
        assert run.returncode == 0, run.stderr
        _wait_listening(port)
        run = dcmtk(
            "/usr/bin/movescu", "-S", "-aec", "PRINTSCP", "-aem", "TLSDEST",
            "-k", "QueryRetrieveLevel=STUDY",
            "-k", f"StudyInstanceUID={study}",
            "127.0.0.1", str(our_port),
        )  # fmt: skip
        assert run.returncode == 0, run.stderr
        [received] = _wait_for_files(folder, "CT.*", 1)
    finally:
        scp.stop()
        storescp.terminate()
        storescp.wait(10)
    assert data_set_bytes(received) == data_set_bytes(source)
