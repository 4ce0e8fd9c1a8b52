"""N-EVENT-REPORTs to open associations: Print Job and Printer events.

Events go out from one notifier thread, never from the spooler's or an
association's own thread, and a failure to send one is logged, never
raised.  A job's events wait until the N-ACTION reply that created it has
gone out, so the client hears of the job before it hears news of it.
"""

import itertools
import logging
import queue
import threading
from dataclasses import dataclass, field
from io import BytesIO
from typing import Any

from pydicom.dataset import Dataset
from pynetdicom.association import Association
from pynetdicom.dimse_primitives import N_EVENT_REPORT
from pynetdicom.dsutils import encode

from printserver.sop.print_job import execution_status
from printserver.sop.uids import (
    COLOR_META,
    GRAYSCALE_META,
    PRINT_JOB,
    PRINTER,
    PRINTER_INSTANCE,
)

logger = logging.getLogger(__name__)

#: Message IDs of our requests; unique across the process, 16 bits.
_message_ids = (n & 0xFFFF or 1 for n in itertools.count(0x4000))

#: Print Job Event Type IDs (PS3.4 H.4.4.1.1).
JOB_EVENT_TYPE = {"PENDING": 1, "PRINTING": 2, "DONE": 3, "FAILURE": 4}
#: Printer Event Type IDs (PS3.4 H.4.6.1.1).
PRINTER_EVENT_TYPE = {"NORMAL": 1, "WARNING": 2, "FAILURE": 3}


@dataclass
class _Job:
    assoc: Association
    print_job_uid: str
    log: Any
    announced: bool = False
    held: list[str] = field(default_factory=list)
    """States reached before the N-ACTION reply went out."""

    reported: str = ""
    """The Execution Status last sent: a change of state within it (from
    rendering to sending) is no news to the client."""


class EventNotifier:
    """Sends N-EVENT-REPORTs from its own thread."""

    def __init__(self) -> None:
        self._queue: queue.Queue[tuple[Association, Any, dict[str, Any]] | None] = (
            queue.Queue()
        )
        self._jobs: dict[str, _Job] = {}
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._run, name="events", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._queue.put(None)
        self._thread.join(10)

    # Print Job events ------------------------------------------------------

    def job_created(self, assoc: Association, job_id: str, uid: str, log: Any) -> None:
        """Follow a job created on *assoc* if it negotiated Print Job."""
        if not _has_context(assoc, PRINT_JOB):
            return
        with self._lock:
            self._jobs[job_id] = _Job(assoc, uid, log, held=["pending"])

    def reply_sent(self, assoc: Association) -> None:
        """An N-ACTION reply went out on *assoc*: release its jobs' events."""
        with self._lock:
            for job_id, job in self._jobs.items():
                if job.assoc is assoc and not job.announced:
                    job.announced = True
                    for state in job.held:
                        self._queue_job_event(job_id, job, state)
                    job.held.clear()

    def state_changed(self, job_id: str, state: str) -> None:
        """Spooler listener: a job moved to *state*."""
        with self._lock:
            job = self._jobs.get(job_id)
            if job is None:
                return
            if not job.announced:
                job.held.append(state)
                return
            self._queue_job_event(job_id, job, state)
            if state in ("done", "failed"):
                del self._jobs[job_id]

    def forget(self, assoc: Association) -> None:
        """The association ended: no more events for its jobs."""
        with self._lock:
            for job_id in [j for j, job in self._jobs.items() if job.assoc is assoc]:
                del self._jobs[job_id]

    def _queue_job_event(self, job_id: str, job: _Job, state: str) -> None:
        status, info = execution_status(state)
        if status == job.reported:
            return
        job.reported = status
        ds = Dataset()
        ds.ExecutionStatusInfo = info
        event = {
            "ds": ds,
            "event_type": JOB_EVENT_TYPE[status],
            "class_uid": PRINT_JOB,
            "instance_uid": job.print_job_uid,
        }
        self._queue.put((job.assoc, job.log, event))
        job.log.info("job=%s event %s queued for the client", job_id, status)

    # Printer events --------------------------------------------------------

    def printer_changed(
        self, assocs: list[tuple[Association, Any]], status: str, info: str
    ) -> None:
        """Tell every open print association the printer's new status."""
        ds = Dataset()
        if status != "NORMAL":
            ds.PrinterStatusInfo = info
        for assoc, log in assocs:
            meta = GRAYSCALE_META if _has_context(assoc, GRAYSCALE_META) else COLOR_META
            if not _has_context(assoc, meta):
                continue
            event = {
                "ds": ds,
                "event_type": PRINTER_EVENT_TYPE[status],
                "class_uid": PRINTER,
                "instance_uid": PRINTER_INSTANCE,
                "meta_uid": meta,
            }
            self._queue.put((assoc, log, event))

    # The sending thread ----------------------------------------------------

    def _run(self) -> None:
        while (item := self._queue.get()) is not None:
            assoc, log, event = item
            if not assoc.is_established:
                continue
            try:
                _send(assoc, **event)
            except Exception:  # a boundary: one failed event must not stop others
                log.exception(
                    "N-EVENT-REPORT %s could not be sent", event["event_type"]
                )


def _has_context(assoc: Association, abstract_syntax: str) -> bool:
    return any(
        str(cx.abstract_syntax) == abstract_syntax for cx in assoc.accepted_contexts
    )


def _send(
    assoc: Association,
    *,
    ds: Dataset,
    event_type: int,
    class_uid: str,
    instance_uid: str,
    meta_uid: str | None = None,
) -> None:
    """Send one N-EVENT-REPORT without waiting for its answer.

    Waiting would hold the association's reactor, and with it a release the
    client may be sending; the answer is read by ``_guard`` instead.
    """
    abstract_syntax = meta_uid or class_uid
    context = next(
        cx for cx in assoc.accepted_contexts if cx.abstract_syntax == abstract_syntax
    )
    transfer_syntax = context.transfer_syntax[0]
    req = N_EVENT_REPORT()
    req.MessageID = next(_message_ids)
    req.AffectedSOPClassUID = class_uid
    req.AffectedSOPInstanceUID = instance_uid
    req.EventTypeID = event_type
    if len(ds):
        encoded = encode(
            ds, transfer_syntax.is_implicit_VR, transfer_syntax.is_little_endian
        )
        req.EventInformation = BytesIO(encoded or b"")
    assoc.dimse.send_msg(req, context.context_id or 1)
