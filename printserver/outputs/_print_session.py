"""One association with a DICOM film printer: requests and their statuses.

``PrintSession`` sends the Print Management requests of a job one at a time,
each after the response to the one before, and turns each response into
what the job needs: a warning is logged, a failure raised as
``OutputError`` with the printer's status and Error Comment, an attribute
the printer does not know (0x0105) dropped and the request sent again.  It
also answers the printer's N-EVENT-REPORTs.  Replies are read tolerantly: a
reply without a dataset, or with a UID too long to send back, is reported,
not fatal to the process.

Part of the spooler layer, with ``dicom``: never imports ``sop`` or ``scp``.

References: PS3.4 Annex H; PS3.7 10.1 (DIMSE-N services) and Annex C.
"""

import logging
import socket
import threading
from collections.abc import Callable, MutableMapping
from typing import Any

from pydicom.dataset import Dataset
from pydicom.tag import Tag
from pydicom.uid import generate_uid
from pynetdicom import evt
from pynetdicom.association import Association
from pynetdicom.sop_class import (  # type: ignore[attr-defined]
    BasicColorImageBox,
    BasicColorPrintManagementMeta,
    BasicFilmBox,
    BasicFilmSession,
    BasicGrayscaleImageBox,
    BasicGrayscalePrintManagementMeta,
    Printer,
    PrinterInstance,
    PrintJob,
)
from pynetdicom.status import (
    PRINT_JOB_MANAGEMENT_SERVICE_CLASS_STATUS,
    STATUS_SUCCESS,
    STATUS_WARNING,
    code_to_category,
)

from printserver.outputs import _print_datasets as datasets
from printserver.outputs.base import OutputError, PrinterStatus
from printserver.status import Status

#: Seconds a TCP connect may take to find out why no association came about.
PROBE_SECONDS = 5.0
#: Longest UID a request can carry (PS3.5 9.1).
MAX_UID_LENGTH = 64
#: Failures after which trying again later may work: the printer's queue or
#: resources were full.  Every other failure is about the job.
TRANSIENT_FAILURES = frozenset(
    {
        Status.FILM_SESSION_QUEUE_FULL,
        Status.FILM_BOX_QUEUE_FULL,
        Status.RESOURCE_LIMITATION,
    }
)
#: Action Type ID of the N-ACTION Print (PS3.4 H.4.2.2.4).
PRINT_ACTION = 1
#: Event Type IDs of N-EVENT-REPORT (PS3.4 H.4.6.1 and H.4.5.1).
PRINTER_EVENTS = {1: "NORMAL", 2: "WARNING", 3: "FAILURE"}
PRINT_JOB_EVENTS = {1: "PENDING", 2: "PRINTING", 3: "DONE", 4: "FAILURE"}
#: Where an N-ACTION reply may name the Print Job: (2100,0500) as PS3.4
#: says, or (2120,0070) as some printers send it.
PRINT_JOB_SEQUENCES = (
    "ReferencedPrintJobSequencePullStoredPrint",
    "ReferencedPrintJobSequence",
)

Reply = tuple[Dataset, Dataset | None]


class JobLog(logging.LoggerAdapter[logging.Logger]):
    """Prefixes each line with the job and the printer."""

    def __init__(self, base: logging.Logger, prefix: str):
        super().__init__(base, {})
        self.prefix = prefix

    def process(
        self, msg: Any, kwargs: MutableMapping[str, Any]
    ) -> tuple[Any, MutableMapping[str, Any]]:
        return f"{self.prefix} {msg}", kwargs


def text_of(ds: Dataset | None, keyword: str) -> str:
    """The value of *keyword* as text, read without pydicom's checks.

    A printer's reply may break the rules (a 70-character UID); reading the
    raw value lets us report it rather than fail on it.
    """
    if ds is None or keyword not in ds:
        return ""
    value = ds.get_item(keyword).value
    if isinstance(value, bytes):
        value = value.decode("ascii", "replace")
    return str(value if value is not None else "").strip("\0 ")


def describe(code: int, comment: str = "") -> str:
    """A status for people: ``0xC600 (meaning): Error Comment``."""
    meaning = PRINT_JOB_MANAGEMENT_SERVICE_CLASS_STATUS.get(code, ("", "unknown"))[1]
    text = f"0x{code:04X} ({meaning})"
    return f"{text}: {comment}" if comment else text


def print_job_uid(reply: Dataset | None) -> str:
    """The Print Job an N-ACTION reply names, in either tag; or ``""``."""
    for keyword in PRINT_JOB_SEQUENCES:
        for item in (reply.get(keyword) if reply else None) or []:
            uid = text_of(item, "ReferencedSOPInstanceUID")
            if uid:
                return uid
    return ""


def _unreachable(host: str, port: int, timeout: float) -> str:
    """Why no association came about, found by a plain TCP connect."""
    try:
        with socket.create_connection((host, port), min(timeout, PROBE_SECONDS)):
            pass
    except OSError as exc:
        return f"cannot connect to {host}:{port}: {exc.strerror or exc}"
    return "association aborted or not answered"


def _one_message_at_a_time(assoc: Association) -> None:
    """Keep each outgoing message whole.

    pynetdicom answers an N-EVENT-REPORT from a thread of its own, which
    could slip its response between the fragments of a long N-SET of ours.
    """
    send = assoc.dimse.send_msg
    lock = threading.Lock()

    def send_whole(primitive: Any, context_id: int) -> None:
        with lock:
            send(primitive, context_id)

    assoc.dimse.send_msg = send_whole  # type: ignore[method-assign]


class PrintSession:
    """One association with the printer, and what the printer told us.

    Parameters
    ----------
    where : str
        The printer as ``AE@host:port``, for messages.
    log : JobLog
        Where lines go, prefixed with the job.
    """

    def __init__(self, where: str, log: JobLog):
        self.where = where
        self.log = log
        self.assoc: Association | None = None
        self.printer_status = PrinterStatus()
        self.film_session_uid = ""
        self.gray = False
        self.color = False

    def start(self, assoc: Association, timeout: float) -> None:
        """Take the association; raise when the printer would not have one."""
        self.assoc = assoc
        if not assoc.is_established:
            reason = self._refusal(assoc, timeout)
            status = PrinterStatus("FAILURE", "PRINTER DOWN", reason)
            raise OutputError(f"{self.where}: {reason}", status=status)

        # Without TCP_NODELAY each DIMSE exchange can wait 40-90 ms on Nagle.
        if assoc.dul.socket is not None and assoc.dul.socket.socket is not None:
            sock = assoc.dul.socket.socket
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        _one_message_at_a_time(assoc)
        accepted = {str(cx.abstract_syntax) for cx in assoc.accepted_contexts}
        self.gray = BasicGrayscalePrintManagementMeta in accepted
        self.color = BasicColorPrintManagementMeta in accepted
        if not (self.gray or self.color):
            raise OutputError(
                f"{self.where} accepted no Print Management meta SOP class",
                status=PrinterStatus("FAILURE", "ELEC CONFIG ERR", "no meta class"),
            )

    def _refusal(self, assoc: Association, timeout: float) -> str:
        rejection: Any = assoc.acceptor.primitive
        if assoc.is_rejected and rejection is not None:
            return (
                f"association rejected ({rejection.result_str}, "
                f"{rejection.source_str}: {rejection.reason_str})"
            )
        return _unreachable(assoc.acceptor.address, assoc.acceptor.port, timeout)

    @property
    def meta(self) -> str:
        """The meta SOP class for what is not a film (Printer, session)."""
        return str(
            BasicGrayscalePrintManagementMeta
            if self.gray
            else BasicColorPrintManagementMeta
        )

    # Requests and their statuses.

    def request(
        self, what: str, send: Callable[[], Reply], fatal: bool = True
    ) -> tuple[int, str, Dataset | None]:
        """Send one request; return its status code, described, and reply.

        A warning is logged.  A failure raises ``OutputError`` unless
        *fatal* is false, when the caller decides.
        """
        if self.assoc is None or not self.assoc.is_established:
            raise OutputError(f"{self.where}: association lost before {what}")
        try:
            status, reply = send()
        except RuntimeError as exc:  # the association ended meanwhile
            raise OutputError(f"{what}: {exc}") from exc
        except ValueError as exc:  # pynetdicom could not encode the request
            raise self.failure(f"{what} not sent: {exc}", transient=False) from exc

        code: int | None = status.get("Status")
        if code is None:
            raise OutputError(f"{self.where}: no reply to {what} (timeout or abort)")
        category = code_to_category(code)
        text = describe(code, str(status.get("ErrorComment", "") or ""))
        if category == STATUS_WARNING:
            self.log.warning("%s: warning %s", what, text)
        elif category != STATUS_SUCCESS and fatal:
            failed = f"{what} failed: {text}"
            raise self.failure(failed, transient=code in TRANSIENT_FAILURES)
        return code, text, reply

    def failure(self, message: str, transient: bool) -> OutputError:
        """An error for a refused request, with the printer's last status."""
        if transient:
            status = PrinterStatus("WARNING", "PRINT BUFF FULL", message)
        else:
            status = PrinterStatus(
                self.printer_status.status, self.printer_status.info, message
            )
        return OutputError(
            f"{self.where}: {message} (printer {status.status})",
            transient=transient,
            status=status,
        )

    def send_mapped(
        self,
        what: str,
        ds: Dataset,
        core: tuple[str, ...],
        send: Callable[[Dataset], Reply],
    ) -> Dataset | None:
        """Send *ds*; if the printer knows not all of it, send its core.

        A printer answers 0x0105 No Such Attribute for an optional attribute
        it does not support (DCMTK does, without saying which): the request
        goes again without the attributes outside *core*.

        References
        ----------
        PS3.4 H.2.4 (U/U attributes an SCP need not support).
        """
        code, text, reply = self.request(what, lambda: send(ds), fatal=False)
        if code_to_category(code) in (STATUS_SUCCESS, STATUS_WARNING):
            return reply
        dropped = [elem.keyword for elem in ds if elem.keyword not in core]
        if code != Status.NO_SUCH_ATTRIBUTE or not dropped:
            raise self.failure(f"{what} failed: {text}", transient=False)

        self.log.warning("%s: %s; sent again without %s", what, text, dropped)
        core_ds = datasets.without(ds, dropped)
        _, _, reply = self.request(what, lambda: send(core_ds))
        return reply

    # The steps of a job.

    def query_printer(self) -> PrinterStatus:
        """Printer N-GET: Printer Status and Printer Status Info."""
        assoc = self.assoc
        assert assoc is not None
        keywords = [Tag("PrinterStatus"), Tag("PrinterStatusInfo")]
        code, text, reply = self.request(
            "Printer N-GET",
            lambda: assoc.send_n_get(
                keywords, Printer, PrinterInstance, meta_uid=self.meta
            ),
            fatal=False,
        )
        if code_to_category(code) not in (STATUS_SUCCESS, STATUS_WARNING):
            self.log.warning("Printer N-GET failed: %s; printing anyway", text)
            return self.printer_status
        printer_status = text_of(reply, "PrinterStatus") or "NORMAL"
        unsaid = "NORMAL" if printer_status == "NORMAL" else "UNKNOWN"
        info = text_of(reply, "PrinterStatusInfo") or unsaid
        self.printer_status = PrinterStatus(printer_status, info)
        return self.printer_status

    def create_film_session(self, ds: Dataset | None) -> None:
        """Film Session N-CREATE, under a UID of ours."""
        assoc = self.assoc
        assert assoc is not None
        uid = generate_uid()

        def send(attributes: Dataset) -> Reply:
            # An empty dataset goes as none: DCMTK aborts on an empty one.
            return assoc.send_n_create(
                attributes or None, BasicFilmSession, uid, meta_uid=self.meta
            )

        self.send_mapped("Film Session N-CREATE", ds or Dataset(), (), send)
        self.film_session_uid = uid

    def create_film_box(
        self, ds: Dataset, meta: str, what: str
    ) -> tuple[str, list[tuple[str, str]]]:
        """Film Box N-CREATE; its UID and its image boxes' (class, UID)."""
        assoc = self.assoc
        assert assoc is not None
        uid = generate_uid()
        reply = self.send_mapped(
            f"{what} Film Box N-CREATE",
            ds,
            datasets.FILM_BOX_CORE,
            lambda attributes: assoc.send_n_create(
                attributes, BasicFilmBox, uid, meta_uid=meta
            ),
        )
        default_class = (
            BasicColorImageBox
            if meta == BasicColorPrintManagementMeta
            else BasicGrayscaleImageBox
        )
        boxes = [
            (
                text_of(item, "ReferencedSOPClassUID") or str(default_class),
                text_of(item, "ReferencedSOPInstanceUID"),
            )
            for item in (reply.get("ReferencedImageBoxSequence") if reply else None)
            or []
        ]
        if not boxes:
            raise self.failure(
                f"{what}: the Film Box N-CREATE reply names no image box",
                transient=False,
            )
        return uid, boxes

    def set_image_box(
        self, box: tuple[str, str], ds: Dataset, meta: str, what: str
    ) -> None:
        """Image Box N-SET of the box the printer named."""
        assoc = self.assoc
        assert assoc is not None
        class_uid, instance_uid = box
        for uid in box:
            if not 0 < len(uid) <= MAX_UID_LENGTH:
                raise self.failure(
                    f"{what}: the printer's image box UID has {len(uid)} "
                    f"characters (1-{MAX_UID_LENGTH} allowed): {uid!r}",
                    transient=False,
                )
        self.send_mapped(
            f"{what} Image Box N-SET",
            ds,
            datasets.IMAGE_BOX_CORE,
            lambda attributes: assoc.send_n_set(
                attributes, class_uid, instance_uid, meta_uid=meta
            ),
        )

    def print_film_box(self, uid: str, meta: str, what: str) -> str:
        """Film Box N-ACTION Print; the Print Job it made, if named."""
        assoc = self.assoc
        assert assoc is not None
        _, _, reply = self.request(
            f"{what} Film Box N-ACTION",
            lambda: assoc.send_n_action(
                None, PRINT_ACTION, BasicFilmBox, uid, meta_uid=meta
            ),
        )
        return print_job_uid(reply)

    def delete(self, class_uid: str, uid: str, meta: str, what: str) -> None:
        """N-DELETE; a failure is only logged (what it deletes is printed)."""
        assoc = self.assoc
        assert assoc is not None
        code, text, _ = self.request(
            what,
            lambda: (assoc.send_n_delete(class_uid, uid, meta_uid=meta), None),
            fatal=False,
        )
        if code_to_category(code) not in (STATUS_SUCCESS, STATUS_WARNING):
            self.log.warning("%s failed: %s", what, text)

    # What the printer tells us unasked.

    def on_event(self, event: evt.Event) -> tuple[int, Dataset | None]:
        """Answer an N-EVENT-REPORT, and log the printer's news.

        References
        ----------
        PS3.4 H.4.5.1 (Print Job) and H.4.6.1 (Printer) N-EVENT-REPORT.
        """
        request: Any = event.request
        class_uid = str(request.AffectedSOPClassUID)
        type_id = event.event_type or 0
        info = event.event_information
        if class_uid == Printer:
            state = PRINTER_EVENTS.get(type_id)
            if state is None:
                return Status.NO_SUCH_EVENT_TYPE, None
            detail = text_of(info, "PrinterStatusInfo") or state
            self.printer_status = PrinterStatus(state, detail, "N-EVENT-REPORT")
            level = logging.INFO if state == "NORMAL" else logging.WARNING
            self.log.log(level, "printer reports %s (%s)", state, detail)
            return Status.SUCCESS, None
        if class_uid == PrintJob:
            state = PRINT_JOB_EVENTS.get(type_id)
            if state is None:
                return Status.NO_SUCH_EVENT_TYPE, None
            detail = text_of(info, "ExecutionStatusInfo") or "NORMAL"
            level = logging.WARNING if state == "FAILURE" else logging.INFO
            uid = str(request.AffectedSOPInstanceUID)
            self.log.log(level, "print job %s: %s (%s)", uid, state, detail)
            return Status.SUCCESS, None
        return Status.NO_SUCH_SOP_CLASS, None
