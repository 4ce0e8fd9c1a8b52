"""Text of stored instances as Unicode, and the character set of answers.

The files keep their bytes; only the index holds decoded text.  A peer
registered with a ``character_set`` override has its text decoded with that
set instead of the one it declares (modalities that write Windows-1251
bytes and label them ISO_IR 144, or nothing).  Imports only pydicom.
"""

import codecs
import logging
import re
import warnings
from collections.abc import Sequence
from typing import Any

from pydicom.charset import decode_bytes, python_encoding
from pydicom.datadict import dictionary_VR
from pydicom.dataset import Dataset
from pydicom.valuerep import PersonName

logger = logging.getLogger(__name__)

#: Specific Character Set terms we answer with, in the order tried.
ANSWER_CHARACTER_SETS = ("ISO_IR 100", "ISO_IR 144", "ISO_IR 192")
#: Value representations whose bytes are ASCII whatever the character set.
_ASCII_VRS = {"UI", "DA", "TM", "DT", "CS", "IS", "DS", "AS", "US", "UL"}
#: Delimiters that switch ISO 2022 code elements back to the default.
_DELIMITERS = {ord(c) for c in "\\\r\n\t\f^="}


def python_codec(character_set: str) -> str:
    """The Python codec of a Specific Character Set term or codec name.

    Raises
    ------
    LookupError
        When *character_set* is neither.
    """
    term = character_set.strip()
    if term in python_encoding:
        return python_encoding[term]
    return codecs.lookup(term).name


class TextDecoder:
    """Decodes the text elements of one data set.

    Parameters
    ----------
    ds : Dataset
        The data set as received (raw elements not yet converted).
    override : str, optional
        The peer's ``character_set`` override, or empty.
    """

    def __init__(self, ds: Dataset, override: str = ""):
        self.declared = _declared(ds)
        self.warnings: list[str] = []
        self.override_codec = ""
        if override:
            self.override_codec = python_codec(override)
            declared_codecs = self._encodings()
            if declared_codecs != [self.override_codec]:
                declared = "\\".join(self.declared)
                self.warnings.append(
                    f"declared Specific Character Set {declared!r} read as "
                    f"{override} (peer override)"
                )
        self.encodings = (
            [self.override_codec] if self.override_codec else self._encodings()
        )

    def _encodings(self) -> list[str]:
        """Python codecs of the declared terms (malformed ones corrected)."""
        encodings = []
        for term in self.declared or ["ISO_IR 6"]:
            if term in python_encoding or not term:
                encodings.append(python_encoding.get(term, "iso8859"))
                continue
            corrected = _corrected(term)
            if corrected:
                self.warnings.append(
                    f"Specific Character Set {term!r} read as {corrected!r}"
                )
                encodings.append(python_encoding[corrected])
            else:
                self.warnings.append(
                    f"Specific Character Set {term!r} unknown: read as ISO_IR 6"
                )
                encodings.append("iso8859")
        return encodings

    def text(self, ds: Dataset, keyword: str) -> str | None:
        """The element *keyword* of *ds* as Unicode (its first value); None
        when absent."""
        values = self.values(ds, keyword)
        if values is None:
            return None
        return values[0] if values else ""

    def values(self, ds: Dataset, keyword: str) -> list[str] | None:
        """Every value of element *keyword*, decoded from the raw bytes
        without pydicom's value checks (a query's ``1.2.*`` is no UID);
        None when absent."""
        if keyword not in ds:
            return None
        elem = ds.get_item(keyword)
        raw = getattr(elem, "value", None)
        if raw is None:
            return []
        if not isinstance(raw, bytes):  # already converted by pydicom
            value = ds[keyword].value
            items = value if isinstance(value, list | tuple) else [value]
            texts = [str(v).strip(" \x00") for v in items if v is not None]
            return [t for t in texts if t]
        vr = value_representation(elem)
        if vr in _ASCII_VRS:
            text = raw.decode("ascii", "replace")
        else:
            text = self._decode(raw, vr == "PN")
        values = [v.strip(" \x00") for v in text.split("\\")]
        return [v for v in values if v] or []

    def _decode(self, raw: bytes, person_name: bool) -> str:
        """Text of *raw*; code extensions (ISO 2022 escapes) via pydicom."""
        if b"\x1b" not in raw:
            try:
                return raw.decode(self.encodings[0])
            except UnicodeDecodeError:
                self.warnings.append(
                    f"text not valid {self.encodings[0]}: undecodable bytes replaced"
                )
                return raw.decode(self.encodings[0], "replace")
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            if person_name:
                value = str(PersonName(raw, encodings=self.encodings))
            else:
                value = decode_bytes(raw, self.encodings, _DELIMITERS)
        self.warnings += [str(w.message) for w in caught]
        return value


def _declared(ds: Dataset) -> list[str]:
    """The terms of (0008,0005) Specific Character Set as sent."""
    if "SpecificCharacterSet" not in ds:
        return []
    raw = ds.get_item("SpecificCharacterSet").value
    if isinstance(raw, bytes):
        raw = raw.decode("ascii", "replace")
    values = raw.split("\\") if isinstance(raw, str) else list(raw or [])
    return [str(v).strip() for v in values]


def _corrected(term: str) -> str:
    """The Defined Term a malformed *term* means ('ISO IR 192' is 'ISO_IR
    192'), or empty."""
    match = re.fullmatch(r"ISO[ _-]?IR[ _-]?(\d+)", term.strip().upper())
    if match is None:
        return ""
    corrected = f"ISO_IR {match.group(1)}"
    return corrected if corrected in python_encoding else ""


def value_representation(elem: Any) -> str:
    """An element's VR, from the dictionary when it came implicit."""
    if elem.VR:
        return str(elem.VR)
    try:
        return str(dictionary_VR(elem.tag))
    except KeyError:
        return "UN"


def answer_character_set(values: Sequence[str], preferred: str = "") -> str:
    """The Specific Character Set to answer *values* in.

    The query's own set when every value fits it, else the first of
    ``ANSWER_CHARACTER_SETS`` that fits (UTF-8 always does); empty when all
    values are plain ASCII and the query named no set.

    References
    ----------
    PS3.5 6.1.2.5 (character repertoires); PS3.4 C.4.1.1.3.1.
    """
    text = "".join(values)
    candidates = [preferred] if preferred else []
    if not preferred and text.isascii():
        return ""
    for term in (*candidates, *ANSWER_CHARACTER_SETS):
        try:
            text.encode(python_codec(term))
        except (LookupError, UnicodeEncodeError):
            continue
        return term
    return "ISO_IR 192"
