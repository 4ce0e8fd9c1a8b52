"""Secondary Capture images of films, checked by dicom3tools' dciodvfy."""

import subprocess

import numpy as np
import pytest

from printserver.archive import PrintedFilm, film_image
from tests.conftest import require_tool

FILM = PrintedFilm(job_id="20261204-0001", index=2, count=3, dpi=150,
                   film_session_label="Колено", origin_ae="CT1")  # fmt: skip


@pytest.mark.parametrize(
    ("raster", "photometric", "bits"),
    [
        (np.arange(120 * 90, dtype=np.uint32).reshape(120, 90) % 256, "MONOCHROME2", 8),
        (np.full((120, 90), 4095, np.uint16), "MONOCHROME2", 12),
        (np.zeros((120, 90, 3), np.uint8) + [255, 0, 0], "RGB", 8),
    ],
)
def test_film_image_validates(tmp_path, raster, photometric, bits):
    dciodvfy = require_tool("dciodvfy", "dicom3tools")
    if raster.ndim == 2 and bits == 8:
        raster = raster.astype(np.uint8)
    if raster.ndim == 3:
        raster = raster.astype(np.uint8)
    ds = film_image(raster, FILM, "PRINTSCP")
    path = tmp_path / "film.dcm"
    ds.save_as(path, enforce_file_format=True)
    run = subprocess.run([dciodvfy, str(path)], capture_output=True, text=True,
                         check=False)  # fmt: skip
    errors = [line for line in run.stderr.splitlines() if line.startswith("Error")]
    assert errors == []
    assert (ds.PhotometricInterpretation, ds.BitsStored) == (photometric, bits)
    assert np.array_equal(ds.pixel_array, raster)
    assert ds.SpecificCharacterSet == "ISO_IR 192"
    assert ds.SeriesDescription == "Колено"
    assert ds.InstanceNumber == 2
    assert ds.NominalScannedPixelSpacing == [0.169333, 0.169333]


def test_film_uids_come_again_from_the_job():
    raster = np.zeros((8, 8), np.uint8)
    first, again = film_image(raster, FILM, "A"), film_image(raster, FILM, "A")
    assert first.SOPInstanceUID == again.SOPInstanceUID
    assert first.StudyInstanceUID == again.StudyInstanceUID
    other = film_image(raster, PrintedFilm("20261204-0002", 2, 3, 150), "A")
    assert other.SOPInstanceUID != first.SOPInstanceUID
