"""The ``socket`` output: raw PostScript to a printer's port (AppSocket).

The job is sent whole, then our side of the connection is shut and the
printer's close awaited: a printer that closes has taken every byte.  A
crash between the last byte and recording it sends the job again on
restart; nothing in the protocol can tell us the printer had it.
"""

import socket
from pathlib import Path

from printserver.outputs.base import (
    Delivery,
    Output,
    OutputError,
    PrinterStatus,
    register,
)

#: The AppSocket / JetDirect port.
DEFAULT_PORT = 9100
_CHUNK = 1 << 16


@register
class SocketOutput(Output):
    """Sends the film PostScript to ``host:port``."""

    kind = "socket"

    @property
    def address(self) -> tuple[str, int]:
        """The printer's host and port."""
        return self.printer.host, self.printer.port or DEFAULT_PORT

    def _connect(self) -> socket.socket:
        host, port = self.address
        try:
            return socket.create_connection((host, port), self.printer.timeout)
        except OSError as exc:
            reason = exc.strerror or str(exc)
            raise OutputError(f"cannot connect to {host}:{port}: {reason}") from exc

    def send(self, delivery: Delivery) -> list[str]:
        host, port = self.address
        if delivery.progress.get("sent"):
            return [f"socket://{host}:{port}"]  # sent before a restart
        sent = self._send_file(delivery.postscript)
        delivery.record({"sent": True, "bytes": sent})
        return [f"socket://{host}:{port}"]

    def _send_file(self, path: Path) -> int:
        host, port = self.address
        sent = 0
        with self._connect() as conn, open(path, "rb") as f:
            try:
                while chunk := f.read(_CHUNK):
                    conn.sendall(chunk)
                    sent += len(chunk)
                conn.shutdown(socket.SHUT_WR)
                while conn.recv(_CHUNK):  # back-channel status, until close
                    pass
            except OSError as exc:
                reason = exc.strerror or str(exc)
                raise OutputError(
                    f"{host}:{port} broke off after {sent} bytes: {reason}"
                ) from exc
        return sent

    def status(self) -> PrinterStatus:
        try:
            self._connect().close()
        except OutputError as exc:
            return exc.status
        return PrinterStatus()
