"""The SQLite index of the archive: one row per stored instance.

One connection shared by every association's thread behind a lock; WAL so
that the admin CLI can read while the server writes.  Imports only the
standard library and the key table of ``_query``.
"""

import sqlite3
import threading
from pathlib import Path
from typing import Any

from printserver.archive._query import KEYS

#: Columns beyond the query keys.
_EXTRA_COLUMNS = (
    "transfer_syntax_uid",
    "file",
    "size",
    "received",
    "calling_ae",
    "specific_character_set",
    "job_id",
    "study_time_key",
    "series_time_key",
    "content_time_key",
)
COLUMNS = tuple(k.column for k in KEYS.values()) + _EXTRA_COLUMNS
_INDEXED = (
    "patient_id",
    "study_instance_uid",
    "series_instance_uid",
    "patient_name",
    "received",  # retention purges oldest first
)


class Index:
    """The instances table.

    Parameters
    ----------
    path : Path
        The database file; created with its table when missing.
    """

    def __init__(self, path: Path):
        self._lock = threading.Lock()
        self._conn = sqlite3.connect(
            str(path), check_same_thread=False, isolation_level=None
        )
        self._conn.row_factory = sqlite3.Row
        with self._lock:
            self._conn.execute("PRAGMA journal_mode=WAL")
            self._conn.execute("PRAGMA synchronous=NORMAL")
            others = ", ".join(f"{c} TEXT" for c in COLUMNS if c != "sop_instance_uid")
            self._conn.execute(
                "CREATE TABLE IF NOT EXISTS instances ("
                f"sop_instance_uid TEXT PRIMARY KEY, {others})"
            )
            self._conn.execute(
                "CREATE TABLE IF NOT EXISTS forward (sop_instance_uid TEXT "
                "PRIMARY KEY, attempts INTEGER, not_before REAL, error TEXT)"
            )
            for column in _INDEXED:
                self._conn.execute(
                    f"CREATE INDEX IF NOT EXISTS by_{column} ON instances({column})"
                )

    def put(self, record: dict[str, Any]) -> None:
        """Insert or replace the row of one instance."""
        columns = [c for c in COLUMNS if c in record]
        marks = ", ".join("?" for _ in columns)
        with self._lock:
            self._conn.execute(
                f"INSERT OR REPLACE INTO instances ({', '.join(columns)}) "
                f"VALUES ({marks})",
                [record[c] for c in columns],
            )

    def select(self, statement: str, parameters: list[Any]) -> list[dict[str, Any]]:
        """Rows of a SELECT as dictionaries."""
        with self._lock:
            rows = self._conn.execute(statement, parameters).fetchall()
        return [dict(row) for row in rows]

    def execute(self, statement: str, parameters: list[Any]) -> int:
        """Run a statement that changes rows; returns how many it changed."""
        with self._lock:
            return int(self._conn.execute(statement, parameters).rowcount)

    def delete_instances(self, sop_instance_uids: list[str]) -> None:
        """Remove the rows of instances, and their forwarding entries, in
        one transaction."""
        marks = ", ".join("?" for _ in sop_instance_uids)
        where = f"WHERE sop_instance_uid IN ({marks})"
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                self._conn.execute(f"DELETE FROM instances {where}", sop_instance_uids)
                self._conn.execute(f"DELETE FROM forward {where}", sop_instance_uids)
            except sqlite3.Error:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")

    def close(self) -> None:
        """Close the connection."""
        with self._lock:
            self._conn.close()
