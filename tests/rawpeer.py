"""A DICOM peer written byte by byte, for hostile input.

It builds its own PDUs and command sets, so it can send what no library
would: UIDs of any length and alphabet, elements with the wrong VR or a
lying length, truncated PDUs.  Responses are read back and parsed with
pydicom.  References: PS3.8 9.3 (PDUs), PS3.7 6.3 and 9.3 (commands).
"""

import socket
import struct
from io import BytesIO

from pydicom.filereader import read_dataset

APPLICATION_CONTEXT = b"1.2.840.10008.3.1.1.1"
IMPLICIT_LE = b"1.2.840.10008.1.2"
EXPLICIT_LE = b"1.2.840.10008.1.2.1"
#: VRs whose explicit length field has 4 bytes (after 2 reserved ones).
LONG_VRS = {b"OB", b"OD", b"OF", b"OL", b"OV", b"OW", b"SQ", b"SV", b"UC", b"UN",
            b"UR", b"UT", b"UV"}  # fmt: skip


def _even(value):
    return value + b"\0" if len(value) % 2 else value


def _item(item_type, value):
    return struct.pack(">BBH", item_type, 0, len(value)) + value


def pdu(pdu_type, body):
    """A PDU: type, reserved byte, 4-byte length, body."""
    return struct.pack(">BBL", pdu_type, 0, len(body)) + body


def associate_rq(called, calling, contexts, max_pdu=16384):
    """A-ASSOCIATE-RQ bytes; *contexts* is [(id, abstract syntax, [ts])]."""
    body = struct.pack(">HH", 1, 0)
    body += called.ljust(16)[:16] + calling.ljust(16)[:16] + b"\0" * 32
    body += _item(0x10, APPLICATION_CONTEXT)
    for context_id, abstract_syntax, transfer_syntaxes in contexts:
        sub = _item(0x30, abstract_syntax)
        for transfer_syntax in transfer_syntaxes:
            sub += _item(0x40, transfer_syntax)
        body += _item(0x20, bytes([context_id, 0, 0, 0]) + sub)
    body += _item(0x50, _item(0x51, struct.pack(">L", max_pdu)))
    return pdu(0x01, body)


def element(tag, value, vr=b"UN", explicit=False):
    """One little-endian data element; *value* is raw bytes (padded even)."""
    value = _even(value)
    head = struct.pack("<HH", tag >> 16, tag & 0xFFFF)
    if not explicit:
        return head + struct.pack("<L", len(value)) + value
    if vr in LONG_VRS:
        return head + vr + b"\0\0" + struct.pack("<L", len(value)) + value
    return head + vr + struct.pack("<H", len(value) & 0xFFFF) + value


def us(value):
    return struct.pack("<H", value & 0xFFFF)


def command(fields):
    """A command set (implicit VR LE) from {tag: raw value}, with its group
    length first."""
    rest = b"".join(element(tag, value) for tag, value in sorted(fields.items()))
    return element(0x00000000, struct.pack("<L", len(rest))) + rest


def p_data(context_id, fragment, is_command, last):
    """A P-DATA-TF PDU holding one PDV item."""
    header = (0x01 if is_command else 0x00) | (0x02 if last else 0x00)
    pdv = bytes([context_id, header]) + fragment
    return pdu(0x04, struct.pack(">L", len(pdv)) + pdv)


class RawPeer:
    """One TCP connection to the server, spoken to in raw PDUs."""

    def __init__(self, port, timeout=10.0, bind="127.0.0.1"):
        self.sock = socket.create_connection(
            ("127.0.0.1", port), timeout, source_address=(bind, 0)
        )
        self.sock.settimeout(timeout)
        self.accepted = {}
        self.max_pdu = 16384
        self.ended_by = None
        """How the association ended: "A-ABORT", "close", or another PDU."""

    def close(self):
        self.sock.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def send(self, data):
        self.sock.sendall(data)

    def _read(self, count):
        data = b""
        while len(data) < count:
            chunk = self.sock.recv(count - len(data))
            if not chunk:
                return None
            data += chunk
        return data

    def read_pdu(self):
        """(type, body), or None when the server closed the connection."""
        try:
            header = self._read(6)
            if header is None:
                return None
            pdu_type, _, length = struct.unpack(">BBL", header)
            body = self._read(length)
        except ConnectionResetError:
            return None
        return None if body is None else (pdu_type, body)

    def associate(self, called, calling, contexts):
        """Send A-ASSOCIATE-RQ; the PDU type answered (2 AC, 3 RJ, 7 abort).

        On acceptance, ``accepted`` maps each accepted context id to its
        transfer syntax.
        """
        self.send(associate_rq(called, calling, contexts))
        reply = self.read_pdu()
        if reply is None:
            return None
        pdu_type, body = reply
        if pdu_type == 0x02:
            self._read_accept(body)
        return pdu_type

    def _read_accept(self, body):
        offset = 68
        while offset + 4 <= len(body):
            item_type, _, length = struct.unpack(">BBH", body[offset : offset + 4])
            value = body[offset + 4 : offset + 4 + length]
            if item_type == 0x21 and value[2] == 0:  # accepted context
                self.accepted[value[0]] = value[8:].rstrip(b"\0")
            if item_type == 0x50 and value[:1] == b"\x51":
                self.max_pdu = struct.unpack(">L", value[4:8])[0] or 1 << 20
            offset += 4 + length

    def send_message(self, context_id, command_set, dataset=None):
        """Send a DIMSE message, each part split to the peer's max PDU."""
        size = max(self.max_pdu - 12, 16)
        for is_command, data in ((True, command_set), (False, dataset)):
            if data is None:
                continue
            pieces = [data[i : i + size] for i in range(0, len(data), size)] or [b""]
            for index, piece in enumerate(pieces):
                last = index == len(pieces) - 1
                self.send(p_data(context_id, piece, is_command, last))

    def read_response(self):
        """The next response's command set as a Dataset, and the raw bytes
        of its data set (if any); None if the association ended."""
        command_bytes, dataset_bytes, has_dataset = b"", b"", None
        while True:
            reply = self.read_pdu()
            if reply is None or reply[0] != 0x04:
                names = {None: "close", 0x07: "A-ABORT"}
                self.ended_by = names.get(
                    reply and reply[0], f"PDU {reply and reply[0]}"
                )
                return None
            body, offset = reply[1], 0
            while offset < len(body):
                (length,) = struct.unpack(">L", body[offset : offset + 4])
                header = body[offset + 5]
                fragment = body[offset + 6 : offset + 4 + length]
                offset += 4 + length
                if header & 0x01:
                    command_bytes += fragment
                    if header & 0x02:
                        cs = read_dataset(BytesIO(command_bytes), True, True)
                        has_dataset = cs.get("CommandDataSetType", 0x0101) != 0x0101
                        if not has_dataset:
                            return cs, None
                else:
                    dataset_bytes += fragment
                    if header & 0x02:
                        return cs, dataset_bytes
