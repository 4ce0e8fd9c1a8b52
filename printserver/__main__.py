"""Command line: ``printserver serve`` and ``printserver queue list``.

Parses arguments, reads the configuration once and hands it down.
"""

import argparse
import json
import logging
import signal
import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from printserver.scp import PrintSCP

from printserver import __version__, admin, archive_admin, doctor
from printserver import password as passwd
from printserver.config import Config, load_config
from printserver.errors import ConfigError, SpoolError
from printserver.logsetup import init_logging
from printserver.memory import limit_malloc_arenas
from printserver.spool import Spool
from printserver.systemd import ServiceNotifier, queue_status, supervise

logger = logging.getLogger("printserver")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="printserver", description="DICOM print server and film spooler."
    )
    parser.add_argument(
        "--version", action="version", version=f"printserver {__version__}"
    )
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="run the print server in the foreground")
    serve.add_argument("--config", help="TOML configuration file (default: embedded)")
    serve.add_argument("--port", type=int, help="TCP port to listen on (default 11112)")
    serve.add_argument("--host", help="address to listen on (default 0.0.0.0)")
    serve.add_argument("--ae-title", help="our AE title (default PRINTSCP)")
    serve.add_argument("--data", help="data root (default ./spool)")
    serve.add_argument("--log-level", default="INFO", help="DEBUG, INFO, WARNING...")

    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--json", action="store_true", help="machine-readable output")
    common.add_argument("--data", help="data root (default from --config, or ./spool)")
    common.add_argument("--config", help="TOML configuration file")
    admin.add_queue_parser(commands, common)
    admin.add_printers_parser(commands, common)
    archive_admin.add_archive_parser(commands, common)
    doctor.add_doctor_parser(commands)
    passwd.add_passwd_parser(commands)

    direct = commands.add_parser(
        "print", parents=[common], help="print DICOM image files through the spool"
    )
    direct.add_argument("files", nargs="*", help="DICOM image files")
    direct.add_argument("--study", help="an archived study's Study Instance UID")
    direct.add_argument(
        "--layout", default="STANDARD\\1,1", help="Image Display Format"
    )
    direct.add_argument("--film-size", default="14INX17IN", help="Film Size ID")
    direct.add_argument(
        "--orientation", default="PORTRAIT", help="PORTRAIT or LANDSCAPE"
    )
    direct.add_argument("--printer", help="printer name (default: the first)")

    calibrate = commands.add_parser(
        "calibrate", help="write a printer's characteristic curve from a step wedge"
    )
    calibrate.add_argument(
        "measurements", help="file of 'drive OD' lines, drive 0-255 (or 0-1)"
    )
    calibrate.add_argument("--printer", help="printer name (default: the first)")
    calibrate.add_argument("--config", help="TOML configuration file")
    calibrate.add_argument(
        "--dry-run", action="store_true", help="report only, change no file"
    )
    return parser


def _config(args: argparse.Namespace) -> Config:
    return load_config(
        args.config,
        data=getattr(args, "data", None),
        port=getattr(args, "port", None),
        host=getattr(args, "host", None),
        ae_title=getattr(args, "ae_title", None),
    )


def serve(config: Config) -> int:
    """Run the server until SIGTERM or SIGINT."""
    # pynetdicom is imported only when serving, not for queue commands.
    from printserver.hotfolder import HotFolders  # noqa: PLC0415
    from printserver.scp import PrintSCP  # noqa: PLC0415

    limit_malloc_arenas()
    scp = PrintSCP(config)
    notifier = ServiceNotifier()
    supervise(notifier, scp.spooler)
    try:
        scp.start()
    except OSError as exc:
        logger.critical(
            "cannot start: %s (port %s, data root %s)",
            exc,
            config.server.port,
            config.data_root,
        )
        notifier.status(f"cannot start: {exc}")
        scp.spooler.stop()
        return 1
    web = _start_web(config, scp)
    if web is False:
        scp.stop()
        return 1
    hotfolders = HotFolders(config, scp.spool, scp.spooler.enqueue)
    try:
        hotfolders.start()
    except OSError as exc:
        logger.critical("cannot start: hot folder: %s", exc)
        if web:
            web.stop()
        scp.stop()
        return 1
    notifier.ready(queue_status(scp.spool))

    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        logger.info("received %s", signal.Signals(signum).name)
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    stop.wait()
    hotfolders.stop()
    notifier.stopping()
    if web:
        web.stop()
    scp.stop()
    notifier.close()
    return 0


def _start_web(config: Config, scp: "PrintSCP") -> Any:
    """The web admin page, serving; None when off, False when it failed."""
    if not config.web.enabled:
        return None
    from printserver.web import WebAdmin  # noqa: PLC0415 - Flask only here

    web = WebAdmin(config, scp.spooler, scp)
    try:
        web.start()
    except OSError as exc:
        logger.critical(
            "cannot start: web admin page on %s:%s: %s",
            config.web.host,
            config.web.port,
            exc,
        )
        return False
    return web


def print_command(config: Config, args: argparse.Namespace) -> int:
    """Queue DICOM files as one job; the running server prints it."""
    from printserver.direct import print_files  # noqa: PLC0415 - pydicom only here

    printer = args.printer or config.default_printer.name
    if printer not in {p.name for p in config.printers}:
        print(f"printserver: no printer {printer!r}", file=sys.stderr)
        return 1
    if bool(args.files) == bool(args.study):
        print("printserver: give image files or --study UID", file=sys.stderr)
        return 1
    layout = {
        "image_display_format": args.layout,
        "film_size_id": args.film_size.upper(),
        "film_orientation": args.orientation,
        "printer": printer,
    }
    try:
        if args.study:
            job_id = _print_study(config, args.study, layout)
        else:
            job_id = print_files(
                Spool(config.data_root), [Path(f) for f in args.files], **layout
            )
    except SpoolError as exc:
        print(f"printserver: {exc}", file=sys.stderr)
        return 1
    if args.json:
        json.dump(Spool(config.data_root).summary(job_id), sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        print(f"job {job_id}: queued on {printer}")
    return 0


def _print_study(
    config: Config, study_instance_uid: str, layout: dict[str, str]
) -> str:
    """Queue an archived study (``print --study``); returns the job id."""
    from printserver.archive import Archive, print_study  # noqa: PLC0415

    archive = Archive(config.data_root)
    try:
        return print_study(
            archive, Spool(config.data_root), study_instance_uid, **layout
        )
    finally:
        archive.close()


def calibrate(config: Config, args: argparse.Namespace) -> int:
    """Write the step wedge into the printer's profile and report."""
    from printserver import calibrate as calibration  # noqa: PLC0415 - numpy only here

    printer = config.printer(args.printer) if args.printer else config.default_printer
    if args.printer and printer.name != args.printer:
        print(f"printserver: no printer {args.printer!r}", file=sys.stderr)
        return 2
    profile = config.profile(printer)
    try:
        curve = calibration.read_measurements(Path(args.measurements))
    except (ConfigError, OSError) as exc:
        print(f"printserver: {exc}", file=sys.stderr)
        return 2

    report = calibration.check(profile, curve)
    low, high = report.measured_range
    print(f"printer {printer.name}: {len(curve)} steps, OD {low:.2f} to {high:.2f}")
    print(
        f"profile density range {profile.min_density / 100:.2f} to "
        f"{profile.max_density / 100:.2f}"
    )
    if low > profile.min_density / 100 or high < profile.max_density / 100:
        print("warning: the wedge does not cover the profile's density range")
    print(f"worst deviation from the GSDF target: {report.worst_deviation:.3f} OD")
    if args.dry_run:
        return 0
    calibration.write_curve(profile.path, curve)
    print(f"characteristic_curve written to {profile.path}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:  # noqa: PLR0911 - a command each
    """Entry point of the ``printserver`` command."""
    args = _parser().parse_args(argv)
    if args.command == "doctor":  # a bad configuration is one of its findings
        return doctor.run(args.config)
    if args.command == "passwd":
        return passwd.run_passwd(args)
    try:
        config = _config(args)
    except ConfigError as exc:
        print(f"printserver: configuration error: {exc}", file=sys.stderr)
        return 2

    if args.command == "serve":
        init_logging(args.log_level.upper())
        return serve(config)
    commands = {"calibrate": calibrate, "print": print_command}
    if args.command in commands:
        return commands[args.command](config, args)
    try:
        if args.command == "printers":
            return admin.run_printers(config, args)
        if args.command == "archive":
            return archive_admin.run_archive(config, args)
        return admin.run_queue(config, args)
    except BrokenPipeError:  # output piped into head & co.
        sys.stderr.close()
        return 0


if __name__ == "__main__":
    sys.exit(main())
