"""A private ``cupsd`` for tests: own folders, loopback port, no auth.

Queues print through a ``testfile`` backend written here: one file per
job, ``job-<id>.ps`` in the folder the device URI names (written under a
temporary name, then renamed).  Filters and backends run as ``lp``, so the
whole tree lives under a world-traversable folder in /tmp.
"""

import os
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

import cups

BACKEND = """#!/bin/sh
if [ $# -eq 0 ]; then
  echo 'direct testfile "Unknown" "One file per job"'
  exit 0
fi
dir="${DEVICE_URI#testfile:}"
[ -d "$dir" ] || { echo "ERROR: no folder $dir" >&2; exit 1; }
tmp="$dir/.job-$1.tmp"
if [ $# -ge 6 ]; then cat "$6" > "$tmp"; else cat > "$tmp"; fi
mv "$tmp" "$dir/job-$1.ps"
"""

CUPSD_CONF = """LogLevel info
Listen 127.0.0.1:{port}
Listen {root}/cups.sock
DefaultAuthType None
WebInterface No
Browsing Off
JobRetryInterval 1
<Location />
  Order allow,deny
  Allow all
</Location>
<Policy default>
  JobPrivateAccess all
  JobPrivateValues none
  SubscriptionPrivateAccess all
  SubscriptionPrivateValues none
  <Limit All>
    Order deny,allow
  </Limit>
</Policy>
"""

FILES_CONF = """RequestRoot {root}/spool
TempDir {root}/tmp
CacheDir {root}/cache
StateDir {root}/state
ServerBin {root}/bin
AccessLog {root}/log/access_log
ErrorLog {root}/log/error_log
PageLog {root}/log/page_log
Printcap {root}/printcap
User lp
Group lp
SystemGroup root
FileDevice Yes
"""


class PrivateCupsd:
    """A ``cupsd`` of our own on 127.0.0.1:*port*."""

    def __init__(self, port: int):
        self.port = port
        self.root = Path(tempfile.mkdtemp(prefix="cupsd-", dir="/tmp"))
        self.root.chmod(0o755)
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        root = self.root
        for name in ("etc", "spool", "tmp", "cache", "state", "log", "bin", "out"):
            (root / name).mkdir()
        (root / "spool").chmod(0o710)
        (root / "tmp").chmod(0o1777)
        (root / "out").chmod(0o777)
        for name in os.listdir("/usr/lib/cups"):
            if name != "backend":
                (root / "bin" / name).symlink_to(f"/usr/lib/cups/{name}")
        backends = root / "bin" / "backend"
        backends.mkdir()
        (backends / "testfile").write_text(BACKEND)
        (backends / "testfile").chmod(0o755)
        (root / "etc" / "cupsd.conf").write_text(
            CUPSD_CONF.format(port=self.port, root=root)
        )
        (root / "etc" / "cups-files.conf").write_text(FILES_CONF.format(root=root))
        self.proc = subprocess.Popen(
            ["cupsd", "-f", "-c", str(root / "etc" / "cupsd.conf"),
             "-s", str(root / "etc" / "cups-files.conf")],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                self.connection().getPrinters()
                return
            except RuntimeError:
                time.sleep(0.1)
        raise AssertionError(f"cupsd did not start: {self.log()}")

    def connection(self) -> cups.Connection:
        return cups.Connection(host="127.0.0.1", port=self.port)

    def add_queue(self, name: str, folder: Path, model: str = "raw") -> None:
        """A queue printing into *folder* (``raw`` or a PPD name)."""
        folder.mkdir(parents=True, exist_ok=True)
        folder.chmod(0o777)
        subprocess.run(
            ["lpadmin", "-h", f"127.0.0.1:{self.port}", "-p", name, "-E",
             "-v", f"testfile:{folder}", "-m", model],
            check=True, capture_output=True,
        )  # fmt: skip

    def disable(self, name: str, reason: str = "paused by test") -> None:
        self.connection().disablePrinter(name, reason=reason)

    def enable(self, name: str) -> None:
        self.connection().enablePrinter(name)

    def log(self) -> str:
        path = self.root / "log" / "error_log"
        return path.read_text() if path.exists() else ""

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        shutil.rmtree(self.root, ignore_errors=True)
