"""The ``dicom`` output: a DICOM film printer, with us as Print SCU.

One association per job: Printer N-GET (a printer in FAILURE gets nothing),
Film Session N-CREATE, then for each film Film Box N-CREATE, one Image Box
N-SET per image, Film Box N-ACTION and N-DELETE; at the end Film Session
N-DELETE and A-RELEASE.  Each request waits for its response.  After each
film's N-ACTION its number is recorded, so a job resumed after a crash or a
failure goes on with the next film.

The association runs over TLS when the printer, or the ``[[peers]]`` entry
of its AE title, says ``tls = true`` (``server.tls_*`` files).

Composed mode sends each film as one STANDARD\\1,1 image of P-Values at the
printer profile's resolution; pass-through mode sends the film's own layout
and images.  A warning status is logged and the job goes on; a failure
stops it, with the printer's Error Comment in the message.  An attribute the
printer does not know (0x0105) is dropped and the request sent again.  The
printer's N-EVENT-REPORTs are answered and logged.

With ``_print_session``, the one place besides ``scp`` that imports
pynetdicom's AE and Association: here we are the requestor, for one job or
one status query.  Part of the spooler layer: never imports ``sop`` or
``scp``.

References: PS3.4 Annex H; PS3.7 10.1 (DIMSE-N services).
"""

import logging
import ssl
from collections.abc import Iterator
from contextlib import contextmanager

from pydicom.dataset import Dataset
from pydicom.uid import ExplicitVRLittleEndian, ImplicitVRLittleEndian
from pynetdicom import AE, evt
from pynetdicom.sop_class import (  # type: ignore[attr-defined]
    BasicColorPrintManagementMeta,
    BasicFilmBox,
    BasicFilmSession,
    BasicGrayscalePrintManagementMeta,
    PrintJob,
)

from printserver.config import Config, PrinterConfig
from printserver.outputs import _print_datasets as datasets
from printserver.outputs._print_session import JobLog, PrintSession
from printserver.outputs.base import (
    Delivery,
    Output,
    OutputError,
    PrinterStatus,
    register,
)
from printserver.render import Film
from printserver.render.compose import is_color
from printserver.tls import client_context

logger = logging.getLogger(__name__)

#: The DICOM port (PS3.8 Annex G).
DEFAULT_PORT = 104
#: Offered with every abstract syntax; Implicit VR Little Endian, which every
#: peer must accept (PS3.5 10.1), comes first.
TRANSFER_SYNTAXES = [ImplicitVRLittleEndian, ExplicitVRLittleEndian]
#: What we may propose: the meta SOP classes (never their members alone, PS3.4
#: H.3.1), color only for a job with color, and Print Job for its events.
ABSTRACT_SYNTAXES = [
    BasicGrayscalePrintManagementMeta,
    BasicColorPrintManagementMeta,
    PrintJob,
]


@register
class DicomOutput(Output):
    """Prints on a DICOM film printer (``host``, ``port``, ``called_ae``)."""

    kind = "dicom"

    def __init__(self, printer: PrinterConfig, config: Config):
        super().__init__(printer, config)
        self._active: PrintSession | None = None
        """The session of the job being sent, if one is."""

    @property
    def where(self) -> str:
        """The printer as ``AE@host:port``."""
        port = self.printer.port or DEFAULT_PORT
        return f"{self.printer.called_ae}@{self.printer.host}:{port}"

    @contextmanager
    def _session(self, log: JobLog, color: bool, job: bool) -> Iterator[PrintSession]:
        """An association with the printer, released on the way out.

        *color* proposes the color meta class as well, *job* the Print Job
        class (for its N-EVENT-REPORTs).
        """
        session = PrintSession(self.where, log)
        ae = AE(ae_title=self.printer.calling_ae or self.config.server.ae_title)
        ae.acse_timeout = ae.dimse_timeout = self.printer.timeout
        ae.network_timeout = ae.connection_timeout = self.printer.timeout
        for abstract_syntax in ABSTRACT_SYNTAXES:
            wanted = {BasicColorPrintManagementMeta: color, PrintJob: job}
            if wanted.get(abstract_syntax, True):
                ae.add_requested_context(abstract_syntax, TRANSFER_SYNTAXES)

        assoc = ae.associate(
            self.printer.host,
            self.printer.port or DEFAULT_PORT,
            ae_title=self.printer.called_ae,
            evt_handlers=[(evt.EVT_N_EVENT_REPORT, session.on_event)],
            tls_args=self._tls_args(log),
        )
        try:
            session.start(assoc, self.printer.timeout)
            yield session
        finally:
            if assoc.is_established:
                assoc.release()

    def _tls_args(self, log: JobLog) -> tuple[ssl.SSLContext, str] | None:
        """pynetdicom's TLS arguments when the printer (or the peer with its
        AE title) says ``tls = true``; else ``None``."""
        if not self.config.printer_tls(self.printer):
            return None
        try:
            return client_context(self.config.server), self.printer.host
        except (OSError, ssl.SSLError) as exc:
            log.error("TLS certificates cannot be loaded: %s", exc)
            raise OutputError(
                f"TLS to {self.where}: certificates cannot be loaded: {exc}",
                transient=False,
            ) from exc

    def send(self, delivery: Delivery) -> list[str]:
        films = delivery.films
        log = JobLog(logger, f"job={delivery.job_id} printer {self.printer.name}:")
        first = int(delivery.progress.get("films_printed", 0) or 0)
        if first >= len(films):
            log.info("all %d film(s) were printed before", len(films))
            return [f"dicom://{self.where}"]
        if first:
            log.info("goes on with film %d of %d", first + 1, len(films))

        color = any(is_color(film) for film in films[first:])
        with self._session(log, color, job=True) as session:
            self._active = session
            try:
                self._check_printer(session)
                session.create_film_session(datasets.film_session(delivery.session))
                self._print_films(session, delivery, first)
                session.delete(
                    BasicFilmSession,
                    session.film_session_uid,
                    session.meta,
                    "Film Session N-DELETE",
                )
            finally:
                self._active = None
        return [f"dicom://{self.where}"]

    def _check_printer(self, session: PrintSession) -> None:
        """Printer N-GET; a printer in FAILURE is not sent to."""
        printer_status = session.query_printer()
        if printer_status.status == "FAILURE":
            raise OutputError(
                f"{self.where} reports FAILURE ({printer_status.info})",
                status=printer_status,
            )
        if printer_status.status != "NORMAL":
            session.log.warning(
                "printer reports %s (%s)", printer_status.status, printer_status.info
            )

    def _print_films(
        self, session: PrintSession, delivery: Delivery, first: int
    ) -> None:
        """Print the films from *first* on, recording each one printed."""
        films = delivery.films
        print_jobs = list(delivery.progress.get("print_jobs") or [])
        for index in range(first, len(films)):
            what = f"film {index + 1}/{len(films)}"
            uid = self._print_film(session, films[index], what)
            print_jobs += [uid] if uid else []
            delivery.record({"films_printed": index + 1, "print_jobs": print_jobs})
            session.log.info("%s printed%s", what, f" (print job {uid})" if uid else "")

    def _print_film(self, session: PrintSession, film: Film, what: str) -> str:
        """Create, fill, print and delete one film box; its Print Job UID."""
        color = self._in_color(session, film, what)
        meta = str(
            BasicColorPrintManagementMeta
            if color
            else BasicGrayscalePrintManagementMeta
        )
        uid = session.film_session_uid
        if self.printer.mode == "passthrough":
            ds = datasets.passthrough_film_box(film, uid)
        else:
            ds = datasets.composed_film_box(film, uid)
        film_box_uid, boxes = session.create_film_box(ds, meta, what)

        for position, image_box in self._image_boxes(session, film, color, what):
            if position > len(boxes):
                raise session.failure(
                    f"{what}: no image box {position} in the printer's reply "
                    f"({len(boxes)} boxes)",
                    transient=False,
                )
            session.set_image_box(boxes[position - 1], image_box, meta, what)

        print_job = session.print_film_box(film_box_uid, meta, what)
        session.delete(BasicFilmBox, film_box_uid, meta, f"{what} Film Box N-DELETE")
        return print_job

    def _in_color(self, session: PrintSession, film: Film, what: str) -> bool:
        """Whether *film* goes to color image boxes."""
        if not is_color(film):
            return not session.gray  # a color-only printer takes gray as RGB
        if not session.color:
            session.log.warning("%s is in color; the printer takes gray only", what)
        return session.color

    def _image_boxes(
        self, session: PrintSession, film: Film, color: bool, what: str
    ) -> Iterator[tuple[int, Dataset]]:
        """(position, Image Box N-SET attributes) of each image to send."""
        if self.printer.mode != "passthrough":
            profile = self.config.profile(self.printer)
            dpi = profile.dpi(film.requested_resolution_id)
            raster = datasets.compose_pvalues(film, dpi, profile.reflective)
            yield 1, datasets.composed_image_box(raster, color)
            return

        if film.annotations:
            # LIMITATION(LIM-005): annotation boxes are not passed through.
            session.log.warning(
                "%s: %d annotation(s) not sent", what, len(film.annotations)
            )
        for position, image in sorted(film.images.items()):
            yield (
                position,
                datasets.passthrough_image_box(
                    position, image, film, color, session.log
                ),
            )

    def status(self) -> PrinterStatus:
        active = self._active
        if active is not None:
            # A printer may serve one association at a time: the job's tells.
            return active.printer_status
        log = JobLog(logger, f"printer {self.printer.name}:")
        try:
            with self._session(log, color=False, job=False) as session:
                return session.query_printer()
        except OutputError as exc:
            return exc.status
