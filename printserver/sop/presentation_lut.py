"""Presentation LUT SOP class: N-CREATE and N-DELETE.

References: PS3.4 H.4.9, PS3.3 C.11.4.  Must not import ``scp`` or
pynetdicom.
"""

import numpy as np
from pydicom.uid import generate_uid

from printserver.errors import (
    DuplicateInstanceError,
    InvalidAttributeValueError,
    MissingAttributeError,
    NoSuchInstanceError,
    PrintServerError,
)
from printserver.sop import _attributes as attrs
from printserver.sop._model import PresentationLUT, PrintContext, Request, Response

SOP_CLASS_UID = "1.2.840.10008.5.1.1.23"
SHAPES = ("IDENTITY", "LIN OD")


def _lut_values(data: bytes | list[int] | int, is_little_endian: bool) -> list[int]:
    """LUT Data as integers: US values, or OW bytes in the context's order."""
    if isinstance(data, bytes):
        dtype = np.dtype("<u2" if is_little_endian else ">u2")
        return [int(v) for v in np.frombuffer(data[: len(data) // 2 * 2], dtype)]
    if isinstance(data, int):
        return [data]
    return [int(v) for v in data]


def handle_n_create(ctx: PrintContext, req: Request) -> Response:
    """Keep a LUT shape or a LUT table for film and image boxes to refer to."""
    uid = req.sop_instance_uid or generate_uid()
    if uid in ctx.presentation_luts:
        raise DuplicateInstanceError(f"Presentation LUT {uid} exists")

    ds = req.dataset
    has_shape = attrs.has_value(ds, "PresentationLUTShape")
    has_table = attrs.has_value(ds, "PresentationLUTSequence")
    if has_shape == has_table:
        raise MissingAttributeError(
            "need exactly one of PresentationLUTShape and PresentationLUTSequence",
            [0x20500010, 0x20500020],
        )

    lut = PresentationLUT(uid)
    if has_shape:
        lut.presentation_lut_shape = attrs.get_choice(
            ds, "PresentationLUTShape", SHAPES, "IDENTITY"
        )
    else:
        item = ds.PresentationLUTSequence[0]
        attrs.require(item, "LUTDescriptor")
        attrs.require(item, "LUTData")
        entries = int(item.LUTDescriptor[0]) or 65536
        if entries not in (256, 4096) or int(item.LUTDescriptor[1]) != 0:
            raise InvalidAttributeValueError(
                f"(0028,3002) LUTDescriptor: {list(item.LUTDescriptor)} not "
                "256 or 4096 entries from 0",
                [0x20500010],
            )
        lut.lut_bits = int(item.LUTDescriptor[2])
        if not 8 <= lut.lut_bits <= 16:
            raise InvalidAttributeValueError(
                f"(0028,3002) LUTDescriptor: {lut.lut_bits} bits per entry, not 8-16",
                [0x20500010],
            )
        lut.lut_data = _lut_values(item.LUTData, req.is_little_endian)[:entries]
        if len(lut.lut_data) < entries:
            raise InvalidAttributeValueError(
                f"(0028,3006) LUTData: {len(lut.lut_data)} values, {entries} needed",
                [0x20500010],
            )
    ctx.presentation_luts[uid] = lut
    return Response(dataset=ds, affected_sop_instance_uid=uid)


def handle_n_delete(ctx: PrintContext, req: Request) -> Response:
    """Forget a LUT, unless a film box still refers to it."""
    uid = req.sop_instance_uid or ""
    if uid not in ctx.presentation_luts:
        raise NoSuchInstanceError(f"no Presentation LUT {uid}")
    session = ctx.film_session
    for film_box in session.film_boxes if session else []:
        refs = film_box.attributes.get("ReferencedPresentationLUTSequence", [])
        if any(item.ReferencedSOPInstanceUID == uid for item in refs):
            raise PrintServerError(f"Presentation LUT {uid} is still referenced")
    del ctx.presentation_luts[uid]
    return Response()
