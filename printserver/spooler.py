"""The spooler: renders queued jobs on a worker thread, in priority order.

It wakes when a job is queued by the SCP, and when the spool changes on disk
(the admin CLI released, retried or reprinted a job; a printer was enabled):
``watchdog`` watches the jobs folder, and a slow rescan covers anything a
watch missed.  Part of the spooler layer: may import ``spool`` and
``render``; never ``sop`` or ``scp``.
"""

import logging
import os
import queue
import threading
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import numpy as np
from watchdog.events import (
    DirMovedEvent,
    FileMovedEvent,
    FileSystemEvent,
    FileSystemEventHandler,
)
from watchdog.observers import Observer
from watchdog.observers.api import BaseObserver
from watchdog.observers.inotify import InotifyObserver

from printserver.config import Config, PrinterConfig
from printserver.outputs import Delivery, OutputError, PrinterStatus, make_output
from printserver.profile import PrinterProfile
from printserver.render import (
    FlateBands,
    Page,
    Printing,
    ToneConfiguration,
    compose_film,
    write_postscript,
    write_preview,
)
from printserver.spool import (
    DONE,
    FAILED,
    HELD,
    PENDING,
    RENDERING,
    RESUMABLE,
    SENDING,
    JobNotFoundError,
    JobRequest,
    PrinterStates,
    Spool,
    fsync_dir,
)

__all__ = ["JobRequest", "Spool", "Spooler"]

logger = logging.getLogger(__name__)

_PRIORITY = {"HIGH": 0, "MED": 1, "LOW": 2}
#: Called for each rendered film: (job_id, index, count, raster, dpi).
FilmListener = Callable[[str, int, int, np.ndarray, int], None]
#: Seconds between rescans of the spool, should a watch miss a change.
RESCAN_SECONDS = 30.0
#: Seconds between purges of jobs past their retention time.
RETIRE_SECONDS = 600.0
#: Seconds between questions to each printer about its status.
STATUS_SECONDS = 30.0


def printing_for(profile: PrinterProfile) -> Printing:
    """How a printer's profile says its films are printed: its curve, its
    medium, and the configurations a film or image box may name."""
    return Printing(
        profile.characteristic_curve,
        profile.reflective,
        configurations=tuple(
            (name, ToneConfiguration(gamma, curve))
            for name, gamma, curve in profile.configurations
        ),
    )


class _Wake(FileSystemEventHandler):
    """Wakes the spooler when a job appears or a state or printer changes."""

    #: Names whose change can make a job printable.
    NAMES = ("state.json", "job.json", "printers.json")

    #: Every file that matters is replaced by a rename (``write_atomic``) and
    #: a new job arrives as a renamed folder: renames are all the watch asks
    #: the kernel for.  Each write, open and close of a job's files came as
    #: an event to decode and drop, a tenth of the server's time under load.
    EVENTS = (FileMovedEvent, DirMovedEvent)

    def __init__(self, wake: Callable[[str], None], jobs_dir: Path):
        self.wake = wake
        self.jobs_dir = jobs_dir

    def on_any_event(self, event: FileSystemEvent) -> None:
        if event.event_type in ("opened", "closed", "closed_no_write"):
            return
        paths = (str(event.src_path), str(getattr(event, "dest_path", "") or ""))
        moved_dir = event.is_directory and event.event_type == "moved"
        if not moved_dir and not any(p.endswith(self.NAMES) for p in paths):
            return
        job_id = self._job_of(Path(paths[1] or paths[0]), moved_dir)
        if job_id is None:
            return
        try:
            self.wake(job_id)
        except Exception:  # the watchdog callback is a boundary
            logger.exception("spool watch callback failed")

    def _job_of(self, path: Path, moved_dir: bool) -> str | None:
        """The job a changed file belongs to; empty for anything else
        (printers.json), which needs the whole spool looked at; None for a
        job still being written (``.incoming-*``): its rename into place
        names it once it is whole."""
        job_dir = path if moved_dir else path.parent
        if job_dir.parent == self.jobs_dir:
            return None if job_dir.name.startswith(".") else job_dir.name
        return ""


class Spooler:
    """Renders queued jobs on a worker thread and writes them to their printer.

    Parameters
    ----------
    spool : Spool
        Where the jobs live.
    config : Config
        For the printers and their output folders.
    observer : callable, optional
        Makes the ``watchdog`` observer (tests pass the polling one).
    """

    def __init__(
        self,
        spool: Spool,
        config: Config,
        observer: Callable[[], BaseObserver] = Observer,
    ):
        self.spool = spool
        self.config = config
        self.printers = PrinterStates(spool.data_root)
        self._queue: queue.PriorityQueue[tuple[int, str]] = queue.PriorityQueue()
        self._queued: set[str] = set()
        self._lock = threading.Lock()
        self._scan_needed = threading.Event()
        # Jobs whose files changed since the last look (a full scan when a
        # change concerns no one job); the spool grows, a look must not.
        self._changed: set[str] = set()
        self._scan_all = True
        self._retired_at = -RETIRE_SECONDS
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._make_observer = observer
        self._observer: BaseObserver | None = None
        self._listeners: list[Callable[[str, str], None]] = []
        self._timers: dict[str, threading.Timer] = {}
        self.status_seconds = STATUS_SECONDS
        self.outputs = {p.name: make_output(p, config) for p in config.printers}
        self._statuses: dict[str, PrinterStatus] = {}
        self._status_listeners: list[Callable[[str, PrinterStatus], None]] = []
        self._heartbeats: list[Callable[[], None]] = []
        self._turn_seconds = RESCAN_SECONDS
        self._film_listeners: list[FilmListener] = []

    def start(self) -> None:
        """Queue every job left pending or half-rendered, then start."""
        self.spool.ensure()
        for job_id in self.spool.job_ids():
            state = self.spool.read_state(job_id)["state"]
            if state in RESUMABLE:
                logger.info("job=%s queued after restart (was %s)", job_id, state)
                self.enqueue(job_id)
        self._thread = threading.Thread(target=self._run, name="spooler", daemon=True)
        self._thread.start()
        poller = threading.Thread(target=self._poll, name="printer-status", daemon=True)
        poller.start()
        observer = self._make_observer()
        handler = _Wake(self.wake, self.spool.jobs_dir)
        # Filtered in the kernel by inotify; a polling observer (the tests')
        # sees a replaced file as deleted and created, and filters nothing
        # that it would not have to look at anyway.
        events: list[type[FileSystemEvent]] | None = None
        if isinstance(observer, InotifyObserver):
            events = list(_Wake.EVENTS)
        observer.schedule(
            handler, str(self.spool.jobs_dir), recursive=True, event_filter=events
        )
        observer.schedule(
            handler, str(self.spool.data_root), recursive=False, event_filter=events
        )
        observer.daemon = True
        observer.start()
        self._observer = observer

    def stop(self, timeout: float = 30.0) -> None:
        """Finish the job at hand (within *timeout*); the rest stay queued."""
        self._stopping.set()
        self._queue.put((-1, ""))
        with self._lock:
            for timer in self._timers.values():
                timer.cancel()
        if self._observer is not None:
            self._observer.stop()
        if self._thread is not None:
            self._thread.join(timeout)
        for output in self.outputs.values():
            output.close()

    def _poll(self) -> None:
        """Ask the printers for their status now and every so often."""
        while True:
            self.poll_printers()
            if self._stopping.wait(self.status_seconds):
                return

    def add_listener(self, listener: Callable[[str, str], None]) -> None:
        """Call *listener(job_id, state)* after each state recorded."""
        self._listeners.append(listener)

    def add_film_listener(self, listener: "FilmListener") -> None:
        """Call *listener(job_id, index, count, raster, dpi)* for each film
        rendered (index from 1 of count; the raster as printed), e.g. to
        archive it.  It runs on the worker thread, so it must not block."""
        self._film_listeners.append(listener)

    def add_heartbeat(self, beat: Callable[[], None], seconds: float) -> None:
        """Call *beat()* on the worker thread at least every *seconds* when
        idle, and between the films of a job: each call shows the loop is
        alive (the systemd watchdog).  Idle rescans come as often."""
        self._heartbeats.append(beat)
        self._turn_seconds = min(self._turn_seconds, seconds)

    def _beat(self) -> None:
        for beat in self._heartbeats:
            beat()

    def wake(self, job_id: str = "") -> None:
        """Look at the spool again soon (something changed on disk): at
        job *job_id*, or at every job when it is empty."""
        with self._lock:
            if job_id:
                self._changed.add(job_id)
            else:
                self._scan_all = True
        if not self._scan_needed.is_set():
            self._scan_needed.set()
            self._queue.put((-1, ""))

    def enqueue(self, job_id: str, print_priority: str | None = None) -> None:
        """Put a job in line, by its Print Priority then its age.

        *print_priority* saves reading the job when the caller knows it.
        """
        with self._lock:
            if job_id in self._queued:
                return
            self._queued.add(job_id)
        if print_priority is None:
            session = self.spool.read_job(job_id)["film_session"]
            print_priority = str(session.get("PrintPriority", "MED"))
        self._queue.put((_PRIORITY.get(print_priority, 1), job_id))

    def _scan(self) -> None:
        """Queue jobs not in line: released, retried, reprinted, or waiting
        for a printer that was enabled.  Only the jobs that changed, unless
        a change concerned the whole spool."""
        with self._lock:
            changed, self._changed = self._changed, set()
            scan_all, self._scan_all = self._scan_all, False
        for job_id in self.spool.job_ids() if scan_all else sorted(changed):
            try:
                if self.spool.read_state(job_id)["state"] in (PENDING, SENDING):
                    self.enqueue(job_id)
            except (JobNotFoundError, FileNotFoundError):
                continue

    def _retire(self) -> None:
        """Purge done and cancelled jobs past their retention time or their
        share of the disk (every RETIRE_SECONDS at most: it reads every
        job)."""
        days = self.config.spool.retention_days
        share = self.config.spool.retention_mb
        if time.monotonic() - self._retired_at < RETIRE_SECONDS:
            return
        self._retired_at = time.monotonic()
        if days > 0:
            self.spool.purge(timedelta(days=days))
        if share > 0:
            self.spool.purge_to_share(share)

    def _run(self) -> None:
        try:
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 10)
        except OSError:
            pass
        while not self._stopping.is_set():
            self._beat()
            try:
                _, job_id = self._queue.get(timeout=self._turn_seconds)
            except queue.Empty:
                with self._lock:  # a watch may have missed something
                    self._scan_all = True
                self._scan_needed.set()
                job_id = ""
            if self._stopping.is_set():
                break
            try:
                if self._scan_needed.is_set():
                    self._scan_needed.clear()
                    self._scan()
                    self._retire()
                if job_id:
                    self._take(job_id)
            except Exception:  # the worker loop is a boundary: log, keep going
                logger.exception("job=%s failed", job_id or "-")
                if job_id:
                    self._record_failure(job_id)

    def _record_failure(self, job_id: str) -> None:
        try:
            self._set_state(job_id, FAILED, "internal error", error="internal error")
        except Exception:  # noqa: BLE001 - the state file is unwritable too
            logger.exception("job=%s cannot record its failure", job_id)

    def _take(self, job_id: str) -> None:
        with self._lock:
            self._queued.discard(job_id)
        try:
            self.process(job_id)
        except JobNotFoundError:
            logger.info("job=%s gone before it printed (purged)", job_id)

    def _set_state(self, job_id: str, state: str, reason: str, **kwargs: Any) -> bool:
        changed = self.spool.set_state(job_id, state, reason, **kwargs)
        if changed:
            for listener in self._listeners:
                listener(job_id, state)
        return changed

    def process(self, job_id: str) -> None:
        """Render a job and send it to its printer, recording each state.

        A job found in ``sending`` (the server stopped while its printer
        had it) is sent again from what its output recorded, without
        rendering anew.
        """
        state = self.spool.read_state(job_id)
        if state["state"] not in RESUMABLE:
            return  # held, cancelled or done since it was queued
        if self._backing_off(job_id, state):
            return
        printer = self.config.printer(state.get("printer", ""))
        if not self.printers.get(printer.name)["enabled"]:
            logger.info("job=%s waits: printer %s is disabled", job_id, printer.name)
            return

        rendered = [Path(p) for p in state.get("rendered") or []]
        resume = state["state"] == SENDING and rendered
        if not (resume and all(p.exists() for p in rendered)):
            fresh = self._render_job(job_id, printer)
            if fresh is None:
                return
            rendered = fresh
        output = self.outputs[printer.name]
        try:
            sent = output.send(self._delivery(job_id, rendered))
        except OutputError as exc:
            self._send_failed(job_id, printer, exc)
            return
        self._printer_status(printer, PrinterStatus())
        finished = self._set_state(
            job_id, DONE, f"printed on {printer.name}", expect=(SENDING,),
            outputs=[*sent, *map(str, rendered)], attempts=0, not_before=None,
        )  # fmt: skip
        if not finished:
            logger.info("job=%s was cancelled while it was sent", job_id)

    def _render_job(self, job_id: str, printer: PrinterConfig) -> list[Path] | None:
        """Render into the job's folder; None when the job cannot go on."""
        started = self._set_state(
            job_id, RENDERING, f"on printer {printer.name}", expect=RESUMABLE
        )
        if not started:
            return None
        try:
            rendered = self._render(job_id, printer)
        except (OSError, KeyError, ValueError) as exc:
            self._set_state(job_id, FAILED, f"render failed: {exc}", error=str(exc))
            return None
        sending = self._set_state(
            job_id, SENDING, f"to {printer.kind} printer {printer.name}",
            expect=(RENDERING,), rendered=[str(p) for p in rendered],
        )  # fmt: skip
        if not sending:
            logger.info("job=%s was cancelled while rendering", job_id)
            return None
        return rendered

    def _delivery(self, job_id: str, rendered: list[Path]) -> Delivery:
        """What the output needs to print the job."""
        job = self.spool.read_job(job_id)
        state = self.spool.read_state(job_id)
        printer = self.config.printer(state.get("printer", ""))
        profile = self.config.profile(printer)
        printing = printing_for(profile)
        films = self.spool.load_films(job_id)

        def compose(index: int) -> tuple[np.ndarray, int]:
            self._beat()
            film = films[index]
            dpi = profile.dpi(film.requested_resolution_id)
            return compose_film(film, dpi, printing), dpi

        def record(progress: dict[str, Any]) -> None:
            self.spool.record_progress(job_id, progress)
            self._beat()

        return Delivery(
            job_id=job_id,
            films=films,
            postscript=next(p for p in rendered if p.suffix == ".ps"),
            previews=[p for p in rendered if p.suffix == ".png"],
            compose=compose,
            work_dir=self.spool.output_dir(job_id),
            session=job.get("film_session", {}),
            origin_ae=job.get("calling_ae", ""),
            created=job.get("created", ""),
            progress=dict(state.get("progress") or {}),
            record=record,
        )

    def _render(self, job_id: str, printer: PrinterConfig) -> list[Path]:
        """Compose every film; write the PostScript job and the previews.

        One film at a time: each is composed, previewed and written before
        the next, so a job of many films needs the memory of one.
        """
        out_dir = self.spool.output_dir(job_id)
        out_dir.mkdir(exist_ok=True)
        films = self.spool.load_films(job_id)
        profile = self.config.profile(printer)
        printing = printing_for(profile)
        previews: list[Path] = []

        def pages() -> Iterator[Page]:
            for index, film in enumerate(films, start=1):
                self._beat()
                dpi = profile.dpi(film.requested_resolution_id)
                # Compressed band by band while the film is composed, and
                # while it is archived and previewed.
                flate = FlateBands()
                raster = compose_film(
                    film, dpi, printing, profile.print_bits, rows_done=flate.rows_done
                )
                for listener in self._film_listeners:
                    listener(job_id, index, len(films), raster, dpi)
                preview = out_dir / f"film-{index}.png"
                write_preview(preview, raster, printer.preview_height)
                previews.append(preview)
                yield film.film_size_id, raster, dpi, flate

        # Copies and medium go in the PostScript for printers that get
        # nothing else; CUPS takes them as job options, DICOM in the session.
        session = self.spool.read_job(job_id).get("film_session", {})
        copies, media_type = 1, ""
        if printer.kind in ("folder", "socket"):
            copies = max(1, int(session.get("NumberOfCopies", 1) or 1))
            media_type = str(session.get("MediumType", "") or "")
        ps_path = out_dir / "job.ps"
        tmp = out_dir / ".job.ps.tmp"
        with open(tmp, "wb") as f:
            write_postscript(
                f, pages(), title=f"printserver job {job_id}", copies=copies,
                media_type=media_type, ascii85=printer.ps_data == "ascii85",
            )  # fmt: skip
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, ps_path)
        fsync_dir(out_dir)
        return [ps_path, *previews]

    # Failures: retry with backoff, then the printer's error policy.

    def _backing_off(self, job_id: str, state: dict[str, Any]) -> bool:
        """True when the job waits for its next try; wakes it then."""
        not_before = state.get("not_before")
        if not not_before:
            return False
        delay = not_before - time.time()
        if delay <= 0:
            return False
        with self._lock:
            if job_id not in self._timers:
                timer = threading.Timer(delay, self._retry_due, (job_id,))
                timer.daemon = True
                self._timers[job_id] = timer
                timer.start()
        return True

    def _retry_due(self, job_id: str) -> None:
        with self._lock:
            self._timers.pop(job_id, None)
        self.enqueue(job_id)

    def _send_failed(
        self, job_id: str, printer: PrinterConfig, exc: OutputError
    ) -> None:
        """Retry later, or apply the printer's error policy."""
        self._printer_status(printer, exc.status)
        attempts = int(self.spool.read_state(job_id).get("attempts", 0)) + 1
        if exc.transient and attempts <= printer.retries:
            delay = printer.retry_delay * 2 ** (attempts - 1)
            self._set_state(
                job_id, SENDING,
                f"{printer.name}: {exc}; try {attempts + 1} in {delay:g} s",
                expect=(SENDING,), attempts=attempts, not_before=time.time() + delay,
            )  # fmt: skip
            return
        tried = f"{printer.name}: {exc}"
        if exc.transient:
            tried += f" (after {attempts} tries)"
        policy = printer.on_error
        if policy == "fallback" and printer.fallback:
            self._set_state(
                job_id, PENDING, f"{tried}; failed over to {printer.fallback}",
                expect=(SENDING,), printer=printer.fallback, attempts=0,
                not_before=None, progress={}, rendered=[],
            )  # fmt: skip
        elif policy == "hold" and exc.transient:
            self._set_state(
                job_id, HELD, f"{tried}; held", expect=(SENDING,), attempts=0,
                not_before=None,
            )  # fmt: skip
        elif policy == "stop-printer" and exc.transient:
            # The job keeps its place; it goes on when the printer is enabled.
            self.printers.set(printer.name, f"stopped: {exc}", enabled=False)
            self._set_state(
                job_id, SENDING, f"{tried}; printer {printer.name} stopped",
                expect=(SENDING,), attempts=0, not_before=None,
            )  # fmt: skip
        else:
            self._set_state(
                job_id, FAILED, tried, expect=(SENDING,), error=str(exc),
                attempts=0, not_before=None,
            )  # fmt: skip

    # Printer status, as the Printer SOP reports it.

    def printer_status(self, name: str) -> PrinterStatus:
        """The last known status of printer *name*."""
        return self._statuses.get(name, PrinterStatus())

    def add_status_listener(
        self, listener: Callable[[str, PrinterStatus], None]
    ) -> None:
        """Call *listener(printer_name, status)* when a printer's changes."""
        self._status_listeners.append(listener)

    def _printer_status(self, printer: PrinterConfig, status: PrinterStatus) -> None:
        previous = self._statuses.get(printer.name, PrinterStatus())
        self._statuses[printer.name] = status
        if (previous.status, previous.info) == (status.status, status.info):
            return
        level = logging.INFO if status.status == "NORMAL" else logging.WARNING
        logger.log(
            level, "printer %s: %s (%s) %s", printer.name, status.status,
            status.info, status.comment,
        )  # fmt: skip
        try:
            self.printers.set_status(
                printer.name, status.status, status.info, status.comment
            )
        except OSError as exc:
            logger.error("printer %s: cannot record its status: %s", printer.name, exc)
        for listener in self._status_listeners:
            listener(printer.name, status)

    def poll_printers(self) -> None:
        """Ask every printer for its status (a slow call per printer)."""
        for printer in self.config.printers:
            try:
                status = self.outputs[printer.name].status()
            except Exception:  # a backend's status query is a boundary
                logger.exception("printer %s: status query failed", printer.name)
                continue
            self._printer_status(printer, status)
