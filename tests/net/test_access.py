"""Registered peers: association checks and permissions, with DCMTK's
echoscu and dcmprscu and pynetdicom clients (one bound to 127.0.0.2)."""

import logging
import re
import subprocess

import pytest
from pynetdicom import AE
from pynetdicom.sop_class import Verification

from printserver import access
from tests.conftest import require_tool
from tests.net.test_dcmtk import print_with_dcmtk
from tests.printclient import META, PrintClient

PEERS = """
[[peers]]
ae_title = "MODALITY"
host = "127.0.0.1"
permissions = ["print", "status"]

[[peers]]
ae_title = "VIEWER"
host = "localhost"
permissions = ["status"]

[[peers]]
ae_title = "ANYWHERE"
permissions = ["print", "status"]
"""


@pytest.fixture
def peer_server(toml_server):
    def start(policy="registered", peers=PEERS):
        return toml_server(f'peer_policy = "{policy}"', peers)

    return start


def only(permissions):
    """PEERS with MODALITY allowed only *permissions*."""
    return PEERS.replace(
        'permissions = ["print", "status"]', f"permissions = {permissions}", 1
    )


def echoscu(port, calling, called="PRINTSCP"):
    run = subprocess.run(
        ["/usr/bin/echoscu", "-v", "-aet", calling, "-aec", called, "127.0.0.1",
         str(port)],
        capture_output=True, text=True, timeout=30, check=False,
    )  # fmt: skip
    return run.returncode, run.stdout + run.stderr


def rejections(caplog):
    return [
        r.getMessage()
        for r in caplog.records
        if "association rejected" in r.getMessage() and r.levelno == logging.WARNING
    ]


def associate(port, calling, called="PRINTSCP", bind="127.0.0.1"):
    ae = AE(ae_title=calling)
    ae.add_requested_context(Verification)
    return ae.associate("127.0.0.1", port, ae_title=called, bind_address=(bind, 0))


def rejection_of(assoc):
    rj = assoc.acceptor.primitive
    return rj.result, rj.result_source, rj.diagnostic


def test_echoscu_unregistered_and_unknown_called_ae(peer_server, caplog):
    require_tool("echoscu", "dcmtk")
    _, port, _ = peer_server()
    with caplog.at_level(logging.WARNING, "printserver"):
        status, log = echoscu(port, "STRANGER")
        assert status != 0
        # DCMTK words the standard's reason its own way.
        assert "Calling AE Title Not Recognized" in log, log
        status, log = echoscu(port, "MODALITY", called="NOTUS")
        assert status != 0
        assert "Called AE Title Not Recognized" in log, log
        status, log = echoscu(port, "VIEWER")  # registered, status allowed
        assert status == 0 and "Received Echo Response (Success)" in log, log
    first, second = (re.sub(r":\d+ ", ":PORT ", line) for line in rejections(caplog))
    assert first == (
        "assoc#1 STRANGER@127.0.0.1:PORT association rejected: calling AE title "
        "not recognized ('STRANGER' is not a registered peer)"
    )
    assert second == (
        "assoc#2 MODALITY@127.0.0.1:PORT association rejected: called AE title "
        "not recognized ('NOTUS'; we are PRINTSCP)"
    )


def test_rejection_reasons_and_the_address_check(peer_server, caplog):
    _, port, _ = peer_server()
    with caplog.at_level(logging.WARNING, "printserver"):
        stranger = associate(port, "STRANGER")
        not_ours = associate(port, "MODALITY", called="OTHER")
        elsewhere = associate(port, "MODALITY", bind="127.0.0.2")
        by_name = associate(port, "VIEWER", bind="127.0.0.2")  # localhost
    assert rejection_of(stranger) == (
        access.RESULT_REJECTED_PERMANENT,
        access.SOURCE_SERVICE_USER,
        access.REASON_CALLING_AE_NOT_RECOGNIZED,
    )
    assert rejection_of(not_ours) == (0x01, 0x01, 0x07)
    assert rejection_of(elsewhere) == (0x01, 0x01, 0x03)
    assert rejection_of(by_name) == (0x01, 0x01, 0x03)
    lines = rejections(caplog)
    assert len(lines) == 4, lines
    assert lines[2].endswith(
        "calling AE title not recognized ('MODALITY' is registered at "
        "127.0.0.1, not 127.0.0.2)"
    )
    assert "registered at localhost, not 127.0.0.2" in lines[3]

    for calling, bind in (("MODALITY", "127.0.0.1"), ("VIEWER", "127.0.0.1"),
                          ("ANYWHERE", "127.0.0.2")):  # fmt: skip
        assoc = associate(port, calling, bind=bind)
        assert assoc.is_established, calling
        assert assoc.send_c_echo().Status == 0x0000
        assoc.release()


def test_permissions_per_request(peer_server, caplog):
    peers = PEERS.replace(
        'permissions = ["print", "status"]', 'permissions = ["print"]', 1
    )
    scp, port, _ = peer_server(peers=peers)
    contexts = (META, Verification)
    with caplog.at_level(logging.WARNING, "printserver"):
        with PrintClient(port, calling_ae="VIEWER", contexts=contexts) as client:
            assert client.assoc.send_c_echo().Status == 0x0000  # status
            status, _ = client.get_printer()
            assert status.Status == 0x0000  # Printer N-GET: status
            status, _ = client.create_session()
            assert status.Status == 0x0124
            assert status.ErrorComment == "not authorized: needs the print permission"
        with PrintClient(port, calling_ae="MODALITY", contexts=contexts) as client:
            assert client.create_session()[0].Status == 0x0000  # print
            assert client.assoc.send_c_echo().Status == 0x0124
            assert client.get_printer()[0].Status == 0x0124
    refused = [r for r in caplog.records if "not authorized" in r.getMessage()]
    assert [r.levelno for r in refused] == [logging.WARNING] * 3
    assert "VIEWER@127.0.0.1" in refused[0].getMessage()
    assert "N-CREATE 1.2.840.10008.5.1.1.1 refused: not authorized (needs 'print')" in (
        refused[0].getMessage()
    )
    assert "C-ECHO 1.2.840.10008.1.1 refused: not authorized (needs 'status')" in (
        refused[1].getMessage()
    )
    assert scp.spool.job_ids() == []


def test_policy_any_warns_and_lets_strangers_in(peer_server, caplog):
    with caplog.at_level(logging.WARNING, "printserver"):
        _, port, _ = peer_server(policy="any")
    assert any("peer_policy is 'any'" in r.getMessage() for r in caplog.records)
    assoc = associate(port, "STRANGER", bind="127.0.0.2")
    assert assoc.is_established
    assoc.release()
    # A registered peer keeps its own host and permissions under "any".
    elsewhere = associate(port, "MODALITY", bind="127.0.0.2")
    assert rejection_of(elsewhere) == (0x01, 0x01, 0x03)
    with PrintClient(port, calling_ae="VIEWER") as client:
        assert client.create_session()[0].Status == 0x0124


def test_dcmprscu_without_print_permission(peer_server, tmp_path, caplog):
    """DCMTK's client: Printer N-GET answered, Film Session N-CREATE 0x0124,
    and nothing printed; with the permission, the same film prints."""
    peers = PEERS.replace(
        'permissions = ["print", "status"]', 'permissions = ["status"]', 1
    )
    scp, port, _ = peer_server(peers=peers)
    with caplog.at_level(logging.WARNING, "printserver"):
        _, log = print_with_dcmtk(port, tmp_path / "denied", 1, 1, check=False)
    assert "0x0124" in log, log
    assert scp.spool.job_ids() == []
    assert any("N-CREATE" in r.getMessage() and "not authorized" in r.getMessage()
               for r in caplog.records)  # fmt: skip

    scp, port, watcher = peer_server()
    print_with_dcmtk(port, tmp_path / "allowed", 1, 1)
    [(_, state)] = watcher.wait_finished(1).items()
    assert state == "done"
