"""``printserver print``: DICOM image files straight into the spool.

What a workstation admin does without a modality: pick images, a layout and
a printer; the job waits in the spool like any other.  Part of the spooler
layer (reads files with pydicom, writes through ``spool``).
"""

from pathlib import Path

import numpy as np
import pydicom
from pydicom.errors import InvalidDicomError

from printserver.errors import SpoolError
from printserver.layout import (
    FilmOrientationValues,
    ImageDisplayFormatError,
    film_sizes,
    parse_image_display_format,
)
from printserver.render import Film, SourceImage
from printserver.spool import JobRequest, Spool


def read_image(path: Path) -> SourceImage:
    """The first frame of a DICOM image file, as stored values.

    Raises
    ------
    SpoolError
        If the file is not a grayscale or RGB DICOM image we can decode.
    """
    try:
        ds = pydicom.dcmread(path)
        pixels = ds.pixel_array
    except (
        InvalidDicomError,
        OSError,
        AttributeError,
        ValueError,
        RuntimeError,
    ) as exc:
        raise SpoolError(f"{path}: not a DICOM image we can read ({exc})") from None
    photometric = str(ds.get("PhotometricInterpretation", "MONOCHROME2"))
    if int(ds.get("NumberOfFrames", 1) or 1) > 1:
        pixels = pixels[0]
    if photometric == "RGB" or pixels.ndim == 3:
        return SourceImage(np.ascontiguousarray(pixels, np.uint8), 8, "RGB")
    if photometric not in ("MONOCHROME1", "MONOCHROME2"):
        raise SpoolError(
            f"{path}: Photometric Interpretation {photometric} not printable"
        )
    bits_stored = int(ds.get("BitsStored", 8))
    if int(ds.get("PixelRepresentation", 0)):
        # Signed values (CT): shift so the smallest stored value is 0.
        pixels = pixels.astype(np.int32) + (1 << (bits_stored - 1))
    dtype = np.uint8 if bits_stored <= 8 else np.uint16
    values = np.clip(pixels, 0, (1 << bits_stored) - 1).astype(dtype)
    return SourceImage(values, bits_stored, photometric)


def print_files(
    spool: Spool,
    files: list[Path],
    *,
    image_display_format: str,
    film_size_id: str,
    film_orientation: str,
    printer: str,
) -> str:
    """Lay *files* out on as many films as needed and queue one job.

    Returns the job id.
    """
    if film_size_id not in film_sizes():
        raise SpoolError(f"unknown film size {film_size_id!r}")
    try:
        boxes = parse_image_display_format(image_display_format, film_size_id).box_count
        orientation = FilmOrientationValues(film_orientation.upper())
    except (ImageDisplayFormatError, ValueError) as exc:
        raise SpoolError(str(exc)) from None
    if not files:
        raise SpoolError("no image files given")

    images = [read_image(path) for path in files]
    films = []
    for start in range(0, len(images), boxes):
        chunk = images[start : start + boxes]
        films.append(
            Film(
                image_display_format,
                film_size_id,
                orientation,
                images={i: image for i, image in enumerate(chunk, start=1)},
            )
        )
    spool.ensure()
    return spool.submit(JobRequest("printserver", "printserver", printer, films))
