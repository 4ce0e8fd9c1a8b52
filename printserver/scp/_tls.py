"""TLS for the listening port: the context, with the handshake moved off
the listener's thread.

pynetdicom wraps each accepted socket on the thread that accepts: a peer
that connects and says nothing would hold every other TLS peer at the door.
Our context defers the handshake to the first read, which happens on the
association's own thread, under its ACSE timeout.
"""

import ssl
from typing import Any

from printserver.config import ServerConfig


class _DeferredHandshake(ssl.SSLContext):
    """An SSLContext whose server sockets handshake on first use."""

    def wrap_socket(  # type: ignore[override]
        self, sock: Any, server_side: bool = False, **kwargs: Any
    ) -> ssl.SSLSocket:
        kwargs["do_handshake_on_connect"] = False
        return super().wrap_socket(sock, server_side=server_side, **kwargs)


def server_context(server: ServerConfig) -> ssl.SSLContext:
    """The TLS context of the listening port, from the configuration.

    TLS 1.2 at least; the peer's certificate is required and checked
    against ``tls_ca`` when ``tls_verify_client`` is set.

    Raises
    ------
    OSError, ssl.SSLError
        A certificate, key or CA file cannot be read or does not match.
    """
    context = _DeferredHandshake(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(server.tls_certificate, server.tls_key)
    if server.tls_ca:
        context.load_verify_locations(server.tls_ca)
    context.verify_mode = (
        ssl.CERT_REQUIRED if server.tls_verify_client else ssl.CERT_OPTIONAL
    )
    if not server.tls_ca:
        context.verify_mode = ssl.CERT_NONE
    return context
