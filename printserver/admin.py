"""The admin verbs of the command line, modelled on CUPS: queue and printers.

Each verb works on the spool's files (the server, when running, notices the
change), prints one line or, with ``--json``, a JSON document, and reports a
wrong job id or state as one line on stderr with exit status 1.
"""

import argparse
import json
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

from printserver.config import Config
from printserver.errors import SpoolError
from printserver.spool import JobNotFoundError, PrinterStates, Spool

QUEUE_VERBS = (
    "list",
    "show",
    "hold",
    "release",
    "cancel",
    "retry",
    "move",
    "reprint",
    "purge",
)
PRINTER_VERBS = ("list", "enable", "disable", "accept", "reject")


def add_queue_parser(commands: Any, common: argparse.ArgumentParser) -> None:
    """``printserver queue <verb>``."""
    queue = commands.add_parser("queue", help="list and steer print jobs")
    verbs = queue.add_subparsers(dest="queue_command", required=True)
    verbs.add_parser("list", parents=[common], help="one line per job")
    for verb, text in (
        ("show", "one job with its history"),
        ("hold", "keep a pending job from printing"),
        ("release", "let a held job print"),
        ("cancel", "stop a job that has not printed"),
        ("retry", "print a failed or cancelled job again"),
    ):
        verbs.add_parser(verb, parents=[common], help=text).add_argument("job")
    move = verbs.add_parser(
        "move", parents=[common], help="send a job to another printer"
    )
    move.add_argument("job")
    move.add_argument("printer")
    reprint = verbs.add_parser(
        "reprint", parents=[common], help="print a job again as a new job"
    )
    reprint.add_argument("job")
    reprint.add_argument("--printer", help="another printer")
    reprint.add_argument(
        "--layout", help="another Image Display Format, e.g. STANDARD\\\\2,2"
    )
    purge = verbs.add_parser("purge", parents=[common], help="delete finished jobs")
    purge.add_argument("--older-than", type=float, default=7.0, help="days (default 7)")
    purge.add_argument("--failed", action="store_true", help="failed jobs too")


def add_printers_parser(commands: Any, common: argparse.ArgumentParser) -> None:
    """``printserver printers <verb>``."""
    printers = commands.add_parser("printers", help="list and steer printers")
    verbs = printers.add_subparsers(dest="printers_command", required=True)
    verbs.add_parser("list", parents=[common], help="printers and their state")
    for verb, text in (
        ("enable", "let the printer print"),
        ("disable", "stop printing; jobs wait"),
        ("accept", "take new jobs"),
        ("reject", "refuse new jobs (modalities get 0xC602)"),
    ):
        parser = verbs.add_parser(verb, parents=[common], help=text)
        parser.add_argument("printer")
        parser.add_argument("--reason", default="", help="shown in printers list")


def emit(args: argparse.Namespace, data: Any, line: str) -> None:
    if args.json:
        json.dump(data, sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        print(line)


def _table(jobs: list[dict[str, Any]], data_root: Path) -> str:
    if not jobs:
        return f"no jobs in {data_root / 'jobs'}"
    lines = [
        f"{'ID':28} {'STATE':10} {'CREATED':24} {'CALLING AE':16} {'PRINTER':10} FILMS"
    ]
    for job in jobs:
        lines.append(
            f"{job['id']:28} {job['state']:10} {job['created']:24} "
            f"{job['calling_ae']:16} {job['printer']:10} {job['films']:5}"
        )
    return "\n".join(lines)


def run_queue(config: Config, args: argparse.Namespace) -> int:
    """Carry out a ``queue`` verb."""
    spool = Spool(config.data_root)
    verb = args.queue_command
    names = {p.name for p in config.printers}
    try:
        if verb == "list":
            jobs = list(spool.summaries())
            emit(args, jobs, _table(jobs, config.data_root))
        elif verb == "show":
            shown = {
                **spool.summary(args.job),
                "history": spool.read_state(args.job)["history"],
            }
            history = "\n".join(
                [
                    f"  {h['time']}  {h['state']:10} {h['reason']}"
                    for h in shown["history"]
                ]
                + [f"  output: {path}" for path in shown["outputs"]]
            )
            emit(args, shown, _table([shown], config.data_root) + "\n" + history)
        elif verb in ("hold", "release", "cancel", "retry"):
            getattr(spool, verb)(args.job)
            emit(
                args,
                spool.summary(args.job),
                f"job {args.job}: {spool.summary(args.job)['state']}",
            )
        elif verb == "move":
            check_printer(args.printer, names)
            spool.move(args.job, args.printer)
            emit(
                args,
                spool.summary(args.job),
                f"job {args.job}: moved to {args.printer}",
            )
        elif verb == "reprint":
            if args.printer:
                check_printer(args.printer, names)
            try:
                new_id = spool.reprint(args.job, args.printer, args.layout or "")
            except JobNotFoundError:  # purged: its films may be in the archive
                new_id = _reprint_from_archive(config, spool, args)
            emit(args, spool.summary(new_id), f"job {new_id}: reprint of {args.job}")
        elif verb == "purge":
            purged = spool.purge(timedelta(days=args.older_than), args.failed)
            emit(args, purged, f"{len(purged)} job(s) purged")
    except SpoolError as exc:
        print(f"printserver: {exc}", file=sys.stderr)
        return 1
    return 0


def _reprint_from_archive(
    config: Config, spool: Spool, args: argparse.Namespace
) -> str:
    """``queue reprint`` of a job (or one film) known only to the archive."""
    from printserver.archive import Archive, reprint_archived  # noqa: PLC0415

    if args.layout:
        raise SpoolError(
            f"job {args.job} is not in the spool: its archived films print as "
            "they were (no --layout)"
        )
    archive = Archive(config.data_root)
    try:
        printer = args.printer or config.default_printer.name
        return reprint_archived(archive, spool, args.job, printer)
    finally:
        archive.close()


def check_printer(name: str, names: set[str]) -> None:
    """Raise ``SpoolError`` unless *name* is one of the printers *names*."""
    if name not in names:
        raise SpoolError(f"no printer {name!r} (printers: {', '.join(sorted(names))})")


#: What each ``printers`` verb changes in the printer's recorded state.
PRINTER_CHANGES: dict[str, dict[str, bool]] = {
    "enable": {"enabled": True},
    "disable": {"enabled": False},
    "accept": {"accepting": True},
    "reject": {"accepting": False},
}


def printer_listing(config: Config, states: PrinterStates) -> list[dict[str, Any]]:
    """Each configured printer with its name, kind and recorded state."""
    return [
        {"name": printer.name, "kind": printer.kind, **states.get(printer.name)}
        for printer in config.printers
    ]


def run_printers(config: Config, args: argparse.Namespace) -> int:
    """Carry out a ``printers`` verb."""
    states = PrinterStates(config.data_root)
    verb = args.printers_command
    if verb != "list":
        try:
            check_printer(args.printer, {p.name for p in config.printers})
        except SpoolError as exc:
            print(f"printserver: {exc}", file=sys.stderr)
            return 1
        states.set(args.printer, args.reason, **PRINTER_CHANGES[verb])

    listing = printer_listing(config, states)
    lines = [f"{'PRINTER':16} {'KIND':8} {'PRINTS':9} {'JOBS':10} {'STATUS':24} REASON"]
    lines += [
        f"{p['name']:16} {p['kind']:8} "
        f"{'enabled' if p['enabled'] else 'disabled':9} "
        f"{'accepting' if p['accepting'] else 'rejecting':10} "
        f"{status_text(p):24} {p['reason'] or p['status_comment']}"
        for p in listing
    ]
    emit(args, listing, "\n".join(lines))
    return 0


def status_text(printer: dict[str, Any]) -> str:
    """``NORMAL``, or ``FAILURE (PRINTER DOWN)``: the Printer SOP's terms."""
    if printer["status"] == "NORMAL":
        return "NORMAL"
    return f"{printer['status']} ({printer['status_info']})"
