"""Retention of the archive: ages, its share of the disk, crash-safe delete."""

import logging
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from pydicom.dataset import Dataset

from printserver.archive import (
    Archive,
    InformationModel,
    PrintedFilm,
    RetentionPolicy,
    parse_identifier,
)
from printserver.errors import OutOfResourcesError
from tests.net.dicomtools import data_set_bytes, image

NOW = datetime.now(UTC)


def _archive(tmp_path, **policy):
    return Archive(tmp_path / "data", policy=RetentionPolicy(**policy))


def _instance(archive, tmp_path, days_old=0.0, **attributes):
    path = image(tmp_path, "in.dcm", **attributes)
    stored = archive.store(data_set_bytes(path), "1.2.840.10008.1.2.1")
    _back_date(archive, stored.sop_instance_uid, days_old)
    return stored


def _film(archive, job_id, days_old=0.0, size=200):
    raster = np.full((size, size), 77, np.uint8)
    film = PrintedFilm(job_id=job_id, index=1, count=1, dpi=100, origin_ae="CT1")
    stored = archive.store_film(raster, film, "PRINTSCP")
    _back_date(archive, stored.sop_instance_uid, days_old)
    return stored


def _back_date(archive, sop_instance_uid, days_old):
    received = (NOW - timedelta(days=days_old)).isoformat(timespec="microseconds")
    archive.index.execute(
        "UPDATE instances SET received = ? WHERE sop_instance_uid = ?",
        [received, sop_instance_uid],
    )


def _kept(archive):
    rows = archive.index.select("SELECT sop_instance_uid FROM instances", [])
    return {row["sop_instance_uid"] for row in rows}


def _files(archive):
    return {p for p in archive.files.rglob("*") if p.is_file()}


def test_purge_removes_exactly_the_expired(tmp_path, caplog):
    archive = _archive(tmp_path, printed_film_days=30, retention_days=90)
    old_film = _film(archive, "job-old", days_old=31)
    new_film = _film(archive, "job-new", days_old=29)
    old_ct = _instance(archive, tmp_path, days_old=91)
    young_ct = _instance(archive, tmp_path, days_old=31)
    gone_bytes = old_film.path.stat().st_size + old_ct.path.stat().st_size

    with caplog.at_level(logging.INFO, "printserver.archive"):
        purged = archive.retention.purge("periodic")

    assert set(purged.sop_instance_uids) == {
        old_film.sop_instance_uid,
        old_ct.sop_instance_uid,
    }
    assert purged.bytes == gone_bytes
    assert _kept(archive) == {new_film.sop_instance_uid, young_ct.sop_instance_uid}
    assert _files(archive) == {new_film.path, young_ct.path}
    assert archive.retention.used == archive.retention.indexed_bytes()
    [line] = [r.getMessage() for r in caplog.records if "purge" in r.getMessage()]
    assert line.startswith(
        f"archive purge (periodic): 2 instance(s), {gone_bytes / 1e6:.1f} MB freed"
    )
    archive.close()


def test_zero_days_keep_forever(tmp_path):
    archive = _archive(tmp_path)
    film = _film(archive, "job-1", days_old=3000)
    ct = _instance(archive, tmp_path, days_old=3000)
    assert archive.retention.purge("periodic").count == 0
    assert _kept(archive) == {film.sop_instance_uid, ct.sop_instance_uid}
    archive.close()


def test_older_than_purges_both_kinds(tmp_path):
    archive = _archive(tmp_path)
    film = _film(archive, "job-1", days_old=10)
    ct = _instance(archive, tmp_path, days_old=10)
    fresh = _instance(archive, tmp_path, days_old=1)
    purged = archive.retention.purge("admin", older_than_days=5)
    assert set(purged.sop_instance_uids) == {film.sop_instance_uid, ct.sop_instance_uid}
    assert _kept(archive) == {fresh.sop_instance_uid}
    archive.close()


def test_max_bytes_makes_room_from_the_oldest_printed_films(tmp_path):
    probe = _archive(tmp_path / "probe")
    film_bytes = _film(probe, "probe").path.stat().st_size
    probe.close()
    archive = _archive(tmp_path, max_bytes=3 * film_bytes + film_bytes // 2)
    ct = _instance(archive, tmp_path, days_old=50)  # received: never for room
    ct_bytes = ct.path.stat().st_size
    assert ct_bytes < film_bytes // 2
    films = [_film(archive, f"job-{i}", days_old=10 - i) for i in range(5)]

    # Three films fit beside the CT image: the two oldest films made room.
    assert _kept(archive) == {ct.sop_instance_uid} | {
        f.sop_instance_uid for f in films[2:]
    }
    on_disk = sum(p.stat().st_size for p in _files(archive))
    assert archive.retention.used == on_disk == archive.retention.indexed_bytes()
    assert archive.retention.used <= archive.retention.policy.max_bytes
    archive.close()


def test_full_of_received_instances_refuses_then_takes_again(tmp_path, caplog):
    probe = _archive(tmp_path / "probe")
    one = _instance(probe, tmp_path).path.stat().st_size
    probe.close()
    archive = _archive(tmp_path, max_bytes=2 * one + one // 2)
    first = _instance(archive, tmp_path)
    _instance(archive, tmp_path)

    with caplog.at_level(logging.INFO, "printserver.archive"):
        for _ in range(2):
            with pytest.raises(OutOfResourcesError, match="archive full: max_mb 0"):
                _instance(archive, tmp_path)
        with pytest.raises(OutOfResourcesError):
            _film(archive, "job-1")
        archive.retention.delete(
            [{"sop_instance_uid": first.sop_instance_uid, "file": str(
                first.path.relative_to(archive.root)), "size": one}]
        )  # fmt: skip
        _instance(archive, tmp_path)
    messages = [(r.levelname, r.getMessage()) for r in caplog.records]
    refusing = [m for m in messages if "refusing" in m[1]]
    assert refusing == [
        (
            "WARNING",
            "archive refusing stores and printed films: archive full: max_mb 0 "
            "reached (printing goes on)",
        )
    ]
    assert [m[0] for m in messages if "storing again" in m[1]] == ["INFO"]
    archive.close()


def test_floor_above_the_spools(tmp_path, server_config):
    from dataclasses import replace  # noqa: PLC0415

    from printserver.config import ArchiveConfig, SpoolConfig  # noqa: PLC0415

    config = replace(
        server_config,
        spool=SpoolConfig(min_free_mb=200),
        archive=ArchiveConfig(min_free_margin_mb=50, max_mb=7),
    )
    policy = RetentionPolicy.from_config(config)
    assert policy.min_free_bytes == 250_000_000
    assert policy.max_bytes == 7_000_000
    default = RetentionPolicy.from_config(replace(config, archive=ArchiveConfig()))
    assert default.max_bytes > 0
    assert (default.printed_film_days, default.retention_days) == (30.0, 0.0)


def test_queued_instances_go_by_age_only_and_with_a_warning(tmp_path, caplog):
    archive = Archive(
        tmp_path / "data",
        forward_to="PACS",
        policy=RetentionPolicy(printed_film_days=30, max_bytes=1),
    )
    with pytest.raises(OutOfResourcesError):  # nothing to delete for room
        _film(archive, "job-0")
    archive.retention.policy = RetentionPolicy(printed_film_days=30)
    old = _film(archive, "job-1", days_old=40)
    young = _film(archive, "job-2", days_old=1)
    archive.retention.policy = RetentionPolicy(printed_film_days=30, max_bytes=1)
    assert archive.retention.purge("room", room_for=1).sop_instance_uids == (
        old.sop_instance_uid,
    )  # by age: yes; for room: the young one waits to be forwarded
    assert _kept(archive) == {young.sop_instance_uid}
    warnings = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert (
        "archive purge: 1 instance(s) deleted past their retention age before "
        "they were forwarded" in warnings
    )
    assert [f.sop_instance_uid for f in archive.forward_due(1e12)] == [
        young.sop_instance_uid
    ]
    archive.close()


def test_crash_between_index_and_file_leaves_only_an_orphan(tmp_path):
    archive = _archive(tmp_path)
    kept = _instance(archive, tmp_path, PatientID="KEEP")
    doomed = _instance(archive, tmp_path, PatientID="DOOMED")
    rows = archive.index.select(
        "SELECT sop_instance_uid, file, size FROM instances WHERE sop_instance_uid = ?",
        [doomed.sop_instance_uid],
    )
    # The first step only, as if killed before the file went.
    archive.retention.forget(rows)
    query = parse_identifier(_patient_query("*"), InformationModel.PATIENT_ROOT)
    assert [str(ds.PatientID) for ds in archive.find(query)] == ["KEEP"]
    assert doomed.path.exists()
    half_written = kept.path.with_name(f".{kept.path.name}.1.tmp")
    half_written.write_bytes(b"half")
    archive.close()

    # The next start removes what no row names, and nothing else.
    archive = _archive(tmp_path)
    assert archive.retention.clean_orphans() == 2
    assert _files(archive) == {kept.path}
    assert archive.retention.used == kept.path.stat().st_size
    archive.close()


def _patient_query(patient_id):
    identifier = Dataset()
    identifier.QueryRetrieveLevel = "PATIENT"
    identifier.PatientID = patient_id
    return identifier


def test_retention_keys_parse_and_are_checked():
    from printserver.config import parse_config  # noqa: PLC0415
    from printserver.errors import ConfigError  # noqa: PLC0415

    config = parse_config(
        "[spool]\nmin_free_mb = 100\n[archive]\nmax_mb = 5000\n"
        "printed_film_days = 7\nretention_days = 365\nmin_free_margin_mb = 100\n"
        "purge_minutes = 15\n"
    )
    policy = RetentionPolicy.from_config(config)
    assert policy == RetentionPolicy(5_000_000_000, 7.0, 365.0, 200_000_000)
    assert config.archive.purge_minutes == 15
    for text, message in (
        ("max_mb = -1", "archive.max_mb: must be >= 0, not -1"),
        ("retention_days = -2", "archive.retention_days: must be >= 0"),
        ("purge_minutes = 0", "archive.purge_minutes: must be > 0"),
    ):
        with pytest.raises(ConfigError, match=message):
            parse_config(f"[archive]\n{text}\n")
