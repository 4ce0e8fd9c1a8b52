"""Limits on what arrives on the wire, checked before it is read.

pynetdicom reads a whole PDU, however long its header says it is, before
any handler sees it: a peer announcing a 4 GB PDU would make the server
keep 4 GB.  We look at each PDU header as it arrives; a length over the
limit is logged, answered with A-ABORT (invalid PDU parameter value) and
the connection is closed, before a byte of the body is read.  A PDU of a
type the standard does not define is aborted the same way (pynetdicom
would read on from the middle of it), and a PDU the peer stops sending
halfway ends after ``network_timeout`` seconds of silence instead of
holding its association for ever.

References: PS3.8 9.3.1 (PDU header), 9.3.8 (A-ABORT), D.1 (Maximum
Length Receivable).
"""

import socket
import struct
from collections.abc import Callable
from typing import Any

from pynetdicom.association import Association

#: PDU type of P-DATA-TF, the one PDU the Maximum Length applies to.
P_DATA_TF = 0x04
#: PDU types of PS3.8 9.3.1 (A-ASSOCIATE-RQ to A-ABORT): pynetdicom reads
#: the body of these only.
KNOWN_TYPES = range(0x01, 0x08)
#: Longest other PDU we read (an A-ASSOCIATE-RQ with many contexts and a
#: user identity is a few kilobytes).
MAX_CONTROL_PDU = 1 << 20
#: A-ABORT reasons with source "service provider" (PS3.8 9.3.8).
REASON_UNRECOGNIZED_PDU = 0x01
REASON_INVALID_PARAMETER_VALUE = 0x06


def limit_pdus(
    assoc: Association,
    max_pdu_size: int,
    network_timeout: float,
    log: Any,
    on_abort: Callable[[], None],
) -> None:
    """Abort *assoc* when a PDU header announces more than we take, or a
    type we do not know; no read waits more than *network_timeout*.

    A P-DATA-TF may be *max_pdu_size* long (0: *MAX_CONTROL_PDU* times
    64), any other PDU *MAX_CONTROL_PDU*.  *on_abort* is called after
    the line saying why is logged.
    """
    sock = assoc.dul.socket
    if sock is None or sock.socket is None:
        return
    sock.socket.settimeout(network_timeout)
    recv = sock.recv
    data_limit = max_pdu_size or MAX_CONTROL_PDU * 64
    # pynetdicom reads a header (6 bytes), then the body of a known type.
    header_next = [True]
    aborted = [False]

    def checked(nr_bytes: int) -> bytearray:
        if aborted[0]:
            return bytearray()  # what the peer sent after: never read
        data = recv(nr_bytes)
        if not header_next[0]:
            header_next[0] = True
            return data
        if len(data) != 6:
            return data
        pdu_type, _, length = struct.unpack(">BBL", data)
        limit = data_limit if pdu_type == P_DATA_TF else MAX_CONTROL_PDU
        if pdu_type not in KNOWN_TYPES:
            log.error("association aborted: unknown PDU type 0x%02X", pdu_type)
            reason = REASON_UNRECOGNIZED_PDU
        elif length > limit:
            log.error(
                "association aborted: PDU type 0x%02X of %d bytes announced, "
                "over the limit of %d (max_pdu_size)",
                pdu_type, length, limit,
            )  # fmt: skip
            reason = REASON_INVALID_PARAMETER_VALUE
        else:
            header_next[0] = False
            return data
        on_abort()
        aborted[0] = True
        _abort(sock, reason)
        return bytearray()  # pynetdicom takes it for a closed connection

    sock.recv = checked  # type: ignore[method-assign]


def _abort(sock: Any, reason: int) -> None:
    """Send A-ABORT (from the service provider) and close both ways."""
    raw = sock.socket
    if raw is None:
        return
    try:
        raw.sendall(bytes([0x07, 0, 0, 0, 0, 4, 0, 0, 0x02, reason]))
        raw.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass  # the peer went first: nothing left to tell it
