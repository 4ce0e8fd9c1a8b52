"""Basic Grayscale Image Box SOP class: N-SET with the image's pixels.

References: PS3.4 H.4.3.1, PS3.3 C.13.5.  Must not import ``scp`` or
pynetdicom.
"""

import numpy as np
from pydicom.dataset import Dataset

from printserver.errors import InvalidAttributeValueError, NoSuchInstanceError
from printserver.render import MagnificationTypeValues, PolarityValues, SourceImage
from printserver.sop import _attributes as attrs
from printserver.sop._model import ImageBox, PrintContext, Request, Response
from printserver.status import Status

SOP_CLASS_UID = "1.2.840.10008.5.1.1.4"

#: Table H.4-10: what a grayscale image box N-SET may carry.
SETTABLE = (
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

#: Largest image side we take; far above any modality's.
MAX_SIDE = 16384


def _find(ctx: PrintContext, uid: str | None) -> ImageBox:
    if ctx.film_session is not None:
        for film_box in ctx.film_session.film_boxes:
            for box in film_box.image_boxes:
                if box.sop_instance_uid == uid:
                    return box
    raise NoSuchInstanceError(f"no Basic Grayscale Image Box {uid}")


def _item_value(item: Dataset, keyword: str, allowed: tuple[int, ...]) -> int:
    """A US attribute of the pixel item that must be one of *allowed*."""
    attrs.require(item, keyword)
    value = int(item[keyword].value)
    if value not in allowed:
        raise InvalidAttributeValueError(
            f"{attrs.tag_name(keyword)}: {value} not in {allowed}"
        )
    return value


def decode_pixels(item: Dataset, is_little_endian: bool) -> SourceImage:
    """Check a Basic Grayscale Image Sequence item and read its pixels.

    The item has no file meta, so the pixels are read by Bits Allocated and
    the byte order of the presentation context.

    Raises
    ------
    MissingAttributeError, InvalidAttributeValueError
        Naming the first attribute at fault.

    References
    ----------
    PS3.3 C.13.5 (Image Box Pixel Presentation Module).
    """
    _item_value(item, "SamplesPerPixel", (1,))
    photometric = attrs.get_choice(
        item, "PhotometricInterpretation", ("MONOCHROME1", "MONOCHROME2"), ""
    )
    if not photometric:
        attrs.require(item, "PhotometricInterpretation")
    bits_allocated = _item_value(item, "BitsAllocated", (8, 16))
    bits_stored = _item_value(item, "BitsStored", tuple(range(1, bits_allocated + 1)))
    _item_value(item, "PixelRepresentation", (0,))
    rows = _item_value(item, "Rows", tuple(range(1, MAX_SIDE + 1)))
    columns = _item_value(item, "Columns", tuple(range(1, MAX_SIDE + 1)))
    attrs.require(item, "PixelData")

    dtype = (
        np.dtype(np.uint8)
        if bits_allocated == 8
        else np.dtype("<u2" if is_little_endian else ">u2")
    )
    data = item.PixelData
    needed = rows * columns * dtype.itemsize
    if len(data) < needed:
        raise InvalidAttributeValueError(
            f"(7FE0,0010) PixelData: {len(data)} bytes, {rows}x{columns} needs {needed}"
        )
    pixels = np.frombuffer(data, dtype, rows * columns).reshape(rows, columns)
    # Bits above Bits Stored are not part of the value (PS3.5 8.1.1).
    pixels = np.bitwise_and(pixels, (1 << bits_stored) - 1).astype(
        np.uint16 if bits_allocated == 16 else np.uint8
    )
    return SourceImage(pixels, bits_stored, photometric)


def handle_n_set(ctx: PrintContext, req: Request) -> Response:
    """Put an image (or nothing: an empty sequence) into an image box."""
    box = _find(ctx, req.sop_instance_uid)
    ds = req.dataset
    attrs.require(ds, "ImageBoxPosition")
    position = attrs.get_int(ds, "ImageBoxPosition", 0, 1, 65535)
    if position != box.image_box_position:
        raise InvalidAttributeValueError(
            f"(2020,0010) ImageBoxPosition: {position}, the box is at "
            f"{box.image_box_position}",
            [0x20200010],
        )
    if "BasicGrayscaleImageSequence" not in ds:
        attrs.require(ds, "BasicGrayscaleImageSequence")

    polarity = attrs.get_code(ds, "Polarity", PolarityValues, PolarityValues.NORMAL)
    magnification = None
    if attrs.has_value(ds, "MagnificationType"):
        magnification = attrs.get_code(
            ds,
            "MagnificationType",
            MagnificationTypeValues,
            MagnificationTypeValues.CUBIC,
        )

    # LIMITATION(LIM-002): Requested Image Size, Decimate/Crop not applied.
    sequence = ds.BasicGrayscaleImageSequence
    if len(sequence) == 0:
        box.image = None  # an empty sequence erases the box (PS3.4 H.4.3.1)
    else:
        image = decode_pixels(sequence[0], req.is_little_endian)
        image.polarity = polarity
        image.magnification_type = magnification
        box.image = image

    unknown = attrs.unknown_tags(ds, SETTABLE)
    if unknown:
        return Response(Status.ATTRIBUTE_LIST_ERROR, attribute_tags=unknown)
    return Response()
