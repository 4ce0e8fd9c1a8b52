"""Print Management SOP classes: one module per class, all the same shape.

Each module has ``handle_n_*`` functions taking a ``PrintContext`` and a
``Request`` and returning a ``Response``; they raise ``PrintServerError``
subclasses for failures.  No network code: only ``scp`` imports pynetdicom.
"""

from collections.abc import Callable

from printserver.errors import NoSuchSOPClassError, UnrecognizedOperationError
from printserver.sop import (
    annotation_box,
    film_box,
    film_session,
    image_box,
    presentation_lut,
    print_job,
    printer,
    printer_configuration,
)
from printserver.sop._attributes import DECODE_ERRORS, check_dataset
from printserver.sop._model import (
    FilmBox,
    FilmSession,
    ImageBox,
    PrintContext,
    PrinterState,
    Request,
    Response,
)

Handler = Callable[[PrintContext, Request], Response]

#: (SOP Class UID, DIMSE operation) to the handler that serves it.
HANDLERS: dict[tuple[str, str], Handler] = {
    (film_session.SOP_CLASS_UID, "N-CREATE"): film_session.handle_n_create,
    (film_session.SOP_CLASS_UID, "N-SET"): film_session.handle_n_set,
    (film_session.SOP_CLASS_UID, "N-ACTION"): film_session.handle_n_action,
    (film_session.SOP_CLASS_UID, "N-DELETE"): film_session.handle_n_delete,
    (film_box.SOP_CLASS_UID, "N-CREATE"): film_box.handle_n_create,
    (film_box.SOP_CLASS_UID, "N-SET"): film_box.handle_n_set,
    (film_box.SOP_CLASS_UID, "N-ACTION"): film_box.handle_n_action,
    (film_box.SOP_CLASS_UID, "N-DELETE"): film_box.handle_n_delete,
    (image_box.SOP_CLASS_UID, "N-SET"): image_box.handle_n_set,
    (image_box.COLOR_SOP_CLASS_UID, "N-SET"): image_box.handle_n_set,
    (annotation_box.SOP_CLASS_UID, "N-SET"): annotation_box.handle_n_set,
    (presentation_lut.SOP_CLASS_UID, "N-CREATE"): presentation_lut.handle_n_create,
    (presentation_lut.SOP_CLASS_UID, "N-DELETE"): presentation_lut.handle_n_delete,
    (printer.SOP_CLASS_UID, "N-GET"): printer.handle_n_get,
    (print_job.SOP_CLASS_UID, "N-GET"): print_job.handle_n_get,
    (printer_configuration.SOP_CLASS_UID, "N-GET"): printer_configuration.handle_n_get,
}
_KNOWN_CLASSES = {sop_class for sop_class, _ in HANDLERS}


def dispatch(operation: str, ctx: PrintContext, req: Request) -> Response:
    """Run the handler for *operation* on the request's SOP class.

    Raises
    ------
    NoSuchSOPClassError
        The SOP class is not one we serve (0x0118).
    UnrecognizedOperationError
        The class does not offer *operation* (0x0211).
    InvalidAttributeValueError
        An element of the request cannot be decoded or has the wrong VR
        (0x0106).
    """
    handler = HANDLERS.get((req.sop_class_uid, operation))
    if handler is not None:
        check_dataset(req.dataset)
        return handler(ctx, req)
    if req.sop_class_uid not in _KNOWN_CLASSES:
        raise NoSuchSOPClassError(f"SOP class {req.sop_class_uid} not served")
    raise UnrecognizedOperationError(
        f"{operation} not supported for {req.sop_class_uid}"
    )


__all__ = [
    "DECODE_ERRORS",
    "HANDLERS",
    "FilmBox",
    "FilmSession",
    "ImageBox",
    "PrintContext",
    "PrinterState",
    "Request",
    "Response",
    "dispatch",
]
