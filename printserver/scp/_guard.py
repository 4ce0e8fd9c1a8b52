"""Answer the requests pynetdicom would drop before any handler runs.

pynetdicom discards an N-CREATE, N-SET, N-GET, N-ACTION or N-DELETE
request that lacks a mandatory command element (some Fuji FCR and
ClearCanvas versions send N-ACTION without Requested SOP Instance UID); the
modality then waits for its timeout.  We look at each request first: a
missing instance UID that the association's state makes unambiguous is
filled in, anything else gets a failure response at once.

``authorize`` adds the peer's permissions on top: a request its
registration does not allow is answered 0x0124 before any handler runs,
whatever the operation (C-STORE, C-FIND... included, bound or not).
"""

import threading
from collections.abc import Callable
from typing import Any

from pynetdicom.association import Association
from pynetdicom.dimse_primitives import (
    N_ACTION,
    N_CREATE,
    N_DELETE,
    N_EVENT_REPORT,
    N_GET,
    N_SET,
)

from printserver.access import required_permission
from printserver.logsafe import escape
from printserver.sop import DECODE_ERRORS, HANDLERS, PrintContext
from printserver.sop.uids import (
    FILM_BOX,
    FILM_SESSION,
    PRINTER,
    PRINTER_CONFIGURATION_RETRIEVAL,
    PRINTER_CONFIGURATION_RETRIEVAL_INSTANCE,
    PRINTER_INSTANCE,
)
from printserver.status import Status

#: The SOP classes our N-service handlers serve; a request for another one
#: gets 0x0118 (pynetdicom would abort the association).
SERVED_CLASSES = frozenset(sop_class for sop_class, _ in HANDLERS)
_N_REQUESTS = N_CREATE | N_SET | N_GET | N_ACTION | N_DELETE

_WELL_KNOWN = {
    PRINTER: PRINTER_INSTANCE,
    PRINTER_CONFIGURATION_RETRIEVAL: PRINTER_CONFIGURATION_RETRIEVAL_INSTANCE,
}


def infer_instance(ctx: PrintContext | None, sop_class_uid: str) -> str | None:
    """The only instance of *sop_class_uid* a UID-less request can mean."""
    if sop_class_uid in _WELL_KNOWN:
        return _WELL_KNOWN[sop_class_uid]
    session = ctx.film_session if ctx else None
    if session is None:
        return None
    if sop_class_uid == FILM_SESSION:
        return session.sop_instance_uid
    if sop_class_uid == FILM_BOX and len(session.film_boxes) == 1:
        return session.film_boxes[0].sop_instance_uid
    return None


def guard(
    assoc: Association,
    context_of: Callable[[Association], PrintContext | None],
    log: Any,
) -> None:
    """Wrap *assoc*'s request dispatch so no request goes unanswered.

    Also serialises outgoing messages (our N-EVENT-REPORTs leave from
    another thread than the responses) and reads the answers to our
    N-EVENT-REPORTs, which pynetdicom would log as unexpected.
    """
    serve = assoc._serve_request
    send = assoc.dimse.send_msg
    receive = assoc.dimse.receive_primitive
    lock = threading.Lock()

    def received(primitive: Any) -> None:
        # A command set without Command Field or Data Set Type kills
        # pynetdicom's reactor thread; the peer then waits.  Abort instead.
        # LIMITATION(LIM-008): a UID over 64 characters in a command is
        # refused by pynetdicom's decoding (below us): the association aborts.
        try:
            receive(primitive)
        except (*DECODE_ERRORS, AttributeError) as exc:
            log.error(
                "undecodable DIMSE message (%s): association aborted",
                type(exc).__name__,
            )
            threading.Thread(target=assoc.abort, daemon=True).start()

    def locked_send(primitive: Any, context_id: int) -> None:
        with lock:
            send(primitive, context_id)

    def checked(msg: Any, context_id: int) -> None:
        if isinstance(msg, N_EVENT_REPORT) and msg.MessageIDBeingRespondedTo:
            if msg.Status:
                log.warning("N-EVENT-REPORT answered 0x%04X", msg.Status)
            return
        if not isinstance(msg, _N_REQUESTS):
            serve(msg, context_id)
            return
        sop_class = _sop_class(msg)
        if sop_class and sop_class not in SERVED_CLASSES and msg.MessageID is not None:
            status = Status.NO_SUCH_SOP_CLASS
            log.error("%s for SOP class %s: not served -> 0x%04X",
                      msg.msg_type, escape(sop_class), status)  # fmt: skip
            answer(assoc, msg, context_id, status, "SOP class not served")
            return
        if msg.is_valid_request:
            serve(msg, context_id)
            return
        if msg.MessageID is None:
            # No response can name the request: end the association cleanly
            # rather than leave the peer waiting (not on this thread: abort()
            # waits for the reactor that runs us).
            log.error("%s without Message ID: association aborted", msg.msg_type)
            threading.Thread(target=assoc.abort, daemon=True).start()
            return

        if (
            not isinstance(msg, N_CREATE)
            and msg.RequestedSOPInstanceUID is None
            and msg.RequestedSOPClassUID
        ):
            uid = infer_instance(context_of(assoc), str(msg.RequestedSOPClassUID))
            if uid is not None:
                log.warning("%s without Requested SOP Instance UID: taken as %s",
                            msg.msg_type, uid)  # fmt: skip
                msg.RequestedSOPInstanceUID = uid
        if msg.is_valid_request:
            serve(msg, context_id)
            return
        _refuse(assoc, msg, context_id, log)

    assoc._serve_request = checked  # type: ignore[method-assign]
    assoc.dimse.send_msg = locked_send  # type: ignore[method-assign]
    assoc.dimse.receive_primitive = received  # type: ignore[method-assign]


def _refuse(assoc: Association, msg: Any, context_id: int, log: Any) -> None:
    """Answer an unusable request with a failure naming what is missing."""
    if isinstance(msg, N_CREATE):
        status, comment = Status.NO_SUCH_SOP_CLASS, "no Affected SOP Class UID"
    elif msg.RequestedSOPClassUID is None:
        status, comment = Status.NO_SUCH_SOP_CLASS, "no Requested SOP Class UID"
    elif msg.RequestedSOPInstanceUID is None:
        status, comment = (
            Status.INVALID_OBJECT_INSTANCE,
            "no Requested SOP Instance UID",
        )
    else:
        status, comment = Status.NO_SUCH_ACTION, "no Action Type ID"
    log.error("%s refused: %s -> 0x%04X", msg.msg_type, comment, status)
    answer(assoc, msg, context_id, status, comment)


def _sop_class(msg: Any) -> str:
    """The SOP class a request addresses (Requested, else Affected)."""
    uid = getattr(msg, "RequestedSOPClassUID", None)
    return str(uid or getattr(msg, "AffectedSOPClassUID", None) or "")


def answer(
    assoc: Association, msg: Any, context_id: int, status: Status, comment: str
) -> None:
    """Send the response to request *msg* with *status* and no data."""
    rsp = type(msg)()
    rsp.MessageIDBeingRespondedTo = msg.MessageID
    requested = getattr(msg, "RequestedSOPClassUID", None)
    rsp.AffectedSOPClassUID = requested or msg.AffectedSOPClassUID
    if hasattr(rsp, "AffectedSOPInstanceUID"):
        rsp.AffectedSOPInstanceUID = (
            getattr(msg, "RequestedSOPInstanceUID", None) or msg.AffectedSOPInstanceUID
        )
    rsp.Status = int(status)
    rsp.ErrorComment = comment
    assoc.dimse.send_msg(rsp, context_id)


def authorize(assoc: Association, permissions: frozenset[str], log: Any) -> None:
    """Refuse *assoc*'s requests that need a permission it lacks (0x0124).

    Checked where each request arrives, before pynetdicom's service class:
    a C-MOVE or C-GET handler could not answer a refusal before its
    sub-operations start, and handlers bound later are covered too.
    """
    serve = assoc._serve_request

    def checked(msg: Any, context_id: int) -> None:
        needed = required_permission(msg.msg_type, _sop_class(msg))
        if needed is None or needed in permissions or msg.MessageID is None:
            serve(msg, context_id)
            return
        log.warning(
            "%s %s refused: not authorized (needs %r) -> 0x%04X",
            msg.msg_type, escape(_sop_class(msg)), needed, Status.NOT_AUTHORIZED,
        )  # fmt: skip
        answer(assoc, msg, context_id, Status.NOT_AUTHORIZED,
               f"not authorized: needs the {needed} permission")  # fmt: skip

    assoc._serve_request = checked  # type: ignore[method-assign]
