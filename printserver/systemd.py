"""Life under systemd: the service manager's notification protocol.

A ``Type=notify`` unit gives us ``$NOTIFY_SOCKET``.  We send READY=1 once the
port is bound and the spool recovered, a STATUS= line with the queue's
counts whenever they change, WATCHDOG=1 from the spooler's worker loop, and
STOPPING=1 when a signal asks us to stop.  Without ``$NOTIFY_SOCKET`` every
call does nothing, so ``printserver serve`` behaves the same in a terminal.

The protocol is a datagram of ``KEY=value`` lines to a unix socket; it is a
few lines of the standard library, so no dependency is taken for it.  Sits
beside the command line: may import ``spool`` and ``spooler``; never ``sop``
or ``scp``.

References
----------
sd_notify(3); systemd.service(5), ``Type=notify`` and ``WatchdogSec=``.
"""

import logging
import os
import socket
from collections.abc import Mapping

from printserver.errors import SpoolError
from printserver.spool import FAILED, HELD, PENDING, RENDERING, SENDING, Spool
from printserver.spooler import RESCAN_SECONDS, Spooler

__all__ = ["ServiceNotifier", "queue_status", "supervise"]

logger = logging.getLogger(__name__)

#: Job states counted in the STATUS= line, in the order shown.
STATUS_STATES = (PENDING, RENDERING, SENDING, HELD, FAILED)


class ServiceNotifier:
    """Sends state changes to the service manager, if there is one.

    Parameters
    ----------
    environ : mapping, optional
        Where ``NOTIFY_SOCKET``, ``WATCHDOG_USEC`` and ``WATCHDOG_PID`` are
        read (default ``os.environ``).
    """

    def __init__(self, environ: Mapping[str, str] | None = None):
        env = os.environ if environ is None else environ
        self.address = _socket_address(env.get("NOTIFY_SOCKET", ""))
        self.watchdog_seconds = _watchdog_seconds(env)
        """Seconds without WATCHDOG=1 after which systemd kills us, or None
        when the unit has no watchdog."""

        self._socket: socket.socket | None = None
        self._warned = False
        if self.address:
            self._socket = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)

    @property
    def enabled(self) -> bool:
        """True when a service manager listens."""
        return self._socket is not None

    def send(self, *assignments: str) -> bool:
        """Send ``KEY=value`` lines; False when nobody listens or it failed."""
        if self._socket is None:
            return False
        try:
            self._socket.sendto("\n".join(assignments).encode(), self.address)
        except OSError as exc:
            # Once: a watchdog that cannot reach systemd fails every turn.
            if not self._warned:
                logger.warning("cannot notify systemd at %s: %s", self.address, exc)
                self._warned = True
            return False
        return True

    def ready(self, status: str) -> bool:
        """Start-up is over: the port is bound and the spool recovered."""
        return self.send("READY=1", f"STATUS={status}")

    def status(self, status: str) -> bool:
        """A line for ``systemctl status``."""
        return self.send(f"STATUS={status}")

    def watchdog(self) -> bool:
        """We are alive (when the unit has ``WatchdogSec=``)."""
        if self.watchdog_seconds is None:
            return False
        return self.send("WATCHDOG=1")

    def stopping(self) -> bool:
        """Shutdown has begun."""
        return self.send("STOPPING=1", "STATUS=stopping")

    def close(self) -> None:
        """Release the socket."""
        if self._socket is not None:
            self._socket.close()
            self._socket = None


def _socket_address(value: str) -> str | bytes:
    """``$NOTIFY_SOCKET`` as ``sendto`` takes it; ``@`` names an abstract
    socket, which Linux spells with a leading NUL byte."""
    if value.startswith("@"):
        return b"\0" + value[1:].encode()
    if value.startswith("/"):
        return value
    return ""  # unset, or a kind of address (vsock) we do not speak


def _watchdog_seconds(env: Mapping[str, str]) -> float | None:
    """``$WATCHDOG_USEC`` in seconds, if it is meant for this process."""
    pid = env.get("WATCHDOG_PID", "")
    if pid and pid != str(os.getpid()):
        return None
    try:
        usec = int(env.get("WATCHDOG_USEC", ""))
    except ValueError:
        return None
    return usec / 1e6 if usec > 0 else None


def queue_status(spool: Spool) -> str:
    """The STATUS= line: ``2 pending, 0 rendering, 1 sending, 0 held,
    0 failed``."""
    counts = dict.fromkeys(STATUS_STATES, 0)
    for job_id in spool.job_ids():
        try:
            state = spool.read_state(job_id)["state"]
        except (SpoolError, OSError):
            continue  # purged while we counted
        if state in counts:
            counts[state] += 1
    return ", ".join(f"{count} {state}" for state, count in counts.items())


def supervise(notifier: ServiceNotifier, spooler: Spooler) -> None:
    """Ping the watchdog from *spooler*'s loop, and keep STATUS= current.

    Each heartbeat of the worker loop sends WATCHDOG=1 and, when the counts
    changed, a new STATUS= line; so a hung loop stops the pings and systemd
    restarts the service.  The loop beats at half the watchdog's period.
    """
    if not notifier.enabled:
        return
    shown = ""

    def beat() -> None:
        nonlocal shown
        notifier.watchdog()
        status = queue_status(spooler.spool)
        if status != shown:
            shown = status
            notifier.status(status)

    period = notifier.watchdog_seconds
    spooler.add_heartbeat(beat, period / 2 if period else RESCAN_SECONDS)
