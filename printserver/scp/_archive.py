"""The archive's network side: C-STORE, C-FIND, C-MOVE and C-GET handlers.

``PrintSCP`` binds these next to the print handlers, on the same AE, port
and AE title.  Each handler is a boundary like ``PrintSCP._answer``: a
``PrintServerError`` becomes its status with Error Comment (and Offending
Element for identifiers); any other exception becomes 0x0110 with one ERROR
line.  C-MOVE destinations are the registered peers.
"""

import itertools
import logging
import sqlite3
import threading
from collections.abc import Iterator
from typing import Any

from pydicom.dataset import Dataset
from pynetdicom import evt
from pynetdicom.sop_class import (  # type: ignore[attr-defined]
    PatientRootQueryRetrieveInformationModelFind,
    PatientRootQueryRetrieveInformationModelGet,
    PatientRootQueryRetrieveInformationModelMove,
    StudyRootQueryRetrieveInformationModelFind,
    StudyRootQueryRetrieveInformationModelGet,
    StudyRootQueryRetrieveInformationModelMove,
)

from printserver.archive import (
    Archive,
    InformationModel,
    InstanceFile,
    PrintedFilm,
    Query,
    parse_identifier,
)
from printserver.config import Config
from printserver.errors import OutOfResourcesError, PrintServerError
from printserver.scp._contexts import (
    STORAGE_SOP_CLASSES,
    STORAGE_TRANSFER_SYNTAXES,
    storage_contexts,
)
from printserver.scp._forward import Forwarder, outgoing_tls
from printserver.spooler import Spool
from printserver.status import Status

logger = logging.getLogger(__name__)

#: The Query/Retrieve SOP classes and the information model of each.
QUERY_RETRIEVE_MODELS = {
    str(PatientRootQueryRetrieveInformationModelFind): InformationModel.PATIENT_ROOT,
    str(PatientRootQueryRetrieveInformationModelMove): InformationModel.PATIENT_ROOT,
    str(PatientRootQueryRetrieveInformationModelGet): InformationModel.PATIENT_ROOT,
    str(StudyRootQueryRetrieveInformationModelFind): InformationModel.STUDY_ROOT,
    str(StudyRootQueryRetrieveInformationModelMove): InformationModel.STUDY_ROOT,
    str(StudyRootQueryRetrieveInformationModelGet): InformationModel.STUDY_ROOT,
}


def archive_contexts() -> list[tuple[str, list[str], dict[str, bool]]]:
    """(abstract syntax, transfer syntaxes, role keywords) to support: the
    storage classes, with the SCP role a C-GET requestor asks for, and the
    Query/Retrieve classes."""
    from printserver.scp import TRANSFER_SYNTAXES  # noqa: PLC0415 - no cycle

    storage = [
        (uid, list(STORAGE_TRANSFER_SYNTAXES), {"scu_role": True, "scp_role": True})
        for uid in STORAGE_SOP_CLASSES
    ]
    query_retrieve: list[tuple[str, list[str], dict[str, bool]]] = [
        (uid, [str(ts) for ts in TRANSFER_SYNTAXES], {})
        for uid in QUERY_RETRIEVE_MODELS
    ]
    return storage + query_retrieve


class ArchiveService:
    """The archive's DIMSE-C handlers.

    Parameters
    ----------
    config : Config
        For the peers (move destinations, character set overrides).
    archive : Archive
        Where instances are kept.
    spool : Spool
        Where printed films' jobs are, for their label and origin.
    """

    def __init__(self, config: Config, archive: Archive, spool: Spool):
        self.config = config
        self.archive = archive
        self.spool = spool
        self._incidents = itertools.count(1)
        self.forwarder: Forwarder | None = None
        self._stopping = threading.Event()
        self._purger: threading.Thread | None = None
        if config.archive.forward_to:
            self.forwarder = Forwarder(config, archive)

    def start(self) -> None:
        """Remove orphan files and purge (before any store), start the
        periodic purge, and forwarding when configured."""
        self.archive.retention.clean_orphans()
        self.archive.retention.purge("start")
        self._purger = threading.Thread(
            target=self._purge_periodically, name="archive-purge", daemon=True
        )
        self._purger.start()
        if self.forwarder is not None:
            self.forwarder.start()

    def stop(self) -> None:
        """Stop purging and forwarding (the queue stays); close the index."""
        self._stopping.set()
        if self._purger is not None:
            self._purger.join(10.0)
        if self.forwarder is not None:
            self.forwarder.stop()
        self.archive.close()

    def _purge_periodically(self) -> None:
        seconds = self.config.archive.purge_minutes * 60.0
        while not self._stopping.wait(seconds):
            try:
                self.archive.retention.purge("periodic")
            except Exception:  # the worker loop is a boundary: log, keep going
                logger.exception("archive purge failed")

    # C-STORE ---------------------------------------------------------------

    def on_store(self, event: evt.Event, log: Any) -> Dataset:
        """Keep the instance as received; index it."""
        request: Any = event.request
        calling = str(event.assoc.requestor.ae_title).strip()
        peer = self.config.peer(calling)
        override = peer.character_set if peer else ""
        try:
            stored = self.archive.store(
                request.DataSet.getvalue(),
                str(event.context.transfer_syntax),
                calling_ae=calling,
                character_set_override=override,
            )
        except Exception as exc:  # noqa: BLE001 - the handler boundary
            return self._failure("C-STORE", exc, log, request.AffectedSOPInstanceUID)
        if stored.warnings:
            log.warning(
                "C-STORE %s: %s", stored.sop_instance_uid, "; ".join(stored.warnings)
            )
        log.debug(
            "C-STORE %s stored%s",
            stored.sop_instance_uid,
            " (replaced)" if stored.replaced else "",
        )
        return _status(Status.SUCCESS)

    # C-FIND ----------------------------------------------------------------

    def on_find(self, event: evt.Event, log: Any) -> Iterator[tuple[Any, Any]]:
        """Answer each match as a pending response."""
        try:
            query = self._query(event, retrieve=False)
            answers = self.archive.find(query)
        except Exception as exc:  # noqa: BLE001 - the handler boundary
            yield self._failure("C-FIND", exc, log), None
            return
        pending = (
            Status.PENDING_OPTIONAL_KEYS_NOT_SUPPORTED
            if query.unsupported
            else Status.PENDING
        )
        for ds in answers:
            if event.is_cancelled:
                yield int(Status.CANCEL), None
                return
            ds.RetrieveAETitle = event.assoc.acceptor.ae_title
            yield int(pending), ds
        log.info("C-FIND %s level: %d match(es)", query.level.value, len(answers))

    # C-GET -----------------------------------------------------------------

    def on_get(self, event: evt.Event, log: Any) -> Iterator[Any]:
        """Send the matching instances back over this association."""
        try:
            query = self._query(event, retrieve=True)
            instances = self.archive.instances(query)
        except Exception as exc:  # noqa: BLE001 - the handler boundary
            yield 1
            yield self._failure("C-GET", exc, log), None
            return
        log.info("C-GET %s level: %d instance(s)", query.level.value, len(instances))
        yield len(instances)
        yield from _sub_operations(event, instances)

    # C-MOVE ----------------------------------------------------------------

    def on_move(self, event: evt.Event, log: Any) -> Iterator[Any]:
        """Send the matching instances to a registered peer."""
        destination = str(event.move_destination or "").strip()
        peer = self.config.peer(destination)
        if peer is None or not peer.host:
            log.error(
                "C-MOVE to %r -> 0x%04X move destination unknown",
                destination,
                Status.MOVE_DESTINATION_UNKNOWN,
            )
            yield None, None
            return
        try:
            query = self._query(event, retrieve=True)
            instances = self.archive.instances(query)
        except Exception as exc:  # noqa: BLE001 - the handler boundary
            # LIMITATION(LIM-070): pynetdicom opens the destination's
            # association before a failure can be answered.
            yield peer.host, peer.port, {"contexts": storage_contexts([])}
            yield 1
            yield self._failure("C-MOVE", exc, log), None
            return
        log.info(
            "C-MOVE %s level to %s: %d instance(s)",
            query.level.value,
            destination,
            len(instances),
        )
        kwargs = {
            "contexts": storage_contexts(instances),
            "tls_args": outgoing_tls(self.config, peer),
        }
        yield peer.host, peer.port, kwargs
        yield len(instances)
        yield from _sub_operations(event, instances)

    # Printed films -----------------------------------------------------------

    def film_rendered(  # noqa: PLR0913 - the spooler's FilmListener
        self, job_id: str, index: int, count: int, raster: Any, dpi: int
    ) -> None:
        """Spooler listener: keep a rendered film as an SC image.  A
        failure is logged; the print goes on."""
        try:
            job = self.spool.read_job(job_id)
            session = job.get("film_session") or {}
            film = PrintedFilm(
                job_id=job_id,
                index=index,
                count=count,
                dpi=dpi,
                film_session_label=str(session.get("FilmSessionLabel", "") or ""),
                origin_ae=str(job.get("calling_ae", "") or ""),
                created=str(job.get("created", "") or ""),
                annotated=_annotated(job, index),
            )
            stored = self.archive.store_film(raster, film, self.config.server.ae_title)
        except OutOfResourcesError as exc:  # the WARNING said so once
            logger.info("job=%s film %d/%d not archived: %s", job_id, index, count, exc)
            return
        # Whatever goes wrong here must not fail the print.
        except (OSError, sqlite3.Error, PrintServerError, LookupError, ValueError,
                TypeError) as exc:  # fmt: skip
            logger.error(
                "job=%s film %d/%d not archived: %s", job_id, index, count, exc
            )
            return
        logger.info(
            "job=%s film %d/%d archived as %s",
            job_id,
            index,
            count,
            stored.sop_instance_uid,
        )

    # Shared ------------------------------------------------------------------

    def _query(self, event: evt.Event, retrieve: bool) -> Query:
        model = QUERY_RETRIEVE_MODELS[str(event.context.abstract_syntax)]
        return parse_identifier(event.identifier, model, retrieve=retrieve)

    def _failure(
        self, operation: str, exc: Exception, log: Any, uid: Any = None
    ) -> Dataset:
        """The status data set of a failed request, and its log line."""
        incident = next(self._incidents) & 0xFFFF
        if not isinstance(exc, PrintServerError):
            log.error(
                "%s %s -> 0x%04X (incident %d)",
                operation,
                uid or "-",
                Status.PROCESSING_FAILURE,
                incident,
                exc_info=exc,
            )
            return _status(Status.PROCESSING_FAILURE, "internal error")
        log.error(
            "%s %s -> 0x%04X %s (incident %d)",
            operation,
            uid or "-",
            exc.status,
            exc,
            incident,
        )
        status = _status(exc.status, str(exc))
        if exc.attribute_tags:
            status.OffendingElement = exc.attribute_tags
        return status


def _annotated(job: dict[str, Any], index: int) -> bool:
    """True when film *index* of the job prints annotation text."""
    films = job.get("films") or []
    return 0 < index <= len(films) and bool(films[index - 1].get("annotations"))


def _status(status: Status, error_comment: str = "") -> Dataset:
    ds = Dataset()
    ds.Status = int(status)
    if error_comment:
        ds.ErrorComment = error_comment[:64]
    return ds


def _sub_operations(
    event: evt.Event, instances: list[InstanceFile]
) -> Iterator[tuple[Any, Any]]:
    """One pending (status, data set) per instance, as pynetdicom sends
    them as C-STORE sub-operations; stop on C-CANCEL."""
    for instance in instances:
        if event.is_cancelled:
            yield int(Status.CANCEL), None
            return
        yield int(Status.PENDING), instance.read()
