"""Hot folders: real files, real watchdog, real spool and spooler."""

import io
import json
import logging
import os
import shutil
import signal
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pydicom
import pytest
from PIL import Image
from pydicom.data import get_testdata_file
from pydicom.uid import generate_uid
from watchdog.observers import Observer

from printserver import hotfolder
from printserver.__main__ import main
from printserver.config import parse_config
from printserver.hotfolder import HotFolders
from printserver.layout import film_pixel_size
from printserver.render import image_boxes
from printserver.spool import PrinterStates
from printserver.spooler import Spool, Spooler
from tests.conftest import JobWatcher, polling_observer
from tests.test_cli import start_server

SETTLE = 0.6
#: Window Center and Width of the CT slices: their units all fall inside.
WINDOW = (10000.5, 24001)


def ct_slices(count, series_instance_uid=None):
    """DICOM files made from pydicom's CT_small: one series, slice k has
    Instance Number k and its pixels shifted up by 4000 * (k - 1); one wide
    window (WINDOW) for all, so the slices print apart."""
    series_instance_uid = series_instance_uid or generate_uid()
    slices = {}
    for number in range(1, count + 1):
        ds = pydicom.dcmread(get_testdata_file("CT_small.dcm"))
        ds.SeriesInstanceUID = series_instance_uid
        ds.SOPInstanceUID = generate_uid()
        ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
        ds.InstanceNumber = number
        ds.WindowCenter, ds.WindowWidth = WINDOW
        ds.PixelData = (ds.pixel_array + 4000 * (number - 1)).astype("<i2").tobytes()
        buffer = io.BytesIO()
        ds.save_as(buffer, enforce_file_format=True)
        slices[number] = buffer.getvalue()
    return slices


def stored_values(number):
    """Values the spool keeps for slice *number*: its Hounsfield units
    (Rescale Intercept -1024) through WINDOW, LINEAR as PS3.3 gives it, on
    12 bits."""
    ds = pydicom.dcmread(get_testdata_file("CT_small.dcm"))
    units = ds.pixel_array.astype(np.float64) + 4000 * (number - 1) - 1024
    center, width = WINDOW
    scaled = (units - (center - 0.5)) / (width - 1) + 0.5
    return np.rint(np.clip(scaled, 0, 1) * 4095).astype(np.uint16)


@dataclass
class Hot:
    """A running spooler and hot folder, and what they did."""

    folder: Path
    spool: Spool
    watcher: JobWatcher
    folders: HotFolders
    queued: list = field(default_factory=list)
    cond: threading.Condition = field(default_factory=threading.Condition)

    def enqueue(self, job_id):
        with self.cond:
            self.queued.append(job_id)
            self.cond.notify_all()

    def wait_queued(self, count=1, timeout=30.0):
        with self.cond:
            ok = self.cond.wait_for(lambda: len(self.queued) >= count, timeout)
        assert ok, f"{count} job(s) not queued in {timeout}s: {self.queued}"
        return list(self.queued)

    def files(self, sub=""):
        return sorted(p.name for p in (self.folder / sub).iterdir() if p.is_file())


@pytest.fixture
def start_hot(tmp_path):
    """Start a spooler and one hot folder (preset ct-4x5) on a config whose
    extra TOML the test gives; always stops them."""
    started = []

    def start(extra="", observer=polling_observer, settle=SETTLE):
        config = parse_config(
            f'[server]\ndata = "{tmp_path / "data"}"\n{extra}\n'
            f'[[hotfolders]]\npath = "{tmp_path / "hot"}"\npreset = "ct-4x5"\n'
            f"settle_seconds = {settle}\n"
        )
        spool = Spool(config.data_root)
        spooler = Spooler(spool, config, polling_observer)
        watcher = JobWatcher()
        spooler.add_listener(watcher)
        spooler.start()
        started.append(spooler)
        hot = Hot(tmp_path / "hot", spool, watcher, None)

        def enqueue(job_id):
            spooler.enqueue(job_id)
            hot.enqueue(job_id)

        hot.folders = HotFolders(config, spool, enqueue, observer)
        hot.folders.start()
        started.append(hot.folders)
        return hot

    yield start
    for service in reversed(started):
        service.stop()


def write_slowly(path, data, chunks, pause):
    """Write *data* in *chunks* pieces with *pause* seconds between them."""
    size = -(-len(data) // chunks)
    with open(path, "wb") as f:
        for start in range(0, len(data), size):
            f.write(data[start : start + size])
            f.flush()
            time.sleep(pause)


def box_center_grays(png_path, film, dpi, positions):
    """Mean gray of a small patch at the center of each image box."""
    png = np.asarray(Image.open(png_path).convert("L"), np.float64)
    _, height = film_pixel_size(film.film_size_id, film.film_orientation, dpi)
    scale = png.shape[0] / height
    grays = []
    for rect in image_boxes(film, dpi)[: len(positions)]:
        x = round((rect.x + rect.width / 2) * scale)
        y = round((rect.y + rect.height / 2) * scale)
        grays.append(png[y - 3 : y + 4, x - 3 : x + 4].mean())
    return grays


def test_ct_series_written_slowly_prints_as_one_job(start_hot):
    hot = start_hot()
    slices = ct_slices(6)
    # Written one after the other in an order that is not the slices'.
    order = [3, 1, 6, 2, 5, 4]
    names = [f"img{index}.dcm" for index in range(6)]
    for name, number in zip(names, order, strict=True):
        # Each file takes longer than the settle time, its pauses less.
        write_slowly(hot.folder / name, slices[number], chunks=5, pause=SETTLE / 3)
        assert hot.queued == []
    assert hot.files() == names

    [job_id] = hot.wait_queued(1)
    assert hot.files() == []
    assert hot.files("done") == names
    assert hot.watcher.wait_finished(1) == {job_id: "done"}

    [film] = hot.spool.load_films(job_id)
    assert film.image_display_format == "STANDARD\\4,5"
    assert film.film_size_id == "14INX17IN"
    assert sorted(film.images) == [1, 2, 3, 4, 5, 6]
    for position, image in film.images.items():
        assert (image.pixels == stored_values(position)).all(), position
    job = hot.spool.summary(job_id)
    assert job["calling_ae"] == "hotfolder" and job["films"] == 1
    assert hot.spool.read_job(job_id)["film_session"]["MediumType"] == "BLUE FILM"

    ps, png = job["outputs"][:2]  # the folder's files, then the job's own
    assert ps.endswith(".ps") and Path(ps).read_bytes().startswith(b"%!PS")
    grays = box_center_grays(png, film, 320, range(1, 7))
    assert grays == sorted(grays) and grays[0] + 30 < grays[5], grays


def test_unprintable_files_are_rejected_with_a_reason(start_hot):
    hot = start_hot()
    slices = ct_slices(2)
    (hot.folder / "done" / "ct.dcm").write_bytes(b"an older ct.dcm")
    (hot.folder / "rejected" / "notes.txt").write_bytes(b"an older notes.txt")
    ds = pydicom.dcmread(io.BytesIO(slices[1]))
    del ds.PixelData
    ds.save_as(hot.folder / "nopixels.dcm")
    ds = pydicom.dcmread(io.BytesIO(slices[2]))
    ds.PhotometricInterpretation = "PALETTE COLOR"
    ds.save_as(hot.folder / "palette.dcm")
    (hot.folder / "notes.txt").write_text("call the ward\n")
    # Series Instance UID with a VR no reader knows: pydicom fails late.
    # A UID of odd length is padded to even on the wire.
    length = len(ds.SeriesInstanceUID) + len(ds.SeriesInstanceUID) % 2
    tag = b"\x20\x00\x0e\x00UI"
    assert slices[2].count(tag + length.to_bytes(2, "little")) == 1
    (hot.folder / "badvr.dcm").write_bytes(slices[2].replace(tag, tag[:4] + b"QQ"))
    (hot.folder / "ct.dcm").write_bytes(slices[1])
    (hot.folder / ".hidden.dcm").write_bytes(slices[2])
    (hot.folder / "copying.dcm.part").write_bytes(slices[2])

    [job_id] = hot.wait_queued(1)
    assert [len(f.images) for f in hot.spool.load_films(job_id)] == [1]
    assert hot.files() == [".hidden.dcm", "copying.dcm.part"]
    assert hot.files("done") == ["ct-1.dcm", "ct.dcm"]
    assert (hot.folder / "done" / "ct.dcm").read_bytes() == b"an older ct.dcm"
    assert (hot.folder / "done" / "ct-1.dcm").read_bytes() == slices[1]
    assert hot.files("rejected") == [
        "badvr.dcm",
        "badvr.dcm.reason.txt",
        "nopixels.dcm",
        "nopixels.dcm.reason.txt",
        "notes-1.txt",
        "notes-1.txt.reason.txt",
        "notes.txt",
        "palette.dcm",
        "palette.dcm.reason.txt",
    ]
    rejected = hot.folder / "rejected"
    assert (rejected / "notes.txt").read_bytes() == b"an older notes.txt"
    assert (rejected / "notes-1.txt").read_text() == "call the ward\n"
    reasons = {
        name: (rejected / f"{name}.reason.txt").read_text().splitlines()[0]
        for name in ("badvr.dcm", "nopixels.dcm", "notes-1.txt", "palette.dcm")
    }
    assert reasons["badvr.dcm"].startswith("not a DICOM image we can read (")
    assert "Unknown Value Representation 'QQ'" in reasons["badvr.dcm"]
    assert reasons["notes-1.txt"].startswith("not a DICOM image we can read (")
    assert reasons["nopixels.dcm"] == "no (7FE0,0010) Pixel Data: not an image"
    assert reasons["palette.dcm"] == (
        "(0028,0004) Photometric Interpretation PALETTE COLOR not printable"
    )


def test_series_in_one_batch_become_one_job_each(start_hot):
    hot = start_hot()
    first, second = ct_slices(3), ct_slices(2)
    for number, data in first.items():
        (hot.folder / f"a{number}.dcm").write_bytes(data)
    for number, data in second.items():
        (hot.folder / f"b{number}.dcm").write_bytes(data)

    jobs = hot.wait_queued(2)
    counts = sorted(len(hot.spool.load_films(j)[0].images) for j in jobs)
    assert counts == [2, 3]
    assert hot.files("done") == ["a1.dcm", "a2.dcm", "a3.dcm", "b1.dcm", "b2.dcm"]


class LogWaiter(logging.Handler):
    """Sets an event when a record containing *text* is logged."""

    def __init__(self, text):
        super().__init__()
        self.text = text
        self.seen = threading.Event()
        self.messages = []

    def emit(self, record):
        message = record.getMessage()
        self.messages.append((record.levelname, message))
        if self.text in message:
            self.seen.set()


@pytest.fixture
def log_waiter():
    handlers = []

    def watch(text):
        waiter = LogWaiter(text)
        logging.getLogger("printserver.hotfolder").addHandler(waiter)
        handlers.append(waiter)
        return waiter

    yield watch
    for waiter in handlers:
        logging.getLogger("printserver.hotfolder").removeHandler(waiter)


def test_refused_files_stay_and_print_when_the_printer_accepts(
    start_hot, log_waiter, monkeypatch
):
    monkeypatch.setattr(hotfolder, "RESCAN_SECONDS", 0.3)
    hot = start_hot()
    printers = PrinterStates(hot.spool.data_root)
    printers.set("folder", "film jam", accepting=False)
    refused = log_waiter("left in place")
    (hot.folder / "ct.dcm").write_bytes(ct_slices(1)[1])

    assert refused.seen.wait(30)
    assert hot.files() == ["ct.dcm"] and hot.files("done") == []
    assert hot.spool.job_ids() == []
    printers.set("folder", "fixed", accepting=True)
    [job_id] = hot.wait_queued(1)
    assert hot.files() == [] and hot.files("done") == ["ct.dcm"]
    errors = [m for level, m in refused.messages if level == "ERROR"]
    assert len(errors) == 1 and "printer folder: film jam" in errors[0]


def test_full_spool_leaves_the_files(start_hot, log_waiter):
    hot = start_hot("[spool]\nmin_free_mb = 1000000000")
    refused = log_waiter("left in place")
    (hot.folder / "ct.dcm").write_bytes(ct_slices(1)[1])

    assert refused.seen.wait(30)
    assert "spool full" in refused.messages[-1][1]
    assert hot.files() == ["ct.dcm"] and hot.files("done") == []
    assert hot.spool.job_ids() == []


@pytest.mark.skipif(
    sys.platform != "linux", reason="needs Linux inotify to see a file held open"
)
def test_file_held_open_for_writing_waits_until_closed(start_hot):
    hot = start_hot(observer=Observer, settle=0.2)
    with open(hot.folder / "ct.dcm", "wb") as f:
        f.write(ct_slices(1)[1])
        f.flush()
        # Complete and unchanged for five times the settle time, but open.
        time.sleep(1.0)
        assert hot.queued == [] and hot.files() == ["ct.dcm"]
    hot.wait_queued(1)
    assert hot.files("done") == ["ct.dcm"]


def test_serve_prints_a_dropped_series(tmp_path, capsys):
    folder = tmp_path / "hot"
    config = tmp_path / "ps.toml"
    config.write_text(
        f'[[hotfolders]]\npath = "{folder}"\npreset = "ct-4x5"\nsettle_seconds = 0.3\n'
    )
    proc, _, _ = start_server(tmp_path, "--config", str(config))
    lines = []
    done = threading.Event()

    def read():
        for line in proc.stderr:
            lines.append(line)
            if "-> done" in line:
                done.set()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        for number, data in ct_slices(3).items():
            (tmp_path / "tmp.dcm").write_bytes(data)
            shutil.move(tmp_path / "tmp.dcm", folder / f"slice{number}.dcm")
        assert done.wait(60), "".join(lines)
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(30)
        reader.join(10)
        proc.stderr.close()
    assert proc.returncode == 0

    assert main(["queue", "list", "--json", "--data", str(tmp_path / "data")]) == 0
    [job] = json.loads(capsys.readouterr().out)
    assert (job["state"], job["films"], job["calling_ae"]) == ("done", 1, "hotfolder")
    assert all(os.path.exists(path) for path in job["outputs"])
    assert sorted(os.listdir(folder / "done")) == [f"slice{n}.dcm" for n in (1, 2, 3)]
    log = "".join(lines)
    assert f"job={job['id']} queued from hot folder {folder}: 3 image(s)" in log
    assert "hot folders stopped" in log
