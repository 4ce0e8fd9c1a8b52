"""What the archive holds, for the admin: studies, their series, and the
instances a UID names.  Reads the index only; imports the standard library
and the index.
"""

from typing import Any

from printserver.archive._index import Index

#: Per study: counts, size, and whether it holds printed films.
_STUDY_COLUMNS = (
    "study_instance_uid, MIN(patient_name) AS patient_name, "
    "MIN(patient_id) AS patient_id, MIN(study_date) AS study_date, "
    "MIN(study_description) AS study_description, "
    "COUNT(DISTINCT series_instance_uid) AS series, COUNT(*) AS instances, "
    "SUM(CAST(size AS INTEGER)) AS bytes, MIN(received) AS received, "
    "MAX(COALESCE(job_id, '') != '') AS printed_films"
)


def studies(index: Index) -> list[dict[str, Any]]:
    """Every study, oldest received first."""
    return [
        _typed(row)
        for row in index.select(
            f"SELECT {_STUDY_COLUMNS} FROM instances "
            "GROUP BY study_instance_uid ORDER BY MIN(received)",
            [],
        )
    ]


def study(index: Index, uid: str) -> dict[str, Any] | None:
    """The study that *uid* names, or holds as a series or instance, with
    its series; None when the archive has none."""
    rows = index.select(
        "SELECT study_instance_uid FROM instances WHERE study_instance_uid = ? "
        "OR series_instance_uid = ? OR sop_instance_uid = ? LIMIT 1",
        [uid, uid, uid],
    )
    if not rows:
        return None
    study_instance_uid = rows[0]["study_instance_uid"]
    [found] = index.select(
        f"SELECT {_STUDY_COLUMNS} FROM instances WHERE study_instance_uid = ? "
        "GROUP BY study_instance_uid",
        [study_instance_uid],
    )
    series = index.select(
        "SELECT series_instance_uid, MIN(modality) AS modality, "
        "MIN(series_description) AS series_description, COUNT(*) AS instances, "
        "SUM(CAST(size AS INTEGER)) AS bytes FROM instances "
        "WHERE study_instance_uid = ? GROUP BY series_instance_uid "
        "ORDER BY MIN(received)",
        [study_instance_uid],
    )
    return {**_typed(found), "series_list": [_typed(row) for row in series]}


def named_by(index: Index, uid: str) -> tuple[str, list[dict[str, Any]]]:
    """The level *uid* is at (``study``, ``series``, ``instance``) and the
    rows of the instances it names, for ``Retention.delete``; ``("", [])``
    when none."""
    for level, column in (
        ("study", "study_instance_uid"),
        ("series", "series_instance_uid"),
        ("instance", "sop_instance_uid"),
    ):
        rows = index.select(
            "SELECT i.sop_instance_uid, i.file, i.size, "
            "f.sop_instance_uid IS NOT NULL AS queued FROM instances i "
            f"LEFT JOIN forward f USING (sop_instance_uid) WHERE i.{column} = ?",
            [uid],
        )
        if rows:
            return level, rows
    return "", []


def _typed(row: dict[str, Any]) -> dict[str, Any]:
    """Counts as int, text columns as text (empty, not None)."""
    typed: dict[str, Any] = {}
    for key, value in row.items():
        if key in ("series", "instances", "bytes"):
            typed[key] = int(value or 0)
        elif key == "printed_films":
            typed[key] = bool(value)
        else:
            typed[key] = value or ""
    return typed
