"""Printed films land in the archive as Secondary Capture images."""

import subprocess
from dataclasses import replace

import numpy as np
import pytest
from pydicom import dcmread

from printserver.config import ArchiveConfig
from printserver.scp import PrintSCP
from tests.conftest import JobWatcher, gsdf_gray, polling_observer, require_tool
from tests.net.dicomtools import find
from tests.net.test_first_film import print_four_grays
from tests.printclient import PrintClient, grayscale_item

pytestmark = pytest.mark.dcmtk


def _start(server_config, **archive):
    config = replace(server_config, archive=ArchiveConfig(**archive))
    scp = PrintSCP(config, polling_observer)
    watcher = JobWatcher()
    scp.spooler.add_listener(watcher)
    _, port = scp.start()
    return scp, port, watcher


GRAY = 150


def print_labelled(port):
    """STANDARD\\1,1 on 8INX10IN, one flat image, session label KNEE LEFT."""
    with PrintClient(port) as client:
        status, _ = client.create_session(FilmSessionLabel="KNEE LEFT")
        assert status.Status == 0x0000
        status, rsp = client.create_film_box("STANDARD\\1,1", FilmSizeID="8INX10IN")
        assert status.Status == 0x0000
        pixels = np.full((64, 64), GRAY, np.uint8)
        assert client.fill(rsp, lambda _: grayscale_item(pixels)) == [0]
        status, _ = client.print_film_box()
        assert status.Status == 0x0000


def _film_files(scp):
    return [p for p in (scp.config.data_root / "archive").rglob("*") if p.is_file()
            and p.parent.parent.name == "files"]  # fmt: skip


def test_printed_film_is_a_valid_secondary_capture(server_config, tmp_path):
    dciodvfy = require_tool("dciodvfy", "dicom3tools")
    scp, port, watcher = _start(server_config)
    try:
        print_labelled(port)
        [(job_id, state)] = watcher.wait_finished(1).items()
        assert state == "done"
        studies = find(
            port, "QueryRetrieveLevel=STUDY", "StudyInstanceUID",
            f"StudyID={job_id[:16]}", "StudyDescription", "ModalitiesInStudy",
            "NumberOfStudyRelatedInstances", model="-S", folder=tmp_path / "s",
        )  # fmt: skip
        [study] = studies
        assert study.StudyDescription == f"Print job {job_id}"
        assert study.ModalitiesInStudy == "OT"
        assert study.NumberOfStudyRelatedInstances == 1
        [series] = find(
            port, "QueryRetrieveLevel=SERIES",
            f"StudyInstanceUID={study.StudyInstanceUID}", "SeriesInstanceUID",
            "SeriesDescription", model="-S", folder=tmp_path / "r",
        )  # fmt: skip
        assert series.SeriesDescription == "KNEE LEFT"
        images = find(
            port, "QueryRetrieveLevel=IMAGE",
            f"StudyInstanceUID={study.StudyInstanceUID}",
            f"SeriesInstanceUID={series.SeriesInstanceUID}",
            "SOPInstanceUID", "SOPClassUID", model="-S", folder=tmp_path / "i",
        )  # fmt: skip
    finally:
        scp.stop()
    assert [str(ds.SOPClassUID) for ds in images] == ["1.2.840.10008.5.1.4.1.1.7"]
    [path] = _film_files(scp)
    run = subprocess.run(
        [dciodvfy, str(path)], capture_output=True, text=True, check=False
    )
    errors = [line for line in run.stderr.splitlines() if line.startswith("Error")]
    assert errors == [], run.stderr
    ds = dcmread(path)
    assert ds.SOPInstanceUID == images[0].SOPInstanceUID
    assert (ds.Rows, ds.Columns) == (3200, 2560)  # 10 x 8 inches at 320 dpi
    assert ds.NominalScannedPixelSpacing == [0.079375, 0.079375]
    assert ds.file_meta.SourceApplicationEntityTitle == "PRINTSCP"
    assert ds.StationName == "TESTSCU"
    assert ds.SeriesDescription == "KNEE LEFT"
    assert job_id in ds.ImageComments
    # The middle of the film prints the image's gray as the GSDF says.
    assert abs(int(ds.pixel_array[1600, 1280]) - gsdf_gray(GRAY / 255)) <= 1


def test_films_stay_out_when_switched_off(server_config):
    scp, port, watcher = _start(server_config, store_printed_films=False)
    try:
        print_four_grays(port)
        watcher.wait_finished(1)
    finally:
        scp.stop()
    assert _film_files(scp) == []
