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
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer
from watchdog.observers.api import BaseObserver

from printserver.config import Config, PrinterConfig
from printserver.render import Printing, compose_film, write_postscript, write_preview
from printserver.spool import (
    DONE,
    FAILED,
    PENDING,
    RENDERING,
    RESUMABLE,
    JobNotFoundError,
    JobRequest,
    PrinterStates,
    Spool,
)

__all__ = ["JobRequest", "Spool", "Spooler"]

logger = logging.getLogger(__name__)

_PRIORITY = {"HIGH": 0, "MED": 1, "LOW": 2}
#: Seconds between rescans of the spool, should a watch miss a change.
RESCAN_SECONDS = 30.0


class _Wake(FileSystemEventHandler):
    """Wakes the spooler when a job appears or a state or printer changes."""

    #: Names whose change can make a job printable.
    NAMES = ("state.json", "job.json", "printers.json")

    def __init__(self, wake: Callable[[], None]):
        self.wake = wake

    def on_any_event(self, event: FileSystemEvent) -> None:
        if event.event_type in ("opened", "closed", "closed_no_write"):
            return
        paths = (str(event.src_path), str(getattr(event, "dest_path", "") or ""))
        moved_dir = event.is_directory and event.event_type == "moved"
        if not moved_dir and not any(p.endswith(self.NAMES) for p in paths):
            return
        try:
            self.wake()
        except Exception:  # the watchdog callback is a boundary
            logger.exception("spool watch callback failed")


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
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._make_observer = observer
        self._observer: BaseObserver | None = None
        self._listeners: list[Callable[[str, str], None]] = []

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
        observer = self._make_observer()
        handler = _Wake(self.wake)
        observer.schedule(handler, str(self.spool.jobs_dir), recursive=True)
        observer.schedule(handler, str(self.spool.data_root), recursive=False)
        observer.daemon = True
        observer.start()
        self._observer = observer

    def stop(self, timeout: float = 30.0) -> None:
        """Finish the job at hand (within *timeout*); the rest stay queued."""
        self._stopping.set()
        self._queue.put((-1, ""))
        if self._observer is not None:
            self._observer.stop()
        if self._thread is not None:
            self._thread.join(timeout)

    def add_listener(self, listener: Callable[[str, str], None]) -> None:
        """Call *listener(job_id, state)* after each state recorded."""
        self._listeners.append(listener)

    def wake(self) -> None:
        """Look at the spool again soon (something changed on disk)."""
        if not self._scan_needed.is_set():
            self._scan_needed.set()
            self._queue.put((-1, ""))

    def enqueue(self, job_id: str) -> None:
        """Put a job in line, by its Print Priority then its age."""
        with self._lock:
            if job_id in self._queued:
                return
            self._queued.add(job_id)
        session = self.spool.read_job(job_id)["film_session"]
        self._queue.put((_PRIORITY.get(session.get("PrintPriority", "MED"), 1), job_id))

    def _scan(self) -> None:
        """Queue pending jobs not in line (released, retried, reprinted)."""
        for job_id in self.spool.job_ids():
            try:
                if self.spool.read_state(job_id)["state"] == PENDING:
                    self.enqueue(job_id)
            except (JobNotFoundError, FileNotFoundError):
                continue

    def _retire(self) -> None:
        """Purge done and cancelled jobs past their retention time."""
        days = self.config.spool.retention_days
        if days > 0:
            self.spool.purge(timedelta(days=days))

    def _run(self) -> None:
        while not self._stopping.is_set():
            try:
                _, job_id = self._queue.get(timeout=RESCAN_SECONDS)
            except queue.Empty:
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
        """Render a job and write it to its printer, recording each state."""
        state = self.spool.read_state(job_id)
        if state["state"] not in RESUMABLE:
            return  # held, cancelled or done since it was queued
        printer = self.config.printer(state.get("printer", ""))
        if not self.printers.get(printer.name)["enabled"]:
            logger.info("job=%s waits: printer %s is disabled", job_id, printer.name)
            return

        started = self._set_state(
            job_id, RENDERING, f"on printer {printer.name}", expect=RESUMABLE
        )
        if not started:
            return
        try:
            outputs = self._render_to_folder(job_id, printer)
        except (OSError, KeyError, ValueError) as exc:
            self._set_state(job_id, FAILED, f"render failed: {exc}", error=str(exc))
            return
        finished = self._set_state(
            job_id, DONE, f"{len(outputs)} files written", expect=(RENDERING,),
            outputs=outputs,
        )  # fmt: skip
        if not finished:
            logger.info("job=%s was cancelled while rendering", job_id)

    def _render_to_folder(self, job_id: str, printer: PrinterConfig) -> list[str]:
        """Compose every film; write the PostScript job and the previews."""
        out_dir = self.config.printer_output_dir(printer)
        out_dir.mkdir(parents=True, exist_ok=True)
        films = self.spool.load_films(job_id)
        profile = self.config.profile(printer)
        printing = Printing(profile.characteristic_curve, profile.reflective)

        rasters = []
        outputs = []
        for index, film in enumerate(films, start=1):
            dpi = profile.dpi(film.requested_resolution_id)
            raster = compose_film(film, dpi, printing)
            preview = out_dir / f"{job_id}-film-{index}.png"
            write_preview(preview, raster, printer.preview_height)
            outputs.append(str(preview))
            rasters.append((film.film_size_id, raster, dpi))

        # LIMITATION(LIM-004): one copy of each film, whatever the copies.
        ps_path = out_dir / f"{job_id}.ps"
        tmp = out_dir / f".{job_id}.ps.tmp"
        with open(tmp, "wb") as f:
            write_postscript(f, rasters, title=f"printserver job {job_id}")
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, ps_path)
        return [str(ps_path), *outputs]
