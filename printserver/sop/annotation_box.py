"""Basic Annotation Box SOP class: N-SET of a text string.

References: PS3.4 H.4.5.  Must not import ``scp`` or pynetdicom.
"""

from pydicom.charset import convert_encodings, decode_bytes
from pydicom.dataset import Dataset

from printserver.errors import InvalidAttributeValueError, NoSuchInstanceError
from printserver.sop import _attributes as attrs
from printserver.sop._model import AnnotationBox, PrintContext, Request, Response
from printserver.status import Status

SOP_CLASS_UID = "1.2.840.10008.5.1.1.15"
SETTABLE = ("AnnotationPosition", "TextString")


def _find(ctx: PrintContext, uid: str | None) -> AnnotationBox:
    if ctx.film_session is not None:
        for film_box in ctx.film_session.film_boxes:
            for box in film_box.annotation_boxes:
                if box.sop_instance_uid == uid:
                    return box
    raise NoSuchInstanceError(f"no Basic Annotation Box {uid}")


def _text(ctx: PrintContext, ds: Dataset) -> str:
    """Text String, decoded in the film session's character set.

    The annotation N-SET carries no Specific Character Set of its own: the
    film session's applies to its whole hierarchy (PS3.4 H.4.1.1.1).
    """
    session = ctx.film_session.attributes if ctx.film_session else None
    raw = ds.get_item(0x20300020)
    if raw is None:
        return ""
    if isinstance(raw.value, bytes) and session and "SpecificCharacterSet" in session:
        encodings = convert_encodings(session.SpecificCharacterSet)
        return decode_bytes(raw.value, encodings, set()).strip(" \x00")
    return attrs.get_text(ds, "TextString")


def handle_n_set(ctx: PrintContext, req: Request) -> Response:
    """Set (or, with an empty value, erase) the text of an annotation box."""
    box = _find(ctx, req.sop_instance_uid)
    attrs.require(req.dataset, "AnnotationPosition")
    position = attrs.get_int(req.dataset, "AnnotationPosition", 0, 1, 65535)
    if position != box.annotation_position:
        raise InvalidAttributeValueError(
            f"(2030,0010) AnnotationPosition: {position}, the box is at "
            f"{box.annotation_position}",
            [0x20300010],
        )
    box.text_string = _text(ctx, req.dataset)
    unknown = attrs.unknown_tags(req.dataset, (*SETTABLE, "SpecificCharacterSet"))
    if unknown:
        return Response(Status.ATTRIBUTE_LIST_ERROR, attribute_tags=unknown)
    return Response()
