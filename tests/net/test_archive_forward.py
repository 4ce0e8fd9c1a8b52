"""Store and forward to an upstream PACS (DCMTK's storescp), with retries."""

import logging
import threading
import time

import pytest

from tests.net.dicomtools import data_set_bytes, dcmtk, image
from tests.net.test_archive import Destination, start_server
from tests.net.test_archive_films import print_labelled

pytestmark = pytest.mark.dcmtk


def _forwarding_server(tmp_path, destination):
    peers = (
        f'[[peers]]\nae_title = "DEST"\nhost = "127.0.0.1"\n'
        f"port = {destination.proxy.port}\n"
        '[archive]\nforward_to = "DEST"\nforward_retry_seconds = 0.2\n'
    )
    return start_server(tmp_path, peers)


def _wait_for_files(folder, pattern, count, timeout=30.0):
    """The files storescp wrote, once there are *count* (it has no events
    to wait on: look every 50 ms until the deadline)."""
    deadline = time.monotonic() + timeout
    pause = threading.Event()
    while time.monotonic() < deadline:
        files = sorted(folder.glob(pattern))
        if len(files) >= count:
            return files
        pause.wait(0.05)
    raise AssertionError(f"{count} {pattern} files not in {folder}")


def _store(port, files):
    run = dcmtk("/usr/bin/storescu", "-aet", "MODALITY", "-aec", "PRINTSCP",
                "127.0.0.1", str(port), *map(str, files))  # fmt: skip
    assert run.returncode == 0, run.stderr


def test_stored_instances_and_printed_films_are_forwarded(tmp_path):
    destination = Destination(tmp_path / "pacs")
    scp, port = _forwarding_server(tmp_path, destination)
    try:
        files = [image(tmp_path, f"ct{n}.dcm", InstanceNumber=n) for n in (1, 2)]
        _store(port, files)
        received = _wait_for_files(destination.folder, "CT.*", 2)
        print_labelled(port)
        [film] = _wait_for_files(destination.folder, "SC.*", 1)
    finally:
        scp.stop()
        destination.stop()
    assert {data_set_bytes(p) for p in received} == {data_set_bytes(p) for p in files}
    assert film.stat().st_size > 2560 * 3200


def test_forwarding_waits_out_an_outage(tmp_path, caplog):
    destination = Destination(tmp_path / "pacs", start=False)
    scp, port = _forwarding_server(tmp_path, destination)
    try:
        with caplog.at_level(logging.WARNING, "printserver"):
            files = [image(tmp_path, "ct.dcm")]
            _store(port, files)
            # The PACS is down: tries fail and the instance stays queued.
            deadline = time.monotonic() + 30
            while "forward to DEST: 1 instance(s)" not in caplog.text:
                assert time.monotonic() < deadline, caplog.text
                threading.Event().wait(0.05)
            assert scp.archive.archive.forward_next() is not None
            destination.start()
            [received] = _wait_for_files(destination.folder, "CT.*", 1)
    finally:
        scp.stop()
        destination.stop()
    assert data_set_bytes(received) == data_set_bytes(files[0])
    assert "association not established; next try in" in caplog.text
