"""The DICOM network side: the pynetdicom AE, its handlers, the boundary.

The only module that imports pynetdicom's AE and Association.  Every bound
handler runs inside ``_answer``: a ``PrintServerError`` becomes its status
and Error Comment; any other exception becomes 0x0110 with one ERROR line.
"""

import itertools
import logging
import socket
import threading
from collections.abc import Callable, MutableMapping
from typing import Any

from pydicom.dataset import Dataset
from pydicom.uid import (
    ExplicitVRBigEndian,
    ExplicitVRLittleEndian,
    ImplicitVRLittleEndian,
)
from pynetdicom import AE, evt
from pynetdicom import _config as pynetdicom_config
from pynetdicom.association import Association
from pynetdicom.dimse_messages import N_ACTION_RSP
from pynetdicom.sop_class import (  # type: ignore[attr-defined]
    BasicAnnotationBox,
    BasicColorPrintManagementMeta,
    BasicGrayscalePrintManagementMeta,
    PresentationLUT,
    Printer,
    PrinterConfigurationRetrieval,
    PrintJob,
    Verification,
)
from pynetdicom.transport import ThreadedAssociationServer

from printserver import access
from printserver.archive import Archive, RetentionPolicy
from printserver.config import Config
from printserver.errors import InvalidAttributeValueError, PrintServerError
from printserver.logsafe import ascii_comment, escape
from printserver.outputs import PrinterStatus
from printserver.scp._archive import ArchiveService, archive_contexts
from printserver.scp._contexts import share_contexts
from printserver.scp._echo import echo as echo  # for printserver doctor
from printserver.scp._events import EventNotifier
from printserver.scp._guard import authorize, guard
from printserver.scp._reactor import install as install_reactor_waits
from printserver.scp._reactor import wake_on_work
from printserver.scp._tls import server_context
from printserver.scp._wire import limit_pdus
from printserver.sop import (
    DECODE_ERRORS,
    PrintContext,
    PrinterState,
    Request,
    Response,
    dispatch,
)
from printserver.spooler import Spool, Spooler
from printserver.status import Status

logger = logging.getLogger(__name__)

TRANSFER_SYNTAXES = [
    ImplicitVRLittleEndian,
    ExplicitVRLittleEndian,
    ExplicitVRBigEndian,
]
#: Abstract syntaxes we accept: the meta classes and their companions.  The
#: member classes (Film Session, Film Box...) are refused on their own: the
#: standard negotiates them only through a meta class (PS3.4 H.3.1).
ABSTRACT_SYNTAXES = [
    Verification,
    BasicGrayscalePrintManagementMeta,
    BasicAnnotationBox,
    PresentationLUT,
    PrintJob,
    Printer,
    PrinterConfigurationRetrieval,
]
#: A-ASSOCIATE-RJ (Result Source, Reason/Diag.) to words, PS3.8 9.3.4.
REJECT_REASONS = {
    (1, 1): "no reason given",
    (1, 2): "application context name not supported",
    (access.SOURCE_SERVICE_USER, access.REASON_CALLING_AE_NOT_RECOGNIZED): (
        "calling AE title not recognized"
    ),
    (access.SOURCE_SERVICE_USER, access.REASON_CALLED_AE_NOT_RECOGNIZED): (
        "called AE title not recognized"
    ),
    (2, 2): "protocol version not supported",
    (3, 1): "temporary congestion",
    (
        access.SOURCE_SERVICE_PROVIDER_PRESENTATION,
        access.REASON_LOCAL_LIMIT_EXCEEDED,
    ): "local limit exceeded",
}
#: Optional status keywords each response primitive can carry (PS3.7).
_STATUS_KEYWORDS = {
    "N-CREATE": ("ErrorComment", "ErrorID"),
    "N-DELETE": ("ErrorComment", "ErrorID"),
    "N-SET": ("ErrorComment", "ErrorID", "AttributeIdentifierList"),
    "N-ACTION": ("ErrorComment", "ErrorID", "AttributeIdentifierList"),
    "N-GET": ("ErrorComment", "ErrorID", "AttributeIdentifierList"),
}


#: Seconds a request waits for its turn (see ``PrintSCP._turn``) before it
#: runs anyway: a handler held up by a slow disk must not hold up others.
TURN_WAIT_SECONDS = 0.25


class AssociationLog(logging.LoggerAdapter):  # type: ignore[type-arg]
    """Prefixes each line with the association number, calling AE and peer."""

    def process(self, msg: Any, kwargs: MutableMapping[str, Any]) -> tuple[Any, Any]:
        return f"{self.extra['prefix']} {msg}", kwargs  # type: ignore[index]


class PrintSCP:
    """Our Print Management SCP: one AE, one listener, one spooler.

    Parameters
    ----------
    config : Config
        The configuration read at start-up.
    observer : callable, optional
        Makes the ``watchdog`` observer of the spool (tests poll).
    """

    def __init__(self, config: Config, observer: Callable[[], Any] | None = None):
        self.config = config
        self.spool = Spool(config.data_root)
        if observer is None:
            self.spooler = Spooler(self.spool, config)
        else:
            self.spooler = Spooler(self.spool, config, observer)
        self.server: ThreadedAssociationServer | None = None
        self.tls_server: ThreadedAssociationServer | None = None
        self._contexts: dict[Association, PrintContext] = {}
        self._numbers: dict[Association, int] = {}
        self._received: dict[Association, int] = {}
        self._explained: set[Association] = set()
        """Connections whose end a line has already explained."""
        self._counter = itertools.count(1)
        self._incidents = itertools.count(1)
        self._lock = threading.Lock()
        # Print Management requests are handled one at a time, whatever
        # association they came on.  Handlers are short and hold the GIL for
        # most of their time, so running them side by side gains nothing;
        # but each system call of one (the spool's writes and fsyncs) gives
        # the GIL away, and with ten associations busy, taking it back meant
        # waiting behind every other handler's thread.  Under ten modalities
        # printing at once, this halved the N-ACTION reply time
        # (benchmarks/spool.py).  The wait is bounded: see TURN_WAIT_SECONDS.
        self._turn = threading.Lock()
        self.printer_states = {p.name: PrinterState() for p in config.printers}
        self.events = EventNotifier()
        self._association_listeners: list[Callable[[str], None]] = []
        self.spooler.add_listener(self.events.state_changed)
        self.spooler.add_status_listener(self._on_printer_status)
        self.archive: ArchiveService | None = None
        if config.archive.enabled:
            archive = Archive(
                config.data_root,
                config.archive.forward_to,
                policy=RetentionPolicy.from_config(config),
            )
            self.archive = ArchiveService(config, archive, self.spool)
            if config.archive.store_printed_films:
                self.spooler.add_film_listener(self.archive.film_rendered)

    @property
    def printer_state(self) -> PrinterState:
        """The status of the default printer."""
        return self.printer_states[self.config.default_printer.name]

    def _make_ae(self) -> AE:
        ae = AE(ae_title=self.config.server.ae_title)
        offered = list(ABSTRACT_SYNTAXES)
        if self.config.profile(self.config.default_printer).color:
            offered.append(BasicColorPrintManagementMeta)
        for abstract_syntax in offered:
            ae.add_supported_context(abstract_syntax, TRANSFER_SYNTAXES)
        if self.archive is not None:
            for abstract_syntax, syntaxes, roles in archive_contexts():
                ae.add_supported_context(abstract_syntax, syntaxes, **roles)
        # Private and unknown storage classes: pynetdicom's switch is global.
        pynetdicom_config.UNRESTRICTED_STORAGE_SERVICE = (
            self.archive is not None and self.config.archive.accept_unknown_classes
        )
        ae.maximum_associations = self.config.server.max_associations
        ae.maximum_pdu_size = self.config.server.max_pdu_size
        ae.network_timeout = self.config.server.network_timeout
        ae.acse_timeout = self.config.server.acse_timeout
        ae.dimse_timeout = self.config.server.dimse_timeout
        ae.require_called_aet = True
        return ae

    def start(self) -> tuple[str, int]:
        """Recover the spool, start the spooler and listen (non-blocking).

        Returns the address actually bound (the port may have been 0).
        """
        self.spooler.start()
        self.events.start()
        if self.archive is not None:
            self.archive.start()
        handlers: list[Any] = [
            (evt.EVT_DIMSE_SENT, self._on_dimse_sent),
            (evt.EVT_CONN_OPEN, self._on_conn_open),
            (evt.EVT_CONN_CLOSE, self._on_conn_close),
            (evt.EVT_PDU_RECV, self._count_bytes),
            (evt.EVT_REQUESTED, self._on_requested),
            (evt.EVT_ACCEPTED, self._on_accepted),
            (evt.EVT_REJECTED, self._on_rejected),
            (evt.EVT_RELEASED, self._on_ended, ["released"]),
            (evt.EVT_ABORTED, self._on_ended, ["aborted"]),
            (evt.EVT_C_ECHO, self._on_echo),
            (evt.EVT_C_STORE, self._on_store),
            (evt.EVT_C_FIND, self._on_find),
            (evt.EVT_C_MOVE, self._on_move),
            (evt.EVT_C_GET, self._on_get),
        ]
        for event, operation in (
            (evt.EVT_N_CREATE, "N-CREATE"),
            (evt.EVT_N_SET, "N-SET"),
            (evt.EVT_N_GET, "N-GET"),
            (evt.EVT_N_ACTION, "N-ACTION"),
            (evt.EVT_N_DELETE, "N-DELETE"),
        ):
            handlers.append((event, self._answer, [operation]))

        install_reactor_waits()
        if not logging.getLogger("pynetdicom").isEnabledFor(logging.DEBUG):
            # pynetdicom's standard handlers format a DEBUG report of every
            # PDU and DIMSE message, read by no one below DEBUG: on a busy
            # server that is CPU every association thread waits for.
            pynetdicom_config.LOG_HANDLER_LEVEL = "none"
        ae = self._make_ae()
        address = (self.config.server.host, self.config.server.port)
        server = ae.start_server(address, block=False, evt_handlers=handlers)
        if server is None:  # only with block=True
            raise OSError("the association server did not start")
        share_contexts(server.contexts)
        self.server = server
        host, port = server.server_address[:2]
        logger.info(
            "listening on %s:%s as %s, data root %s",
            host,
            port,
            self.config.server.ae_title,
            self.config.data_root,
        )
        if self.config.server.tls_port:
            tls_address = (self.config.server.host, self.config.server.tls_port)
            try:
                tls_server = ae.start_server(
                    tls_address,
                    block=False,
                    evt_handlers=handlers,
                    ssl_context=server_context(self.config.server),
                )
                if tls_server is None:  # only with block=True
                    raise OSError("the TLS association server did not start")
                share_contexts(tls_server.contexts)
                self.tls_server = tls_server
            except OSError:
                server.shutdown()
                self.server = None
                raise
            logger.info("listening for TLS on %s:%s", *tls_address)
        warning = access.open_policy_warning(self.config)
        if warning:
            logger.warning(warning)
        return str(host), int(port)

    def stop(self) -> None:
        """Stop listening, end associations, and stop the spooler."""
        if self.server is not None:
            logger.info("stopping: no new associations")
            self.server.shutdown()
            self.server = None
        if self.tls_server is not None:
            self.tls_server.shutdown()
            self.tls_server = None
        self.spooler.stop()
        self.events.stop()
        if self.archive is not None:
            self.archive.stop()
        logger.info("stopped")

    def _on_printer_status(self, name: str, status: PrinterStatus) -> None:
        """Spooler listener: what an output found out about its printer."""
        self.set_printer_status(status.status, status.info, name)

    def set_printer_status(
        self, printer_status: str, printer_status_info: str, printer: str = ""
    ) -> None:
        """Change a printer's status (the default one's when *printer* is
        empty) and tell every open association printing to it.

        References
        ----------
        PS3.4 H.4.6.1 (Printer N-EVENT-REPORT).
        """
        name = printer or self.config.default_printer.name
        state = self.printer_states[name]
        if (state.printer_status, state.printer_status_info) == (
            printer_status,
            printer_status_info,
        ):
            return
        state.printer_status = printer_status
        state.printer_status_info = printer_status_info
        level = logging.INFO if printer_status == "NORMAL" else logging.WARNING
        logger.log(
            level, "printer %s status %s (%s)", name, printer_status,
            printer_status_info,
        )  # fmt: skip
        open_assocs = [
            (a, ctx.log)
            for a, ctx in list(self._contexts.items())
            if ctx.printer.name == name
        ]
        self.events.printer_changed(open_assocs, printer_status, printer_status_info)

    # Association lifecycle ------------------------------------------------

    def add_association_listener(self, listener: Callable[[str], None]) -> None:
        """Call *listener(result)* at each association's ``accepted``,
        ``rejected``, ``released`` or ``aborted`` (the metrics count them)."""
        self._association_listeners.append(listener)

    def _tell(self, result: str) -> None:
        for listener in self._association_listeners:
            listener(result)

    def _log(self, assoc: Association) -> AssociationLog:
        number = self._numbers.get(assoc, 0)
        peer = assoc.requestor
        prefix = f"assoc#{number} {escape(peer.ae_title)}@{peer.address}:{peer.port}"
        return AssociationLog(logger, {"prefix": prefix})

    def _on_conn_open(self, event: evt.Event) -> None:
        # Without TCP_NODELAY each DIMSE exchange can wait 40-90 ms on Nagle.
        sock = event.assoc.dul.socket
        if sock is not None and sock.socket is not None:
            sock.socket.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        wake_on_work(event.assoc)
        with self._lock:
            self._numbers[event.assoc] = next(self._counter)
        log = self._log(event.assoc)
        server = self.config.server
        limit_pdus(
            event.assoc, server.max_pdu_size, server.network_timeout, log,
            lambda: self._explained.add(event.assoc),
        )  # fmt: skip
        guard(event.assoc, self._contexts.get, log)

    def _on_requested(self, event: evt.Event) -> None:
        # Answer to every AE title a printer route names, not only ours:
        # pynetdicom compares the called AE title with the acceptor's.
        assoc = event.assoc
        request: Any = assoc.requestor.primitive
        called = str(request.called_ae_title).strip()
        if called != assoc.acceptor.ae_title and called in self.config.ae_titles:
            assoc.acceptor.ae_title = called
        calling = str(request.calling_ae_title).strip()
        assoc.requestor.ae_title = calling  # named in our log lines from here
        rejection = access.check_association(
            self.config, calling, called, str(assoc.requestor.address)
        )
        if rejection is None:
            self._limit_per_peer(assoc, calling)
            return
        self._reject(assoc, rejection)

    def _reject(self, assoc: Association, rejection: access.Rejection) -> None:
        """Send A-ASSOCIATE-RJ with one WARNING line naming why."""
        self._log(assoc).warning("association rejected: %s", escape(rejection.why))
        self._numbers.pop(assoc, None)
        self._tell("rejected")
        assoc.acse.send_reject(rejection.result, rejection.source, rejection.reason)
        assoc.kill()

    def _limit_per_peer(self, assoc: Association, calling: str) -> None:
        """Reject a peer that already holds its share of associations."""
        peer = (calling, assoc.requestor.address)
        held = sum(
            1
            for other in assoc.ae.active_associations
            if other is not assoc
            and other.is_acceptor
            and other.is_established
            and (other.requestor.ae_title, other.requestor.address) == peer
        )
        if held < self.config.server.max_associations_per_peer:
            return
        self._reject(
            assoc,
            access.Rejection(
                access.RESULT_REJECTED_TRANSIENT,
                access.SOURCE_SERVICE_PROVIDER_PRESENTATION,
                access.REASON_LOCAL_LIMIT_EXCEEDED,
                f"local limit exceeded ({calling} already holds {held})",
            ),
        )

    def _count_bytes(self, event: evt.Event) -> None:
        """Abort an association that sends more than it may, before
        pynetdicom keeps the rest of it in memory."""
        assoc = event.assoc
        length = int(getattr(event.pdu, "pdu_length", 0)) + 6
        with self._lock:
            total = self._received.get(assoc, 0) + length
            self._received[assoc] = total
        limit = self.config.server.max_association_mb * 1_000_000
        if total > limit >= total - length:  # once, on crossing
            self._log(assoc).error(
                "association aborted: it sent more than %d MB (max_association_mb)",
                self.config.server.max_association_mb,
            )
            # Not on this thread: the DUL runs this handler and abort() waits
            # for the DUL to stop.
            threading.Thread(target=assoc.abort, daemon=True).start()

    def _on_accepted(self, event: evt.Event) -> None:
        assoc = event.assoc
        accepted = frozenset(str(cx.abstract_syntax) for cx in assoc.accepted_contexts)
        log = self._log(assoc)

        def job_created(job_id: str, print_job_uid: str) -> None:
            self.events.job_created(assoc, job_id, print_job_uid, log)

        printer = self.config.route(assoc.acceptor.ae_title, assoc.requestor.ae_title)
        self._contexts[assoc] = PrintContext(
            config=self.config,
            printer=printer,
            profile=self.config.profile(printer),
            spool=self.spool,
            spooler=self.spooler,
            calling_ae=assoc.requestor.ae_title,
            called_ae=assoc.acceptor.ae_title,
            accepted_abstract_syntaxes=accepted,
            log=log,
            printer_state=self.printer_states[printer.name],
            on_job_created=job_created,
        )
        authorize(assoc, access.permissions(self.config, assoc.requestor.ae_title), log)
        log.info("association accepted (%d contexts)", len(accepted))
        self._tell("accepted")

    def _on_rejected(self, event: evt.Event) -> None:
        assoc = event.assoc
        rejection: Any = assoc.acceptor.primitive
        request: Any = assoc.requestor.primitive
        key = (rejection.result_source, rejection.diagnostic) if rejection else (0, 0)
        reason = REJECT_REASONS.get(key, f"source/reason {key}")
        self._log(assoc).warning(
            "association rejected: %s (called AE %r, we are %r)",
            reason,
            escape(request.called_ae_title if request else "?"),
            self.config.server.ae_title,
        )
        self._numbers.pop(assoc, None)
        self._tell("rejected")

    def _on_ended(self, event: evt.Event, how: str) -> None:
        self._log(event.assoc).info("association %s", how)
        self._tell(how)
        self.events.forget(event.assoc)
        self._contexts.pop(event.assoc, None)
        self._numbers.pop(event.assoc, None)

    def _on_conn_close(self, event: evt.Event) -> None:
        with self._lock:
            self._received.pop(event.assoc, None)
        if event.assoc in self._explained:
            self._explained.discard(event.assoc)
            self._numbers.pop(event.assoc, None)
        # Still numbered and never accepted: no association was accepted,
        # rejected or ended.
        if event.assoc in self._numbers and event.assoc not in self._contexts:
            if event.assoc.requestor.primitive is None:
                # pynetdicom's thread would wait acse_timeout for a request
                # that cannot come, holding one of max_associations.
                event.assoc.dul.to_user_queue.put(None)  # type: ignore[arg-type]
            self._log(event.assoc).warning(
                "connection closed before an association: no request within "
                "%s s, or a failed TLS handshake",
                self.config.server.acse_timeout,
            )
            self._numbers.pop(event.assoc, None)

    def _on_dimse_sent(self, event: evt.Event) -> None:
        if isinstance(event.message, N_ACTION_RSP):
            self.events.reply_sent(event.assoc)

    def _on_echo(self, event: evt.Event) -> int:
        return int(Status.SUCCESS)

    # The archive (C-STORE, C-FIND, C-MOVE, C-GET): see scp._archive ------

    def _archive_log(self, event: evt.Event) -> tuple[ArchiveService, Any]:
        ctx = self._contexts.get(event.assoc)
        if self.archive is None:  # no contexts were offered for it
            raise RuntimeError("archive disabled")
        return self.archive, ctx.log if ctx else self._log(event.assoc)

    def _on_store(self, event: evt.Event) -> Any:
        archive, log = self._archive_log(event)
        return archive.on_store(event, log)

    def _on_find(self, event: evt.Event) -> Any:
        archive, log = self._archive_log(event)
        yield from archive.on_find(event, log)

    def _on_move(self, event: evt.Event) -> Any:
        archive, log = self._archive_log(event)
        yield from archive.on_move(event, log)

    def _on_get(self, event: evt.Event) -> Any:
        archive, log = self._archive_log(event)
        yield from archive.on_get(event, log)

    # DIMSE-N handlers ------------------------------------------------------

    def _request(self, operation: str, event: evt.Event) -> Request:
        """Our view of a pynetdicom request event."""
        primitive: Any = event.request
        context = event.context
        if operation == "N-CREATE":
            instance_uid = primitive.AffectedSOPInstanceUID
            sop_class_uid = primitive.AffectedSOPClassUID
        else:
            instance_uid = primitive.RequestedSOPInstanceUID
            sop_class_uid = primitive.RequestedSOPClassUID
        try:
            dataset = {
                "N-CREATE": lambda: event.attribute_list,
                "N-SET": lambda: event.modification_list,
                "N-ACTION": lambda: event.action_information,
            }.get(operation, Dataset)()
        except DECODE_ERRORS as exc:
            raise InvalidAttributeValueError(
                f"data set cannot be decoded ({type(exc).__name__})"
            ) from None
        tags = getattr(primitive, "AttributeIdentifierList", None)
        if tags is not None and not isinstance(tags, list):
            tags = [tags]
        return Request(
            sop_class_uid=str(sop_class_uid),
            sop_instance_uid=str(instance_uid) if instance_uid else None,
            dataset=dataset if dataset is not None else Dataset(),
            meta_sop_class_uid=str(context.abstract_syntax),
            is_little_endian=context.transfer_syntax.is_little_endian,
            action_type_id=getattr(primitive, "ActionTypeID", None),
            attribute_identifier_list=[int(t) for t in tags] if tags else None,
        )

    def _answer(self, event: evt.Event, operation: str) -> Any:
        """Run the SOP handler; turn its result or exception into a status."""
        ctx = self._contexts.get(event.assoc)
        log = ctx.log if ctx else self._log(event.assoc)
        try:
            if ctx is None:
                raise PrintServerError("association state lost")
            req = self._request(operation, event)
            rsp = self._in_turn(operation, ctx, req)
        except PrintServerError as exc:
            incident = next(self._incidents) & 0xFFFF
            log.error(
                "%s %s -> 0x%04X %s (incident %d)",
                operation,
                _short(event),
                exc.status,
                escape(exc),
                incident,
            )
            rsp = Response(
                exc.status, error_comment=str(exc), attribute_tags=exc.attribute_tags
            )
            return self._reply(event, operation, rsp, incident)
        except Exception:  # the handler boundary: never let pynetdicom catch
            incident = next(self._incidents) & 0xFFFF
            log.exception(
                "%s %s -> 0x0110 (incident %d)", operation, _short(event), incident
            )
            rsp = Response(Status.PROCESSING_FAILURE, error_comment="internal error")
            return self._reply(event, operation, rsp, incident)

        if rsp.status != Status.SUCCESS:
            log.warning(
                "%s %s -> 0x%04X %s",
                operation,
                _short(event),
                rsp.status,
                escape(rsp.error_comment),
            )
        return self._reply(event, operation, rsp, None)

    def _in_turn(self, operation: str, ctx: PrintContext, req: Request) -> Response:
        """Run the handler when no other request's handler runs, or after
        TURN_WAIT_SECONDS at the latest."""
        has_turn = self._turn.acquire(timeout=TURN_WAIT_SECONDS)
        try:
            return dispatch(operation, ctx, req)
        finally:
            if has_turn:
                self._turn.release()

    def _reply(
        self, event: evt.Event, operation: str, rsp: Response, incident: int | None
    ) -> Any:
        """Build the (status, dataset) pair pynetdicom expects."""
        status = Dataset()
        status.Status = int(rsp.status)
        allowed = _STATUS_KEYWORDS.get(operation, ())
        if rsp.error_comment and "ErrorComment" in allowed:
            status.ErrorComment = ascii_comment(rsp.error_comment)
        if incident is not None and "ErrorID" in allowed:
            status.ErrorID = incident
        if rsp.attribute_tags and "AttributeIdentifierList" in allowed:
            status.AttributeIdentifierList = rsp.attribute_tags
        if operation == "N-DELETE":
            return status

        dataset = rsp.dataset
        if operation == "N-CREATE" and rsp.affected_sop_instance_uid:
            # pynetdicom only moves the UID into the command on success; a
            # warning needs it set on the response primitive, which the
            # status dataset does.
            status.AffectedSOPInstanceUID = rsp.affected_sop_instance_uid
            request: Any = event.request
            assigned = request.AffectedSOPInstanceUID is None
            if rsp.status == Status.SUCCESS and assigned:
                dataset = Dataset() if dataset is None else dataset.copy()
                dataset.AffectedSOPInstanceUID = rsp.affected_sop_instance_uid
        if rsp.status.is_failure:
            dataset = None
        return status, dataset


def _short(event: evt.Event) -> str:
    """Requested or affected SOP instance UID, for log lines."""
    primitive: Any = event.request
    uid = getattr(primitive, "RequestedSOPInstanceUID", None) or getattr(
        primitive, "AffectedSOPInstanceUID", None
    )
    return escape(uid or "-")
