"""Store and forward: the archive's instances to an upstream PACS.

A thread sends what the archive's forwarding queue holds to the peer named
in ``[archive] forward_to``, one association per batch.  The queue is in
the archive's index, so instances wait through restarts and outages; a
failed try is retried later, the delay doubling up to an hour.
"""

import logging
import threading
import time
from typing import Any

from pynetdicom import AE

from printserver.archive import Archive, InstanceFile
from printserver.config import Config, PeerConfig
from printserver.scp._contexts import storage_contexts
from printserver.status import Status
from printserver.tls import client_context

logger = logging.getLogger(__name__)

#: Seconds between looks at the queue when nothing is known to be due.
IDLE_SECONDS = 60.0


def outgoing_tls(config: Config, peer: PeerConfig) -> tuple[Any, str] | None:
    """``tls_args`` for an association we open to *peer*: None without
    TLS; else our certificate (``server.tls_*``) and the CA to check its."""
    if not peer.tls:
        return None
    return client_context(config.server), peer.host


class Forwarder:
    """Sends queued instances to the upstream PACS.

    Parameters
    ----------
    config : Config
        For our AE title, the PACS peer and the retry delay.
    archive : Archive
        Its forwarding queue and files.
    """

    def __init__(self, config: Config, archive: Archive):
        peer = config.peer(config.archive.forward_to)
        if peer is None:  # config validation makes sure it is registered
            raise ValueError(f"no peer {config.archive.forward_to!r}")
        self.config = config
        self.peer = peer
        self.archive = archive
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        archive.on_queued.append(self._wake.set)

    def start(self) -> None:
        """Start the sending thread."""
        self._thread = threading.Thread(target=self._run, name="forward", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        """Stop after the instance at hand; the rest stay queued."""
        self._stopping.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def _run(self) -> None:
        while not self._stopping.is_set():
            try:
                due = self.archive.forward_due(time.time())
                if due:
                    self._send(due)
                    continue
                self._wake.wait(self._idle())
                self._wake.clear()
            except Exception:  # the worker loop is a boundary: log, keep going
                logger.exception(
                    "forward to %s: unexpected failure", self.peer.ae_title
                )
                self._stopping.wait(self.config.archive.forward_retry_seconds)

    def _idle(self) -> float:
        """Seconds until the next queued instance is due (at most a minute)."""
        due = self.archive.forward_next()
        if due is None:
            return IDLE_SECONDS
        return min(max(due - time.time(), 0.05), IDLE_SECONDS)

    def _send(self, instances: list[InstanceFile]) -> None:
        """One association for a batch; each instance done or retried."""
        peer = self.peer
        ae = AE(ae_title=self.config.server.ae_title)
        ae.dimse_timeout = self.config.server.dimse_timeout
        ae.acse_timeout = self.config.server.acse_timeout
        assoc = ae.associate(
            peer.host, peer.port, contexts=storage_contexts(instances),
            ae_title=peer.ae_title, tls_args=outgoing_tls(self.config, peer),
        )  # fmt: skip
        if not assoc.is_established:
            self._failed(instances, "association not established")
            return
        sent = 0
        try:
            for instance in instances:
                if self._stopping.is_set():
                    break
                sent += self._send_one(assoc, instance)
        finally:
            assoc.release()
        if sent:
            waiting = self.archive.forward_next() is not None
            logger.info(
                "forwarded %d instance(s) to %s%s",
                sent,
                peer.ae_title,
                ", more waiting" if waiting else "",
            )

    def _send_one(self, assoc: Any, instance: InstanceFile) -> int:
        """1 when the PACS took the instance, else 0 (retried later)."""
        try:
            status = assoc.send_c_store(instance.read())
        except (OSError, ValueError, AttributeError, RuntimeError) as exc:
            self._failed([instance], f"not sent: {exc}")
            return 0
        code = int(getattr(status, "Status", -1))
        # Success, or a warning (0xBxxx: coerced, elements discarded...).
        if code == Status.SUCCESS or (code & 0xF000) == 0xB000:
            self.archive.forward_done(instance.sop_instance_uid)
            return 1
        self._failed([instance], f"status 0x{code & 0xFFFF:04X}")
        return 0

    def _failed(self, instances: list[InstanceFile], error: str) -> None:
        delay = 0.0
        for instance in instances:
            delay = self.archive.forward_failed(
                instance.sop_instance_uid,
                error,
                self.config.archive.forward_retry_seconds,
                time.time(),
            )
        logger.warning(
            "forward to %s: %d instance(s) %s; next try in %g s",
            self.peer.ae_title,
            len(instances),
            error,
            delay,
        )
