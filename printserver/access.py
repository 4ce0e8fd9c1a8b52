"""Who may associate with us, and what each peer may ask for.

The association checks (called AE title ours, calling AE title registered,
from its host) and the permission each request needs.  A leaf module: it
imports only ``config``, so the network layer asks it and acts on the
answer (A-ASSOCIATE-RJ, status 0x0124).

References: PS3.8 9.3.4 (A-ASSOCIATE-RJ); PS3.7 Annex C (0x0124).
"""

import ipaddress
import socket
from dataclasses import dataclass

from printserver.config import PEER_PERMISSIONS, Config

# A-ASSOCIATE-RJ fields (PS3.8 Table 9-21).
RESULT_REJECTED_PERMANENT = 0x01
RESULT_REJECTED_TRANSIENT = 0x02
SOURCE_SERVICE_USER = 0x01
SOURCE_SERVICE_PROVIDER_ACSE = 0x02
SOURCE_SERVICE_PROVIDER_PRESENTATION = 0x03
#: Reasons with source "service user".
REASON_NO_REASON_GIVEN = 0x01
REASON_CALLING_AE_NOT_RECOGNIZED = 0x03
REASON_CALLED_AE_NOT_RECOGNIZED = 0x07
#: Reason with source "service provider (presentation)".
REASON_LOCAL_LIMIT_EXCEEDED = 0x02

#: SOP classes whose N-GET only reads the printer's state: ``status``.
#: Printer and Printer Configuration Retrieval (PS3.4 H.4.6, H.4.11).
STATUS_SOP_CLASSES = frozenset({"1.2.840.10008.5.1.1.16", "1.2.840.10008.5.1.1.16.376"})
#: The permission each DIMSE operation needs (N-GET of a status class: see
#: ``required_permission``).
OPERATION_PERMISSIONS = {
    "C-ECHO": "status",
    "C-STORE": "store",
    "C-FIND": "query",
    "C-MOVE": "retrieve",
    "C-GET": "retrieve",
    "N-CREATE": "print",
    "N-SET": "print",
    "N-ACTION": "print",
    "N-DELETE": "print",
    "N-GET": "print",
}


@dataclass(frozen=True)
class Rejection:
    """An A-ASSOCIATE-RJ to send, and why, for the log."""

    result: int
    source: int
    reason: int
    why: str


def required_permission(operation: str, sop_class_uid: str) -> str | None:
    """The permission a request of *operation* on *sop_class_uid* needs;
    ``None`` for an operation no permission covers (N-EVENT-REPORT)."""
    if operation == "N-GET" and sop_class_uid in STATUS_SOP_CLASSES:
        return "status"
    return OPERATION_PERMISSIONS.get(operation)


def permissions(config: Config, calling_ae: str) -> frozenset[str]:
    """What *calling_ae* may do: everything under policy ``any`` unless it
    is registered with fewer permissions; its ``permissions`` otherwise."""
    peer = config.peer(calling_ae)
    if peer is not None:
        return frozenset(peer.permissions)
    if config.server.peer_policy == "any":
        return frozenset(PEER_PERMISSIONS)
    return frozenset()


def addresses(host: str) -> set[str]:
    """The addresses *host* (a name or an address) stands for."""
    try:
        infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError):
        return set()
    return {_plain(str(info[4][0])) for info in infos}


def _plain(address: str) -> str:
    """*address* without an IPv4-mapped IPv6 prefix (``::ffff:10.0.0.1``)."""
    try:
        ip = ipaddress.ip_address(address.split("%", maxsplit=1)[0])
    except ValueError:
        return address
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return str(ip.ipv4_mapped)
    return str(ip)


def check_association(
    config: Config, calling_ae: str, called_ae: str, address: str
) -> Rejection | None:
    """Whether an association request may go on; the rejection if not.

    Parameters
    ----------
    config : Config
        Our AE titles, ``server.peer_policy`` and the ``[[peers]]``.
    calling_ae, called_ae : str
        The AE titles of the request, stripped of padding.
    address : str
        The peer's IP address.
    """
    if called_ae not in config.ae_titles:
        return Rejection(
            RESULT_REJECTED_PERMANENT, SOURCE_SERVICE_USER,
            REASON_CALLED_AE_NOT_RECOGNIZED,
            f"called AE title not recognized ({called_ae!r}; we are "
            f"{', '.join(config.ae_titles)})",
        )  # fmt: skip
    if config.server.peer_policy == "any" and config.peer(calling_ae) is None:
        return None

    peer = config.peer(calling_ae)
    if peer is None:
        return Rejection(
            RESULT_REJECTED_PERMANENT, SOURCE_SERVICE_USER,
            REASON_CALLING_AE_NOT_RECOGNIZED,
            f"calling AE title not recognized ({calling_ae!r} is not a "
            "registered peer)",
        )  # fmt: skip
    if peer.host and _plain(address) not in addresses(peer.host):
        return Rejection(
            RESULT_REJECTED_PERMANENT, SOURCE_SERVICE_USER,
            REASON_CALLING_AE_NOT_RECOGNIZED,
            f"calling AE title not recognized ({calling_ae!r} is registered "
            f"at {peer.host}, not {address})",
        )  # fmt: skip
    return None


def open_policy_warning(config: Config) -> str | None:
    """The start-up warning for policy ``any``, or ``None``."""
    if config.server.peer_policy != "any":
        return None
    return (
        "peer_policy is 'any': any peer may associate and print; register "
        "peers ([[peers]]) and set peer_policy = 'registered' to refuse others"
    )
