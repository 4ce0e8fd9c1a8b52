"""A disk that fills up under a running server: new prints are refused with
the queue-full statuses, accepted jobs are kept, and once space is back the
next print succeeds without a restart."""

import errno
from dataclasses import replace

import numpy as np

from printserver.config import SpoolConfig
from printserver.scp import PrintSCP
from printserver.spool import PrinterStates
from printserver.status import Status
from tests.conftest import JobWatcher, polling_observer
from tests.printclient import PrintClient, grayscale_item


def fill(folder):
    """Write a file until the disk refuses more; return its path."""
    filler = folder / "filler"
    block = b"\0" * 65536
    with open(filler, "wb", buffering=0) as f:
        try:
            while True:
                f.write(block)
        except OSError as exc:
            assert exc.errno == errno.ENOSPC
    return filler


def print_one(port, gray, session_level=False):
    """One STANDARD\\1,1 film of a flat 64 x 64 image; the N-ACTION status."""
    with PrintClient(port) as client:
        assert client.create_session()[0].Status == 0x0000
        _, rsp = client.create_film_box("STANDARD\\1,1", FilmSizeID="8INX10IN")
        [box] = rsp.ReferencedImageBoxSequence
        pixels = grayscale_item(np.full((64, 64), gray, np.uint8))
        status, _ = client.set_image(box.ReferencedSOPInstanceUID, 1, pixels)
        assert status.Status == 0x0000  # the image itself fits in memory
        status, _ = client.print_session() if session_level else client.print_film_box()
        return status.Status, status.get("ErrorComment", "")


def test_full_disk_refuses_then_recovers_without_restart(server_config, tmpfs):
    data = tmpfs("2m")
    config = replace(
        server_config,
        server=replace(server_config.server, data=str(data)),
        spool=SpoolConfig(min_free_mb=0),  # no floor: the disk itself runs out
    )
    # The printer waits, so the jobs stay in the spool until the end.
    PrinterStates(data).set("folder", "test", enabled=False)
    scp = PrintSCP(config, polling_observer)
    watcher = JobWatcher()
    scp.spooler.add_listener(watcher)
    _, port = scp.start()
    try:
        assert print_one(port, 50) == (Status.SUCCESS, "")
        [kept] = scp.spool.job_ids()

        filler = fill(data)
        film_box = print_one(port, 60)
        session = print_one(port, 70, session_level=True)
        assert film_box[0] == Status.FILM_BOX_QUEUE_FULL  # 0xC602
        assert session[0] == Status.FILM_SESSION_QUEUE_FULL  # 0xC601
        assert "spool cannot take the job" in film_box[1]
        assert scp.spool.job_ids() == [kept]
        assert not list(scp.spool.jobs_dir.glob(".incoming-*"))

        filler.unlink()  # space is back: no restart
        assert print_one(port, 80) == (Status.SUCCESS, "")
        jobs = scp.spool.job_ids()
        assert len(jobs) == 2 and jobs[0] == kept

        PrinterStates(data).set("folder", "test", enabled=True)
        finished = watcher.wait_finished(2)
        assert set(finished.values()) == {"done"}
        grays = [scp.spool.load_films(j)[0].images[1].pixels[0, 0] for j in jobs]
        assert grays == [50, 80]
        for job_id in jobs:
            assert (scp.spool.output_dir(job_id) / "job.ps").stat().st_size > 0
    finally:
        scp.stop()
