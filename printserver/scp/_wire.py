"""Limits on what arrives on the wire, checked before it is read.

pynetdicom reads a whole PDU, however long its header says it is, before
any handler sees it: a peer announcing a 4 GB PDU would make the server
keep 4 GB.  We look at each PDU header as it arrives; a length over the
limit is logged and the PDU is made an unrecognized one, which
pynetdicom's state machine answers with A-ABORT and a closed connection.

References: PS3.8 9.3.1 (PDU header), D.1 (Maximum Length Receivable).
"""

import struct
from typing import Any

from pynetdicom.association import Association

#: PDU type of P-DATA-TF, the one PDU the Maximum Length applies to.
P_DATA_TF = 0x04
#: Longest other PDU we read (an A-ASSOCIATE-RQ with many contexts and a
#: user identity is a few kilobytes).
MAX_CONTROL_PDU = 1 << 20
#: A PDU type no peer may send (PS3.8 9.3.1 names 01-07).
_UNRECOGNIZED = 0xFF


def limit_pdus(assoc: Association, max_pdu_size: int, log: Any) -> None:
    """Abort *assoc* when a PDU header announces more than we take.

    A P-DATA-TF may be *max_pdu_size* long (0: *MAX_CONTROL_PDU* times
    64), any other PDU *MAX_CONTROL_PDU*.
    """
    sock = assoc.dul.socket
    if sock is None:
        return
    recv = sock.recv
    data_limit = max_pdu_size or MAX_CONTROL_PDU * 64

    # pynetdicom reads a header (6 bytes), then the body it announced.
    header_next = [True]

    def checked(nr_bytes: int) -> bytearray:
        data = recv(nr_bytes)
        is_header, header_next[0] = header_next[0], not header_next[0]
        if not is_header or len(data) != 6:
            return data
        pdu_type, _, length = struct.unpack(">BBL", data)
        limit = data_limit if pdu_type == P_DATA_TF else MAX_CONTROL_PDU
        if length <= limit:
            return data
        log.error(
            "association aborted: PDU type 0x%02X of %d bytes announced, "
            "over the limit of %d (max_pdu_size)",
            pdu_type, length, limit,
        )  # fmt: skip
        data[0] = _UNRECOGNIZED
        return data

    sock.recv = checked  # type: ignore[method-assign]
