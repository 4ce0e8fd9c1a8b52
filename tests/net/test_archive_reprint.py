"""Printing from the archive: a purged job's films, and a stored study."""

from datetime import timedelta

import pytest
from pydicom import dcmread

from printserver.__main__ import main as cli_main
from printserver.direct import source_image
from tests.conftest import require_tool
from tests.net.dicomtools import dcmtk, image
from tests.net.test_archive_films import print_labelled

pytestmark = pytest.mark.dcmtk


def _archived_films(scp, job_id):
    rows = scp.archive.archive.index.select(
        "SELECT file FROM instances WHERE job_id = ?", [job_id]
    )
    return [dcmread(scp.archive.archive.root / row["file"]) for row in rows]


def test_purged_job_reprints_from_the_archive(print_server, capsys):
    scp, port, watcher = print_server
    data = str(scp.config.data_root)
    print_labelled(port)
    [(job_id, state)] = watcher.wait_finished(1).items()
    assert state == "done"
    assert scp.spool.purge(timedelta(0)) == [job_id]
    capsys.readouterr()

    assert cli_main(["queue", "reprint", job_id, "--data", data]) == 0
    new_id = capsys.readouterr().out.split()[1].rstrip(":")
    finished = watcher.wait_finished(2)
    assert finished[new_id] == "done"
    [original] = _archived_films(scp, job_id)
    [again] = _archived_films(scp, new_id)
    # The film prints as it was: the same raster, pixel for pixel.
    assert (again.Rows, again.Columns) == (original.Rows, original.Columns)
    assert again.pixel_array.tobytes() == original.pixel_array.tobytes()
    assert again.SeriesDescription == "KNEE LEFT"

    # One film by its SOP Instance UID; a new layout needs the spool's job.
    uid = str(original.SOPInstanceUID)
    assert cli_main(["queue", "reprint", uid, "--data", data]) == 0
    assert cli_main(["queue", "reprint", job_id, "--layout", "STANDARD\\2,2",
                     "--data", data]) == 1  # fmt: skip
    assert "print as they were (no --layout)" in capsys.readouterr().err
    assert cli_main(["queue", "reprint", "no-such-job", "--data", data]) == 1
    assert "no job or printed film no-such-job" in capsys.readouterr().err


def test_print_an_archived_study(print_server, tmp_path, capsys):
    require_tool("storescu", "dcmtk")
    scp, port, watcher = print_server
    study = "1.2.826.0.1.3680043.8.498.5"
    files = [
        image(
            tmp_path,
            f"ct{n}.dcm",
            StudyInstanceUID=study,
            InstanceNumber=n,
            SeriesInstanceUID=f"{study}.1",
        )  # fmt: skip
        for n in (3, 1, 2)
    ]
    run = dcmtk("/usr/bin/storescu", "-aec", "PRINTSCP", "127.0.0.1", str(port),
                *map(str, files))  # fmt: skip
    assert run.returncode == 0, run.stderr
    data = str(scp.config.data_root)
    capsys.readouterr()

    command = ["print", "--study", study, "--layout", "STANDARD\\1,2",
               "--film-size", "8INX10IN", "--data", data, "--json"]  # fmt: skip
    assert cli_main(command) == 0
    [(job_id, state)] = watcher.wait_finished(1).items()
    assert state == "done"
    assert scp.spool.summary(job_id)["films"] == 2
    films = scp.spool.load_films(job_id)
    # Instance Number order: the first box holds instance 1's pixels (each
    # as a viewer shows it: tests/test_direct_voi.py checks how).
    first, second = (source_image(dcmread(files[n])).pixels for n in (1, 0))
    assert films[0].images[1].pixels.tobytes() == first.tobytes()
    assert films[1].images[1].pixels.tobytes() == second.tobytes()
    assert first.tobytes() != second.tobytes()

    assert cli_main(["print", "--study", "1.2.3.4", "--data", data]) == 1
    assert "no study 1.2.3.4 in the archive" in capsys.readouterr().err
