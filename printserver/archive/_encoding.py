"""Bytes of stored instances: the file meta we put before a data set, and
the few attributes the index reads from one.

Both are on the C-STORE path, for every instance: the file meta is written
directly (pydicom's general writer costs more than the rest of storing),
and only the elements up to group 0020 are parsed, never the pixels.
Imports pydicom and the standard library.

References
----------
PS3.10 7.1 (DICOM File Meta Information).
"""

import struct
import zlib

from pydicom.datadict import tag_for_keyword
from pydicom.dataelem import RawDataElement
from pydicom.dataset import Dataset
from pydicom.tag import BaseTag
from pydicom.uid import UID

from printserver import __version__
from printserver.archive._query import KEYS

#: Our implementation class UID (a UUID-derived UID, PS3.5 B.2).
IMPLEMENTATION_CLASS_UID = "2.25.149297455385214856424736317462580963328"
IMPLEMENTATION_VERSION_NAME = f"PRINTSERVER_{__version__}"[:16]
#: The highest tag the index reads (Series/Instance Number are in 0020).
_LAST_INDEXED_TAG = 0x0020FFFF
_ITEM_DELIMITER = 0xFFFEE00D
_SEQUENCE_DELIMITER = 0xFFFEE0DD
_UNDEFINED = 0xFFFFFFFF
#: Explicit VRs with a 4-byte length (PS3.5 7.1.2).
_LONG_VRS = {
    "OB",
    "OD",
    "OF",
    "OL",
    "OV",
    "OW",
    "SQ",
    "SV",
    "UC",
    "UN",
    "UR",
    "UT",
    "UV",
}
#: The elements the index reads: its keys, the SOP Class UID, the
#: Specific Character Set.
INDEXED_TAGS = frozenset(
    int(tag_for_keyword(keyword) or 0)
    for keyword in (*KEYS, "SOPClassUID", "SpecificCharacterSet")
)


def _element(element: int, vr: bytes, value: bytes) -> bytes:
    """One explicit VR little endian element of group 0002."""
    if len(value) % 2:
        value += b"\x00" if vr == b"UI" else b" "
    if vr == b"OB":
        return struct.pack("<HH2s2xI", 2, element, vr, len(value)) + value
    return struct.pack("<HH2sH", 2, element, vr, len(value)) + value


def file_meta(
    sop_class_uid: str,
    sop_instance_uid: str,
    transfer_syntax_uid: str,
    source_ae_title: str = "",
) -> bytes:
    """Preamble, DICM prefix and File Meta Information of one instance."""
    body = b"".join(
        (
            _element(0x0001, b"OB", b"\x00\x01"),
            _element(0x0002, b"UI", sop_class_uid.encode("ascii")),
            _element(0x0003, b"UI", sop_instance_uid.encode("ascii")),
            _element(0x0010, b"UI", transfer_syntax_uid.encode("ascii")),
            _element(0x0012, b"UI", IMPLEMENTATION_CLASS_UID.encode("ascii")),
            _element(0x0013, b"SH", IMPLEMENTATION_VERSION_NAME.encode("ascii")),
        )
    )
    if source_ae_title:
        body += _element(0x0016, b"AE", source_ae_title.encode("ascii", "replace"))
    group_length = struct.pack("<HH2sHI", 2, 0, b"UL", 4, len(body))
    return b"\x00" * 128 + b"DICM" + group_length + body


def read_header(data_set: bytes, transfer_syntax_uid: str) -> Dataset:
    """The indexed elements of *data_set* (up to group 0020), left raw.

    A scan over element headers, reading only the values the index wants:
    pydicom's reader costs more per element than the whole rest of a
    C-STORE.

    Raises
    ------
    ValueError
        Bytes that are no data set in this transfer syntax.
    """
    syntax = UID(transfer_syntax_uid)
    if syntax.is_deflated:
        data_set = zlib.decompressobj(-zlib.MAX_WBITS).decompress(data_set)
    try:
        implicit, little = syntax.is_implicit_VR, syntax.is_little_endian
    except ValueError:  # a private transfer syntax: assume explicit LE
        implicit, little = False, True
    found: dict[int, tuple[str | None, bytes]] = {}
    try:
        _Walk(data_set, implicit, little, found).elements(0, top=True)
    except (struct.error, IndexError) as exc:
        raise ValueError(f"truncated data set: {exc}") from None
    return Dataset(
        {
            BaseTag(tag): RawDataElement(
                BaseTag(tag), vr, len(value), value, 0, implicit, little
            )
            for tag, (vr, value) in sorted(found.items())
        }
    )


class _Walk:
    """Element headers of an encoded data set, values skipped but wanted."""

    def __init__(
        self,
        data: bytes,
        implicit: bool,
        little: bool,
        found: dict[int, tuple[str | None, bytes]],
    ):
        self.data, self.implicit, self.found = data, implicit, found
        self.order = "<" if little else ">"

    def elements(self, pos: int, top: bool = False) -> int:
        """Walk elements from *pos*; at the top to the last indexed tag or
        the end, in an item to its delimiter.  Returns where it stopped."""
        data, order = self.data, self.order
        while pos + 8 <= len(data):
            group, number = struct.unpack_from(f"{order}HH", data, pos)
            tag = group << 16 | number
            if tag == _ITEM_DELIMITER:
                return pos + 8
            if top and tag > _LAST_INDEXED_TAG:
                return pos
            vr, length, pos = self._header(pos)
            if length == _UNDEFINED:
                pos = self._sequence(pos)
                continue
            if pos + length > len(data):
                raise ValueError(f"truncated data set: ({group:04X},{number:04X})")
            if top and tag in INDEXED_TAGS:
                self.found[tag] = (vr, data[pos : pos + length])
            pos += length
        if pos != len(data):
            raise ValueError(f"truncated data set: {len(data) - pos} byte(s) left")
        return pos

    def _header(self, pos: int) -> tuple[str | None, int, int]:
        """VR (None when implicit), value length and value position."""
        if self.implicit:
            (length,) = struct.unpack_from(f"{self.order}I", self.data, pos + 4)
            return None, length, pos + 8
        vr = self.data[pos + 4 : pos + 6].decode("ascii", "replace")
        if vr in _LONG_VRS:
            (length,) = struct.unpack_from(f"{self.order}I", self.data, pos + 8)
            return vr, length, pos + 12
        (length,) = struct.unpack_from(f"{self.order}H", self.data, pos + 6)
        return vr, length, pos + 8

    def _sequence(self, pos: int) -> int:
        """Skip the items of an undefined-length sequence."""
        while pos + 8 <= len(self.data):
            group, number, length = struct.unpack_from(
                f"{self.order}HHI", self.data, pos
            )
            tag = group << 16 | number
            pos += 8
            if tag == _SEQUENCE_DELIMITER:
                return pos
            if length == _UNDEFINED:
                pos = self.elements(pos)
            else:
                pos += length
        return pos
