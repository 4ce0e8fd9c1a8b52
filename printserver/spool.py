"""The durable spool: one directory per job, states changed atomically.

A job is ``<data>/jobs/<id>/``: ``job.json`` (what was asked, written once),
``state.json`` (where it stands, replaced by write-fsync-rename) and the
received pixels in ``pixels.bin`` (``.npy`` files in jobs of earlier
versions).  A job is on disk and fsynced before the
modality hears success.  The server, the admin CLI and the web page all work
on these files; a lock file per job keeps their updates apart.

Part of the spooler layer: may import ``render``; never ``sop`` or ``scp``.
"""

import fcntl
import json
import logging
import os
import secrets
import shutil
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from printserver._jobfile import PIXELS_FILE, film_from_json, film_to_json
from printserver.errors import SpoolError
from printserver.layout import ImageDisplayFormatError, parse_image_display_format
from printserver.render import Film

logger = logging.getLogger(__name__)

JOB_FILE = "job.json"
STATE_FILE = "state.json"
LOCK_FILE = ".lock"

#: Job states.
PENDING, HELD, RENDERING = "pending", "held", "rendering"
SENDING, DONE, FAILED, CANCELLED = "sending", "done", "failed", "cancelled"
STATES = (PENDING, HELD, RENDERING, SENDING, DONE, FAILED, CANCELLED)
#: States the worker picks up again after a restart.
RESUMABLE = (PENDING, RENDERING, SENDING)
#: The states each admin verb acts on (the CLI and the web page offer a
#: verb only where it applies).
ALLOWED = {
    "hold": (PENDING,),
    "release": (HELD,),
    "cancel": (PENDING, HELD, RENDERING, SENDING, FAILED),
    "retry": (FAILED, CANCELLED),
    "move": (PENDING, HELD, FAILED),
}
#: Folder of a job's rendered files.
OUTPUT_DIR = "out"

#: Seconds the spool's summed disk use is trusted for the quota, with the
#: jobs submitted since added: summing it reads every file of every job.
USAGE_SECONDS = 10.0


class JobNotFoundError(SpoolError):
    """No job has that id."""


class JobStateError(SpoolError):
    """The job is not in a state that allows the operation."""


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


def now_iso() -> str:
    """The time, UTC, as stored in the spool."""
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def new_job_id(after: str = "") -> str:
    """A unique job id that sorts by creation time, and after *after*.

    ``20261203-170512-123456-a1b2``: UTC time to the microsecond, then a
    random part so that two writers sharing a spool cannot collide.
    """
    now = datetime.now(UTC)
    job_id = f"{now:%Y%m%d-%H%M%S-%f}-{secrets.token_hex(2)}"
    while job_id <= after:
        now += timedelta(microseconds=1)
        job_id = f"{now:%Y%m%d-%H%M%S-%f}-{secrets.token_hex(2)}"
    return job_id


def fsync_dir(path: Path) -> None:
    """Make a folder's entries (new names, renames) durable."""
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class _NewFolder:
    """Files written into a folder being made, then made durable together.

    Every file is written before the first is fsynced: that fsync commits
    them all to the journal at once, and the others find little left to
    do.  Each file costs four system calls (open, writev, fsync, close):
    each one lets go of the GIL and must take it back, which is what costs
    when other threads are busy.  So the folder is opened once, its files
    are created relative to it and it is fsynced through the same handle.
    """

    def __init__(self, folder: Path):
        self.folder = folder
        self._fds: list[int] = []
        self._dir_fd: int | None = None

    def write(self, name: str, *chunks: bytes | memoryview) -> None:
        """Write a new file *name* of *chunks* (not yet durable)."""
        if self._dir_fd is None:
            self._dir_fd = os.open(self.folder, os.O_RDONLY | os.O_DIRECTORY)
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL
        fd = os.open(name, flags, 0o644, dir_fd=self._dir_fd)
        self._fds.append(fd)
        views = [memoryview(c).cast("B") for c in chunks if len(c)]
        while views:
            done = os.writev(fd, views)
            while views and done >= len(views[0]):
                done -= len(views[0])
                views.pop(0)
            if views:
                views[0] = views[0][done:]

    def sync(self) -> None:
        """Make every file written, and the folder's entries, durable."""
        for fd in self._fds:
            os.fsync(fd)
        if self._dir_fd is None:
            fsync_dir(self.folder)
        else:
            os.fsync(self._dir_fd)
        self.close()

    def close(self) -> None:
        """Close the files (after a failure: nothing is durable)."""
        for fd in self._fds:
            os.close(fd)
        self._fds = []
        if self._dir_fd is not None:
            os.close(self._dir_fd)
            self._dir_fd = None


def folder_bytes(folder: Path) -> int:
    """The bytes of the files below *folder* (0 if it is gone): the spool's
    for the quota and for /metrics."""
    total = 0
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return 0
    for entry in entries:
        try:
            if entry.is_dir(follow_symlinks=False):
                total += folder_bytes(Path(entry.path))
            elif entry.is_file(follow_symlinks=False):
                total += entry.stat(follow_symlinks=False).st_size
        except OSError:  # purged while we looked
            continue
    return total


def write_durable(path: Path, data: bytes) -> None:
    """Write *data* to *path* and fsync it (no rename)."""
    with open(path, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())


def write_atomic(path: Path, data: bytes) -> None:
    """Replace *path* with *data*: write, fsync, rename, fsync the folder.

    The temporary name is the writer's own (process and thread), so two
    writers racing on one file (the server and the CLI repairing the same
    broken state file) each rename a complete copy.
    """
    tmp = path.with_name(f".{path.name}.{os.getpid()}-{threading.get_ident()}.tmp")
    write_durable(tmp, data)
    os.replace(tmp, path)
    fsync_dir(path.parent)


class Spool:
    """The job directories under ``<data>/jobs``.

    Parameters
    ----------
    data_root : Path
        The data root; ``jobs/`` is created below it.
    """

    def __init__(self, data_root: Path):
        self.data_root = data_root
        self.jobs_dir = data_root / "jobs"
        self._last_id = ""
        self._id_lock = threading.Lock()
        self._usage: tuple[float, int] | None = None  # (when summed, bytes)
        self._usage_lock = threading.Lock()

    def ensure(self) -> None:
        """Create the jobs folder, and clear half-written jobs of a crash."""
        self.jobs_dir.mkdir(parents=True, exist_ok=True)
        for leftover in self.jobs_dir.glob(".incoming-*"):
            # Never answered with success: the modality was told of a failure
            # or got no answer, so dropping it loses nothing accepted.
            logger.warning("removing incomplete job folder %s", leftover.name)
            shutil.rmtree(leftover, ignore_errors=True)

    # Creating jobs ---------------------------------------------------------

    def _new_id(self) -> str:
        with self._id_lock:
            self._last_id = new_job_id(self._last_id)
            return self._last_id

    def submit(self, request: JobRequest) -> str:
        """Freeze *request* into a new job directory, durably.

        Raises
        ------
        SpoolError
            If the job could not be written completely (disk full, no
            permission); nothing of it is left behind.
        """
        job_id = self._new_id()
        incoming = self.jobs_dir / f".incoming-{job_id}"
        files = _NewFolder(incoming)
        try:
            incoming.mkdir(parents=True)
            films = self._write_films(files, request.films)
            job = {
                "id": job_id,
                "created": now_iso(),
                "calling_ae": request.calling_ae,
                "called_ae": request.called_ae,
                "printer": request.printer,
                "print_job_uid": request.print_job_uid,
                "film_session": request.film_session,
                "films": films,
            }
            self._commit(files, job_id, job, "accepted")
            self._count_submitted(
                sum(i.pixels.nbytes for f in request.films for i in f.images.values())
            )
        except OSError as exc:
            files.close()
            shutil.rmtree(incoming, ignore_errors=True)
            raise SpoolError(
                f"cannot store job {job_id}: {exc.strerror or exc}"
            ) from exc
        return job_id

    @staticmethod
    def _write_films(files: _NewFolder, films: list[Film]) -> list[dict[str, Any]]:
        descriptions = []
        chunks: list[memoryview] = []
        offset = 0
        for index, film in enumerate(films, start=1):
            description, arrays = film_to_json(film, index, offset)
            descriptions.append(description)
            chunks += [pixels.data for pixels in arrays]
            offset += sum(pixels.nbytes for pixels in arrays)
        files.write(PIXELS_FILE, *chunks)
        return descriptions

    def _commit(
        self, files: _NewFolder, job_id: str, job: dict[str, Any], reason: str
    ) -> None:
        """Write job and state files, make every file of the folder durable,
        then rename the folder into place."""
        files.write(JOB_FILE, json.dumps(job, indent=1).encode())
        state = {
            "state": PENDING,
            "updated": job["created"],
            "printer": job["printer"],
            "outputs": [],
            "error": None,
            "history": [{"time": job["created"], "state": PENDING, "reason": reason}],
        }
        files.write(STATE_FILE, json.dumps(state, indent=1).encode())
        files.sync()
        os.rename(files.folder, self.jobs_dir / job_id)
        fsync_dir(self.jobs_dir)

    def check_room(self, job_bytes: int, min_free_mb: int, quota_mb: int) -> None:
        """Refuse a job of *job_bytes* that would cross the free-disk floor
        or the quota, once done and cancelled jobs (kept for reprint only)
        have made what room they can, oldest first.  Jobs still to print,
        held or failed are never touched.

        Raises
        ------
        SpoolError
            Saying which limit.
        """
        self.jobs_dir.mkdir(parents=True, exist_ok=True)
        short, why = self._shortfall(job_bytes, min_free_mb, quota_mb)
        if short > 0 and self._purge_oldest_finished(short):
            short, why = self._shortfall(job_bytes, min_free_mb, quota_mb)
        if short > 0:
            raise SpoolError(f"spool full: {why}")

    def _shortfall(
        self, job_bytes: int, min_free_mb: int, quota_mb: int
    ) -> tuple[int, str]:
        """Bytes missing for a job of *job_bytes* (0 or less: none), and
        the limit that misses the most."""
        free = shutil.disk_usage(self.jobs_dir).free
        short = min_free_mb * 1_000_000 - (free - job_bytes)
        why = f"{free // 1_000_000} MB free, floor {min_free_mb} MB"
        if quota_mb:
            over = self._used_bytes() + job_bytes - quota_mb * 1_000_000
            if over > 0 and over > short:
                short, why = over, f"quota of {quota_mb} MB reached"
        return short, why

    def _finished_oldest_first(self) -> list[tuple[str, int]]:
        """Done and cancelled jobs with their bytes, oldest finished first."""
        finished = [
            (summary["updated"], summary["id"])
            for summary in self.summaries()
            if summary["state"] in (DONE, CANCELLED)
        ]
        return [(job_id, folder_bytes(self.jobs_dir / job_id))
                for _, job_id in sorted(finished)]  # fmt: skip

    def _purge_oldest_finished(self, nbytes: int) -> list[str]:
        """Purge done and cancelled jobs, oldest first, until *nbytes* are
        freed or none is left; the ids purged."""
        purged = []
        for job_id, size in self._finished_oldest_first():
            if nbytes <= 0:
                break
            purged.append(job_id)
            nbytes -= size
        return self._remove(purged, "to make room")

    def _remove(self, job_ids: list[str], why: str) -> list[str]:
        """Delete the folders of *job_ids*, durably; returns them."""
        for job_id in job_ids:
            shutil.rmtree(self.jobs_dir / job_id, ignore_errors=True)
            logger.info("job=%s purged (%s)", job_id, why)
        if job_ids:
            fsync_dir(self.jobs_dir)
            with self._usage_lock:
                self._usage = None  # summed again at the next look
        return job_ids

    def purge_to_share(self, max_mb: int) -> list[str]:
        """Purge done and cancelled jobs, oldest first, until together they
        take at most *max_mb* MB; the ids purged."""
        finished = self._finished_oldest_first()
        over = sum(size for _, size in finished) - max_mb * 1_000_000
        return self._purge_oldest_finished(over) if over > 0 else []

    def _used_bytes(self) -> int:
        """The bytes of every file in the spool: summed at most every
        USAGE_SECONDS, jobs submitted in between added as they come (an
        N-ACTION must not read a spool of thousands of jobs)."""
        now = time.monotonic()
        with self._usage_lock:
            if self._usage is not None and now - self._usage[0] < USAGE_SECONDS:
                return self._usage[1]
        used = folder_bytes(self.jobs_dir)
        with self._usage_lock:
            self._usage = (now, used)
        return used

    def _count_submitted(self, nbytes: int) -> None:
        with self._usage_lock:
            if self._usage is not None:
                self._usage = (self._usage[0], self._usage[1] + nbytes)

    # Reading jobs ----------------------------------------------------------

    def job_ids(self) -> list[str]:
        """Ids of every complete job, oldest first."""
        if not self.jobs_dir.is_dir():
            return []
        return sorted(
            p.name
            for p in self.jobs_dir.iterdir()
            if not p.name.startswith(".") and (p / JOB_FILE).is_file()
        )

    def _dir(self, job_id: str) -> Path:
        job_dir = self.jobs_dir / job_id
        if (
            "/" in job_id
            or job_id.startswith(".")
            or not (job_dir / JOB_FILE).is_file()
        ):
            raise JobNotFoundError(f"no job {job_id!r} in {self.jobs_dir}")
        return job_dir

    def output_dir(self, job_id: str) -> Path:
        """The folder of a job's rendered files (PostScript, previews)."""
        return self._dir(job_id) / OUTPUT_DIR

    def read_job(self, job_id: str) -> dict[str, Any]:
        """The job's request description (``job.json``)."""
        job: dict[str, Any] = json.loads((self._dir(job_id) / JOB_FILE).read_text())
        return job

    def read_state(self, job_id: str) -> dict[str, Any]:
        """The job's current state (``state.json``).

        A state file that cannot be read (truncated, garbage) is replaced
        by a failed state that says so; the job's films are kept.
        """
        path = self._dir(job_id) / STATE_FILE
        try:
            state = json.loads(path.read_text())
            if isinstance(state, dict) and state.get("state") in STATES:
                return state
            problem = "no valid state"
        except (OSError, ValueError) as exc:
            problem = str(exc)
        return self._repair_state(job_id, problem)

    def _repair_state(self, job_id: str, problem: str) -> dict[str, Any]:
        reason = f"state file unreadable ({problem[:80]})"
        logger.error("job=%s %s: marked failed", job_id, reason)
        now = now_iso()
        printer = self.read_job(job_id).get("printer", "")
        state = {
            "state": FAILED,
            "updated": now,
            "printer": printer,
            "outputs": [],
            "error": reason,
            "history": [{"time": now, "state": FAILED, "reason": reason}],
        }
        write_atomic(
            self._dir(job_id) / STATE_FILE, json.dumps(state, indent=1).encode()
        )
        return state

    def load_films(self, job_id: str) -> list[Film]:
        """Rebuild the films of a job for rendering."""
        job_dir = self._dir(job_id)
        return [film_from_json(job_dir, d) for d in self.read_job(job_id)["films"]]

    def find_print_job(self, print_job_uid: str) -> str | None:
        """The id of the job whose Print Job SOP Instance UID this is."""
        for job_id in reversed(self.job_ids()):
            if self.read_job(job_id).get("print_job_uid") == print_job_uid:
                return job_id
        return None

    def summary(self, job_id: str) -> dict[str, Any]:
        """One job in the stable form of ``queue list --json``."""
        job = self.read_job(job_id)
        state = self.read_state(job_id)
        return {
            "id": job_id,
            "state": state["state"],
            "created": job["created"],
            "updated": state["updated"],
            "calling_ae": job["calling_ae"],
            "called_ae": job["called_ae"],
            "printer": state.get("printer", job["printer"]),
            "films": len(job["films"]),
            "priority": job["film_session"].get("PrintPriority", "MED"),
            "outputs": state["outputs"],
            "error": state["error"],
        }

    def summaries(self) -> Iterator[dict[str, Any]]:
        """Every job, oldest first, as :meth:`summary` gives it."""
        for job_id in self.job_ids():
            try:
                yield self.summary(job_id)
            except (JobNotFoundError, FileNotFoundError):
                continue  # purged while we listed

    # Changing jobs ---------------------------------------------------------

    @contextmanager
    def locked(self, job_id: str) -> Iterator[None]:
        """Hold the job's lock: one writer of its state at a time."""
        with open(self._dir(job_id) / LOCK_FILE, "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def set_state(
        self,
        job_id: str,
        state: str,
        reason: str,
        *,
        expect: tuple[str, ...] = (),
        **changes: Any,
    ) -> bool:
        """Move a job to *state*, appending to its history, atomically.

        With *expect*, only from one of those states; returns False (and
        changes nothing) otherwise.  *changes* set other keys of the state
        (``outputs``, ``error``, ``printer``).
        """
        with self.locked(job_id):
            current = self.read_state(job_id)
            previous = current["state"]
            if expect and previous not in expect:
                return False
            now = now_iso()
            current.update(state=state, updated=now, **changes)
            if state != FAILED and "error" not in changes:
                current["error"] = None
            current["history"].append({"time": now, "state": state, "reason": reason})
            path = self._dir(job_id) / STATE_FILE
            write_atomic(path, json.dumps(current, indent=1).encode())
        log = logger.error if state == FAILED else logger.info
        log("job=%s %s -> %s: %s", job_id, previous, state, reason)
        return True

    def record_progress(self, job_id: str, progress: dict[str, Any]) -> None:
        """Merge *progress* into the job's ``progress``, durably.

        An output records there what its printer has confirmed, so a job
        resumed after a crash is not printed twice.
        """
        with self.locked(job_id):
            current = self.read_state(job_id)
            current["progress"] = {**(current.get("progress") or {}), **progress}
            path = self._dir(job_id) / STATE_FILE
            write_atomic(path, json.dumps(current, indent=1).encode())

    def _transition(
        self,
        job_id: str,
        to: str,
        allowed: tuple[str, ...],
        reason: str,
        **changes: Any,
    ) -> None:
        if not self.set_state(job_id, to, reason, expect=allowed, **changes):
            now = self.read_state(job_id)["state"]
            done = reason.partition(" by ")[0].partition(" to ")[0]  # held, moved...
            raise JobStateError(
                f"job {job_id} is {now}: only {'/'.join(allowed)} jobs can be {done}"
            )

    def hold(self, job_id: str, who: str = "admin") -> None:
        """Keep a pending job from printing until released."""
        self._transition(job_id, HELD, ALLOWED["hold"], f"held by {who}")

    def release(self, job_id: str, who: str = "admin") -> None:
        """Let a held job print."""
        self._transition(job_id, PENDING, ALLOWED["release"], f"released by {who}")

    def cancel(self, job_id: str, who: str = "admin") -> None:
        """Stop a job that has not printed; it is kept, and can be retried."""
        self._transition(job_id, CANCELLED, ALLOWED["cancel"], f"cancelled by {who}")

    def retry(self, job_id: str, who: str = "admin") -> None:
        """Print a failed or cancelled job again."""
        self._transition(job_id, PENDING, ALLOWED["retry"], f"retried by {who}")

    def move(self, job_id: str, printer: str, who: str = "admin") -> None:
        """Send a job that has not printed to another printer."""
        state = self.read_state(job_id)["state"]
        self._transition(
            job_id, state, ALLOWED["move"], f"moved to {printer} by {who}",
            printer=printer, progress={}, rendered=[],
        )  # fmt: skip

    def reprint(
        self, job_id: str, printer: str | None = None, image_display_format: str = ""
    ) -> str:
        """A new pending job with the films of *job_id*; returns its id.

        The pixels are hard links to the original's (copies where links are
        not possible); *image_display_format* lays the images out anew.
        """
        job = self.read_job(job_id)
        source = self._dir(job_id)
        if image_display_format:
            self._relayout(job, image_display_format)
        new_id = self._new_id()
        incoming = self.jobs_dir / f".incoming-{new_id}"
        files = _NewFolder(incoming)
        try:
            incoming.mkdir()
            pixel_files = {
                Path(str(item["file"])).name
                for film in job["films"]
                for item in film["images"]
            }
            for name in sorted(pixel_files):
                try:
                    os.link(source / name, incoming / name)
                except OSError:
                    files.write(name, (source / name).read_bytes())
            job.update(
                id=new_id,
                created=now_iso(),
                printer=printer
                or self.read_state(job_id).get("printer", job["printer"]),
                print_job_uid="",
                reprint_of=job_id,
            )
            self._commit(files, new_id, job, f"reprint of {job_id}")
        except OSError as exc:
            files.close()
            shutil.rmtree(incoming, ignore_errors=True)
            raise SpoolError(
                f"cannot store job {new_id}: {exc.strerror or exc}"
            ) from exc
        logger.info("job=%s created as a reprint of job=%s", new_id, job_id)
        return new_id

    @staticmethod
    def _relayout(job: dict[str, Any], image_display_format: str) -> None:
        """Give each film of *job* a new layout that still holds its images."""
        for film in job["films"]:
            try:
                layout = parse_image_display_format(
                    image_display_format, film["film_size_id"]
                )
            except ImageDisplayFormatError as exc:
                raise SpoolError(str(exc)) from None
            last = max((image["position"] for image in film["images"]), default=0)
            if last > layout.box_count:
                raise SpoolError(
                    f"{image_display_format} has {layout.box_count} boxes; "
                    f"the film has an image in box {last}"
                )
            film["image_display_format"] = str(layout)

    def purge(self, older_than: timedelta, include_failed: bool = False) -> list[str]:
        """Delete finished jobs last changed longer ago than *older_than*."""
        states = (DONE, CANCELLED, FAILED) if include_failed else (DONE, CANCELLED)
        limit = datetime.now(UTC) - older_than
        old = [
            summary["id"]
            for summary in self.summaries()
            if summary["state"] in states
            and datetime.fromisoformat(summary["updated"].replace("Z", "+00:00"))
            <= limit
        ]
        return self._remove(old, f"finished before {limit:%Y-%m-%d %H:%M}")


class PrinterStates:
    """Which printers print (enabled) and take new jobs (accepting).

    Kept in ``<data>/printers.json`` so the CLI and the server agree; a
    printer not listed is enabled and accepting.
    """

    def __init__(self, data_root: Path):
        self.path = data_root / "printers.json"

    def read(self) -> dict[str, dict[str, Any]]:
        """Every printer's recorded state."""
        try:
            states = json.loads(self.path.read_text())
        except FileNotFoundError:
            return {}
        except ValueError:
            logger.error("%s unreadable: every printer taken as enabled", self.path)
            return {}
        return states if isinstance(states, dict) else {}

    def get(self, name: str) -> dict[str, Any]:
        """``enabled``, ``accepting``, ``reason`` and the ``status``,
        ``status_info`` and ``status_comment`` its output last reported."""
        state = {
            "enabled": True,
            "accepting": True,
            "reason": "",
            "status": "NORMAL",
            "status_info": "NORMAL",
            "status_comment": "",
        }
        state.update(self.read().get(name, {}))
        return state

    def set(self, name: str, reason: str = "", **changes: bool) -> None:
        """Record a change (``enabled=`` or ``accepting=``) with its reason."""
        self._update(name, {**changes, "reason": reason})
        logger.info("printer %s: %s (%s)", name, changes, reason or "no reason given")

    def set_status(self, name: str, status: str, info: str, comment: str) -> None:
        """Record what the printer's output last reported."""
        self._update(
            name, {"status": status, "status_info": info, "status_comment": comment}
        )

    def _update(self, name: str, changes: dict[str, Any]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.path.with_name(".printers.lock"), "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            states = self.read()
            states[name] = {**self.get(name), **changes}
            write_atomic(self.path, json.dumps(states, indent=1).encode())
