"""Hot folders: DICOM files dropped into a folder print with its preset.

Each configured folder is watched with ``watchdog`` and looked at again now
and then for anything a watch missed.  A file is taken once it is complete:
its size and modification time have not changed for ``settle_seconds``, and
no writer holds it open where the observer can tell (inotify reports the
close of a file written to).  A drop batch ends when every file in the folder
has settled, so that a series copied file by file prints as one job; a folder
that never goes quiet still prints what settled, after
``BATCH_LIMIT_SECONDS``.  The files of a batch become one job per
(0020,000E) Series Instance UID, in (0020,0013) Instance Number order.

A file moves to ``done/`` only after its job is in the spool, fsynced; a file
that cannot print moves to ``rejected/`` with ``<name>.reason.txt`` beside it.
When the spool refuses a job (disk full, printer not accepting), its files
stay where they are and are tried again at the next rescan.  A crash between
queuing a job and moving its files prints them twice, never not at all.
Dotfiles, empty files, ``*.tmp`` and ``*.part`` are left alone, and so are
sub-folders.

Part of the spooler layer: may import ``spool``, ``direct`` and ``render``;
never ``sop`` or ``scp``.
"""

import itertools
import logging
import os
import shutil
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from pydicom import Dataset
from watchdog.events import (
    FileClosedEvent,
    FileCreatedEvent,
    FileDeletedEvent,
    FileModifiedEvent,
    FileMovedEvent,
    FileSystemEvent,
    FileSystemEventHandler,
)
from watchdog.observers import Observer
from watchdog.observers.api import BaseObserver

from printserver.config import Config, HotFolderConfig
from printserver.direct import (
    lay_out,
    preset_film,
    preset_film_session,
    read_dataset,
    source_image,
)
from printserver.errors import SpoolError
from printserver.render import SourceImage
from printserver.spool import (
    JobRequest,
    PrinterStates,
    Spool,
    fsync_dir,
    now_iso,
    write_atomic,
)

__all__ = ["HotFolder", "HotFolders"]

logger = logging.getLogger(__name__)

#: Sub-folders for printed and refused files.
DONE, REJECTED = "done", "rejected"
#: Added to a refused file's name for the file that says why.
REASON_SUFFIX = ".reason.txt"
#: Name endings of files still being written by their program.
IGNORED_SUFFIXES = (".tmp", ".part", ".partial", ".crdownload")
#: Seconds between looks at a folder should a watch miss a change, and
#: before a job the spool refused is tried again.
RESCAN_SECONDS = 10.0
#: Settled files print after this long even if the folder never goes quiet.
BATCH_LIMIT_SECONDS = 60.0
#: A file written to and not closed counts as complete after this long
#: without another write (a writer that died unnoticed, a missed event).
OPEN_LIMIT_SECONDS = 60.0
#: Pause after each look, so that a copy's burst of events makes one look.
COALESCE_SECONDS = 0.1
#: The events a hot folder acts on (not our own opening and reading).
EVENTS = [
    FileCreatedEvent,
    FileModifiedEvent,
    FileClosedEvent,
    FileDeletedEvent,
    FileMovedEvent,
]


@dataclass
class _Seen:
    """A file as last seen, and since when it has looked that way."""

    signature: tuple[int, int]
    """Size and modification time, in ns."""

    since: float
    """``time.monotonic()`` when the signature was first seen."""


@dataclass
class _Item:
    """A file read and found printable."""

    name: str
    series_instance_uid: str
    instance_number: int | None
    image: SourceImage


def _instance_number(ds: Dataset) -> int | None:
    """(0020,0013) Instance Number, or None if absent or not a number."""
    try:
        return int(ds.InstanceNumber)
    except (AttributeError, TypeError, ValueError):
        return None


def _series(items: list[_Item]) -> list[list[_Item]]:
    """One list per Series Instance UID, each in Instance Number order."""
    groups: dict[str, list[_Item]] = {}
    for item in items:
        groups.setdefault(item.series_instance_uid, []).append(item)
    for group in groups.values():
        group.sort(key=lambda i: (i.instance_number is None, i.instance_number, i.name))
    return list(groups.values())


def _reports_closing(observer: BaseObserver) -> bool:
    """Whether *observer* reports a file closed after writing (inotify)."""
    if sys.platform != "linux":
        return False
    from watchdog.observers.inotify import InotifyObserver  # noqa: PLC0415

    return isinstance(observer, InotifyObserver)


class HotFolder:
    """One watched folder: finds complete files and queues them as jobs.

    Parameters
    ----------
    hotfolder : HotFolderConfig
        The folder's configuration.
    config : Config
        For its preset, its printer and the spool's limits.
    spool : Spool
        Where the jobs go.
    enqueue : callable
        Called with each new job's id once its files are in ``done/``.
    """

    def __init__(
        self,
        hotfolder: HotFolderConfig,
        config: Config,
        spool: Spool,
        enqueue: Callable[[str], None],
    ):
        self.path = Path(hotfolder.path).expanduser().resolve()
        self.settle_seconds = hotfolder.settle_seconds
        self.preset = config.presets[hotfolder.preset]
        self.printer = config.hotfolder_printer(hotfolder)
        profile = config.profile(self.printer)
        self.film = preset_film(self.preset, profile)
        self.film_session = preset_film_session(self.preset, profile)
        self.config = config
        self.spool = spool
        self.printers = PrinterStates(spool.data_root)
        self.reports_closing = False
        """Whether the observer tells when a writer closes a file."""
        self._enqueue = enqueue
        self._seen: dict[str, _Seen] = {}
        self._written: dict[str, float] = {}
        self._stuck: dict[str, tuple[int, int]] = {}
        self._retry_at = 0.0
        self._refusal = ""
        self._lock = threading.Lock()  # for _written, set by the observer

    def prepare(self) -> None:
        """Create the folder and its ``done/`` and ``rejected/`` folders.

        Raises
        ------
        OSError
            If one cannot be created.
        """
        for folder in (self.path, self.path / DONE, self.path / REJECTED):
            folder.mkdir(parents=True, exist_ok=True)

    def notice(self, event: FileSystemEvent) -> None:
        """Note a write to a file of the folder, or its closing."""
        if not self.reports_closing or event.is_directory:
            return
        name = os.path.basename(os.fsdecode(event.src_path))
        with self._lock:
            if event.event_type == "modified":
                self._written[name] = time.monotonic()
            else:  # closed, deleted or moved away: no longer being written
                self._written.pop(name, None)

    def scan(self) -> float:
        """Look at the folder and take its files if their batch is complete.

        Returns the seconds until the folder should be looked at again.
        """
        now = time.monotonic()
        seen = self._look(now)
        if now < self._retry_at:
            return self._retry_at - now
        waiting = [name for name, s in seen.items() if not self._settled(name, s, now)]
        settled = sorted(set(seen) - set(waiting))
        deadlines = [
            seen[name].since + self.settle_seconds
            for name in waiting
            if not self._open(name, now)
        ]
        if settled:
            oldest = min(seen[name].since for name in settled)
            if not waiting or now - oldest >= BATCH_LIMIT_SECONDS:
                self._take(settled)
            else:
                deadlines.append(oldest + BATCH_LIMIT_SECONDS)
        if not deadlines:
            return RESCAN_SECONDS  # a close or a new file will wake us
        return min(max(min(deadlines) - now, 0.0), RESCAN_SECONDS)

    def _look(self, now: float) -> dict[str, _Seen]:
        """Update what is known of each candidate file; forget the rest."""
        seen: dict[str, _Seen] = {}
        present = set()
        with os.scandir(self.path) as entries:
            for entry in entries:
                if entry.name.startswith(".") or entry.name.endswith(IGNORED_SUFFIXES):
                    continue
                try:
                    if not entry.is_file():
                        continue
                    stat = entry.stat()
                except FileNotFoundError:
                    continue  # gone while we looked
                signature = (stat.st_size, stat.st_mtime_ns)
                present.add(entry.name)
                if stat.st_size == 0 or self._stuck.get(entry.name) == signature:
                    continue
                last = self._seen.get(entry.name)
                if last is None or last.signature != signature:
                    last = _Seen(signature, now)
                seen[entry.name] = last
        self._seen = seen
        self._stuck = {k: v for k, v in self._stuck.items() if k in present}
        return seen

    def _open(self, name: str, now: float) -> bool:
        """Whether a writer still holds *name* open, as far as we know."""
        with self._lock:
            written = self._written.get(name)
        return written is not None and now - written < OPEN_LIMIT_SECONDS

    def _settled(self, name: str, seen: _Seen, now: float) -> bool:
        """Whether *name* is complete: unchanged for long enough, not open."""
        return now - seen.since >= self.settle_seconds and not self._open(name, now)

    def _take(self, names: list[str]) -> None:
        """Queue the printable files of a batch; reject the others."""
        items = [item for item in map(self._read, names) if item is not None]
        for series in _series(items):
            if not self._submit(series):
                return  # the spool refuses: the rest waits as well

    def _read(self, name: str) -> _Item | None:
        """The image in file *name*, or None once the file is rejected."""
        try:
            ds = read_dataset(self.path / name)
            uid = str(ds.get("SeriesInstanceUID", ""))
            return _Item(name, uid, _instance_number(ds), source_image(ds))
        except SpoolError as exc:
            reason = str(exc)
        except Exception as exc:  # noqa: BLE001
            # A boundary, like the watchdog callback: pydicom fails in many
            # ways on a malformed file, and a file that breaks it must go to
            # rejected/, not stop the folder at every look.
            logger.exception("hot folder %s: %s cannot be read", self.path, name)
            reason = f"not a DICOM image we can read ({type(exc).__name__}: {exc})"
        self._reject(name, reason)
        return None

    def _submit(self, series: list[_Item]) -> bool:
        """Queue one series as a job, then move its files to ``done/``."""
        state = self.printers.get(self.printer.name)
        if not state["accepting"]:
            reason = state["reason"] or "rejected by the admin"
            return self._refused(series, f"printer {self.printer.name}: {reason}")
        films = lay_out([item.image for item in series], self.film)
        request = JobRequest(
            "hotfolder",
            self.config.server.ae_title,
            self.printer.name,
            films,
            film_session=dict(self.film_session),
        )
        limits = self.config.spool
        try:
            job_bytes = sum(item.image.pixels.nbytes for item in series)
            self.spool.check_room(job_bytes, limits.min_free_mb, limits.quota_mb)
            job_id = self.spool.submit(request)
        except (SpoolError, OSError) as exc:
            return self._refused(series, str(exc))

        self._refusal = ""
        logger.info(
            "job=%s queued from hot folder %s: %d image(s) on %d film(s), "
            "preset %s, printer %s",
            job_id,
            self.path,
            len(series),
            len(films),
            self.preset.name,
            self.printer.name,
        )
        self._file_away([item.name for item in series], DONE)
        self._enqueue(job_id)
        return True

    def _refused(self, series: list[_Item], reason: str) -> bool:
        """Leave the files of a series in place, to try again later."""
        self._retry_at = time.monotonic() + RESCAN_SECONDS
        # One ERROR line per refusal, not one per retry.
        log = logger.debug if reason == self._refusal else logger.error
        self._refusal = reason
        log(
            "hot folder %s: %d file(s) left in place, tried again in %ds: %s",
            self.path,
            len(series),
            RESCAN_SECONDS,
            reason,
        )
        return False

    def _reject(self, name: str, reason: str) -> None:
        """Move *name* to ``rejected/`` with the reason in a file beside it."""
        moved = self._file_away([name], REJECTED, REASON_SUFFIX)
        if not moved:
            return
        text = (
            f"{reason}\n\nRejected {now_iso()} by the hot folder {self.path} "
            f"(preset {self.preset.name}).\n"
        )
        try:
            write_atomic(
                moved[0].with_name(moved[0].name + REASON_SUFFIX), text.encode()
            )
        except OSError as exc:
            logger.error("hot folder %s: cannot write the reason: %s", self.path, exc)
        logger.warning("hot folder %s: %s rejected: %s", self.path, name, reason)

    def _file_away(
        self, names: list[str], folder: str, companion: str = ""
    ) -> list[Path]:
        """Move files to a sub-folder, durably; returns where they went.

        A file that cannot be moved is left alone until it changes, so that
        it is not printed again at every look.
        """
        moved = []
        for name in names:
            try:
                target = self._move(name, self.path / folder, companion)
            except OSError as exc:
                logger.error(
                    "hot folder %s: %s cannot be moved to %s/: %s",
                    self.path,
                    name,
                    folder,
                    exc,
                )
                self._stuck[name] = self._seen[name].signature
                continue
            if target is not None:
                moved.append(target)
        if moved:
            fsync_dir(self.path / folder)
            fsync_dir(self.path)
        return moved

    def _move(self, name: str, folder: Path, companion: str) -> Path | None:
        """Move *name* into *folder* under a free name (``scan-1.dcm`` when
        ``scan.dcm`` is taken), never replacing a file; None if it is gone.
        """
        folder.mkdir(exist_ok=True)
        source = self.path / name
        stem, suffix = os.path.splitext(name)
        targets = (f"{stem}-{n}{suffix}" for n in itertools.count(1))
        for target in itertools.chain([folder / name], map(folder.joinpath, targets)):
            if companion and os.path.lexists(f"{target}{companion}"):
                continue
            try:
                os.link(source, target, follow_symlinks=False)
            except FileExistsError:
                continue
            except FileNotFoundError:
                return None
            except OSError:
                # No hard links here (FAT or SMB, done/ on another disk).
                if os.path.lexists(target):
                    continue
                shutil.move(source, target)
                return target
            os.unlink(source)
            return target
        return None  # not reached: the names never run out


class _Events(FileSystemEventHandler):
    """Passes a hot folder's file events on, and wakes the worker."""

    def __init__(self, folder: HotFolder, wake: Callable[[], None]):
        self.folder = folder
        self.wake = wake

    def on_any_event(self, event: FileSystemEvent) -> None:
        try:
            self.folder.notice(event)
            self.wake()
        except Exception:  # the watchdog callback is a boundary
            logger.exception("hot folder %s: watch callback failed", self.folder.path)


class HotFolders:
    """Every configured hot folder: one observer, one worker thread.

    Parameters
    ----------
    config : Config
        The hot folders, their presets and printers.
    spool : Spool
        Where the jobs go.
    enqueue : callable, optional
        Called with each new job's id (the spooler's ``enqueue``); without
        it the spooler finds the job through its own watch.
    observer : callable, optional
        Makes the ``watchdog`` observer (tests pass the polling one).
    """

    def __init__(
        self,
        config: Config,
        spool: Spool,
        enqueue: Callable[[str], None] | None = None,
        observer: Callable[[], BaseObserver] = Observer,
    ):
        self.folders = [
            HotFolder(hotfolder, config, spool, enqueue or (lambda job_id: None))
            for hotfolder in config.hotfolders
        ]
        self._make_observer = observer
        self._observer: BaseObserver | None = None
        self._thread: threading.Thread | None = None
        self._wake = threading.Event()
        self._stopping = threading.Event()

    def start(self) -> None:
        """Create the folders and watch them; nothing to do without any.

        Raises
        ------
        OSError
            If a folder cannot be created or watched.
        """
        if not self.folders:
            return
        for folder in self.folders:
            folder.prepare()
        observer = self._make_observer()
        for folder in self.folders:
            folder.reports_closing = _reports_closing(observer)
            handler = _Events(folder, self._wake.set)
            observer.schedule(handler, str(folder.path), event_filter=EVENTS)
        observer.daemon = True
        observer.start()
        self._observer = observer

        self._thread = threading.Thread(
            target=self._run, name="hotfolders", daemon=True
        )
        self._thread.start()
        for folder in self.folders:
            logger.info(
                "hot folder %s: watching, preset %s, printer %s",
                folder.path,
                folder.preset.name,
                folder.printer.name,
            )

    def stop(self, timeout: float = 30.0) -> None:
        """Stop watching; a batch being queued is finished (within
        *timeout*), files not taken stay in their folder."""
        if self._thread is None:
            return
        self._stopping.set()
        self._wake.set()
        if self._observer is not None:
            self._observer.stop()
        self._thread.join(timeout)
        logger.info("hot folders stopped")

    def _run(self) -> None:
        while not self._stopping.is_set():
            self._wake.clear()
            delay = RESCAN_SECONDS
            for folder in self.folders:
                try:
                    delay = min(delay, folder.scan())
                except Exception:  # the worker loop is a boundary, like the spooler's
                    logger.exception("hot folder %s: look failed", folder.path)
            self._wake.wait(delay)
            self._stopping.wait(COALESCE_SECONDS)
