"""The durable spool and the worker that renders its jobs.

A job is a directory under ``<data>/jobs``: ``job.json`` (what was asked,
written once), ``state.json`` (where it stands, replaced atomically) and the
received pixels as ``.npy`` files.  A job is on disk and fsynced before the
modality hears success; from then on a crash loses nothing.

May import ``render`` and ``layout``; never ``sop`` or ``scp``.
"""

import json
import logging
import os
import queue
import secrets
import shutil
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np

from printserver._jobfile import film_from_json, film_to_json
from printserver.config import Config, PrinterConfig
from printserver.errors import SpoolError
from printserver.render import (
    Film,
    Printing,
    compose_film,
    write_postscript,
    write_preview,
)

logger = logging.getLogger(__name__)

JOB_FILE = "job.json"
STATE_FILE = "state.json"

#: Job states, in the order a job normally passes through them.
PENDING, RENDERING, DONE, FAILED = "pending", "rendering", "done", "failed"
#: States the worker picks up again after a restart.
RESUMABLE = (PENDING, RENDERING)
_PRIORITY = {"HIGH": 0, "MED": 1, "LOW": 2}


@dataclass
class JobRequest:
    """Everything needed to create a job from an N-ACTION."""

    calling_ae: str
    called_ae: str
    printer: str
    films: list[Film]
    film_session: dict[str, Any] = field(default_factory=dict)
    """Film Session attributes by keyword (NumberOfCopies, PrintPriority)."""

    print_job_uid: str = ""
    """SOP Instance UID of the job's Print Job, if the SCP made one."""


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def new_job_id(after: str = "") -> str:
    """A unique job id that sorts by creation time, and after *after*.

    ``20261203-170512-123456-a1b2``: UTC time to the microsecond, then a
    random part so that two servers sharing a spool cannot collide.
    """
    now = datetime.now(UTC)
    job_id = f"{now:%Y%m%d-%H%M%S-%f}-{secrets.token_hex(2)}"
    while job_id <= after:
        now += timedelta(microseconds=1)
        job_id = f"{now:%Y%m%d-%H%M%S-%f}-{secrets.token_hex(2)}"
    return job_id


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_durable(path: Path, data: bytes) -> None:
    """Write *data* to *path* and fsync it (no rename)."""
    with open(path, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())


def write_atomic(path: Path, data: bytes) -> None:
    """Replace *path* with *data*: write, fsync, rename, fsync the folder."""
    tmp = path.with_name(f".{path.name}.tmp")
    _write_durable(tmp, data)
    os.replace(tmp, path)
    _fsync_dir(path.parent)


class Spool:
    """The job directories under ``<data>/jobs``.

    Parameters
    ----------
    data_root : Path
        The data root; ``jobs/`` is created below it.
    """

    def __init__(self, data_root: Path):
        self.jobs_dir = data_root / "jobs"
        self._last_id = ""
        self._id_lock = threading.Lock()

    def ensure(self) -> None:
        """Create the jobs folder, and clear half-written jobs of a crash."""
        self.jobs_dir.mkdir(parents=True, exist_ok=True)
        for leftover in self.jobs_dir.glob(".incoming-*"):
            # Never answered with success: the modality was told of a failure
            # or got no answer, so dropping it loses nothing accepted.
            logger.warning("removing incomplete job folder %s", leftover.name)
            shutil.rmtree(leftover, ignore_errors=True)

    def submit(self, request: JobRequest) -> str:
        """Freeze *request* into a new job directory, durably.

        Returns
        -------
        str
            The new job's id.

        Raises
        ------
        SpoolError
            If the job could not be written completely (disk full, no
            permission); nothing of it is left behind.
        """
        with self._id_lock:
            job_id = self._last_id = new_job_id(self._last_id)
        incoming = self.jobs_dir / f".incoming-{job_id}"
        try:
            self._write_job(incoming, job_id, request)
            os.rename(incoming, self.jobs_dir / job_id)
            _fsync_dir(self.jobs_dir)
        except OSError as exc:
            shutil.rmtree(incoming, ignore_errors=True)
            raise SpoolError(
                f"cannot store job {job_id}: {exc.strerror or exc}"
            ) from exc
        return job_id

    def _write_job(self, job_dir: Path, job_id: str, request: JobRequest) -> None:
        job_dir.mkdir(parents=True)
        films = []
        for index, film in enumerate(request.films, start=1):
            description, arrays = film_to_json(film, index)
            films.append(description)
            for name, pixels in arrays:
                with open(job_dir / name, "wb") as f:
                    np.save(f, pixels, allow_pickle=False)
                    f.flush()
                    os.fsync(f.fileno())

        created = _now()
        job = {
            "id": job_id,
            "created": created,
            "calling_ae": request.calling_ae,
            "called_ae": request.called_ae,
            "printer": request.printer,
            "print_job_uid": request.print_job_uid,
            "film_session": request.film_session,
            "films": films,
        }
        _write_durable(job_dir / JOB_FILE, json.dumps(job, indent=1).encode())
        state = {
            "state": PENDING,
            "updated": created,
            "outputs": [],
            "error": None,
            "history": [{"time": created, "state": PENDING, "reason": "accepted"}],
        }
        _write_durable(job_dir / STATE_FILE, json.dumps(state, indent=1).encode())
        _fsync_dir(job_dir)

    def job_ids(self) -> list[str]:
        """Ids of every complete job, oldest first."""
        if not self.jobs_dir.is_dir():
            return []
        return sorted(
            p.name
            for p in self.jobs_dir.iterdir()
            if not p.name.startswith(".") and (p / JOB_FILE).is_file()
        )

    def read_job(self, job_id: str) -> dict[str, Any]:
        """The job's request description (``job.json``)."""
        return json.loads((self.jobs_dir / job_id / JOB_FILE).read_text())  # type: ignore[no-any-return]

    def read_state(self, job_id: str) -> dict[str, Any]:
        """The job's current state (``state.json``)."""
        return json.loads((self.jobs_dir / job_id / STATE_FILE).read_text())  # type: ignore[no-any-return]

    def set_state(
        self,
        job_id: str,
        state: str,
        reason: str,
        outputs: list[str] | None = None,
        error: str | None = None,
    ) -> None:
        """Move a job to *state*, appending to its history, atomically."""
        current = self.read_state(job_id)
        previous = current["state"]
        now = _now()
        current.update(state=state, updated=now, error=error)
        if outputs is not None:
            current["outputs"] = outputs
        current["history"].append({"time": now, "state": state, "reason": reason})
        write_atomic(
            self.jobs_dir / job_id / STATE_FILE, json.dumps(current, indent=1).encode()
        )
        log = logger.error if state == FAILED else logger.info
        log("job=%s %s -> %s: %s", job_id, previous, state, reason)

    def load_films(self, job_id: str) -> list[Film]:
        """Rebuild the films of a job for rendering."""
        job_dir = self.jobs_dir / job_id
        return [film_from_json(job_dir, d) for d in self.read_job(job_id)["films"]]

    def find_print_job(self, print_job_uid: str) -> str | None:
        """The id of the job whose Print Job SOP Instance UID this is."""
        for job_id in reversed(self.job_ids()):
            if self.read_job(job_id).get("print_job_uid") == print_job_uid:
                return job_id
        return None

    def summaries(self) -> Iterator[dict[str, Any]]:
        """One entry per job, in the stable form of ``queue list --json``."""
        for job_id in self.job_ids():
            job = self.read_job(job_id)
            state = self.read_state(job_id)
            yield {
                "id": job_id,
                "state": state["state"],
                "created": job["created"],
                "updated": state["updated"],
                "calling_ae": job["calling_ae"],
                "called_ae": job["called_ae"],
                "printer": job["printer"],
                "films": len(job["films"]),
                "outputs": state["outputs"],
                "error": state["error"],
            }


class Spooler:
    """Renders queued jobs on a worker thread and sends them to their printer.

    Parameters
    ----------
    spool : Spool
        Where the jobs live.
    config : Config
        For the printers and their output folders.
    """

    def __init__(self, spool: Spool, config: Config):
        self.spool = spool
        self.config = config
        self._queue: queue.PriorityQueue[tuple[int, str]] = queue.PriorityQueue()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._listeners: list[Callable[[str, str], None]] = []

    def start(self) -> None:
        """Queue every job left pending or half-rendered, then start."""
        self.spool.ensure()
        for job_id in self.spool.job_ids():
            state = self.spool.read_state(job_id)["state"]
            if state in RESUMABLE:
                logger.info("job=%s resuming after restart (was %s)", job_id, state)
                self.enqueue(job_id)
        self._thread = threading.Thread(target=self._run, name="spooler", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 30.0) -> None:
        """Finish the job at hand (within *timeout*); the rest stay queued."""
        self._stopping.set()
        self._queue.put((-1, ""))
        if self._thread is not None:
            self._thread.join(timeout)

    def add_listener(self, listener: Callable[[str, str], None]) -> None:
        """Call *listener(job_id, state)* after each state recorded."""
        self._listeners.append(listener)

    def _set_state(self, job_id: str, state: str, reason: str, **kwargs: Any) -> None:
        self.spool.set_state(job_id, state, reason, **kwargs)
        for listener in self._listeners:
            listener(job_id, state)

    def enqueue(self, job_id: str) -> None:
        """Put a job in line, by its Print Priority then its age."""
        priority = self.spool.read_job(job_id)["film_session"].get(
            "PrintPriority", "MED"
        )
        self._queue.put((_PRIORITY.get(priority, 1), job_id))

    def _run(self) -> None:
        while not self._stopping.is_set():
            _, job_id = self._queue.get()
            if not job_id or self._stopping.is_set():
                continue
            try:
                self.process(job_id)
            except Exception:  # the worker loop is a boundary: log, keep going
                logger.exception("job=%s failed", job_id)
                try:
                    self._set_state(
                        job_id, FAILED, "internal error", error="internal error"
                    )
                except Exception:  # noqa: BLE001 - state file unwritable too
                    logger.exception("job=%s cannot record failure", job_id)

    def process(self, job_id: str) -> None:
        """Render a job and write it to its printer, recording each state."""
        job = self.spool.read_job(job_id)
        printer = self.config.printer(job["printer"])
        self._set_state(job_id, RENDERING, f"on printer {printer.name}")
        try:
            outputs = self._render_to_folder(job_id, printer)
        except (OSError, KeyError, ValueError) as exc:
            self._set_state(job_id, FAILED, f"render failed: {exc}", error=str(exc))
            return
        self._set_state(job_id, DONE, f"{len(outputs)} files written", outputs=outputs)

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
        os.replace(tmp, ps_path)
        return [str(ps_path), *outputs]
