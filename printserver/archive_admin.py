"""``printserver archive list|show|delete|purge``: the archive's admin verbs.

In the style of ``printserver queue``: each verb works on the archive's
index and files (a running server sees the change), prints lines or, with
``--json``, a JSON document, and reports a wrong UID as one line on stderr
with exit status 1.
"""

import argparse
import sys
from typing import Any

from printserver.admin import emit
from printserver.archive import Archive, RetentionPolicy, contents
from printserver.config import Config

MB = 1_000_000


def add_archive_parser(commands: Any, common: argparse.ArgumentParser) -> None:
    """``printserver archive <verb>``."""
    archive = commands.add_parser("archive", help="list and delete archived studies")
    verbs = archive.add_subparsers(dest="archive_command", required=True)
    verbs.add_parser("list", parents=[common], help="one line per study")
    verbs.add_parser(
        "show", parents=[common], help="a study (or the study of a UID)"
    ).add_argument("uid")
    verbs.add_parser(
        "delete", parents=[common], help="a study, series or instance, by UID"
    ).add_argument("uid")
    purge = verbs.add_parser(
        "purge", parents=[common], help="delete by the retention rules now"
    )
    purge.add_argument(
        "--older-than", type=float, help="days: every instance older than this"
    )


def run_archive(config: Config, args: argparse.Namespace) -> int:
    """Carry out an ``archive`` verb."""
    if not (config.data_root / "archive" / "index.sqlite").exists():
        print(f"printserver: no archive in {config.data_root}", file=sys.stderr)
        return 1
    archive = Archive(config.data_root, policy=RetentionPolicy.from_config(config))
    try:
        return _VERBS[args.archive_command](archive, args)
    finally:
        archive.close()


def _list(archive: Archive, args: argparse.Namespace) -> int:
    studies = contents.studies(archive.index)
    lines = [f"{'STUDY INSTANCE UID':64} {'DATE':8} {'KIND':7} {'IMAGES':>6} {'MB':>8}"]
    lines += [_study_line(s) for s in studies]
    if not studies:
        lines = [f"no studies in {archive.root}"]
    emit(args, studies, "\n".join(lines))
    return 0


def _show(archive: Archive, args: argparse.Namespace) -> int:
    found = contents.study(archive.index, args.uid)
    if found is None:
        return _no_uid(args.uid)
    lines = [
        _study_line(found),
        f"  patient {found['patient_name'] or '-'} ({found['patient_id'] or '-'}), "
        f"{found['study_description'] or 'no description'}",
    ]
    lines += [
        f"  series {s['series_instance_uid']} {s['modality'] or '-'} "
        f"{s['instances']} image(s) {s['bytes'] / MB:.1f} MB "
        f"{s['series_description']}"
        for s in found["series_list"]
    ]
    emit(args, found, "\n".join(lines))
    return 0


def _delete(archive: Archive, args: argparse.Namespace) -> int:
    level, rows = contents.named_by(archive.index, args.uid)
    if not rows:
        return _no_uid(args.uid)
    purged = archive.retention.delete(rows)
    emit(
        args,
        {"level": level, "deleted": purged.sop_instance_uids, "bytes": purged.bytes},
        f"{level} {args.uid}: {purged.count} instance(s) deleted, "
        f"{purged.bytes / MB:.1f} MB freed",
    )
    return 0


def _purge(archive: Archive, args: argparse.Namespace) -> int:
    purged = archive.retention.purge("admin", older_than_days=args.older_than)
    if purged.unforwarded:
        print(
            f"printserver: warning: {len(purged.unforwarded)} instance(s) deleted "
            "before they were forwarded",
            file=sys.stderr,
        )
    emit(
        args,
        {
            "deleted": purged.sop_instance_uids,
            "bytes": purged.bytes,
            "unforwarded": purged.unforwarded,
        },
        f"{purged.count} instance(s) purged, {purged.bytes / MB:.1f} MB freed",
    )
    return 0


def _study_line(study: dict[str, Any]) -> str:
    kind = "films" if study["printed_films"] else "stored"
    return (
        f"{study['study_instance_uid']:64} {study['study_date'] or '-':8} "
        f"{kind:7} {study['instances']:6} {study['bytes'] / MB:8.1f}"
    )


def _no_uid(uid: str) -> int:
    print(
        f"printserver: no study, series or instance {uid!r} in the archive",
        file=sys.stderr,
    )
    return 1


_VERBS = {"list": _list, "show": _show, "delete": _delete, "purge": _purge}
