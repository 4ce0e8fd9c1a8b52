"""Reading and checking incoming attributes, with messages naming the tag.

Tolerant in: values are stripped and upper-cased where the VR is CS, and
what we normalised is logged by the caller.  Strict out: a value we cannot
use raises the matching ``PrintServerError``.
"""

import re
import struct
from collections.abc import Iterable
from enum import Enum
from typing import TypeVar

from pydicom.datadict import dictionary_VR, keyword_for_tag, tag_for_keyword
from pydicom.dataelem import DataElement, convert_raw_data_element
from pydicom.dataset import Dataset
from pydicom.errors import BytesLengthException

from printserver.errors import InvalidAttributeValueError, MissingAttributeError
from printserver.status import Status

E = TypeVar("E", bound=Enum)

_UID = re.compile(r"^(0|[1-9][0-9]*)(\.(0|[1-9][0-9]*))*$")


def tag_name(keyword: str) -> str:
    """``(2010,0010) ImageDisplayFormat`` for a keyword."""
    tag = tag_for_keyword(keyword) or 0
    return f"({tag >> 16:04X},{tag & 0xFFFF:04X}) {keyword}"


def _tag(keyword: str) -> int:
    return int(tag_for_keyword(keyword) or 0)


#: What pydicom raises on bytes that do not make the value their VR says.
#: (pydicom reads a data set from memory: its OSError is about the bytes.)
DECODE_ERRORS = (
    ValueError, TypeError, LookupError, OverflowError, EOFError, OSError,
    struct.error, NotImplementedError, BytesLengthException,
)  # fmt: skip
#: Nesting deeper than this is refused (no Print Management request nests
#: more than two sequences).
MAX_DEPTH = 8


def check_dataset(ds: Dataset, depth: int = 0) -> None:
    """Decode every element of *ds*, each with the VR its tag has.

    A peer's bytes are decoded lazily by pydicom; doing it here turns a
    value that cannot be read, or one sent with another VR than the data
    dictionary's (an LO Rows), into 0x0106 naming the tag, before any
    handler trusts the types.

    Raises
    ------
    InvalidAttributeValueError
        Naming the first element at fault.
    """
    if depth > MAX_DEPTH:
        raise InvalidAttributeValueError(f"sequences nested over {MAX_DEPTH} deep")
    for tag in list(ds.keys()):
        name = f"({tag >> 16:04X},{tag & 0xFFFF:04X}) {keyword_for_tag(tag)}".strip()
        try:
            # On a copy: text keeps its bytes until the handler knows the
            # character set (a session's Specific Character Set).
            raw = ds.get_item(tag)
            elem = (
                raw
                if isinstance(raw, DataElement)
                else convert_raw_data_element(raw, ds=ds)
            )
            value = elem.value
        except DECODE_ERRORS as exc:
            raise InvalidAttributeValueError(
                f"{name}: cannot be decoded ({type(exc).__name__})", [int(tag)]
            ) from None
        _check_vr(elem.VR, int(tag), name)
        if elem.VR == "SQ":
            for item in value:
                check_dataset(item, depth + 1)


def _check_vr(vr: str, tag: int, name: str) -> None:
    """The VR must be one the data dictionary gives the tag, if it has one."""
    if tag >> 16 & 1 or tag & 0xFFFF == 0:  # private or group length
        return
    try:
        allowed = dictionary_VR(tag).split(" or ")
    except KeyError:
        return
    if not set(vr.split(" or ")) <= set(allowed):  # "OB or OW": not yet chosen
        raise InvalidAttributeValueError(
            f"{name}: VR {vr}, expected {' or '.join(allowed)}", [tag]
        )


def is_valid_uid(value: str) -> bool:
    """True for a syntactically valid UID of at most 64 characters."""
    return 0 < len(value) <= 64 and bool(_UID.match(value))


def has_value(ds: Dataset, keyword: str) -> bool:
    """True when *keyword* is present with a non-empty value."""
    return keyword in ds and ds[keyword].value not in (None, "", b"", [])


def require(ds: Dataset, keyword: str) -> None:
    """Raise 0x0120 if *keyword* is absent or empty."""
    if not has_value(ds, keyword):
        raise MissingAttributeError(f"{tag_name(keyword)} is required", [_tag(keyword)])


def get_text(ds: Dataset, keyword: str, default: str = "") -> str:
    """A string attribute, stripped of padding."""
    if not has_value(ds, keyword):
        return default
    return str(ds[keyword].value).strip()


def get_code(ds: Dataset, keyword: str, enum: type[E], default: E) -> E:
    """A CS attribute as an Enum member; case and padding are forgiven."""
    if not has_value(ds, keyword):
        return default
    value = str(ds[keyword].value).strip().upper()
    try:
        return enum(value)
    except ValueError:
        allowed = ", ".join(m.value for m in enum)
        raise InvalidAttributeValueError(
            f"{tag_name(keyword)}: {value!r} is not one of {allowed}", [_tag(keyword)]
        ) from None


def get_choice(ds: Dataset, keyword: str, allowed: Iterable[str], default: str) -> str:
    """A CS attribute that must be one of *allowed*."""
    if not has_value(ds, keyword):
        return default
    value = str(ds[keyword].value).strip().upper()
    if value not in set(allowed):
        raise InvalidAttributeValueError(
            f"{tag_name(keyword)}: {value!r} not supported", [_tag(keyword)]
        )
    return value


def get_int(ds: Dataset, keyword: str, default: int, minimum: int, maximum: int) -> int:
    """An integer attribute (IS or US) within [minimum, maximum]."""
    if not has_value(ds, keyword):
        return default
    raw = ds[keyword].value
    try:
        value = int(raw)
    except (TypeError, ValueError):
        raise InvalidAttributeValueError(
            f"{tag_name(keyword)}: {raw!r} is not an integer", [_tag(keyword)]
        ) from None
    if not minimum <= value <= maximum:
        raise InvalidAttributeValueError(
            f"{tag_name(keyword)}: {value} not in {minimum}-{maximum}",
            [_tag(keyword)],
        )
    return value


def get_density(ds: Dataset, keyword: str, default: str) -> str:
    """Border or Empty Image Density: BLACK, WHITE or hundredths of OD."""
    if not has_value(ds, keyword):
        return default
    value = str(ds[keyword].value).strip().upper()
    if value in ("BLACK", "WHITE") or (value.isdigit() and int(value) <= 500):
        return value
    raise InvalidAttributeValueError(
        f"{tag_name(keyword)}: {value!r} is not BLACK, WHITE or 0-500",
        [_tag(keyword)],
    )


def referenced_uid(ds: Dataset, keyword: str) -> str | None:
    """The Referenced SOP Instance UID of the first item of a sequence."""
    if not has_value(ds, keyword):
        return None
    item = ds[keyword].value[0]
    uid = str(getattr(item, "ReferencedSOPInstanceUID", "") or "").strip()
    if not uid:
        raise MissingAttributeError(
            f"{tag_name(keyword)}: item has no ReferencedSOPInstanceUID",
            [_tag(keyword)],
        )
    return uid


def unknown_tags(ds: Dataset, known: Iterable[str]) -> list[int]:
    """Tags in *ds* that are not among the *known* keywords."""
    allowed = {_tag(k) for k in known}
    return [int(elem.tag) for elem in ds if int(elem.tag) not in allowed]


class Adjustments:
    """Values we replaced or clamped while applying a request.

    Each becomes part of a warning status: 0x0116 when a value was replaced
    by our default, 0xB605 when a density was clamped to the printer's
    range, 0x0107 when attributes were not recognised.
    """

    def __init__(self) -> None:
        self.items: list[tuple[Status, str, int]] = []

    def add(self, status: Status, message: str, keyword: str) -> None:
        """Record one adjustment of *keyword*."""
        self.items.append((status, message, _tag(keyword)))

    def unknown(self, ds: Dataset, known: Iterable[str]) -> None:
        """Record attributes of *ds* that are not among *known* keywords."""
        for tag in unknown_tags(ds, known):
            self.items.append(
                (Status.ATTRIBUTE_LIST_ERROR, f"({tag >> 16:04X},{tag & 0xFFFF:04X}) "
                 "not recognised", tag)
            )  # fmt: skip

    @property
    def status(self) -> Status:
        """The warning to send: the first one recorded, or success."""
        return self.items[0][0] if self.items else Status.SUCCESS

    @property
    def comment(self) -> str:
        """The messages, joined, for the Error Comment."""
        return "; ".join(message for _, message, _ in self.items)

    @property
    def tags(self) -> list[int]:
        """The tags concerned, for the Attribute Identifier List."""
        return [tag for _, _, tag in self.items]


def get_supported(
    ds: Dataset,
    keyword: str,
    *,
    defined: Iterable[str],
    supported: Iterable[str],
    default: str,
    adjustments: Adjustments,
) -> str:
    """A CS value that must be a Defined Term; if we lack it, our default.

    A value outside *defined* is refused (0x0106); a defined one outside
    *supported* is replaced by *default* with warning 0x0116.
    """
    value = (
        get_choice(ds, keyword, defined, default)
        if defined
        else (get_text(ds, keyword, default).upper())
    )
    if value != default and value not in set(supported):
        adjustments.add(
            Status.ATTRIBUTE_VALUE_OUT_OF_RANGE,
            f"{keyword} {value} not supported, {default or 'none'} used",
            keyword,
        )
        return default
    return value


def get_configuration(
    ds: Dataset, names: Iterable[str], adjustments: Adjustments
) -> str:
    """Configuration Information naming one of the printer's *names*.

    A name the printer lacks gets warning 0x0116 and the printer's own
    configuration (empty) is used, as for other values it does not offer.
    """
    value = get_text(ds, "ConfigurationInformation", "").strip()
    if value and value not in set(names):
        adjustments.add(
            Status.ATTRIBUTE_VALUE_OUT_OF_RANGE,
            "ConfigurationInformation unknown to this printer, none used",
            "ConfigurationInformation",
        )
        return ""
    return value


def get_clamped_density(
    ds: Dataset, keyword: str, *, default: int, low: int, high: int,
    adjustments: Adjustments,
) -> int:  # fmt: skip
    """Min or Max Density, clamped into the printer's [low, high] (0xB605)."""
    value = get_int(ds, keyword, default, 0, 65535)
    clamped = min(max(value, low), high)
    if clamped != value:
        adjustments.add(
            Status.DENSITY_OUT_OF_RANGE,
            f"{keyword} {value} outside {low}-{high}, {clamped} used",
            keyword,
        )
    return clamped


def select(everything: Dataset, tags: list[int] | None) -> tuple[Dataset, list[int]]:
    """The attributes an N-GET asked for, and the tags we do not have.

    No Attribute Identifier List means every attribute (PS3.7 10.1.2).
    """
    if not tags:
        return everything, []
    answer = Dataset()
    missing = []
    for tag in tags:
        if tag in everything:
            answer[tag] = everything[tag]
        else:
            missing.append(int(tag))
    return answer, missing
