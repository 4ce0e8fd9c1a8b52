"""What a job is on disk: its pixels in one file, jobs of earlier versions
still readable, and the spooler woken by the renames that change a job."""

import json
import time

import numpy as np
import pytest

from printserver._jobfile import PIXELS_FILE, film_to_json
from printserver.config import load_config, parse_config
from printserver.errors import SpoolError
from printserver.render import Film, SourceImage
from printserver.spool import JobRequest, Spool
from printserver.spooler import Spooler
from tests.conftest import JobWatcher


def films():
    """Two films with pixels of every kind a job holds."""
    rng = np.random.default_rng(4)
    gray8 = rng.integers(0, 256, (64, 48), dtype=np.uint8)
    gray12 = rng.integers(0, 4096, (30, 20), dtype=np.uint16)
    rgb = rng.integers(0, 256, (10, 12, 3), dtype=np.uint8)
    # A transposed view is not contiguous: it must still be stored right.
    tall = rng.integers(0, 4096, (20, 7), dtype=np.uint16).T
    first = Film(
        "STANDARD\\2,1",
        "8INX10IN",
        images={
            1: SourceImage(gray8, 8, "MONOCHROME2"),
            2: SourceImage(gray12, 12, "MONOCHROME2"),
        },
    )
    second = Film(
        "STANDARD\\1,2",
        "8INX10IN",
        images={1: SourceImage(rgb, 8, "RGB"), 2: SourceImage(tall, 12, "MONOCHROME2")},
    )
    return [first, second]


def submit(spool, printer="folder", **session):
    request = JobRequest(
        calling_ae="CT1",
        called_ae="PRINTSCP",
        printer=printer,
        films=films(),
        film_session=session,
    )
    return spool.submit(request)


def assert_same_films(loaded, expected):
    assert len(loaded) == len(expected)
    for got, want in zip(loaded, expected, strict=True):
        assert sorted(got.images) == sorted(want.images)
        for position, image in want.images.items():
            pixels = got.images[position].pixels
            assert pixels.dtype == image.pixels.dtype
            np.testing.assert_array_equal(pixels, image.pixels)


def test_a_job_keeps_all_its_pixels_in_one_file(tmp_path):
    spool = Spool(tmp_path)
    spool.ensure()
    job_id = submit(spool)
    job_dir = spool.jobs_dir / job_id
    assert sorted(p.name for p in job_dir.iterdir()) == [
        "job.json",
        PIXELS_FILE,
        "state.json",
    ]
    sizes = [i.pixels.nbytes for film in films() for i in film.images.values()]
    assert sizes == [3072, 1200, 360, 280]
    assert (job_dir / PIXELS_FILE).stat().st_size == sum(sizes)
    items = [i for f in json.loads((job_dir / "job.json").read_text())["films"]
             for i in f["images"]]  # fmt: skip
    assert [i["offset"] for i in items] == [0, 3072, 4272, 4632]
    assert [i["shape"] for i in items] == [[64, 48], [30, 20], [10, 12, 3], [7, 20]]
    assert_same_films(spool.load_films(job_id), films())


def test_a_reprint_links_the_pixel_file(tmp_path):
    spool = Spool(tmp_path)
    spool.ensure()
    job_id = submit(spool)
    again = spool.reprint(job_id)
    original = (spool.jobs_dir / job_id / PIXELS_FILE).stat()
    linked = (spool.jobs_dir / again / PIXELS_FILE).stat()
    assert (linked.st_ino, linked.st_nlink) == (original.st_ino, 2)
    assert_same_films(spool.load_films(again), films())


def test_a_job_spooled_with_npy_files_still_loads(tmp_path):
    # Jobs written by earlier versions: one .npy file per image, named by
    # "file", without offsets.  An upgrade must print what they hold.
    spool = Spool(tmp_path)
    spool.ensure()
    job_id = submit(spool)
    job_dir = spool.jobs_dir / job_id
    job = json.loads((job_dir / "job.json").read_text())
    descriptions = []
    for index, film in enumerate(films(), start=1):
        description, _ = film_to_json(film, index)
        for item, (position, image) in zip(
            description["images"], sorted(film.images.items()), strict=True
        ):
            name = f"film-{index}-box-{position}.npy"
            np.save(job_dir / name, image.pixels)
            for key in ("offset", "dtype", "shape"):
                del item[key]
            item["file"] = name
        descriptions.append(description)
    job["films"] = descriptions
    (job_dir / "job.json").write_text(json.dumps(job))
    (job_dir / PIXELS_FILE).unlink()
    assert_same_films(spool.load_films(job_id), films())
    # And a reprint of it carries its .npy files along.
    assert_same_films(spool.load_films(spool.reprint(job_id)), films())


def test_a_short_pixel_file_is_named_in_the_error(tmp_path):
    spool = Spool(tmp_path)
    spool.ensure()
    job_id = submit(spool)
    path = spool.jobs_dir / job_id / PIXELS_FILE
    path.write_bytes(path.read_bytes()[:4000])
    with pytest.raises(ValueError, match="pixels.bin is shorter than job.json says"):
        spool.load_films(job_id)


def test_a_file_name_in_job_json_cannot_leave_the_job(tmp_path):
    spool = Spool(tmp_path)
    spool.ensure()
    job_id = submit(spool)
    (tmp_path / PIXELS_FILE).write_bytes(b"\0" * 5000)
    job_path = spool.jobs_dir / job_id / "job.json"
    job = json.loads(job_path.read_text())
    job["films"][0]["images"][0]["file"] = "../../" + PIXELS_FILE
    job_path.write_text(json.dumps(job))
    # The job's own pixels.bin is read, not the one two folders up.
    assert_same_films(spool.load_films(job_id), films())


def test_the_inotify_watch_wakes_the_spooler_for_a_release(tmp_path):
    # The watch asks the kernel for renames only: a state changed by
    # another process (the CLI) arrives as one, and the job prints long
    # before the 30 s rescan would have found it.
    config = load_config(None, data=str(tmp_path / "data"))
    spool = Spool(config.data_root)
    spool.ensure()
    job_id = submit(spool, config.default_printer.name)
    spool.hold(job_id)
    spooler = Spooler(spool, config)  # the real (inotify) observer
    watcher = JobWatcher()
    spooler.add_listener(watcher)
    spooler.start()
    try:
        time.sleep(0.5)
        assert Spool(config.data_root).read_state(job_id)["state"] == "held"
        Spool(config.data_root).release(job_id)  # as the CLI does
        assert watcher.wait_finished(1, timeout=20) == {job_id: "done"}
    finally:
        spooler.stop()


def test_the_quota_sums_the_spool_now_and_then(tmp_path, monkeypatch):
    # Summing the spool reads every file; an N-ACTION does it at most every
    # USAGE_SECONDS and counts the jobs it submits in between.  Files that
    # grow otherwise (rendered films) count from the next sum.
    spool = Spool(tmp_path)
    spool.ensure()
    spool.check_room(0, min_free_mb=0, quota_mb=1)  # sums: empty
    (spool.jobs_dir / "rendered.ps").write_bytes(b"\0" * 1_500_000)
    spool.check_room(0, min_free_mb=0, quota_mb=1)  # the sum still holds
    monkeypatch.setattr("printserver.spool.USAGE_SECONDS", 0.0)
    with pytest.raises(SpoolError, match="quota of 1 MB reached"):
        spool.check_room(0, min_free_mb=0, quota_mb=1)
    (spool.jobs_dir / "rendered.ps").unlink()
    spool.check_room(0, min_free_mb=0, quota_mb=1)


def test_jobs_print_by_priority_then_age(tmp_path):
    # Five jobs wait in the spool; the spooler starts and takes them HIGH
    # before MED before LOW, oldest first within one.
    config = load_config(None, data=str(tmp_path / "data"))
    spool = Spool(config.data_root)
    spool.ensure()
    priorities = ("LOW", "MED", "HIGH", "LOW", "HIGH")
    jobs = [
        submit(spool, config.default_printer.name, PrintPriority=priority)
        for priority in priorities
    ]
    spooler = Spooler(spool, config)
    started = []
    spooler.add_listener(
        lambda job_id, state: started.append(job_id) if state == "rendering" else None
    )
    watcher = JobWatcher()
    spooler.add_listener(watcher)
    spooler.start()
    try:
        assert set(watcher.wait_finished(len(jobs)).values()) == {"done"}
    finally:
        spooler.stop()
    assert started == [jobs[2], jobs[4], jobs[1], jobs[0], jobs[3]]


def big_request(printer, kilobytes):
    """A job of one film holding *kilobytes* KB of pixels."""
    pixels = np.zeros((kilobytes, 1000), np.uint8)
    film = Film(
        "STANDARD\\1,1", "8INX10IN", images={1: SourceImage(pixels, 8, "MONOCHROME2")}
    )
    return JobRequest(calling_ae="CT1", called_ae="PRINTSCP", printer=printer,
                      films=[film])  # fmt: skip


def test_finished_jobs_make_room_before_a_job_is_refused(tmp_path):
    # The quota is 1 MB.  A done job (kept only for reprint) is purged to
    # let a new one in; a pending job is never purged, so the next is
    # refused while it waits.
    spool = Spool(tmp_path)
    spool.ensure()
    done = spool.submit(big_request("folder", 600))
    spool.set_state(done, "done", "printed")
    spool.check_room(600_000, min_free_mb=0, quota_mb=1)
    assert spool.job_ids() == []
    waiting = spool.submit(big_request("folder", 600))
    with pytest.raises(SpoolError, match="quota of 1 MB reached"):
        spool.check_room(600_000, min_free_mb=0, quota_mb=1)
    assert spool.job_ids() == [waiting]
    assert spool.read_state(waiting)["state"] == "pending"


def test_finished_jobs_keep_to_their_share_of_the_disk(tmp_path):
    spool = Spool(tmp_path)
    spool.ensure()
    jobs = [spool.submit(big_request("folder", 400)) for _ in range(4)]
    for job_id in jobs[:3]:
        spool.set_state(job_id, "done", "printed")
    # Three done jobs of a little over 400 KB: a share of 1 MB keeps the
    # newest two; the pending one is not counted and not touched.
    assert spool.purge_to_share(1) == [jobs[0]]
    assert spool.job_ids() == jobs[1:]
    assert spool.purge_to_share(1) == []
    spool.set_state(jobs[3], "cancelled", "by admin")
    assert spool.purge_to_share(1) == [jobs[1]]
    assert spool.job_ids() == jobs[2:]


def test_the_spooler_keeps_finished_jobs_to_retention_mb(tmp_path):
    text = f'[server]\ndata = "{tmp_path / "data"}"\n[spool]\nretention_mb = 1\n'
    config = parse_config(text)
    spool = Spool(config.data_root)
    spool.ensure()
    jobs = [spool.submit(big_request("folder", 400)) for _ in range(3)]
    for job_id in jobs:
        spool.set_state(job_id, "done", "printed")
    spooler = Spooler(spool, config)
    spooler.start()
    try:
        spooler.wake()  # its first look at the spool also retires
        deadline = time.monotonic() + 10
        while spool.job_ids() != jobs[1:] and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        spooler.stop()
    assert spool.job_ids() == jobs[1:]
