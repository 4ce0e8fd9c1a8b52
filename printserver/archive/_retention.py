"""What the archive lets go: retention by age, its share of the disk, and
deleting instances so that a crash leaves nothing the index would miss.

Rules (``[archive]`` in the configuration):

- Printed films older than ``printed_film_days`` and instances received by
  C-STORE older than ``retention_days`` are deleted (0: kept).
- A store that would pass ``max_mb``, or leave less free disk than the
  archive's floor (the spool's floor plus a margin), first makes room by
  deleting printed films, oldest first: they are the archive's own copies
  of what was printed.  Instances received from modalities are deleted
  only by age or by an admin; when no printed film is left to delete, the
  store is refused (``OutOfResourcesError``, 0xA700) and printing goes on.
- An instance still waiting in the forwarding queue is never deleted to
  make room; by age it is, with a WARNING.

A deletion removes the index rows first (one transaction), then the files:
a crash between the two leaves a file no row names, which ``clean_orphans``
removes at the next start, and never a row whose file is gone.  Imports
only the standard library, ``config``, ``errors`` and the archive's index.
"""

import logging
import shutil
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from printserver.archive._index import Index
from printserver.config import Config
from printserver.errors import OutOfResourcesError

logger = logging.getLogger(__name__)

MB = 1_000_000
#: A printed film's row names its print job; a received instance's does not.
_IS_FILM = "COALESCE(job_id, '') != ''"
#: Rows deleted per batch while making room.
_BATCH = 32


@dataclass(frozen=True)
class RetentionPolicy:
    """The limits the archive keeps to (see ``ArchiveConfig``)."""

    max_bytes: int = 0
    """The archive's share of the disk; 0: no share."""
    printed_film_days: float = 0.0
    """Age at which printed films go; 0: only when room is needed."""
    retention_days: float = 0.0
    """Age at which received instances go; 0: never by age."""
    min_free_bytes: int = 0
    """Free disk a store must leave."""

    @classmethod
    def from_config(cls, config: Config) -> "RetentionPolicy":
        """The policy of ``[archive]``; its floor is above the spool's."""
        archive = config.archive
        max_bytes = archive.max_mb * MB or _filesystem_size(config.data_root) // 4
        floor_mb = config.spool.min_free_mb + archive.min_free_margin_mb
        return cls(
            max_bytes=max_bytes,
            printed_film_days=archive.printed_film_days,
            retention_days=archive.retention_days,
            min_free_bytes=floor_mb * MB,
        )


@dataclass(frozen=True)
class Purged:
    """What one purge or delete removed."""

    sop_instance_uids: tuple[str, ...] = ()
    bytes: int = 0
    unforwarded: tuple[str, ...] = ()
    """Of those, the instances that were still waiting to be forwarded."""

    @property
    def count(self) -> int:
        """Instances removed."""
        return len(self.sop_instance_uids)

    def __add__(self, other: "Purged") -> "Purged":
        return Purged(
            self.sop_instance_uids + other.sop_instance_uids,
            self.bytes + other.bytes,
            self.unforwarded + other.unforwarded,
        )


@dataclass
class Retention:
    """Keeps the archive within its policy.

    Parameters
    ----------
    index : Index
        The archive's index.
    root : Path
        ``<data>/archive``; index rows name files relative to it.
    policy : RetentionPolicy
        The limits.
    """

    index: Index
    root: Path
    policy: RetentionPolicy
    used: int = 0
    """Bytes of the indexed files, as this process counts them."""
    refusing: bool = False
    """True while stores are refused for want of room."""
    _lock: threading.RLock = field(default_factory=threading.RLock, repr=False)

    def __post_init__(self) -> None:
        self.used = self.indexed_bytes()

    def indexed_bytes(self) -> int:
        """Total size of the indexed files, from the index."""
        rows = self.index.select(
            "SELECT COALESCE(SUM(CAST(size AS INTEGER)), 0) AS used FROM instances",
            [],
        )
        return int(rows[0]["used"])

    # Room for a store -------------------------------------------------------

    def make_room(self, size: int) -> None:
        """Purge as needed so that *size* more bytes may be stored.

        Raises
        ------
        OutOfResourcesError
            No room even after purging; one WARNING when refusing starts,
            one INFO when stores are taken again.
        """
        with self._lock:
            if self.shortage(size):
                self.purge("room", room_for=size)
            reason = self.shortage(size)
            if reason and not self.refusing:
                logger.warning(
                    "archive refusing stores and printed films: %s (printing goes on)",
                    reason,
                )
            elif not reason and self.refusing:
                logger.info(
                    "archive storing again: %d MB free, %d MB used",
                    self._free() // MB,
                    self.used // MB,
                )
            self.refusing = bool(reason)
        if reason:
            raise OutOfResourcesError(reason)

    def added(self, size: int) -> None:
        """Count *size* more bytes stored (negative: fewer)."""
        with self._lock:
            self.used += size

    def shortage(self, size: int, freed: int = 0) -> str:
        """Why *size* bytes do not fit once *freed* bytes are deleted; empty
        when they fit."""
        policy = self.policy
        if policy.max_bytes and self.used - freed + size > policy.max_bytes:
            return f"archive full: max_mb {policy.max_bytes // MB} reached"
        if self._free() + freed - size < policy.min_free_bytes:
            return f"disk space below {policy.min_free_bytes // MB} MB kept free"
        return ""

    def _free(self) -> int:
        return shutil.disk_usage(self.root).free

    # Purging ----------------------------------------------------------------

    def purge(
        self,
        reason: str,
        *,
        older_than_days: float | None = None,
        room_for: int = 0,
        now: datetime | None = None,
    ) -> Purged:
        """One purge run: instances past their age, then printed films,
        oldest first, while the archive is over its share or floor.

        Parameters
        ----------
        reason : str
            For the log line: ``start``, ``periodic``, ``room``, ``admin``.
        older_than_days : float, optional
            Delete every instance older than this instead of applying the
            two ages of the policy (``archive purge --older-than``).
        room_for : int
            Bytes a store waits to write.
        now : datetime, optional
            The time ages count from; default now.

        Returns
        -------
        Purged
            What was deleted; one INFO line when anything was.
        """
        with self._lock:
            if reason == "periodic":  # an admin may have deleted meanwhile
                self.used = self.indexed_bytes()
            purged = self.delete(
                self._expired(now or datetime.now(UTC), older_than_days)
            )
            purged += self._make_room(room_for)
        if purged.unforwarded:
            logger.warning(
                "archive purge: %d instance(s) deleted past their retention age "
                "before they were forwarded",
                len(purged.unforwarded),
            )
        if purged.count or reason == "start":
            logger.info(
                "archive purge (%s): %d instance(s), %.1f MB freed; %.1f MB kept",
                reason,
                purged.count,
                purged.bytes / MB,
                self.used / MB,
            )
        return purged

    def _expired(
        self, now: datetime, older_than_days: float | None
    ) -> list[dict[str, Any]]:
        """Rows past their age, oldest first."""
        if older_than_days is not None:
            return self._rows("received < ?", [_before(now, older_than_days)])
        clauses, parameters = [], []
        for days, kind in (
            (self.policy.printed_film_days, _IS_FILM),
            (self.policy.retention_days, f"NOT ({_IS_FILM})"),
        ):
            if days > 0:
                clauses.append(f"({kind} AND received < ?)")
                parameters.append(_before(now, days))
        if not clauses:
            return []
        return self._rows(" OR ".join(clauses), parameters)

    # LIMITATION(LIM-072): only printed films are deleted to make room.
    def _make_room(self, size: int) -> Purged:
        """Delete printed films that are not waiting to be forwarded, oldest
        first, until *size* bytes fit (or none is left)."""
        purged = Purged()
        while self.shortage(size):
            rows = self._rows(
                f"{_IS_FILM} AND sop_instance_uid NOT IN "
                "(SELECT sop_instance_uid FROM forward)",
                [],
                limit=_BATCH,
            )
            chosen, freed = [], 0
            for row in rows:
                chosen.append(row)
                freed += _size(row)
                if not self.shortage(size, freed):
                    break
            if not chosen:
                break
            purged += self.delete(chosen)
        return purged

    def _rows(
        self, where: str, parameters: list[Any], limit: int = -1
    ) -> list[dict[str, Any]]:
        return self.index.select(
            "SELECT i.sop_instance_uid, i.file, i.size, "
            "f.sop_instance_uid IS NOT NULL AS queued FROM instances i "
            "LEFT JOIN forward f USING (sop_instance_uid) "
            f"WHERE {where} ORDER BY i.received LIMIT ?",
            [*parameters, limit],
        )

    # Deleting ---------------------------------------------------------------

    def delete(self, rows: list[dict[str, Any]]) -> Purged:
        """Delete instances (rows with ``sop_instance_uid``, ``file``,
        ``size`` and ``queued``): their index rows, then their files."""
        purged = Purged()
        for start in range(0, len(rows), 500):  # below SQLite's variable limit
            chunk = rows[start : start + 500]
            purged += self.forget(chunk)
            self.remove_files(chunk)
        return purged

    def forget(self, rows: list[dict[str, Any]]) -> Purged:
        """The first step of a delete: the index rows, in one transaction.
        From here on C-FIND does not return them."""
        uids = [str(row["sop_instance_uid"]) for row in rows]
        self.index.delete_instances(uids)
        freed = sum(_size(row) for row in rows)
        self.added(-freed)
        unforwarded = tuple(
            str(row["sop_instance_uid"]) for row in rows if row.get("queued")
        )
        return Purged(tuple(uids), freed, unforwarded)

    def remove_files(self, rows: list[dict[str, Any]]) -> None:
        """The second step of a delete: the files."""
        for row in rows:
            (self.root / str(row["file"])).unlink(missing_ok=True)

    def clean_orphans(self) -> int:
        """Remove files no index row names (a delete or a store cut short),
        before any store runs; returns how many."""
        indexed = {
            str(row["file"])
            for row in self.index.select("SELECT file FROM instances", [])
        }
        removed = 0
        for path in sorted((self.root / "files").glob("*/*")):
            if path.is_file() and str(path.relative_to(self.root)) not in indexed:
                path.unlink()
                removed += 1
        if removed:
            logger.warning("archive: %d file(s) no index row named, removed", removed)
        return removed


def _size(row: dict[str, Any]) -> int:
    try:
        return int(row.get("size") or 0)
    except ValueError:
        return 0


def _before(now: datetime, days: float) -> str:
    """The ``received`` value *days* before *now* (same ISO form)."""
    return (now - timedelta(days=days)).isoformat(timespec="microseconds")


def _filesystem_size(path: Path) -> int:
    """Size of the filesystem that holds *path* (or its nearest parent)."""
    path = path.absolute()
    while not path.exists() and path != path.parent:
        path = path.parent
    return shutil.disk_usage(path).total
