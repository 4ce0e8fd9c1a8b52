"""The admin verbs on a running server: hold, release, cancel, retry, move,
reprint, purge, and printers disable/enable/reject."""

import json

import numpy as np

from printserver.__main__ import main
from tests.net.test_dcmtk import write_images
from tests.printclient import PrintClient, grayscale_item


def cli(capsys, data, *argv):
    """Run the CLI with --json; return (exit status, parsed output, stderr)."""
    status = main([*argv, "--json", "--data", str(data)])
    captured = capsys.readouterr()
    out = json.loads(captured.out) if captured.out.strip() else None
    return status, out, captured.err


def print_one(port, gray=90, **session):
    with PrintClient(port) as client:
        client.create_session(**session)
        _, rsp = client.create_film_box()
        client.fill(
            rsp, lambda position: grayscale_item(np.full((8, 8), gray, np.uint8))
        )
        return client.print_film_box()[0].Status


def test_hold_release_cancel_retry(print_server, capsys):
    scp, port, watcher = print_server
    data = scp.config.data_root
    # A disabled printer keeps the job pending: time to hold it.
    assert cli(capsys, data, "printers", "disable", "folder", "--reason", "jam")[0] == 0
    assert print_one(port) == 0x0000
    [job_id] = scp.spool.job_ids()
    status, job, _ = cli(capsys, data, "queue", "hold", job_id)
    assert (status, job["state"]) == (0, "held")

    status, printers, _ = cli(capsys, data, "printers", "enable", "folder")
    assert printers == [
        {
            "name": "folder",
            "kind": "folder",
            "enabled": True,
            "accepting": True,
            "reason": "",
            "status": "NORMAL",
            "status_info": "NORMAL",
            "status_comment": "",
        }
    ]
    status, _, err = cli(capsys, data, "queue", "hold", job_id)
    assert status == 1
    assert (
        err.strip()
        == f"printserver: job {job_id} is held: only pending jobs can be held"
    )

    assert cli(capsys, data, "queue", "release", job_id)[0] == 0
    assert watcher.wait_finished(1) == {job_id: "done"}

    status, _, err = cli(capsys, data, "queue", "cancel", job_id)
    assert status == 1 and "only pending/held/rendering/sending/failed jobs" in err
    status, shown, _ = cli(capsys, data, "queue", "show", job_id)
    assert [h["state"] for h in shown["history"]] == [
        "pending",
        "held",
        "pending",
        "rendering",
        "sending",
        "done",
    ]


def test_unknown_job_and_printer(print_server, capsys):
    scp, _, _ = print_server
    data = scp.config.data_root
    status, _, err = cli(capsys, data, "queue", "show", "no-such-job")
    assert status == 1 and "no job 'no-such-job'" in err
    status, _, err = cli(capsys, data, "printers", "disable", "laser9")
    assert status == 1 and "no printer 'laser9'" in err


def test_reprint_and_purge(print_server, capsys):
    scp, port, watcher = print_server
    data = scp.config.data_root
    assert print_one(port, gray=40) == 0x0000
    [first] = watcher.wait_finished(1)
    status, job, _ = cli(
        capsys, data, "queue", "reprint", first, "--layout", "STANDARD\\2,1"
    )
    assert status == 0 and job["state"] in ("pending", "rendering", "done")
    finished = watcher.wait_finished(2)
    second = job["id"]
    assert finished[second] == "done"
    [film] = scp.spool.load_films(second)
    assert film.image_display_format == "STANDARD\\2,1"
    assert int(film.images[1].pixels[0, 0]) == 40
    assert scp.spool.read_job(second)["reprint_of"] == first

    status, purged, _ = cli(capsys, data, "queue", "purge", "--older-than", "0")
    assert status == 0 and sorted(purged) == sorted([first, second])
    assert cli(capsys, data, "queue", "list")[1] == []


def test_rejecting_printer_refuses_new_jobs(print_server, capsys):
    scp, port, _ = print_server
    data = scp.config.data_root
    cli(capsys, data, "printers", "reject", "folder", "--reason", "out of film")
    with PrintClient(port) as client:
        client.create_session()
        _, rsp = client.create_film_box()
        client.fill(rsp, lambda position: grayscale_item(np.full((8, 8), 5, np.uint8)))
        status, _ = client.print_film_box()
        assert status.Status == 0xC602
        assert "out of film" in status.ErrorComment
    assert scp.spool.job_ids() == []


def test_garbage_state_file_fails_that_job_only(print_server, capsys):
    scp, port, watcher = print_server
    data = scp.config.data_root
    cli(capsys, data, "printers", "disable", "folder")
    assert print_one(port) == 0 and print_one(port) == 0
    broken, fine = scp.spool.job_ids()
    (scp.spool.jobs_dir / broken / "state.json").write_text('{"state": "pend')
    status, jobs, _ = cli(capsys, data, "queue", "list")
    assert [(j["id"], j["state"]) for j in jobs] == [
        (broken, "failed"),
        (fine, "pending"),
    ]
    assert "state file unreadable" in jobs[0]["error"]
    cli(capsys, data, "printers", "enable", "folder")
    assert watcher.wait_finished(1) == {fine: "done"}


def test_move(print_server, capsys):
    scp, port, watcher = print_server
    data = scp.config.data_root
    cli(capsys, data, "printers", "disable", "folder")
    assert print_one(port) == 0
    [job_id] = scp.spool.job_ids()
    status, _, err = cli(capsys, data, "queue", "move", job_id, "elsewhere")
    assert status == 1 and "no printer 'elsewhere'" in err
    status, job, _ = cli(capsys, data, "queue", "move", job_id, "folder")
    assert (status, job["printer"], job["state"]) == (0, "folder", "pending")
    history = scp.spool.read_state(job_id)["history"]
    assert history[-1]["reason"] == "moved to folder by admin"


def test_reprint_layout_is_checked(print_server, capsys):
    scp, port, watcher = print_server
    data = scp.config.data_root
    with PrintClient(port) as client:
        client.create_session()
        _, rsp = client.create_film_box("STANDARD\\3,1")
        client.fill(rsp, lambda position: grayscale_item(np.full((8, 8), 9, np.uint8)))
        assert client.print_film_box()[0].Status == 0
    [job_id] = watcher.wait_finished(1)
    status, _, err = cli(capsys, data, "queue", "reprint", job_id, "--layout", "BOGUS")
    assert status == 1 and "unsupported value 'BOGUS'" in err
    status, _, err = cli(
        capsys, data, "queue", "reprint", job_id, "--layout", "STANDARD\\2,1"
    )
    assert status == 1
    assert err.strip() == (
        "printserver: STANDARD\\2,1 has 2 boxes; the film has an image in box 3"
    )
    assert [p.name for p in scp.spool.jobs_dir.iterdir()] == [
        job_id
    ]  # nothing half-made
    status, _, err = cli(capsys, data, "queue", "release", job_id)
    assert (
        err.strip()
        == f"printserver: job {job_id} is done: only held jobs can be released"
    )


def test_print_files_through_the_spool(print_server, capsys, tmp_path):

    scp, _, watcher = print_server
    data = scp.config.data_root
    values = write_images(tmp_path, 5)
    files = sorted(str(p) for p in tmp_path.glob("img*.dcm"))
    status, job, _ = cli(capsys, data, "print", *files, "--layout", "STANDARD\\2,2")
    assert status == 0 and job["films"] == 2  # 4 images, then 1
    assert watcher.wait_finished(1) == {job["id"]: "done"}
    films = scp.spool.load_films(job["id"])
    assert [len(f.images) for f in films] == [4, 1]
    assert int(films[1].images[1].pixels[0, 0]) == values[4]

    (tmp_path / "not.dcm").write_text("hello")
    status, _, err = cli(capsys, data, "print", str(tmp_path / "not.dcm"))
    assert status == 1 and "not a DICOM image we can read" in err
    status, _, err = cli(capsys, data, "print", files[0], "--layout", "STANDARD\\0,1")
    assert status == 1 and "(2010,0010)" in err
