"""DCMTK's print client (dcmpsprt + dcmprscu), a peer we did not write."""

import subprocess

import numpy as np
import pytest
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import ExplicitVRLittleEndian, generate_uid

from tests.conftest import gsdf_gray, require_tool
from tests.net.test_first_film import render_with_ghostscript

CONFIG = """\
[[GENERAL]]
[APPLICATION]
LogDirectory = {work}/log
[PRINT]
Spooler = dcmprscu
Directory = {work}/spool
DeletePrintJobs = false
[DATABASE]
Directory = {work}/database
[LUT]
Directory = {work}/lut
[NETWORK]
aetitle = MODALITY

[[COMMUNICATION]]
[TARGET]
Type = PRINTER
Aetitle = PRINTSCP
Hostname = 127.0.0.1
Port = {port}
MaxPDU = 32768
Timeout = 30
ImplicitOnly = {implicit_only}
DisplayFormat = 1,1\\1,2\\2,1\\2,2\\2,3\\3,2\\3,3\\3,4\\4,3\\3,5\\4,4\\4,5\\5,4
Supports12Bit = true
SupportsPresentationLUT = true
PresentationLUTMatchRequired = true
PresentationLUTPreferSCPRendering = true
PresentationLUTinFilmSession = false
SupportsImageSize = true
SupportsDecimateCrop = true
SupportsTrim = true
Annotation = 1\\ANNOTATION
"""


def write_images(folder, count):
    """Flat 12-bit MONOCHROME2 images, each a different gray."""
    values = []
    for index in range(count):
        value = 100 + index * 340
        values.append(value)
        meta = FileMetaDataset()
        meta.MediaStorageSOPClassUID = "1.2.840.10008.5.1.4.1.1.7"
        meta.MediaStorageSOPInstanceUID = generate_uid()
        meta.TransferSyntaxUID = ExplicitVRLittleEndian
        ds = Dataset()
        ds.file_meta = meta
        ds.SOPClassUID = meta.MediaStorageSOPClassUID
        ds.SOPInstanceUID = meta.MediaStorageSOPInstanceUID
        ds.PatientName, ds.PatientID, ds.Modality = "Film^Test", "P1", "OT"
        ds.StudyInstanceUID, ds.SeriesInstanceUID = generate_uid(), generate_uid()
        ds.SamplesPerPixel, ds.PhotometricInterpretation = 1, "MONOCHROME2"
        ds.Rows, ds.Columns = 64, 64
        ds.BitsAllocated, ds.BitsStored, ds.HighBit = 16, 12, 11
        ds.PixelRepresentation = 0
        ds.PixelData = np.full((64, 64), value, np.uint16).tobytes()
        ds.save_as(folder / f"img{index:02d}.dcm", enforce_file_format=True)
    return values


def print_with_dcmtk(  # noqa: PLR0913 - test helper
    port,
    work,
    columns=3,
    rows=4,
    *,
    implicit_only="false",
    text="",
    called_ae="PRINTSCP",
    check=True,
    tls=("", ""),
):
    """Print *columns* x *rows* flat images as a modality does, with
    dcmpsprt and dcmprscu; returns the image values and dcmprscu's log
    (*check*: asserting that it shows no error).  *tls* is text for the
    configuration's ``[[GENERAL]]`` and its printer entry."""
    dcmpsprt = require_tool("dcmpsprt", "dcmtk")
    dcmprscu = require_tool("dcmprscu", "dcmtk")
    for sub in ("log", "spool", "database", "lut"):
        (work / sub).mkdir(parents=True)
    config = work / "print.cfg"
    text = CONFIG.format(work=work, port=port, implicit_only=implicit_only)
    text = text.replace("Aetitle = PRINTSCP", f"Aetitle = {called_ae}\n{tls[1]}")
    config.write_text(text.replace("[[GENERAL]]\n", f"[[GENERAL]]\n{tls[0]}"))
    values = write_images(work, columns * rows)
    images = sorted(str(p) for p in work.glob("img*.dcm"))
    annotation = ["--annotation", text, "-pd", "-pn", "-pl"] if text else []
    subprocess.run(
        [dcmpsprt, "-c", str(config), "-p", "TARGET", "-l", str(columns), str(rows),
         "--filmsize", "14INX17IN", "--portrait", *annotation, *images],
        cwd=work, check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    [stored_print] = list((work / "database").glob("SP_*.dcm"))
    run = subprocess.run(
        [dcmprscu, "-v", "-d", "-c", str(config), "-p", "TARGET", str(stored_print)],
        cwd=work, capture_output=True, check=False, text=True, timeout=120,
    )  # fmt: skip
    log = run.stdout + run.stderr
    # dcmprscu exits 0 even when the SCP refuses something: read its log.
    assert run.returncode == 0, log
    if check:
        errors = [line for line in log.splitlines() if line.startswith(("E:", "F:"))]
        assert not errors, log
    return values, log


@pytest.mark.parametrize("implicit_only", ["false", "true"])
def test_dcmprscu_prints_standard_3_4(print_server, tmp_path, implicit_only):
    scp, port, watcher = print_server
    values, log = print_with_dcmtk(
        port, tmp_path / "dcmtk", 3, 4, implicit_only=implicit_only, text="FIRST FILM"
    )
    assert log.count("DIMSE Status                  : 0x0000: Success") >= 16, log

    [(job_id, state)] = watcher.wait_finished(1).items()
    assert state == "done"
    [job] = list(scp.spool.summaries())
    assert (job["calling_ae"], job["films"]) == ("MODALITY", 1)

    # At 40 dpi the film is 560 x 680; the annotation band takes the bottom
    # 0.3 inch (12 rows) and the boxes, 3 columns by 4 rows, the rest.
    ps_path = next(p for p in job["outputs"] if p.endswith(".ps"))
    film = render_with_ghostscript(ps_path, tmp_path / "film.png", dpi=40)
    assert film.shape == (680, 560)
    for index, value in enumerate(values):
        row, column = divmod(index, 3)
        y, x = int((row + 0.5) * 668 / 4), int((column + 0.5) * 560 / 3)
        expected = gsdf_gray(value / 4095)
        assert abs(int(film[y, x]) - expected) <= 1, (index, film[y, x])
    # "FIRST FILM" is written in white on the black border below the images.
    band = film[668:]
    assert band.max() > 200 and band.min() == 0
