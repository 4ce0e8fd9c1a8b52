"""Basic Film Session SOP class: N-CREATE, N-SET, N-ACTION, N-DELETE.

References: PS3.4 H.4.1.  Must not import ``scp`` or pynetdicom.
"""

import enum
import re

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
from printserver.sop._attributes import Adjustments
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


#: Defined Terms of (2000,0030) Medium Type.
MEDIUM_TYPES = (
    "PAPER",
    "CLEAR FILM",
    "BLUE FILM",
    "MAMMO CLEAR FILM",
    "MAMMO BLUE FILM",
)


def _destination(
    ctx: PrintContext, ds: Dataset, current: str, adjust: Adjustments
) -> str:
    """Film Destination: MAGAZINE, PROCESSOR or BIN_i within the profile."""
    profile = ctx.profile
    value = attrs.get_text(ds, "FilmDestination", current).upper()
    bins = [f"BIN_{i}" for i in range(1, profile.bins + 1)]
    if value in profile.film_destinations or value in bins:
        return value
    if value in ("MAGAZINE", "PROCESSOR") or re.fullmatch(r"BIN_[1-9][0-9]*", value):
        adjust.add(
            Status.ATTRIBUTE_VALUE_OUT_OF_RANGE,
            f"FilmDestination {value} not available, {current} used",
            "FilmDestination",
        )
        return current
    raise InvalidAttributeValueError(
        f"(2000,0040) FilmDestination: {value!r} is not MAGAZINE, PROCESSOR or BIN_i",
        [0x20000040],
    )


def _apply(
    ctx: PrintContext, ds: Dataset, current: Dataset, adjust: Adjustments
) -> Dataset:
    """Check Film Session attributes and merge them into *current*."""
    profile = ctx.profile
    merged = Dataset()
    merged.update(current)
    merged.NumberOfCopies = attrs.get_int(
        ds, "NumberOfCopies", int(current.NumberOfCopies), 1, profile.max_copies
    )
    merged.PrintPriority = attrs.get_code(
        ds, "PrintPriority", PrintPriorityValues,
        PrintPriorityValues(current.PrintPriority),
    ).value  # fmt: skip
    merged.MediumType = attrs.get_supported(
        ds, "MediumType", defined=MEDIUM_TYPES, supported=profile.medium_types,
        default=str(current.MediumType), adjustments=adjust,
    )  # fmt: skip
    merged.FilmDestination = _destination(ctx, ds, current.FilmDestination, adjust)
    for keyword in ("FilmSessionLabel", "OwnerID", "SpecificCharacterSet"):
        if keyword in ds:
            setattr(merged, keyword, ds[keyword].value)
    if "MemoryAllocation" in ds:
        adjust.add(
            Status.MEMORY_ALLOCATION_NOT_SUPPORTED,
            "Memory Allocation not supported",
            "MemoryAllocation",
        )
    adjust.unknown(ds, ATTRIBUTES)
    return merged


def handle_n_create(ctx: PrintContext, req: Request) -> Response:
    """Create the association's one Film Session."""
    if ctx.film_session is not None:
        raise DuplicateInstanceError("a Film Session exists on this association")
    uid = req.sop_instance_uid or generate_uid()
    if not attrs.is_valid_uid(uid):
        raise InvalidAttributeValueError(f"Affected SOP Instance UID {uid!r} invalid")

    defaults = Dataset()
    defaults.NumberOfCopies = 1
    defaults.PrintPriority = "MED"
    defaults.MediumType = ctx.profile.default_medium_type
    defaults.FilmDestination = ctx.profile.default_film_destination
    adjust = Adjustments()
    attributes = _apply(ctx, req.dataset, defaults, adjust)
    ctx.film_session = FilmSession(uid, attributes)
    ctx.log.info("film session created: %s", uid)
    return Response(adjust.status, attributes, uid, adjust.comment, adjust.tags)


def _session(ctx: PrintContext, uid: str | None) -> FilmSession:
    if ctx.film_session is None or ctx.film_session.sop_instance_uid != uid:
        raise NoSuchInstanceError(f"no Basic Film Session {uid}")
    return ctx.film_session


def handle_n_set(ctx: PrintContext, req: Request) -> Response:
    """Change the session's attributes."""
    session = _session(ctx, req.sop_instance_uid)
    adjust = Adjustments()
    session.attributes = _apply(ctx, req.dataset, session.attributes, adjust)
    return Response(
        adjust.status, session.attributes, None, adjust.comment, adjust.tags
    )


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
