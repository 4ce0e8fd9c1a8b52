"""The archive: instance files under internal names, and their index.

Each instance is written as it was received (its data set bytes untouched,
behind a file meta header) to ``<data>/archive/files/xx/<hash>``: the name
is a digest of the SOP Instance UID, so no path is ever made from what a
peer sent.  SOP-model level: takes and returns pydicom data sets; never
imports pynetdicom.
"""

import errno
import hashlib
import logging
import os
import threading
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
from pydicom import dcmread
from pydicom.dataset import Dataset
from pydicom.filebase import DicomBytesIO
from pydicom.filewriter import write_dataset
from pydicom.uid import UID, ExplicitVRLittleEndian

from printserver.archive._charset import TextDecoder, answer_character_set
from printserver.archive._encoding import file_meta, read_header
from printserver.archive._films import PrintedFilm, film_image, pixel_data_element
from printserver.archive._index import Index
from printserver.archive._query import (
    DERIVED,
    KEYS,
    Query,
    normal_date,
    normal_time,
)
from printserver.archive._retention import Retention, RetentionPolicy
from printserver.errors import OutOfResourcesError, StorageRefusedError

logger = logging.getLogger(__name__)

#: Keys whose text depends on the Specific Character Set.
_TEXT_KEYS = (
    "PatientID",
    "PatientName",
    "AccessionNumber",
    "StudyID",
    "StudyDescription",
    "ReferringPhysicianName",
    "SeriesDescription",
)
#: UIDs every stored instance must carry, valid.
_REQUIRED_UIDS = ("SOPInstanceUID", "StudyInstanceUID", "SeriesInstanceUID")


@dataclass(frozen=True)
class StoredInstance:
    """What the archive kept of one C-STORE."""

    sop_instance_uid: str
    path: Path
    replaced: bool
    """True when an instance with this UID was there before."""

    warnings: tuple[str, ...] = ()
    """Deviations tolerated while indexing (character sets)."""


@dataclass(frozen=True)
class InstanceFile:
    """One instance to send back in a C-GET or C-MOVE."""

    sop_instance_uid: str
    sop_class_uid: str
    transfer_syntax_uid: str
    path: Path

    def read(self) -> Dataset:
        """The instance as pydicom reads it (elements left raw, so that
        the same transfer syntax writes the same bytes)."""
        return dcmread(self.path)


class Archive:
    """Files and index below ``<data>/archive``.

    Parameters
    ----------
    data_root : Path
        The server's data root.
    """

    def __init__(
        self,
        data_root: Path,
        forward_to: str = "",
        min_free_mb: int = 0,
        policy: RetentionPolicy | None = None,
    ):
        self.root = data_root / "archive"
        self.files = self.root / "files"
        self.files.mkdir(parents=True, exist_ok=True)
        self.index = Index(self.root / "index.sqlite")
        if policy is None:
            policy = RetentionPolicy(min_free_bytes=min_free_mb * 1_000_000)
        self.retention = Retention(self.index, self.root, policy)
        """Its limits, purging and deleting."""
        self.forward_to = forward_to
        self.on_queued: list[Callable[[], None]] = []
        """Called after an instance joins the forwarding queue."""

    def close(self) -> None:
        """Close the index."""
        self.index.close()

    def path_for(self, sop_instance_uid: str) -> Path:
        """The internal file name of an instance: a digest of its UID."""
        digest = hashlib.sha256(sop_instance_uid.encode("ascii", "replace"))
        name = digest.hexdigest()[:40]
        return self.files / name[:2] / name

    def store(  # noqa: PLR0913 - what one C-STORE brings
        self,
        data_set: bytes | Sequence[bytes | memoryview],
        transfer_syntax_uid: str,
        *,
        ds: Dataset | None = None,
        calling_ae: str = "",
        character_set_override: str = "",
        job_id: str = "",
        source_ae_title: str = "",
    ) -> StoredInstance:
        """Keep one instance: its file first, then its index row.

        Parameters
        ----------
        data_set : bytes, or a sequence of bytes and memoryviews
            The data set exactly as received (no file meta), or its parts
            in order; the file gets our File Meta Information before it.
        transfer_syntax_uid : str
            The transfer syntax it came in.
        ds : Dataset, optional
            The same data set, decoded (raw elements are fine); read from
            *data_set* (up to group 0020) when not given.
        calling_ae : str
            The peer that sent it.
        character_set_override : str
            The peer's ``character_set`` (see ``PeerConfig``), or empty.
        job_id : str
            The print job, for films the spooler archives.
        source_ae_title : str
            For the file meta; default *calling_ae*.

        Raises
        ------
        StorageRefusedError
            A UID the index needs is missing or not a valid UID, or the
            bytes are no data set we can read.
        """
        parts = [data_set] if isinstance(data_set, bytes) else list(data_set)
        if ds is None:
            try:
                whole = data_set if isinstance(data_set, bytes) else b"".join(parts)
                ds = read_header(whole, transfer_syntax_uid)
            except (ValueError, EOFError, KeyError, zlib.error) as exc:
                raise StorageRefusedError(f"data set unreadable: {exc}") from None
        uids = {keyword: _valid_uid(ds, keyword) for keyword in _REQUIRED_UIDS}
        sop_instance_uid = uids["SOPInstanceUID"]
        sop_class_uid = _valid_uid(ds, "SOPClassUID")
        meta = file_meta(
            sop_class_uid,
            sop_instance_uid,
            str(transfer_syntax_uid),
            source_ae_title or calling_ae,
        )
        path = self.path_for(sop_instance_uid)
        replaced = self._write(path, [meta, *parts])

        decoder = TextDecoder(ds, character_set_override)
        record = _record(ds, decoder)
        record.update(
            sop_instance_uid=sop_instance_uid,
            transfer_syntax_uid=str(transfer_syntax_uid),
            file=str(path.relative_to(self.root)),
            size=str(sum(len(part) for part in (meta, *parts))),
            received=datetime.now(UTC).isoformat(timespec="microseconds"),
            calling_ae=calling_ae,
            specific_character_set="\\".join(decoder.declared),
            job_id=job_id,
        )
        self.index.put(record)
        if self.forward_to and calling_ae != self.forward_to:
            self._queue_forward(sop_instance_uid)
        return StoredInstance(
            sop_instance_uid, path, replaced, tuple(dict.fromkeys(decoder.warnings))
        )

    def _write(self, path: Path, parts: list[bytes | memoryview]) -> bool:
        """Write a file whole or not at all (on disk before the answer);
        True when it replaced one.

        Raises
        ------
        OutOfResourcesError
            Too little disk left, or the write ran out of it.
        """
        size = sum(len(part) for part in parts)
        self.retention.make_room(size)
        try:
            old_size = path.stat().st_size
        except FileNotFoundError:
            old_size = 0
        try:
            replaced = self._write_file(path, parts)
        except OSError as exc:
            if exc.errno in (errno.ENOSPC, errno.EDQUOT):
                raise OutOfResourcesError("disk full") from exc
            raise
        self.retention.added(size - old_size)
        return replaced

    @staticmethod
    def _write_file(path: Path, parts: list[bytes | memoryview]) -> bool:
        replaced = path.exists()
        if not path.parent.is_dir():
            path.parent.mkdir(exist_ok=True)
        tmp = path.with_name(f".{path.name}.{threading.get_ident()}.tmp")
        try:
            with open(tmp, "wb") as f:
                for part in parts:
                    f.write(part)
                f.flush()
                os.fdatasync(f.fileno())
            os.replace(tmp, path)
        except OSError:
            tmp.unlink(missing_ok=True)
            raise
        return replaced

    def store_film(
        self, raster: np.ndarray, film: PrintedFilm, ae_title: str
    ) -> StoredInstance:
        """Keep a printed film as a Secondary Capture image."""
        ds = film_image(raster, film, ae_title, pixel_data=False)
        buffer = DicomBytesIO()
        buffer.is_little_endian, buffer.is_implicit_VR = True, False
        write_dataset(buffer, ds)
        return self.store(
            [buffer.getvalue(), *pixel_data_element(raster)],
            ExplicitVRLittleEndian,
            ds=ds,
            calling_ae=film.origin_ae,
            job_id=film.job_id,
            source_ae_title=ae_title,
        )

    # The store-and-forward queue ------------------------------------------

    def _queue_forward(self, sop_instance_uid: str) -> None:
        self.index.execute(
            "INSERT OR REPLACE INTO forward VALUES (?, 0, 0, '')", [sop_instance_uid]
        )
        for listener in self.on_queued:
            listener()

    def forward_due(self, now: float, limit: int = 64) -> list[InstanceFile]:
        """Queued instances whose next try is due, oldest first."""
        rows = self.index.select(
            "SELECT i.sop_instance_uid, i.sop_class_uid, i.transfer_syntax_uid, "
            "i.file FROM forward f JOIN instances i USING (sop_instance_uid) "
            "WHERE f.not_before <= ? ORDER BY f.rowid LIMIT ?",
            [now, limit],
        )
        return [_instance_file(self.root, row) for row in rows]

    def forward_next(self) -> float | None:
        """When the next queued instance is due; None when none waits."""
        rows = self.index.select("SELECT MIN(not_before) AS due FROM forward", [])
        due = rows[0]["due"] if rows else None
        return None if due is None else float(due)

    def forward_done(self, sop_instance_uid: str) -> None:
        """Take an instance the upstream PACS has off the queue."""
        self.index.execute(
            "DELETE FROM forward WHERE sop_instance_uid = ?", [sop_instance_uid]
        )

    def forward_failed(
        self, sop_instance_uid: str, error: str, first_delay: float, now: float
    ) -> float:
        """Count a failed try; the next is due after a doubled delay (an
        hour at most).  Returns that delay in seconds."""
        rows = self.index.select(
            "SELECT attempts FROM forward WHERE sop_instance_uid = ?",
            [sop_instance_uid],
        )
        attempts = int(rows[0]["attempts"]) + 1 if rows else 1
        delay = min(first_delay * 2.0 ** (attempts - 1), 3600.0)
        self.index.execute(
            "UPDATE forward SET attempts = ?, not_before = ?, error = ? "
            "WHERE sop_instance_uid = ?",
            [attempts, now + delay, error, sop_instance_uid],
        )
        return delay

    def find(self, query: Query) -> list[Dataset]:
        """The C-FIND answers to *query*, one data set per match.

        Each carries the requested keys (zero-length where the archive has
        no value), the Query/Retrieve Level, and a Specific Character Set
        that encodes its text: the query's own when it fits.
        """
        statement, parameters = query.sql()
        answers = []
        for row in self.index.select(statement, parameters):
            answers.append(_answer(query, row))
        return answers

    def instances(self, query: Query) -> list[InstanceFile]:
        """The instances a C-MOVE or C-GET of *query* sends."""
        statement, parameters = query.instances_sql()
        return [
            _instance_file(self.root, row)
            for row in self.index.select(statement, parameters)
        ]


def _instance_file(root: Path, row: dict[str, Any]) -> InstanceFile:
    return InstanceFile(
        row["sop_instance_uid"],
        row["sop_class_uid"],
        row["transfer_syntax_uid"],
        root / row["file"],
    )


def _valid_uid(ds: Dataset, keyword: str) -> str:
    """The value of a UID element, checked (PS3.5 9.1)."""
    value = _plain(ds, keyword)  # raw: pydicom would warn about a bad UID
    if not value:
        raise StorageRefusedError(f"{keyword} missing")
    if not UID(value).is_valid:
        raise StorageRefusedError(f"{keyword} is not a valid UID")
    return value


def _record(ds: Dataset, decoder: TextDecoder) -> dict[str, Any]:
    """Index columns from the data set's attributes."""
    record: dict[str, Any] = {}
    for keyword, key in KEYS.items():
        if keyword in _TEXT_KEYS:
            value = decoder.text(ds, keyword)
        else:
            value = _plain(ds, keyword)
        if value is None:
            continue
        if key.matching == "date":
            value = normal_date(value)
        if key.matching == "time":
            record[f"{key.column}_key"] = normal_time(value) if value else None
        record[key.column] = value
    return record


def _plain(ds: Dataset, keyword: str) -> str | None:
    """An ASCII-only element as a string (first value), None when absent."""
    if keyword not in ds:
        return None
    raw = ds.get_item(keyword).value
    if isinstance(raw, bytes):
        text = raw.decode("ascii", "replace")
    else:
        text = "" if raw is None else str(ds[keyword].value)
    return text.split("\\")[0].strip(" \x00")


def _answer(query: Query, row: dict[str, Any]) -> Dataset:
    """One C-FIND answer data set from an index row."""
    values: dict[str, Any] = {}
    for keyword in query.returned:
        if keyword in DERIVED:
            value = row.get(keyword)
            if keyword in ("ModalitiesInStudy", "SOPClassesInStudy") and value:
                value = sorted(str(value).split(","))
            values[keyword] = value
        elif keyword in KEYS:
            values[keyword] = row.get(KEYS[keyword].column)
        else:
            values[keyword] = None
    texts = [v for v in values.values() if isinstance(v, str)]
    ds = Dataset()
    character_set = answer_character_set(texts, query.character_set)
    if character_set:
        ds.SpecificCharacterSet = character_set
    ds.QueryRetrieveLevel = query.level.value
    for keyword, value in values.items():
        _set(ds, keyword, value)
    return ds


def _set(ds: Dataset, keyword: str, value: Any) -> None:
    """Set an answer key; a stored value its VR refuses goes zero-length."""
    if value is None or value == "":
        setattr(ds, keyword, None)
        return
    try:
        setattr(ds, keyword, value)
    except (ValueError, TypeError, OverflowError):
        logger.warning("answer key %s: stored value not valid, sent empty", keyword)
        setattr(ds, keyword, None)
