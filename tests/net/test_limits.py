"""Limits: associations per peer, bytes per association, film boxes per
session, half-open connections; each answered the standard's way, and the
server serves the next peer."""

import logging
import socket
import time
from dataclasses import replace

import numpy as np
import pytest
from pynetdicom import AE
from pynetdicom.sop_class import Verification

from printserver.config import parse_config
from printserver.scp import PrintSCP
from tests.conftest import JobWatcher, polling_observer
from tests.printclient import PrintClient, grayscale_item


@pytest.fixture
def limited_server(tmp_path):
    started = []

    def start(**server):
        lines = "".join(f"{key} = {value}\n" for key, value in server.items())
        text = f'[server]\nhost = "127.0.0.1"\ndata = "{tmp_path / "data"}"\n{lines}'
        config = parse_config(text)
        config = replace(config, server=replace(config.server, port=0))
        scp = PrintSCP(config, polling_observer)
        scp.spooler.add_listener(JobWatcher())
        _, port = scp.start()
        started.append(scp)
        return scp, port

    yield start
    for scp in started:
        scp.stop()


def echo_association(port, calling="ECHO1"):
    ae = AE(ae_title=calling)
    ae.add_requested_context(Verification)
    return ae.associate("127.0.0.1", port, ae_title="PRINTSCP")


def test_associations_per_peer(limited_server, caplog):
    _, port = limited_server(max_associations_per_peer=2)
    first, second = echo_association(port), echo_association(port)
    assert first.is_established and second.is_established
    with caplog.at_level(logging.WARNING, "printserver"):
        third = echo_association(port)
    assert third.is_rejected
    rejection = third.acceptor.primitive
    assert (rejection.result, rejection.result_source, rejection.diagnostic) == (
        0x02,
        0x03,
        0x02,
    )  # transient, service provider (presentation), local limit exceeded
    assert "local limit exceeded (ECHO1 already holds 2)" in caplog.text
    other = echo_association(port, calling="ECHO2")  # another peer is served
    assert other.is_established
    first.release()
    time.sleep(0.2)
    again = echo_association(port)  # capacity is back
    assert again.is_established
    for assoc in (second, other, again):
        assoc.release()


def test_an_association_that_sends_too_much_is_aborted(limited_server, caplog):
    scp, port = limited_server(max_association_mb=1)
    with caplog.at_level(logging.ERROR, "printserver"), PrintClient(port) as client:
        client.create_session()
        _, rsp = client.create_film_box(image_display_format="STANDARD\\2,1")
        big = grayscale_item(np.full((800, 800), 9, np.uint8))  # 640 KB each
        boxes = rsp.ReferencedImageBoxSequence
        statuses = [
            client.set_image(item.ReferencedSOPInstanceUID, position, big)[0]
            for position, item in enumerate(boxes, start=1)
        ]
        assert statuses[0].Status == 0x0000
        assert "Status" not in statuses[1]  # no answer: aborted
        deadline = time.monotonic() + 10
        while client.assoc.is_established and time.monotonic() < deadline:
            time.sleep(0.05)
        assert client.assoc.is_aborted
    assert "it sent more than 1 MB (max_association_mb)" in caplog.text
    assert scp.spool.job_ids() == []
    assert echo_association(port).is_established  # the next peer is served


def test_film_boxes_per_session(limited_server):
    _, port = limited_server(max_film_boxes=2)
    with PrintClient(port) as client:
        client.create_session()
        assert client.create_film_box()[0].Status == 0x0000
        assert client.create_film_box()[0].Status == 0x0000
        status, _ = client.create_film_box()
        assert status.Status == 0x0213
        assert "max_film_boxes" in status.ErrorComment
        assert client.assoc.is_established


def test_half_open_connection_is_closed(limited_server, caplog):
    _, port = limited_server(acse_timeout=1, max_associations=1)
    with caplog.at_level(logging.WARNING, "printserver"):
        silent = socket.create_connection(("127.0.0.1", port))
        silent.settimeout(10)
        started = time.monotonic()
        assert silent.recv(1) == b""  # the server hung up
        assert 0.5 < time.monotonic() - started < 5
        silent.close()
        time.sleep(0.2)
    assert "connection closed before an association: no request within 1" in (
        caplog.text
    )
    assoc = echo_association(port)
    assert assoc.is_established  # the only slot is free again
    assoc.release()


def test_image_rows_columns_and_boxes_per_film(limited_server):
    _, port = limited_server(
        max_image_rows=100, max_image_columns=60, max_image_boxes=4
    )
    with PrintClient(port) as client:
        client.create_session()
        status, _ = client.create_film_box("STANDARD\\3,2")
        assert status.Status == 0x0213
        assert status.ErrorComment == "6 image boxes, over 4 (max_image_boxes)"
        status, rsp = client.create_film_box("STANDARD\\2,2")
        assert status.Status == 0x0000
        [first, second, *_] = rsp.ReferencedImageBoxSequence
        tall = grayscale_item(np.zeros((101, 8), np.uint8))
        status, _ = client.set_image(first.ReferencedSOPInstanceUID, 1, tall)
        assert status.Status == 0xC603
        assert status.ErrorComment == "image 8x101 over 60x100 (max_image_columns/rows)"
        wide = grayscale_item(np.zeros((8, 61), np.uint8))
        assert client.set_image(second.ReferencedSOPInstanceUID, 2, wide)[0].Status == (
            0xC603
        )
        fits = grayscale_item(np.zeros((100, 60), np.uint8))
        status, _ = client.set_image(first.ReferencedSOPInstanceUID, 1, fits)
        assert status.Status in (0x0000, 0xB60A)  # printed, maybe decimated


def test_oversized_pdu_is_aborted_before_it_is_read(limited_server, caplog):
    """A P-DATA-TF announcing 2 GB: A-ABORT at once, nothing kept."""
    import tracemalloc  # noqa: PLC0415 - only this test traces

    _, port = limited_server()
    assoc = echo_association(port)
    raw = assoc.dul.socket.socket
    tracemalloc.start()
    try:
        with caplog.at_level(logging.ERROR, "printserver"):
            raw.sendall(b"\x04\x00\x7f\xff\xff\xff" + b"\x00" * 65536)
            deadline = time.monotonic() + 10
            while assoc.is_established and time.monotonic() < deadline:
                time.sleep(0.05)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert assoc.is_aborted
    assert peak < 5_000_000, peak
    assert "PDU type 0x04 of 2147483647 bytes announced, over the limit of 262144" in (
        caplog.text
    )
    assert echo_association(port).is_established  # the next peer is served


def test_a_connection_closed_at_once_frees_its_slot_at_once(limited_server, caplog):
    # A port probe (a health check, a scanner) connects and hangs up: its
    # slot must not stay taken for the ACSE timeout (30 s here).
    scp, port = limited_server(max_associations=1)
    with caplog.at_level(logging.WARNING, "printserver"):
        socket.create_connection(("127.0.0.1", port)).close()

        def acceptors():  # pynetdicom counts every acceptor thread of the process
            return [a for a in scp.server.ae.active_associations if a.is_acceptor]

        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and (
            acceptors() or "closed before an association" not in caplog.text
        ):
            time.sleep(0.02)
    assert "closed before an association" in caplog.text
    assert acceptors() == []
    assoc = echo_association(port)
    assert assoc.is_established
    assoc.release()
