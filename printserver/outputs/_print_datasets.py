"""What a DICOM film printer is sent: the datasets of our requests.

Pure functions from our films (``render.Film``) to the attribute lists of
Film Session and Film Box N-CREATE and Image Box N-SET, for the two modes of
the ``dicom`` output: composed (the whole film as one STANDARD\\1,1 image of
P-Values) and pass-through (the film's own boxes and images).  No network
here.  Part of the spooler layer: may import ``render``; never ``sop`` or
``scp``.
"""

import logging
from dataclasses import replace
from typing import Any

import numpy as np
from pydicom.dataset import Dataset
from pydicom.valuerep import DSfloat
from pynetdicom.sop_class import BasicFilmSession  # type: ignore[attr-defined]

from printserver.render import (
    Film,
    PolarityValues,
    Printing,
    SourceImage,
    compose_film,
    viewing_for,
)
from printserver.render.gsdf import pvalue_to_density
from printserver.render.tone import to_pvalues

#: Film Session attributes (PS3.4 Table H.4-2) taken from the job's session.
SESSION_KEYWORDS = (
    "NumberOfCopies",
    "PrintPriority",
    "MediumType",
    "FilmDestination",
    "FilmSessionLabel",
)
#: Film Box attributes sent even to a printer that refuses others (0x0105).
FILM_BOX_CORE = (
    "ImageDisplayFormat",
    "ReferencedFilmSessionSequence",
    "FilmOrientation",
    "FilmSizeID",
)
#: Image Box attributes sent even to a printer that refuses others.
IMAGE_BOX_CORE = (
    "ImageBoxPosition",
    "BasicGrayscaleImageSequence",
    "BasicColorImageSequence",
)
#: Samples of the P-Value to density curve the composed mode prints with.
_CURVE_POINTS = 1024
_LUMA = np.array([0.299, 0.587, 0.114])

Log = logging.LoggerAdapter[logging.Logger]


def film_session(session: dict[str, Any]) -> Dataset | None:
    """Film Session N-CREATE attributes from the job's session.

    None when the job set none: an empty dataset would go out as a
    zero-length Attribute List, on which DCMTK's printer aborts.
    """
    ds = Dataset()
    for keyword in SESSION_KEYWORDS:
        value = session.get(keyword)
        if value not in (None, ""):
            setattr(ds, keyword, value)
    label = str(session.get("FilmSessionLabel", "") or "")
    if not label.isascii():
        ds.SpecificCharacterSet = "ISO_IR 192"
    return ds or None


def _session_reference(film_session_uid: str) -> list[Dataset]:
    item = Dataset()
    item.ReferencedSOPClassUID = BasicFilmSession
    item.ReferencedSOPInstanceUID = film_session_uid
    return [item]


def composed_film_box(film: Film, film_session_uid: str) -> Dataset:
    """Film Box N-CREATE for one composed film: STANDARD\\1,1.

    Min and Max Density are the film's: the P-Values of the composed image
    are computed for that range, and the printer maps them back to it.
    """
    ds = Dataset()
    ds.ImageDisplayFormat = "STANDARD\\1,1"
    ds.FilmOrientation = film.film_orientation.value
    ds.FilmSizeID = film.film_size_id
    ds.MinDensity = film.min_density
    ds.MaxDensity = film.max_density
    if film.requested_resolution_id == "HIGH":
        ds.RequestedResolutionID = "HIGH"
    ds.ReferencedFilmSessionSequence = _session_reference(film_session_uid)
    return ds


def passthrough_film_box(film: Film, film_session_uid: str) -> Dataset:
    """Film Box N-CREATE with the film's own layout and settings.

    Trim and Requested Resolution ID are sent only when they ask for more
    than the default, so that a printer without them is not troubled.
    """
    ds = Dataset()
    ds.ImageDisplayFormat = film.image_display_format
    ds.FilmOrientation = film.film_orientation.value
    ds.FilmSizeID = film.film_size_id
    ds.MagnificationType = film.magnification_type.value
    ds.BorderDensity = film.border_density
    ds.EmptyImageDensity = film.empty_image_density
    ds.MinDensity = film.min_density
    ds.MaxDensity = film.max_density
    if film.trim:
        ds.Trim = "YES"
    if film.requested_resolution_id == "HIGH":
        ds.RequestedResolutionID = "HIGH"
    ds.ReferencedFilmSessionSequence = _session_reference(film_session_uid)
    return ds


def without(ds: Dataset, keywords: list[str]) -> Dataset:
    """A shallow copy of *ds* without *keywords*."""
    trimmed = Dataset()
    for elem in ds:
        if elem.keyword not in keywords:
            trimmed.add(elem)
    return trimmed


# Composed mode: the film as P-Values.


def pvalue_printing(film: Film, reflective: bool) -> Printing:
    """A characteristic curve under which drive values are P-Values.

    ``compose_film`` turns each image's P-Values into densities, then into
    the drive values of a printer's curve.  Given the GSDF curve of the
    film's own Min and Max Density, the drive values it returns are the
    P-Values that print those densities on a DICOM printer set to the same
    range: 8 bits spread evenly over the JND scale, where a transmittance
    raster would spend most of its codes on the lightest densities.

    References
    ----------
    PS3.14 7.2 and 7.3; PS3.4 H.2.1.2 (P-Values in the print pipeline).
    """
    viewing = viewing_for(film, None, Printing(reflective=reflective))
    pvalues = np.linspace(0.0, 1.0, _CURVE_POINTS)
    densities = pvalue_to_density(pvalues, viewing)
    curve = tuple(zip(pvalues.tolist(), densities.tolist(), strict=True))
    return Printing(curve, reflective)


def compose_pvalues(film: Film, dpi: int, reflective: bool) -> np.ndarray:
    """Film *film* composed at *dpi* as 8-bit P-Values (RGB for color)."""
    return compose_film(film, dpi, pvalue_printing(film, reflective))


def composed_image_box(raster: np.ndarray, color: bool) -> Dataset:
    """Image Box N-SET for the composed film in position 1."""
    ds = Dataset()
    ds.ImageBoxPosition = 1
    if color:
        ds.BasicColorImageSequence = [color_item(as_rgb(raster))]
    else:
        ds.BasicGrayscaleImageSequence = [gray_item(as_gray(raster), 8)]
    return ds


# Pixels.


def as_rgb(raster: np.ndarray) -> np.ndarray:
    """An 8-bit raster as RGB (gray is repeated in the three samples)."""
    if raster.ndim == 3:
        return raster
    return np.repeat(raster[..., None], 3, axis=2)


def as_gray(raster: np.ndarray) -> np.ndarray:
    """An 8-bit raster as gray (RGB is weighted as luma, ITU-R BT.601)."""
    if raster.ndim == 2:
        return raster
    luma = np.rint(raster.astype(np.float32) @ _LUMA.astype(np.float32))
    gray: np.ndarray = np.clip(luma, 0, 255).astype(np.uint8)
    return gray


def _pixel_data(ds: Dataset, data: bytes, vr: str) -> None:
    if len(data) % 2:
        data += b"\0"  # OB values are of even length
    ds.PixelData = data
    ds["PixelData"].VR = vr


def gray_item(pixels: np.ndarray, bits_stored: int, photometric: str = "") -> Dataset:
    """A Basic Grayscale Image Sequence item: 8 bits, or 12 in 16.

    References
    ----------
    PS3.3 C.13.5 (Image Box Pixel Presentation).
    """
    item = Dataset()
    item.SamplesPerPixel = 1
    item.PhotometricInterpretation = photometric or "MONOCHROME2"
    item.Rows, item.Columns = pixels.shape
    item.BitsAllocated = 8 if bits_stored == 8 else 16
    item.BitsStored = bits_stored
    item.HighBit = bits_stored - 1
    item.PixelRepresentation = 0
    if bits_stored == 8:
        _pixel_data(item, pixels.astype(np.uint8).tobytes(), "OB")
    else:
        _pixel_data(item, pixels.astype("<u2").tobytes(), "OW")
    return item


def color_item(rgb: np.ndarray) -> Dataset:
    """A Basic Color Image Sequence item: RGB by plane (Planar Config 1)."""
    item = Dataset()
    item.SamplesPerPixel = 3
    item.PhotometricInterpretation = "RGB"
    item.PlanarConfiguration = 1
    item.Rows, item.Columns = rgb.shape[:2]
    item.BitsAllocated = 8
    item.BitsStored = 8
    item.HighBit = 7
    item.PixelRepresentation = 0
    planes = np.ascontiguousarray(rgb.astype(np.uint8).transpose(2, 0, 1))
    _pixel_data(item, planes.tobytes(), "OB")
    return item


# Pass-through mode: the film's own images.


def _standard_depth(image: SourceImage) -> tuple[np.ndarray, int]:
    """Stored values at 8 or 12 bits, the depths a printer takes."""
    bits = image.bits_stored
    if bits in (8, 12):
        return image.pixels, bits
    target = 8 if bits < 8 else 12
    scaled = image.pixels.astype(np.int64) * ((1 << target) - 1) // ((1 << bits) - 1)
    return scaled, target


def _baked(image: SourceImage, film: Film, log: Log) -> SourceImage:
    """The image with its Presentation LUT applied, when it has one.

    A printer holds no LUT of ours (the Presentation LUT SOP Class is not
    negotiated): its P-Values go out as MONOCHROME2 pixels instead.
    """
    lut = image.presentation_lut or film.presentation_lut
    if lut is None or lut.shape == "IDENTITY" or image.pixels.ndim == 3:
        return image
    bits = 8 if image.bits_stored <= 8 else 12
    viewing = viewing_for(film, image, Printing())
    pvalues = to_pvalues(image, lut, viewing)
    values = np.rint(pvalues * ((1 << bits) - 1)).astype(np.uint16)
    log.info("Presentation LUT %s applied to the pixels before sending", lut.shape)
    return replace(
        image, pixels=values, bits_stored=bits, presentation_lut=None,
        photometric_interpretation="MONOCHROME2", polarity=PolarityValues.NORMAL,
    )  # fmt: skip


def _in_box_form(
    image: SourceImage, film: Film, color: bool, log: Log
) -> tuple[str, Dataset, PolarityValues]:
    """The image sequence keyword, its item and the Polarity to send.

    A gray image in a color box goes as its P-Values, Polarity applied.
    """
    if color and image.pixels.ndim == 3:
        return "BasicColorImageSequence", color_item(image.pixels), image.polarity
    if color:
        viewing = viewing_for(film, image, Printing())
        gray = np.rint(to_pvalues(image, None, viewing) * 255).astype(np.uint8)
        item = color_item(as_rgb(gray))
        return "BasicColorImageSequence", item, PolarityValues.NORMAL
    if image.pixels.ndim == 3:
        log.warning("a color image printed in gray: the printer has no color")
        item = gray_item(as_gray(image.pixels), 8)
        return "BasicGrayscaleImageSequence", item, image.polarity
    pixels, bits = _standard_depth(image)
    if bits != image.bits_stored:
        log.warning("Bits Stored %d sent as %d", image.bits_stored, bits)
    item = gray_item(pixels, bits, image.photometric_interpretation)
    return "BasicGrayscaleImageSequence", item, image.polarity


def passthrough_image_box(
    position: int, image: SourceImage, film: Film, color: bool, log: Log
) -> Dataset:
    """Image Box N-SET with the image as received and its own settings.

    References
    ----------
    PS3.4 Tables H.4-10 and H.4-11.
    """
    image = _baked(image, film, log)
    ds = Dataset()
    ds.ImageBoxPosition = position
    keyword, item, polarity = _in_box_form(image, film, color, log)
    if image.pixel_aspect_ratio != (1, 1):
        item.PixelAspectRatio = list(image.pixel_aspect_ratio)
    setattr(ds, keyword, [item])
    ds.Polarity = polarity.value
    if image.magnification_type is not None:
        ds.MagnificationType = image.magnification_type.value
    if not color and image.min_density is not None:
        ds.MinDensity = image.min_density
    if not color and image.max_density is not None:
        ds.MaxDensity = image.max_density
    if image.requested_image_size is not None:
        ds.RequestedImageSize = DSfloat(image.requested_image_size, auto_format=True)
    if image.requested_decimate_crop_behavior:
        ds.RequestedDecimateCropBehavior = image.requested_decimate_crop_behavior
    return ds
