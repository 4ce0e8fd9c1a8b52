"""``printserver print``: DICOM image files straight into the spool.

What a workstation admin does without a modality: pick images, a layout and
a printer; the job waits in the spool like any other.  Part of the spooler
layer (reads files with pydicom, writes through ``spool``).
"""

import struct
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pydicom
from pydicom import Dataset
from pydicom.errors import BytesLengthException, InvalidDicomError
from pydicom.multival import MultiValue
from pydicom.pixels import apply_modality_lut, apply_voi_lut

from printserver.errors import SpoolError
from printserver.layout import (
    FilmOrientationValues,
    ImageDisplayFormatError,
    film_sizes,
    parse_image_display_format,
)
from printserver.preset import Preset
from printserver.profile import PrinterProfile
from printserver.render import Film, MagnificationTypeValues, SourceImage
from printserver.spool import JobRequest, Spool

#: What pydicom raises on a file that is not DICOM or is malformed.
UNREADABLE: tuple[type[Exception], ...] = (
    InvalidDicomError,
    BytesLengthException,
    OSError,
    EOFError,
    struct.error,
    AttributeError,
    IndexError,
    KeyError,
    TypeError,
    ValueError,
    RuntimeError,
    NotImplementedError,
)


def read_dataset(path: Path) -> Dataset:
    """The DICOM file at *path*, pixel data included.

    Raises
    ------
    SpoolError
        If the file cannot be read or is not a DICOM file.
    """
    try:
        return pydicom.dcmread(path)
    except UNREADABLE as exc:
        raise SpoolError(f"not a DICOM image we can read ({exc})") from None


#: What applying a Modality LUT or VOI of a broken data set raises.
VOI_ERRORS: tuple[type[Exception], ...] = (*UNREADABLE, ArithmeticError)
#: Bits of the values an image is printed with once its VOI is applied.
VOI_BITS = 12


def _first(value: Any) -> float:
    """The first value of a DS that may be multi-valued."""
    if isinstance(value, (MultiValue, list, tuple)):
        value = value[0]
    return float(value)


def _window(values: np.ndarray, ds: Dataset) -> np.ndarray:
    """Values of the first Window Center/Width, 0 to 1, by its VOI LUT
    Function (LINEAR when absent; LINEAR_EXACT and SIGMOID as PS3.3
    C.11.2.1.3 gives them)."""
    center = _first(ds.WindowCenter)
    width = _first(ds.WindowWidth)
    function = str(ds.get("VOILUTFunction", "LINEAR")).strip().upper()
    if width <= 0 or (function == "LINEAR" and width < 1):
        raise SpoolError(f"(0028,1051) Window Width {width:g} is not a width")
    if function == "SIGMOID":
        return 1.0 / (1.0 + np.exp(-4.0 * (values - center) / width))
    if function == "LINEAR_EXACT":
        return (values - center) / width + 0.5
    if width == 1:  # LINEAR of width 1: a threshold at the center
        return (values >= center - 0.5).astype(np.float32)
    return (values - (center - 0.5)) / (width - 1) + 0.5


def voi_values(ds: Dataset, pixels: np.ndarray, bits_stored: int) -> np.ndarray | None:
    """The image as a viewer shows it, as 12-bit values (0 to 4095).

    The Modality LUT (Rescale Slope and Intercept, or a Modality LUT
    Sequence), then the first VOI: Window Center/Width, or a VOI LUT
    Sequence; without either, the image's own lowest to highest value.  An
    image of 8 bits or fewer without a VOI, or a flat one, prints as
    stored: None.
    """
    has_window = "WindowCenter" in ds and "WindowWidth" in ds
    has_lut = bool(ds.get("VOILUTSequence"))
    if bits_stored <= 8 and not (has_window or has_lut):
        return None
    values = np.asarray(apply_modality_lut(pixels, ds), np.float32)
    if has_window:
        scaled = _window(values, ds)
    elif has_lut:
        indices = np.rint(values).astype(np.int32)  # a LUT takes whole values
        looked_up = np.asarray(apply_voi_lut(indices, ds, index=0, prefer_lut=True))
        top = float(np.max(np.asarray(ds.VOILUTSequence[0].LUTData)))
        scaled = looked_up.astype(np.float32) / max(top, 1.0)
    else:
        low, high = float(values.min()), float(values.max())
        if high <= low:
            return None  # a flat image: no range to stretch
        scaled = (values - low) / (high - low)
    top = (1 << VOI_BITS) - 1
    result: np.ndarray = np.rint(np.clip(scaled, 0.0, 1.0) * top).astype(np.uint16)
    return result


def source_image(ds: Dataset) -> SourceImage:
    """The first frame of a DICOM image, as a viewer shows it: stored
    values through the Modality LUT and the VOI (see ``voi_values``), or
    as stored (8 bits or fewer, no VOI; RGB).

    Raises
    ------
    SpoolError
        If *ds* has no pixel data, or is not a grayscale or RGB image we can
        decode; the message gives the reason, without the file's name.
    """
    if "PixelData" not in ds:
        raise SpoolError("no (7FE0,0010) Pixel Data: not an image")
    try:
        pixels = ds.pixel_array
        photometric = str(ds.get("PhotometricInterpretation", "MONOCHROME2"))
        if int(ds.get("NumberOfFrames", 1) or 1) > 1:
            # LIMITATION(LIM-010): a multi-frame image prints its first frame.
            pixels = pixels[0]
        bits_stored = int(ds.get("BitsStored", 8))
        signed = bool(ds.get("PixelRepresentation", 0))
    except UNREADABLE as exc:
        raise SpoolError(f"not a DICOM image we can read ({exc})") from None

    if photometric == "RGB" or pixels.ndim == 3:
        return SourceImage(np.ascontiguousarray(pixels, np.uint8), 8, "RGB")
    if photometric not in ("MONOCHROME1", "MONOCHROME2"):
        raise SpoolError(
            f"(0028,0004) Photometric Interpretation {photometric} not printable"
        )
    try:
        windowed = voi_values(ds, pixels, bits_stored)
    except VOI_ERRORS as exc:
        raise SpoolError(f"cannot apply the image's VOI ({exc})") from None
    if windowed is not None:
        return SourceImage(windowed, VOI_BITS, photometric)
    if signed:
        # Signed values (CT): shift so the smallest stored value is 0.
        pixels = pixels.astype(np.int32) + (1 << (bits_stored - 1))
    dtype = np.uint8 if bits_stored <= 8 else np.uint16
    values = np.clip(pixels, 0, (1 << bits_stored) - 1).astype(dtype)
    return SourceImage(values, bits_stored, photometric)


def read_image(path: Path) -> SourceImage:
    """The first frame of the DICOM image file at *path*, as stored values.

    Raises
    ------
    SpoolError
        If the file is not a grayscale or RGB DICOM image we can decode.
    """
    try:
        return source_image(read_dataset(path))
    except SpoolError as exc:
        raise SpoolError(f"{path}: {exc}") from None


def lay_out(images: list[SourceImage], film: Film) -> list[Film]:
    """Copies of the empty *film* holding *images* in order, as many as
    needed."""
    layout = parse_image_display_format(film.image_display_format, film.film_size_id)
    boxes = layout.box_count
    return [
        replace(film, images=dict(enumerate(images[start : start + boxes], start=1)))
        for start in range(0, len(images), boxes)
    ]


def preset_film(preset: Preset, profile: PrinterProfile) -> Film:
    """An empty film as *preset* describes it, on the printer of *profile*."""
    magnification_type = preset.magnification_type or profile.default_magnification_type
    return Film(
        preset.image_display_format,
        preset.film_size_id,
        preset.film_orientation,
        MagnificationTypeValues(magnification_type),
        border_density=preset.border_density,
        empty_image_density=preset.empty_image_density,
        requested_resolution_id=preset.requested_resolution_id,
        min_density=profile.min_density,
        max_density=profile.max_density,
        trim=preset.trim,
    )


def preset_film_session(preset: Preset, profile: PrinterProfile) -> dict[str, Any]:
    """Film Session attributes of a job printed with *preset*, by keyword."""
    return {
        "NumberOfCopies": 1,
        "PrintPriority": preset.print_priority,
        "MediumType": preset.medium_type or profile.default_medium_type,
        "FilmDestination": profile.default_film_destination,
        "FilmSessionLabel": preset.name,
    }


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
        parse_image_display_format(image_display_format, film_size_id)
        orientation = FilmOrientationValues(film_orientation.upper())
    except (ImageDisplayFormatError, ValueError) as exc:
        raise SpoolError(str(exc)) from None
    if not files:
        raise SpoolError("no image files given")

    images = [read_image(path) for path in files]
    films = lay_out(images, Film(image_display_format, film_size_id, orientation))
    # Not spool.ensure(): it clears half-written jobs, and a running server
    # may be writing one now.  submit() makes the folders it needs.
    return spool.submit(JobRequest("printserver", "printserver", printer, films))
