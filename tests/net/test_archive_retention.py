"""The archive's retention in a running server: on a small real disk it
makes room or stops, and printing goes on; purges at start and on a timer."""

import logging
import shutil
import sqlite3
import time
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
from pydicom import dcmread
from pynetdicom import AE

from printserver.archive import Archive
from printserver.config import ArchiveConfig, parse_config
from printserver.scp import PrintSCP
from tests.archive.test_retention import NOW, _film
from tests.conftest import JobWatcher, mounted_tmpfs, polling_observer
from tests.net.dicomtools import CT_IMAGE, image
from tests.net.test_archive_films import print_labelled

pytestmark = pytest.mark.dcmtk

DISK_MB = 10


@pytest.fixture
def small_disk(tmp_path):
    """A 10 MB tmpfs: a disk that really fills up (needs root)."""
    with mounted_tmpfs(tmp_path / "disk", f"{DISK_MB}m") as mount_point:
        yield mount_point


def _server(tmp_path, data_root):
    """Spool floor 1 MB, archive floor 1 + 3 MB; films of 8x10" at 100 dpi
    (0.8 MB each), printed into a folder off the small disk."""
    default = Path(__file__).parents[2] / "layouts" / "printers" / "default.toml"
    profile = tmp_path / "low.toml"
    profile.write_text(
        default.read_text().replace("resolution_dpi = 320", "resolution_dpi = 100")
    )
    (tmp_path / "out").mkdir()
    config = parse_config(
        f'[server]\nhost = "127.0.0.1"\ndata = "{data_root}"\n'
        "[spool]\nmin_free_mb = 1\n"
        "[archive]\nmin_free_margin_mb = 3\nmax_mb = 1000\n"
        f'[[printers]]\nname = "film"\nkind = "folder"\npath = "{tmp_path / "out"}"\n'
        f'profile = "{profile}"\n'
    )
    scp = PrintSCP(replace(config, server=replace(config.server, port=0)),
                   polling_observer)  # fmt: skip
    watcher = JobWatcher()
    scp.spooler.add_listener(watcher)
    _, port = scp.start()
    return scp, port, watcher


def _printed_films(data_root):
    db = sqlite3.connect(data_root / "archive" / "index.sqlite")
    try:
        return db.execute(
            "SELECT COUNT(*) FROM instances WHERE job_id != ''"
        ).fetchone()[0]
    finally:
        db.close()


def _store_until_refused(port, folder):
    """C-STORE 256x256 CT images until the archive refuses; the statuses."""
    ae = AE(ae_title="CT1")
    ae.add_requested_context(CT_IMAGE)
    assoc = ae.associate("127.0.0.1", port, ae_title="PRINTSCP")
    assert assoc.is_established
    statuses = []
    try:
        for number in range(1, 200):
            path = image(folder, "ct.dcm", Rows=256, InstanceNumber=number)
            statuses.append(int(assoc.send_c_store(dcmread(path)).Status))
            if statuses[-1] != 0:
                break
    finally:
        assoc.release()
    return statuses


def test_full_disk_archive_purges_then_stops_and_printing_goes_on(
    tmp_path, small_disk, caplog
):
    scp, port, watcher = _server(tmp_path, small_disk)
    caplog.set_level(logging.INFO, "printserver")
    try:
        # Ten films (8 MB) do not fit beside the floor: older films make room.
        for count in range(1, 11):
            print_labelled(port)  # asserts N-ACTION success
            watcher.wait_finished(count)
        films_kept = _printed_films(small_disk)
        free_after_films = shutil.disk_usage(small_disk).free

        # Received images are kept: they take the rest, then get 0xA700.
        statuses = _store_until_refused(port, tmp_path)
        free_after_stores = shutil.disk_usage(small_disk).free

        # And a print is still taken and printed; its film is not kept.
        print_labelled(port)
        finished = watcher.wait_finished(11)
    finally:
        scp.stop()

    assert set(finished.values()) == {"done"}
    assert len(list((tmp_path / "out").iterdir())) >= 11
    assert 1 <= films_kept < 10
    assert free_after_films >= 4_000_000 - 1_000_000  # floor, less one film
    assert statuses[-1] == 0xA700
    assert statuses[:-1] == [0] * (len(statuses) - 1)
    assert len(statuses) > 5
    assert free_after_stores >= 1_000_000  # the spool's floor was never reached
    # The stores made room from the printed films first.
    assert _printed_films(small_disk) < films_kept
    messages = [(r.levelname, r.getMessage()) for r in caplog.records]
    assert any(m[1].startswith("archive purge (room): ") for m in messages)
    refusing = [m for m in messages if "archive refusing" in m[1]]
    assert [m[0] for m in refusing] == ["WARNING"]
    assert any("film 1/1 not archived: disk space below 4 MB" in m[1] for m in messages)


def test_start_cleans_and_purges_and_the_timer_purges_again(server_config, caplog):
    data_root = server_config.data_root
    archive = Archive(data_root)
    old = _film(archive, "job-old", days_old=40)
    young = _film(archive, "job-young", days_old=1)
    archive.close()
    orphan = old.path.parent.parent / "ab" / ("ab" + "0" * 38)
    orphan.parent.mkdir()
    orphan.write_bytes(b"left by a crash")
    caplog.set_level(logging.INFO, "printserver")
    config = replace(
        server_config, archive=ArchiveConfig(printed_film_days=30, purge_minutes=0.005)
    )
    scp = PrintSCP(config, polling_observer)
    scp.start()
    try:
        # At start, before any association: the orphan and the old film.
        assert not orphan.exists()
        assert not old.path.exists()
        assert young.path.exists()
        assert "archive purge (start): 1 instance(s), " in caplog.text

        # The timer (0.3 s here) purges what has aged since.
        db = sqlite3.connect(data_root / "archive" / "index.sqlite")
        try:
            received = (NOW - timedelta(days=31)).isoformat(timespec="microseconds")
            db.execute("UPDATE instances SET received = ?", [received])
            db.commit()
        finally:
            db.close()
        deadline = time.monotonic() + 10
        while young.path.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not young.path.exists()
    finally:
        started = time.monotonic()
        scp.stop()
    assert time.monotonic() - started < 5
    assert "archive purge (periodic): 1 instance(s), " in caplog.text
