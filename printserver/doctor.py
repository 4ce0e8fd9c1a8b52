"""``printserver doctor``: what stops the server from working, and the fix.

Checks the configuration, the data root, Ghostscript, each printer and the
DICOM port, and prints one line per check: ``ok`` with what was found, or
``FAIL`` with what is wrong and how to fix it.  Run it as the user the
service runs as, so that what it finds writable the service can write.
A command-line module: may import any layer.
"""

import errno
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, TextIO

from printserver.config import Config, PrinterConfig, load_config
from printserver.errors import ConfigError
from printserver.outputs import OutputError, make_output
from printserver.spool import PrinterStates

#: The configuration of an appliance install, used when no --config is given.
SYSTEM_CONFIG = Path("/etc/printserver/printserver.toml")
#: The user the systemd unit runs the server as.
SERVICE_USER = "printserver"
#: Longest wait for a printer or the port, in seconds.
TIMEOUT = 10.0
#: Where ``gs`` is looked for (as the renderer does).
_GS_SEARCH_PATH = "/usr/bin:/usr/local/bin:/bin"
#: How to bring a printer of each kind back.
_PRINTER_FIXES = {
    "folder": "check that the folder exists and the service may write it",
    "socket": "switch the printer on; check the network and the printer's "
    "host and port",
    "cups": "check that CUPS runs (systemctl status cups) and has the queue "
    "(lpstat -p QUEUE), or the printer's host and port",
    "dicom": "switch the film printer on; check its host, port and called_ae",
}


@dataclass(frozen=True)
class Check:
    """The outcome of one check."""

    name: str
    """What was checked, e.g. ``printer film``."""

    ok: bool
    """True when nothing stops the server here."""

    detail: str
    """What was found."""

    fix: str = ""
    """How to repair it (for a failure)."""

    def line(self) -> str:
        """The line printed for it."""
        if self.ok:
            return f"ok    {self.name}: {self.detail}"
        return f"FAIL  {self.name}: {self.detail}; fix: {self.fix}"


def add_doctor_parser(commands: Any) -> None:
    """``printserver doctor [--config FILE]``."""
    doctor = commands.add_parser(
        "doctor",
        help="check the configuration, data root, Ghostscript, printers, port",
    )
    doctor.add_argument(
        "--config",
        help=f"TOML configuration file (default: {SYSTEM_CONFIG} if it exists, "
        "else the embedded one)",
    )


def run(config_path: str | None, out: TextIO | None = None) -> int:
    """Run every check, print its line (to stdout); 0 when all passed."""
    passed = True
    for check in checks(config_path):
        print(check.line(), file=out or sys.stdout, flush=True)
        passed = passed and check.ok
    return 0 if passed else 1


def checks(config_path: str | None) -> Iterator[Check]:
    """Each check in turn (the configuration first: the rest need it)."""
    if config_path is None and SYSTEM_CONFIG.is_file():
        config_path = str(SYSTEM_CONFIG)
    source = config_path or "the embedded default"
    try:
        config = load_config(config_path)
    except ConfigError as exc:
        yield Check("configuration", False, str(exc), f"correct {source}")
        return
    yield Check("configuration", True, f"{source} parses")
    yield check_data_root(config)
    yield check_ghostscript()
    for printer in config.printers:
        yield check_printer(config, printer)
    yield check_port(config)
    if config.web.enabled:
        yield check_web(config, source)


# The data root ----------------------------------------------------------


def check_data_root(config: Config) -> Check:
    """The data root is a folder we can write (or create), with room."""
    root = config.data_root
    name = "data root"
    problem = _data_root_problem(root)
    if problem:
        return Check(name, False, *problem)

    existing = next(p for p in (root, *root.parents) if p.exists())
    free_mb = shutil.disk_usage(existing).free // 1_000_000  # as the spool counts
    floor = config.spool.min_free_mb
    if free_mb < floor:
        return Check(
            name, False, f"{root}: {free_mb} MB free, below spool.min_free_mb = "
            f"{floor}", f"free disk space on {existing}, or lower spool.min_free_mb",
        )  # fmt: skip
    found = "writable" if root.exists() else f"absent; {existing} lets us create it"
    return Check(name, True, f"{root}: {found}, {free_mb} MB free")


def _data_root_problem(root: Path) -> tuple[str, str] | None:
    """What is wrong with the data root, and the fix; None when nothing."""
    if root.exists() and not root.is_dir():
        return (
            f"{root} is not a folder",
            f"move {root} away, or set server.data to a folder",
        )
    create = (
        f"systemd-tmpfiles --create printserver.conf, or mkdir {root} "
        f"and chown {SERVICE_USER}: {root}"
    )
    # Root may write anywhere: on an appliance, judge for the service's user.
    service_uid = _service_uid()
    who = f"user {SERVICE_USER}" if service_uid is not None else _whoami()
    if not root.exists():
        parent = next(p for p in root.parents if p.exists())
        if service_uid is None and os.access(parent, os.W_OK | os.X_OK):
            return None
        return f"{root} does not exist, and {who} cannot create it", create

    owner = root.stat().st_uid
    if service_uid is not None and owner != service_uid:
        return (
            f"{root} belongs to {_user_name(owner)}, the service runs as "
            f"{SERVICE_USER}",
            f"chown -R {SERVICE_USER}: {root}",
        )
    for folder in (root, root / "jobs"):
        if folder.is_dir() and not _can_write(folder):
            return f"{who} cannot write in {folder}", create
    return None


def _service_uid() -> int | None:
    """The service user's uid when we run as root on an appliance."""
    if os.geteuid() != 0:
        return None
    try:
        return pwd.getpwnam(SERVICE_USER).pw_uid
    except KeyError:
        return None  # not an appliance install


def _can_write(folder: Path) -> bool:
    try:
        with tempfile.TemporaryFile(dir=folder):
            return True
    except OSError:
        return False


def _user_name(uid: int) -> str:
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return f"uid {uid}"


def _whoami() -> str:
    return f"user {_user_name(os.geteuid())}"


# Programs and printers --------------------------------------------------


def check_ghostscript() -> Check:
    """``gs --version`` runs (PDF copies of films need it)."""
    fix = "install the Debian package ghostscript (apt-get install ghostscript)"
    gs = shutil.which("gs", path=_GS_SEARCH_PATH)
    if gs is None:
        return Check("Ghostscript", False, "gs not found", fix)
    try:
        done = subprocess.run(
            [gs, "--version"], capture_output=True, text=True, timeout=TIMEOUT,
            check=False, stdin=subprocess.DEVNULL,
        )  # fmt: skip
    except (OSError, subprocess.TimeoutExpired) as exc:
        return Check("Ghostscript", False, f"{gs} --version: {exc}", fix)
    if done.returncode != 0:
        return Check("Ghostscript", False, f"{gs} --version failed", fix)
    return Check("Ghostscript", True, f"{gs} {done.stdout.strip()}")


def check_printer(config: Config, printer: PrinterConfig) -> Check:
    """The printer answers its output's status query, and is enabled."""
    name = f"printer {printer.name} ({printer.kind})"
    quick = replace(printer, timeout=min(printer.timeout, TIMEOUT))
    output = make_output(quick, config)
    try:
        status = output.status()
    except (OutputError, OSError) as exc:
        return Check(name, False, str(exc), _PRINTER_FIXES[printer.kind])
    finally:
        output.close()
    said = f"{status.status} ({status.info})"
    if status.comment:
        said += f": {status.comment}"
    if status.status == "FAILURE":
        return Check(name, False, said, _PRINTER_FIXES[printer.kind])

    reason = _disabled(config, printer.name)
    if reason is not None:
        return Check(
            name, False, f"{said}; disabled ({reason})",
            f"printserver printers enable {printer.name}",
        )  # fmt: skip
    return Check(name, True, said)


def _disabled(config: Config, name: str) -> str | None:
    """Why an admin (or the spooler) disabled the printer; None if enabled."""
    try:
        state = PrinterStates(config.data_root).get(name)
    except OSError:
        return None  # no readable data root: its own check says so
    if state["enabled"]:
        return None
    return str(state["reason"] or "no reason given")


# The port ---------------------------------------------------------------


def check_port(config: Config) -> Check:
    """The DICOM port is free, or held by a print server that answers."""
    host, port = config.server.host, config.server.port
    name = f"port {port} on {host}"
    try:
        _try_bind(host, port)
    except OSError as exc:
        refused = exc
    else:
        return Check(name, True, "free")

    # Imported here: pynetdicom is only needed when the port is taken.
    from printserver.scp import echo  # noqa: PLC0415

    ae_title = config.server.ae_title
    local = {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}.get(host, host)
    if echo(local, port, ae_title, "DOCTOR", TIMEOUT) == 0:
        return Check(name, True, f"in use by a running printserver ({ae_title})")
    if refused.errno == errno.EACCES and port < 1024:
        # Only the unit's CAP_NET_BIND_SERVICE lets the service bind it.
        return Check(
            name, True, f"privileged, not tried as {_whoami()}: the unit's "
            "CAP_NET_BIND_SERVICE lets the service bind it",
        )  # fmt: skip
    return Check(
        name, False, f"{refused.strerror}, and no C-ECHO answer as {ae_title}",
        f"stop the program that holds it (ss -ltnp 'sport = :{port}'), "
        "or set server.port",
    )  # fmt: skip


def check_web(config: Config, source: str) -> Check:
    """The web page has a password, and its port is free or ours."""
    web = config.web
    name = f"web page port {web.port} on {web.host}"
    if not web.password_hash:
        return Check(
            name, False, "no admin password: nobody can log in",
            f"printserver passwd --config {source}, then restart the service",
        )  # fmt: skip
    try:
        _try_bind(web.host, web.port)
    except OSError as exc:
        refused = exc
    else:
        return Check(name, True, "free, password set")
    local = {"0.0.0.0": "127.0.0.1", "::": "::1"}.get(web.host, web.host)
    url = f"http://{local}:{web.port}/metrics"
    try:
        with urllib.request.urlopen(url, timeout=TIMEOUT) as rsp:
            ours = b"printserver_jobs" in rsp.read()
    except OSError:
        ours = False
    if ours:
        return Check(name, True, "in use by a running printserver's page")
    return Check(
        name, False, f"{refused.strerror}, and no printserver page answers there",
        f"stop the program that holds it (ss -ltnp 'sport = :{web.port}'), "
        "or set web.port",
    )  # fmt: skip


def _try_bind(host: str, port: int) -> None:
    """Bind and close at once, as the server would (SO_REUSEADDR)."""
    family, kind, proto, _, address = socket.getaddrinfo(
        host or None, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
    )[0]
    with socket.socket(family, kind, proto) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
