"""A pynetdicom client prints films over loopback; the films come out right."""

import json
import subprocess

import numpy as np
import pytest
from PIL import Image
from pydicom.dataset import Dataset
from pynetdicom.sop_class import BasicFilmBox, BasicFilmSession

from printserver.__main__ import main as cli_main
from printserver.scp import PrintSCP
from tests.conftest import gsdf_gray, require_tool
from tests.printclient import META, PrintClient, grayscale_item

GRAYS = (30, 100, 170, 240)


def render_with_ghostscript(ps_path, png_path, dpi=320):
    gs = require_tool("gs", "ghostscript")
    proc = subprocess.run(
        [
            gs,
            "-q",
            "-dSAFER",
            "-dBATCH",
            "-dNOPAUSE",
            "-sDEVICE=pnggray",
            f"-r{dpi}",
            f"-sOutputFile={png_path}",
            str(ps_path),
        ],
        check=False,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == "" and proc.stdout == "", (proc.stdout, proc.stderr)
    return np.asarray(Image.open(png_path))


def print_four_grays(port):
    """STANDARD\\2,2 on 14INX17IN with four flat 8-bit images."""
    with PrintClient(port) as client:
        status, _ = client.create_session(NumberOfCopies=1, MediumType="BLUE FILM")
        assert status.Status == 0x0000
        status, rsp = client.create_film_box(
            "STANDARD\\2,2", FilmSizeID="14INX17IN", FilmOrientation="PORTRAIT"
        )
        assert status.Status == 0x0000
        boxes = rsp.ReferencedImageBoxSequence
        assert len(boxes) == 4
        for position, (item, gray) in enumerate(
            zip(boxes, GRAYS, strict=True), start=1
        ):
            pixels = np.full((64, 48), gray, np.uint8)
            status, _ = client.set_image(
                item.ReferencedSOPInstanceUID, position, grayscale_item(pixels)
            )
            assert status.Status == 0x0000
        status, _ = client.print_film_box()
        assert status.Status == 0x0000


def test_four_grays_land_in_their_quadrants(print_server, tmp_path):
    scp, port, watcher = print_server
    print_four_grays(port)

    finished = watcher.wait_finished(1)
    job_id, state = next(iter(finished.items()))
    assert state == "done"
    [job] = list(scp.spool.summaries())
    ps_path = next(p for p in job["outputs"] if p.endswith(".ps"))

    film = render_with_ghostscript(ps_path, tmp_path / "film.png")
    assert film.shape == (5440, 4480)  # 17 x 14 inches at 320 dpi
    centers = [(1360, 1120), (1360, 3360), (4080, 1120), (4080, 3360)]
    # Each gray prints at the density the GSDF gives its P-Value.
    expected = [gsdf_gray(g / 255) for g in GRAYS]
    got = [int(film[y, x]) for y, x in centers]
    assert all(abs(a - b) <= 1 for a, b in zip(got, expected, strict=True)), got
    assert got == sorted(got) and len(set(got)) == 4


def test_postscript_has_dsc_header(print_server):
    scp, port, watcher = print_server
    print_four_grays(port)
    watcher.wait_finished(1)
    [job] = list(scp.spool.summaries())
    ps_path = next(p for p in job["outputs"] if p.endswith(".ps"))
    with open(ps_path, "rb") as f:
        data = f.read()
    head = data[:1024].decode("latin-1").splitlines()
    assert head[0] == "%!PS-Adobe-3.0"
    assert "%%LanguageLevel: 3" in head
    assert "%%BoundingBox: (atend)" in head
    assert "%%Pages: (atend)" in head
    # Written as the films stream through, the totals are in the trailer.
    trailer = data[data.rindex(b"%%Trailer") :].decode("ascii").splitlines()
    assert trailer == [
        "%%Trailer",
        "%%BoundingBox: 0 0 1008 1224",
        "%%DocumentMedia: 14INX17IN 1008 1224 0 () ()",
        "%%Pages: 1",
        "%%EOF",
    ]


def test_empty_film_box_warns_and_queues_nothing(print_server):
    scp, port, _ = print_server
    with PrintClient(port) as client:
        client.create_session()
        status, _ = client.create_film_box("STANDARD\\2,2")
        assert status.Status == 0x0000
        status, _ = client.print_film_box()
        assert status.Status == 0xB603
    assert list(scp.spool.summaries()) == []


def test_jobs_listed_after_restart(server_config, print_server, capsys):
    scp, port, watcher = print_server
    print_four_grays(port)
    watcher.wait_finished(1)
    [before] = list(scp.spool.summaries())
    scp.stop()

    again = PrintSCP(server_config)
    again.start()
    try:
        assert [j["id"] for j in again.spool.summaries()] == [before["id"]]
    finally:
        again.stop()

    assert (
        cli_main(["queue", "list", "--json", "--data", server_config.server.data]) == 0
    )
    listed = json.loads(capsys.readouterr().out)
    assert [(j["id"], j["state"], j["calling_ae"], j["films"]) for j in listed] == [
        (before["id"], "done", "TESTSCU", 1)
    ]
    assert all(
        path.startswith(str(server_config.data_root)) for path in listed[0]["outputs"]
    )


@pytest.mark.parametrize("film_size_id", ["8INX10IN", "10INX14IN", "A4"])
def test_printer_n_get_and_sizes(print_server, film_size_id):
    _, port, _ = print_server
    with PrintClient(port) as client:
        status, ds = client.get_printer()
        assert status.Status == 0x0000
        assert (ds.PrinterStatus, ds.PrinterStatusInfo, ds.PrinterName) == (
            "NORMAL",
            "NORMAL",
            "folder",
        )
        client.create_session()
        status, rsp = client.create_film_box("STANDARD\\1,1", FilmSizeID=film_size_id)
        assert status.Status == 0x0000
        assert rsp.FilmSizeID == film_size_id


def test_warning_n_create_still_carries_the_assigned_uid(print_server):
    """A UID-less N-CREATE answered with a warning names the new object."""
    _, port, _ = print_server
    with PrintClient(port) as client:
        client.create_session()
        film_box = Dataset()
        film_box.ImageDisplayFormat = "STANDARD\\1,1"
        ref = Dataset()
        ref.ReferencedSOPClassUID = BasicFilmSession
        ref.ReferencedSOPInstanceUID = client.session_uid
        film_box.ReferencedFilmSessionSequence = [ref]
        film_box.PatientID = "not a film box attribute"  # -> 0x0107 warning
        status, rsp = client.assoc.send_n_create(
            film_box, BasicFilmBox, None, meta_uid=META
        )
        assert status.Status == 0x0107
        assert list(status.get("AttributeIdentifierList", [])) in ([], [0x00100020])
        uid = client.created_uids[-1]
        assert uid != client.session_uid
        assert rsp.ReferencedImageBoxSequence[0].ReferencedSOPClassUID == (
            "1.2.840.10008.5.1.1.4"
        )
        assert "AffectedSOPInstanceUID" not in rsp

        # The UID works: the film box can be printed (empty -> 0xB603).
        status, _ = client.print_film_box(uid)
        assert status.Status == 0xB603
