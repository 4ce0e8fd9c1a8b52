"""Basic Grayscale and Color Image Box SOP classes: N-SET with the pixels.

References: PS3.4 H.4.3, PS3.3 C.13.5.  Must not import ``scp`` or
pynetdicom.
"""

from dataclasses import replace
from typing import Any

import numpy as np
from pydicom.dataset import Dataset

from printserver.errors import (
    ClassInstanceConflictError,
    ImageTooLargeError,
    InvalidAttributeValueError,
    NoSuchInstanceError,
)
from printserver.render import (
    FitValues,
    MagnificationTypeValues,
    PolarityValues,
    SourceImage,
    image_boxes,
    plan_fit,
)
from printserver.sop import _attributes as attrs
from printserver.sop._model import FilmBox, ImageBox, PrintContext, Request, Response
from printserver.sop.film_box import MAGNIFICATION_TYPES, render_lut
from printserver.sop.uids import COLOR_IMAGE_BOX, GRAYSCALE_IMAGE_BOX
from printserver.status import Status

SOP_CLASS_UID = GRAYSCALE_IMAGE_BOX
COLOR_SOP_CLASS_UID = COLOR_IMAGE_BOX

#: Table H.4-10: what a grayscale image box N-SET may carry.
GRAYSCALE_SETTABLE = (
    "ImageBoxPosition",
    "BasicGrayscaleImageSequence",
    "Polarity",
    "MagnificationType",
    "SmoothingType",
    "MinDensity",
    "MaxDensity",
    "ConfigurationInformation",
    "RequestedImageSize",
    "RequestedDecimateCropBehavior",
    "ReferencedPresentationLUTSequence",
)
#: Table H.4-11: what a color image box N-SET may carry.
COLOR_SETTABLE = (
    "ImageBoxPosition",
    "BasicColorImageSequence",
    "Polarity",
    "MagnificationType",
    "SmoothingType",
    "RequestedImageSize",
    "RequestedDecimateCropBehavior",
)

#: Largest image side we take; far above any modality's.
MAX_SIDE = 16384


def _find(ctx: PrintContext, req: Request) -> tuple[FilmBox, ImageBox]:
    uid = req.sop_instance_uid
    if ctx.film_session is not None:
        for film_box in ctx.film_session.film_boxes:
            for box in film_box.image_boxes:
                if box.sop_instance_uid != uid:
                    continue
                if box.sop_class_uid != req.sop_class_uid:
                    raise ClassInstanceConflictError(
                        f"image box {uid} is not of class {req.sop_class_uid}"
                    )
                return film_box, box
    raise NoSuchInstanceError(f"no image box {uid}")


def _item_value(item: Dataset, keyword: str, allowed: tuple[int, ...] | range) -> int:
    """A US attribute of the pixel item that must be one of *allowed*."""
    attrs.require(item, keyword)
    value = int(item[keyword].value)
    if value not in allowed:
        shown = (
            f"{allowed.start}-{allowed.stop - 1}"
            if isinstance(allowed, range)
            else allowed
        )
        raise InvalidAttributeValueError(
            f"{attrs.tag_name(keyword)}: {value} not in {shown}"
        )
    return value


def _geometry(item: Dataset, limits: tuple[int, int]) -> tuple[int, int]:
    """Rows and Columns, within *limits* (rows, columns): 0xC603 beyond."""
    rows = _item_value(item, "Rows", range(1, 65536))
    columns = _item_value(item, "Columns", range(1, 65536))
    max_rows, max_columns = limits
    if rows > max_rows or columns > max_columns:
        raise ImageTooLargeError(
            f"image {columns}x{rows} over {max_columns}x{max_rows} "
            "(max_image_columns/rows)"
        )
    _item_value(item, "PixelRepresentation", (0,))
    attrs.require(item, "PixelData")
    return rows, columns


def _samples(item: Dataset, count: int, dtype: np.dtype) -> np.ndarray:
    """The first *count* samples of Pixel Data; extra (pad) bytes ignored."""
    data = item.PixelData
    needed = count * dtype.itemsize
    if len(data) < needed:
        raise InvalidAttributeValueError(
            f"(7FE0,0010) PixelData: {len(data)} bytes, {needed} needed"
        )
    return np.frombuffer(data, dtype, count)


def decode_grayscale(
    item: Dataset, is_little_endian: bool, limits: tuple[int, int] = (MAX_SIDE,) * 2
) -> SourceImage:
    """Check a Basic Grayscale Image Sequence item and read its pixels.

    The item has no file meta, so the pixels are read by Bits Allocated and
    the byte order of the presentation context.  Rows and Columns are
    checked against *limits* before any pixel is read.

    Raises
    ------
    MissingAttributeError, InvalidAttributeValueError
        Naming the first attribute at fault.

    References
    ----------
    PS3.3 C.13.5 (Image Box Pixel Presentation Module).
    """
    _item_value(item, "SamplesPerPixel", (1,))
    attrs.require(item, "PhotometricInterpretation")
    photometric = attrs.get_choice(
        item, "PhotometricInterpretation", ("MONOCHROME1", "MONOCHROME2"), ""
    )
    bits_allocated = _item_value(item, "BitsAllocated", (8, 16))
    bits_stored = _item_value(item, "BitsStored", range(1, bits_allocated + 1))
    rows, columns = _geometry(item, limits)

    order = "<" if is_little_endian else ">"
    dtype = np.dtype(np.uint8) if bits_allocated == 8 else np.dtype(f"{order}u2")
    pixels = _samples(item, rows * columns, dtype).reshape(rows, columns)
    # Bits above Bits Stored are not part of the value (PS3.5 8.1.1).
    pixels = np.bitwise_and(pixels, (1 << bits_stored) - 1).astype(
        np.uint16 if bits_allocated == 16 else np.uint8
    )
    return SourceImage(pixels, bits_stored, photometric)


def decode_color(
    item: Dataset, limits: tuple[int, int] = (MAX_SIDE,) * 2
) -> tuple[SourceImage, int]:
    """Check a Basic Color Image Sequence item and read its RGB pixels.

    The standard asks for Planar Configuration 1 (all red, then green, then
    blue); 0 (interleaved), which some clients send, is read as such.
    Returns the image and the Planar Configuration received.

    References
    ----------
    PS3.3 C.13.5 (Image Box Pixel Presentation Module).
    """
    _item_value(item, "SamplesPerPixel", (3,))
    attrs.get_choice(item, "PhotometricInterpretation", ("RGB",), "RGB")
    attrs.require(item, "PhotometricInterpretation")
    _item_value(item, "BitsAllocated", (8,))
    _item_value(item, "BitsStored", (8,))
    planar = _item_value(item, "PlanarConfiguration", (0, 1))
    rows, columns = _geometry(item, limits)

    samples = _samples(item, rows * columns * 3, np.dtype(np.uint8))
    if planar == 1:
        pixels = samples.reshape(3, rows, columns).transpose(1, 2, 0)
    else:
        pixels = samples.reshape(rows, columns, 3)
    return SourceImage(np.ascontiguousarray(pixels), 8, "RGB"), planar


def _position(ds: Dataset, box: ImageBox) -> None:
    attrs.require(ds, "ImageBoxPosition")
    position = attrs.get_int(ds, "ImageBoxPosition", 0, 1, 65535)
    if position != box.image_box_position:
        raise InvalidAttributeValueError(
            f"(2020,0010) ImageBoxPosition: {position}, the box is at "
            f"{box.image_box_position}",
            [0x20200010],
        )


def _presentation(
    ctx: PrintContext, ds: Dataset, adjust: attrs.Adjustments
) -> tuple[PolarityValues, MagnificationTypeValues | None]:
    """Polarity and the box's own Magnification Type (if any)."""
    polarity = attrs.get_code(ds, "Polarity", PolarityValues, PolarityValues.NORMAL)
    if not attrs.has_value(ds, "MagnificationType"):
        return polarity, None
    magnification = attrs.get_supported(
        ds, "MagnificationType", defined=MAGNIFICATION_TYPES,
        supported=ctx.profile.magnification_types,
        default=ctx.profile.default_magnification_type, adjustments=adjust,
    )  # fmt: skip
    return polarity, MagnificationTypeValues(magnification)


def _settings(
    ctx: PrintContext, ds: Dataset, color: bool, adjust: attrs.Adjustments
) -> dict[str, Any]:
    """The box's own settings: what overrides the film box for this image."""
    polarity, magnification = _presentation(ctx, ds, adjust)
    settings: dict[str, Any] = {
        "polarity": polarity,
        "magnification_type": magnification,
    }
    behavior = attrs.get_choice(
        ds, "RequestedDecimateCropBehavior", ("DECIMATE", "CROP", "FAIL"),
        ctx.profile.default_decimate_crop_behavior,
    )  # fmt: skip
    settings["requested_decimate_crop_behavior"] = behavior
    if attrs.has_value(ds, "RequestedImageSize"):
        try:
            size = float(ds.RequestedImageSize)
        except (TypeError, ValueError):
            size = -1.0  # not a number: refused below
        if not 0 < size <= 1000:
            raise InvalidAttributeValueError(
                f"(2020,0030) RequestedImageSize: {ds.RequestedImageSize!r} mm not "
                "in 0-1000",
                [0x20200030],
            )
        settings["requested_image_size"] = size
    if color:
        return settings

    low, high = ctx.profile.min_density, ctx.profile.max_density
    for keyword, default in (("MinDensity", low), ("MaxDensity", high)):
        if attrs.has_value(ds, keyword):
            settings[keyword.replace("Density", "_density").lower()] = (
                attrs.get_clamped_density(
                    ds, keyword, default=default, low=low, high=high,
                    adjustments=adjust,
                )
            )  # fmt: skip
    settings["presentation_lut"] = render_lut(ctx, ds)
    if "ConfigurationInformation" in ds:
        settings["configuration_information"] = attrs.get_configuration(
            ds, (name for name, _, _ in ctx.profile.configurations), adjust
        )
    return settings


def _pixel_aspect_ratio(item: Dataset) -> tuple[int, int]:
    """(2828,0034) Pixel Aspect Ratio of the pixel item; 1\\1 if absent."""
    if not attrs.has_value(item, "PixelAspectRatio"):
        return 1, 1
    values = [int(v) for v in item.PixelAspectRatio]
    if len(values) != 2 or min(values) <= 0:
        raise InvalidAttributeValueError(
            f"(0028,0034) PixelAspectRatio: {values} is not two positive integers"
        )
    return values[0], values[1]


def _check_fit(
    ctx: PrintContext, film_box: FilmBox, box: ImageBox, adjust: attrs.Adjustments
) -> None:
    """Warn of an image that will be decimated or cropped; refuse one that
    may not be (0xC603)."""
    assert box.image is not None  # set by the caller
    film = film_box.film_with_images()
    dpi = ctx.profile.dpi(film.requested_resolution_id)
    rect = image_boxes(film, dpi)[box.image_box_position - 1]
    magnification = box.image.magnification_type or film.magnification_type
    fit = plan_fit(box.image, rect, magnification, dpi)
    if fit.result is FitValues.TOO_LARGE:
        box.image = None
        raise ImageTooLargeError(
            f"image {fit.width}x{fit.height} > box {rect.width}x{rect.height}, FAIL"
        )
    if fit.result is FitValues.DECIMATED:
        adjust.add(
            Status.IMAGE_DECIMATED,
            "image decimated to fit its box",
            "RequestedDecimateCropBehavior",
        )
    elif fit.result is FitValues.CROPPED:
        adjust.add(
            Status.IMAGE_CROPPED,
            "image cropped to its box",
            "RequestedDecimateCropBehavior",
        )


def handle_n_set(ctx: PrintContext, req: Request) -> Response:
    """Put an image (or nothing: an empty sequence) into an image box."""
    film_box, box = _find(ctx, req)
    ds = req.dataset
    color = box.sop_class_uid == COLOR_IMAGE_BOX
    sequence_keyword = (
        "BasicColorImageSequence" if color else "BasicGrayscaleImageSequence"
    )
    _position(ds, box)
    if sequence_keyword not in ds:
        attrs.require(ds, sequence_keyword)

    adjust = attrs.Adjustments()
    settings = _settings(ctx, ds, color, adjust)
    sequence = ds[sequence_keyword].value
    limits = (ctx.config.server.max_image_rows, ctx.config.server.max_image_columns)
    if len(sequence) == 0:
        box.image = None  # an empty sequence erases the box (PS3.4 H.4.3.1)
    else:
        if color:
            image, planar = decode_color(sequence[0], limits)
            if planar == 0:
                ctx.log.warning(
                    "color image with Planar Configuration 0 (the standard says 1):"
                    " read as interleaved RGB"
                )
        else:
            image = decode_grayscale(sequence[0], req.is_little_endian, limits)
        image = replace(
            image, pixel_aspect_ratio=_pixel_aspect_ratio(sequence[0]), **settings
        )
        box.image = image
        _check_fit(ctx, film_box, box, adjust)

    adjust.unknown(ds, COLOR_SETTABLE if color else GRAYSCALE_SETTABLE)
    return Response(adjust.status, None, None, adjust.comment, adjust.tags)
