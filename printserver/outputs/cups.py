"""The ``cups`` output: a CUPS queue, over IPP with pycups.

A film printer behind CUPS gets the film PostScript; a paper printer
(``rendition = "paper"``) a PDF with one page per film.  The CUPS job id is
recorded as soon as CUPS has the job, so a resumed job is followed, not sent
again.  The job is done when CUPS says ``completed``; a queue stopped by its
admin or by its backend's error policy shows as PRINTER OFFLINE.
"""

import threading
import time
from collections.abc import Iterator
from typing import Any

import cups
import numpy as np

from printserver.outputs.base import (
    Delivery,
    Output,
    OutputError,
    PrinterStatus,
    register,
)
from printserver.render import PaperHeader, write_paper_pdf

#: IPP job-state values (RFC 8011, 5.3.7).
_COMPLETED, _CANCELED, _ABORTED = 9, 7, 8
#: IPP printer-state: stopped.
_STOPPED = 5
#: printer-state-reasons keywords to Printer Status Info terms.
_REASONS = {
    "media-empty": ("FAILURE", "SUPPLY EMPTY"),
    "media-needed": ("FAILURE", "SUPPLY EMPTY"),
    "media-jam": ("FAILURE", "FILM JAM"),
    "door-open": ("FAILURE", "COVER OPEN"),
    "cover-open": ("FAILURE", "COVER OPEN"),
    "media-low": ("WARNING", "SUPPLY LOW"),
    "offline": ("FAILURE", "PRINTER OFFLINE"),
}
#: Held while libcups' process-wide default server is ours to set.
_DEFAULT_SERVER = threading.Lock()
#: Seconds between questions about a job in progress.
POLL_SECONDS = 0.2
#: A job still printing after this many ``timeout``s is looked at later.
PATIENCE = 20


@register
class CupsOutput(Output):
    """Prints to ``queue`` on the CUPS server at ``host:port``."""

    kind = "cups"

    @property
    def where(self) -> str:
        """``queue@host:port``, for messages."""
        host, port = self._server()
        return f"{self.printer.queue}@{host}:{port}"

    def _server(self) -> tuple[str, int]:
        return self.printer.host or cups.getServer(), self.printer.port or 631

    def _connect(self) -> Any:
        host, port = self._server()
        try:
            return cups.Connection(host=host, port=port)
        except RuntimeError as exc:
            raise OutputError(f"cannot reach CUPS at {host}:{port}: {exc}") from exc

    def send(self, delivery: Delivery) -> list[str]:
        conn = self._connect()
        job = delivery.progress.get("cups_job")
        if not job:
            job = self._submit(conn, delivery)
            delivery.record({"cups_job": job})
        self._wait(conn, job, delivery)
        return [f"cups://{self.where}/{job}"]

    def _submit(self, conn: Any, delivery: Delivery) -> int:
        if self.printer.rendition == "paper":
            document = delivery.work_dir / "paper.pdf"
            header = PaperHeader(
                label=str(delivery.session.get("FilmSessionLabel", "") or ""),
                date=delivery.created[:10],
                origin_ae=delivery.origin_ae,
            )
            try:
                write_paper_pdf(
                    document, _films(delivery), header, self.printer.paper_size
                )
            except (OSError, ValueError) as exc:
                raise OutputError(
                    f"cannot make the paper rendition: {exc}", transient=False
                ) from exc
        else:
            document = delivery.postscript
        options = {"copies": str(delivery.copies), **self.printer.options}
        host, port = self._server()
        try:
            # libcups looks the queue up on its process-wide default server,
            # whatever the connection: point it at ours for this call.
            with _DEFAULT_SERVER:
                cups.setServer(host)
                cups.setPort(port)
                job: int = conn.printFile(
                    self.printer.queue, str(document), delivery.title, options
                )
        except cups.IPPError as exc:
            status, message = exc.args
            # Not accepting, no such queue: the job cannot go there now.
            raise OutputError(
                f"{self.where} refused the job: {message} (IPP 0x{status:04x})",
                status=PrinterStatus("FAILURE", "PRINTER OFFLINE", message),
            ) from exc
        return job

    def _wait(self, conn: Any, job: int, delivery: Delivery) -> None:
        """Until CUPS has printed *job*; raise when it cannot."""
        deadline = time.monotonic() + self.printer.timeout * PATIENCE
        while True:
            try:
                attrs = conn.getJobAttributes(job, ["job-state", "job-state-reasons"])
            except cups.IPPError as exc:
                delivery.record({"cups_job": None})  # CUPS forgot it: send again
                raise OutputError(
                    f"{self.where} lost job {job}: {exc.args[1]}"
                ) from exc
            state = attrs.get("job-state")
            if state == _COMPLETED:
                return
            if state in (_CANCELED, _ABORTED):
                delivery.record({"cups_job": None})
                word = "cancelled" if state == _CANCELED else "aborted"
                raise OutputError(
                    f"CUPS {word} job {job} on {self.printer.queue} "
                    f"({_reasons(attrs.get('job-state-reasons'))})",
                    transient=state == _ABORTED,
                )
            printer = self._queue_status(conn)
            if printer.status == "FAILURE" or time.monotonic() > deadline:
                raise OutputError(
                    f"job {job} waits in {self.where}: {printer.comment or 'busy'}",
                    status=printer,
                )
            time.sleep(POLL_SECONDS)

    def _queue_status(self, conn: Any) -> PrinterStatus:
        try:
            attrs = conn.getPrinterAttributes(
                self.printer.queue,
                requested_attributes=[
                    "printer-state",
                    "printer-state-message",
                    "printer-state-reasons",
                    "printer-is-accepting-jobs",
                ],
            )
        except cups.IPPError as exc:
            return PrinterStatus("FAILURE", "ELEC CONFIG ERR", exc.args[1])
        message = attrs.get("printer-state-message", "") or ""
        reasons = _reasons(attrs.get("printer-state-reasons"))
        comment = ", ".join(filter(None, [message, reasons]))
        for keyword, (status, info) in _REASONS.items():
            if keyword in reasons:
                return PrinterStatus(status, info, comment)
        if attrs.get("printer-state") == _STOPPED:
            return PrinterStatus("FAILURE", "PRINTER OFFLINE", comment or "stopped")
        if not attrs.get("printer-is-accepting-jobs", True):
            return PrinterStatus("WARNING", "PRINTER OFFLINE", "not accepting jobs")
        return PrinterStatus(comment=comment)

    def status(self) -> PrinterStatus:
        try:
            return self._queue_status(self._connect())
        except OutputError as exc:
            return exc.status


def _reasons(value: Any) -> str:
    """IPP reasons (a keyword or a list of them) as text, without ``none``."""
    words = [value] if isinstance(value, str) else list(value or [])
    return ", ".join(w for w in words if w != "none")


def _films(delivery: Delivery) -> Iterator[np.ndarray]:
    """The films, composed one at a time."""
    for index in range(len(delivery.films)):
        raster, _ = delivery.compose(index)
        yield raster
