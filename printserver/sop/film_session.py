"""Basic Film Session SOP class: N-CREATE, N-SET, N-ACTION, N-DELETE.

References: PS3.4 H.4.1.  Must not import ``scp`` or pynetdicom.
"""

import enum

from pydicom.dataset import Dataset
from pydicom.uid import generate_uid

from printserver.errors import (
    DuplicateInstanceError,
    FilmSessionNoFilmBoxError,
    InvalidAttributeValueError,
    NoSuchActionError,
    NoSuchInstanceError,
)
from printserver.sop import _attributes as attrs
from printserver.sop._model import FilmSession, PrintContext, Request, Response
from printserver.sop._printing import print_films
from printserver.status import Status

SOP_CLASS_UID = "1.2.840.10008.5.1.1.1"

#: Attributes of Table H.4-2 that N-CREATE and N-SET may carry.
ATTRIBUTES = (
    "SpecificCharacterSet",
    "NumberOfCopies",
    "PrintPriority",
    "MediumType",
    "FilmDestination",
    "FilmSessionLabel",
    "MemoryAllocation",
    "OwnerID",
)

PRINT_ACTION = 1


class PrintPriorityValues(enum.Enum):
    """Enumerated Values of (2000,0020) Print Priority."""

    HIGH = "HIGH"
    MED = "MED"
    LOW = "LOW"


def _apply(ds: Dataset, current: Dataset) -> tuple[Dataset, list[int]]:
    """Check Film Session attributes and merge them into *current*.

    Returns the merged attributes and the tags we did not recognise.
    """
    merged = Dataset()
    merged.update(current)
    merged.NumberOfCopies = attrs.get_int(
        ds, "NumberOfCopies", int(current.get("NumberOfCopies", 1)), 1, 99
    )
    default_priority = PrintPriorityValues(current.get("PrintPriority", "MED"))
    merged.PrintPriority = attrs.get_code(
        ds, "PrintPriority", PrintPriorityValues, default_priority
    ).value
    for keyword in ("MediumType", "FilmDestination"):
        value = attrs.get_text(ds, keyword, str(current.get(keyword, ""))).upper()
        if value:
            setattr(merged, keyword, value)
    destination = str(merged.get("FilmDestination", "MAGAZINE"))
    if not (destination in ("MAGAZINE", "PROCESSOR") or destination.startswith("BIN_")):
        raise InvalidAttributeValueError(
            f"(2000,0040) FilmDestination: {destination!r} not supported", [0x20000040]
        )
    for keyword in ("FilmSessionLabel", "OwnerID", "SpecificCharacterSet"):
        if keyword in ds:
            setattr(merged, keyword, ds[keyword].value)
    return merged, attrs.unknown_tags(ds, ATTRIBUTES)


def handle_n_create(ctx: PrintContext, req: Request) -> Response:
    """Create the association's one Film Session."""
    if ctx.film_session is not None:
        raise DuplicateInstanceError("a Film Session exists on this association")
    uid = req.sop_instance_uid or generate_uid()
    if not attrs.is_valid_uid(uid):
        raise InvalidAttributeValueError(f"Affected SOP Instance UID {uid!r} invalid")

    defaults = Dataset()
    defaults.MediumType = "BLUE FILM"
    defaults.FilmDestination = "MAGAZINE"
    attributes, unknown = _apply(req.dataset, defaults)
    ctx.film_session = FilmSession(uid, attributes)
    ctx.log.info("film session created: %s", uid)

    rsp = Response(dataset=attributes, affected_sop_instance_uid=uid)
    if "MemoryAllocation" in req.dataset:
        rsp.status = Status.MEMORY_ALLOCATION_NOT_SUPPORTED
    if unknown:
        rsp.status, rsp.attribute_tags = Status.ATTRIBUTE_LIST_ERROR, unknown
    return rsp


def _session(ctx: PrintContext, uid: str | None) -> FilmSession:
    if ctx.film_session is None or ctx.film_session.sop_instance_uid != uid:
        raise NoSuchInstanceError(f"no Basic Film Session {uid}")
    return ctx.film_session


def handle_n_set(ctx: PrintContext, req: Request) -> Response:
    """Change the session's attributes."""
    session = _session(ctx, req.sop_instance_uid)
    session.attributes, unknown = _apply(req.dataset, session.attributes)
    if unknown:
        return Response(
            Status.ATTRIBUTE_LIST_ERROR, session.attributes, attribute_tags=unknown
        )
    return Response(dataset=session.attributes)


def handle_n_action(ctx: PrintContext, req: Request) -> Response:
    """Print every film box of the session as one job."""
    session = _session(ctx, req.sop_instance_uid)
    if req.action_type_id != PRINT_ACTION:
        raise NoSuchActionError(f"Action Type ID {req.action_type_id} is not 1 (print)")
    if not session.film_boxes:
        raise FilmSessionNoFilmBoxError("the film session has no film box")
    return print_films(ctx, session.film_boxes, session_level=True)


def handle_n_delete(ctx: PrintContext, req: Request) -> Response:
    """Delete the session and everything below it."""
    _session(ctx, req.sop_instance_uid)
    ctx.film_session = None
    ctx.log.info("film session deleted: %s", req.sop_instance_uid)
    return Response()
