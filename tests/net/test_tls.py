"""DICOM over TLS: DCMTK's echoscu, storescu and dcmprscu and a pynetdicom
print client on the TLS port, certificates made by the test with openssl."""

import socket
import ssl
import subprocess
import time
from dataclasses import replace

import numpy as np
import pytest

from printserver.config import parse_config
from printserver.errors import ConfigError
from printserver.scp import PrintSCP
from tests.conftest import JobWatcher, polling_observer, require_tool
from tests.net.dicomtools import data_set_bytes, image
from tests.net.test_dcmtk import print_with_dcmtk
from tests.printclient import PrintClient, grayscale_item
from tests.test_cli import free_port


def openssl(*args, cwd):
    subprocess.run(
        [require_tool("openssl", "openssl"), *args], cwd=cwd, check=True,
        capture_output=True,
    )  # fmt: skip


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    """A CA, a server certificate for 127.0.0.1 and a client certificate."""
    folder = tmp_path_factory.mktemp("pki")
    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key",
            "-out", "ca.crt", "-days", "2", "-subj", "/CN=test CA",
            cwd=folder)  # fmt: skip
    (folder / "ext").write_text("subjectAltName=IP:127.0.0.1,DNS:localhost\n")
    for name in ("server", "client"):
        openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", f"{name}.key",
                "-out", f"{name}.csr", "-subj", f"/CN={name}", cwd=folder)  # fmt: skip
        openssl("x509", "-req", "-in", f"{name}.csr", "-CA", "ca.crt", "-CAkey",
                "ca.key", "-CAcreateserial", "-out", f"{name}.crt", "-days", "2",
                "-extfile", "ext", cwd=folder)  # fmt: skip
    return folder


@pytest.fixture
def tls_server(tmp_path, pki):
    started = []

    def start(verify_client=False):
        tls_port = free_port()
        text = (
            f'[server]\nhost = "127.0.0.1"\ndata = "{tmp_path / "data"}"\n'
            f"tls_port = {tls_port}\n"
            f'tls_certificate = "{pki / "server.crt"}"\n'
            f'tls_key = "{pki / "server.key"}"\n'
            f'tls_ca = "{pki / "ca.crt"}"\n'
            f"tls_verify_client = {str(verify_client).lower()}\n"
            "acse_timeout = 3\n"
        )
        config = parse_config(text)
        config = replace(config, server=replace(config.server, port=0))
        scp = PrintSCP(config, polling_observer)
        watcher = JobWatcher()
        scp.spooler.add_listener(watcher)
        scp.start()
        started.append(scp)
        return scp, tls_port, watcher

    yield start
    for scp in started:
        scp.stop()


def echoscu(port, *tls):
    run = subprocess.run(
        ["/usr/bin/echoscu", "-v", *tls, "-aec", "PRINTSCP", "127.0.0.1", str(port)],
        capture_output=True, text=True, timeout=30, check=False,
    )  # fmt: skip
    return run.returncode, run.stdout + run.stderr


def with_client_cert(pki):
    return ["+tls", str(pki / "client.key"), str(pki / "client.crt"),
            "+cf", str(pki / "ca.crt")]  # fmt: skip


def test_echoscu_over_tls_and_plain_is_refused(tls_server, pki, caplog):
    require_tool("echoscu", "dcmtk")
    _, port, _ = tls_server()
    status, log = echoscu(port, *with_client_cert(pki))
    assert status == 0 and "Received Echo Response (Success)" in log, log

    caplog.clear()
    status, log = echoscu(port)  # plain DICOM on the TLS port
    assert status != 0
    assert "Received Echo Response" not in log

    def closed():
        return [
            r.getMessage()
            for r in caplog.records
            if "connection closed before an association" in r.getMessage()
        ]

    deadline = time.monotonic() + 10
    while not closed() and time.monotonic() < deadline:
        time.sleep(0.05)  # the server sees the close after echoscu exits
    [line] = closed()
    assert "failed TLS handshake" in line
    # A peer that connects and says nothing holds no one else up.
    with socket.create_connection(("127.0.0.1", port)):
        status, log = echoscu(port, *with_client_cert(pki))
        assert status == 0, log


def test_client_certificate_required_when_configured(tls_server, pki):
    require_tool("echoscu", "dcmtk")
    _, port, _ = tls_server(verify_client=True)
    status, log = echoscu(port, "+tla", "+cf", str(pki / "ca.crt"))
    assert status != 0 and "Received Echo Response" not in log
    status, log = echoscu(port, *with_client_cert(pki))
    assert status == 0, log


def test_storescu_stores_over_tls_into_the_archive(tls_server, pki, tmp_path):
    require_tool("storescu", "dcmtk")
    scp, port, _ = tls_server(verify_client=True)
    uid = "1.2.826.0.1.3680043.8.498.901"
    path = image(tmp_path, "ct.dcm", SOPInstanceUID=uid)
    command = ["/usr/bin/storescu", "-v", *with_client_cert(pki), "-aec", "PRINTSCP",
               "127.0.0.1", str(port), str(path)]  # fmt: skip
    run = subprocess.run(
        command, capture_output=True, text=True, timeout=30, check=False
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert "Received Store Response (Success)" in run.stdout + run.stderr
    # Kept byte for byte, from the data set on.
    stored = scp.archive.archive.path_for(uid)
    assert data_set_bytes(stored) == data_set_bytes(path)

    # Without a client certificate the TLS port stores nothing.
    plain = subprocess.run(
        [*command[:2], "+tla", "+cf", str(pki / "ca.crt"), *command[7:]],
        capture_output=True, text=True, timeout=30, check=False,
    )  # fmt: skip
    assert plain.returncode != 0
    assert "Received Store Response" not in plain.stdout + plain.stderr


def test_a_film_prints_over_tls(tls_server, pki):
    scp, port, watcher = tls_server(verify_client=True)
    context = ssl.create_default_context(cafile=str(pki / "ca.crt"))
    context.load_cert_chain(str(pki / "client.crt"), str(pki / "client.key"))
    with PrintClient(port, tls_args=(context, "127.0.0.1")) as client:
        assert client.assoc.is_established
        client.create_session()
        _, rsp = client.create_film_box()
        client.fill(rsp, lambda p: grayscale_item(np.full((8, 8), 70, np.uint8)))
        assert client.print_film_box()[0].Status == 0x0000
    [(job_id, state)] = watcher.wait_finished(1).items()
    assert state == "done"
    assert scp.spool.read_job(job_id)["calling_ae"] == "TESTSCU"


def test_tls_settings_are_checked(tmp_path):
    with pytest.raises(ConfigError, match="server.tls_certificate: needed"):
        parse_config("[server]\ntls_port = 2762\n")
    with pytest.raises(ConfigError, match="server.tls_key: no file /nonexistent"):
        parse_config(
            f'[server]\ntls_port = 2762\ntls_certificate = "{tmp_path}"\n'
            'tls_key = "/nonexistent"\n'.replace(f'"{tmp_path}"', f'"{__file__}"')
        )


def dcmtk_tls(pki, folder, name="client"):
    """dcmpstat configuration lines: TLS with the *name* certificate, the
    peer's required and checked against the test CA (a hashed CA folder)."""
    cacerts = folder / "cacerts"
    cacerts.mkdir(parents=True)
    (cacerts / "ca.pem").write_bytes((pki / "ca.crt").read_bytes())
    openssl("rehash", str(cacerts), cwd=folder)
    general = (
        f"[TLS]\nTLSDirectory = {pki}\nCACertificateDirectory = {cacerts}\n"
        "UsePEMFormat = true\n"
    )
    target = (
        f"UseTLS = true\nCertificate = {name}.crt\nPrivateKey = {name}.key\n"
        "PeerAuthentication = REQUIRE\n"
    )
    return general, target


def test_dcmprscu_prints_over_tls(tls_server, pki, tmp_path):
    require_tool("dcmprscu", "dcmtk")
    scp, port, watcher = tls_server(verify_client=True)
    _, log = print_with_dcmtk(port, tmp_path / "dcmtk", 2, 1,
                              tls=dcmtk_tls(pki, tmp_path))  # fmt: skip
    [(job_id, state)] = watcher.wait_finished(1).items()
    assert state == "done"
    assert scp.spool.read_job(job_id)["calling_ae"] == "MODALITY"
