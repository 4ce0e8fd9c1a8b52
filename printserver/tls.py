"""TLS for the associations we open (film printers, peers that ask for it).

A leaf module: imports only ``config``.  The listening port's context is
``scp._tls``.

References: PS3.15 Annex B.9 (BCP 195 TLS profile): TLS 1.2 or later, the
peer's certificate checked.
"""

import ssl

from printserver.config import ServerConfig


def client_context(server: ServerConfig) -> ssl.SSLContext:
    """A context for our outgoing TLS associations.

    The peer's certificate must be signed by ``tls_ca`` and name the host we
    connect to; ours (``tls_certificate``, ``tls_key``), when configured, is
    shown to peers that ask for one.

    Raises
    ------
    OSError, ssl.SSLError
        A certificate, key or CA file cannot be read or does not match.
    """
    context = ssl.create_default_context(
        ssl.Purpose.SERVER_AUTH, cafile=server.tls_ca or None
    )
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    if server.tls_certificate and server.tls_key:
        context.load_cert_chain(server.tls_certificate, server.tls_key)
    return context
