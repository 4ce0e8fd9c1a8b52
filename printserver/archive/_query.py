"""Query identifiers: their checks, and the SQL their matching becomes.

One table of instances holds every key (patient, study, series and image
attributes side by side); a query at a level groups its rows by the level's
unique key.  Pure: no I/O, no network.  Imports pydicom and ``errors``.

References
----------
PS3.4 C.2.2.2 (attribute matching), C.4.1.2 (C-FIND SCP behaviour),
C.6.1 and C.6.2 (Patient Root and Study Root information models).
"""

import enum
from dataclasses import dataclass, field
from typing import Any

from pydicom.datadict import keyword_for_tag, tag_for_keyword
from pydicom.dataset import Dataset

from printserver.archive._charset import TextDecoder, value_representation
from printserver.errors import IdentifierError


class QueryRetrieveLevelValues(enum.Enum):
    """Enumerated Values of (0008,0052) Query/Retrieve Level."""

    PATIENT = "PATIENT"
    STUDY = "STUDY"
    SERIES = "SERIES"
    IMAGE = "IMAGE"


class InformationModel(enum.Enum):
    """The Query/Retrieve information models served."""

    PATIENT_ROOT = "PATIENT"
    STUDY_ROOT = "STUDY"

    @property
    def levels(self) -> tuple[QueryRetrieveLevelValues, ...]:
        """Its levels, top first."""
        levels = tuple(QueryRetrieveLevelValues)
        return levels if self is InformationModel.PATIENT_ROOT else levels[1:]


_Level = QueryRetrieveLevelValues


@dataclass(frozen=True)
class Key:
    """An attribute the index holds: where it lives and how it matches."""

    keyword: str
    level: QueryRetrieveLevelValues
    column: str
    matching: str = "text"
    """``uid``, ``date``, ``time`` or ``text`` (single value, wildcard)."""


KEYS = {
    key.keyword: key
    for key in (
        Key("PatientID", _Level.PATIENT, "patient_id"),
        Key("PatientName", _Level.PATIENT, "patient_name"),
        Key("PatientBirthDate", _Level.PATIENT, "patient_birth_date", "date"),
        Key("PatientSex", _Level.PATIENT, "patient_sex"),
        Key("StudyInstanceUID", _Level.STUDY, "study_instance_uid", "uid"),
        Key("StudyDate", _Level.STUDY, "study_date", "date"),
        Key("StudyTime", _Level.STUDY, "study_time", "time"),
        Key("AccessionNumber", _Level.STUDY, "accession_number"),
        Key("StudyID", _Level.STUDY, "study_id"),
        Key("StudyDescription", _Level.STUDY, "study_description"),
        Key("ReferringPhysicianName", _Level.STUDY, "referring_physician_name"),
        Key("SeriesInstanceUID", _Level.SERIES, "series_instance_uid", "uid"),
        Key("Modality", _Level.SERIES, "modality"),
        Key("SeriesNumber", _Level.SERIES, "series_number"),
        Key("SeriesDescription", _Level.SERIES, "series_description"),
        Key("SeriesDate", _Level.SERIES, "series_date", "date"),
        Key("SeriesTime", _Level.SERIES, "series_time", "time"),
        Key("SOPInstanceUID", _Level.IMAGE, "sop_instance_uid", "uid"),
        Key("SOPClassUID", _Level.IMAGE, "sop_class_uid", "uid"),
        Key("InstanceNumber", _Level.IMAGE, "instance_number"),
        Key("ContentDate", _Level.IMAGE, "content_date", "date"),
        Key("ContentTime", _Level.IMAGE, "content_time", "time"),
    )
}
UNIQUE_KEYS = {
    _Level.PATIENT: "PatientID",
    _Level.STUDY: "StudyInstanceUID",
    _Level.SERIES: "SeriesInstanceUID",
    _Level.IMAGE: "SOPInstanceUID",
}
#: Attributes the SCP computes for a level: keyword to (level, SQL).
DERIVED = {
    "NumberOfPatientRelatedStudies": (
        _Level.PATIENT,
        "COUNT(DISTINCT study_instance_uid)",
    ),
    "NumberOfPatientRelatedSeries": (
        _Level.PATIENT,
        "COUNT(DISTINCT series_instance_uid)",
    ),
    "NumberOfPatientRelatedInstances": (_Level.PATIENT, "COUNT(*)"),
    "NumberOfStudyRelatedSeries": (
        _Level.STUDY,
        "COUNT(DISTINCT series_instance_uid)",
    ),
    "NumberOfStudyRelatedInstances": (_Level.STUDY, "COUNT(*)"),
    "ModalitiesInStudy": (_Level.STUDY, "GROUP_CONCAT(DISTINCT modality)"),
    "SOPClassesInStudy": (_Level.STUDY, "GROUP_CONCAT(DISTINCT sop_class_uid)"),
    "NumberOfSeriesRelatedInstances": (_Level.SERIES, "COUNT(*)"),
}
#: Identifier elements that are not keys.
_NOT_KEYS = {"QueryRetrieveLevel", "SpecificCharacterSet", "RetrieveAETitle"}


def key_level(keyword: str, model: InformationModel) -> QueryRetrieveLevelValues | None:
    """The level of *keyword* in *model* (patient keys belong to the study
    in Study Root); None for an attribute the index does not hold."""
    if keyword in KEYS:
        level = KEYS[keyword].level
    elif keyword in DERIVED:
        level = DERIVED[keyword][0]
    else:
        return None
    if model is InformationModel.STUDY_ROOT and level is _Level.PATIENT:
        return _Level.STUDY
    return level


@dataclass
class Query:
    """A checked identifier, ready to run against the index."""

    model: InformationModel
    level: QueryRetrieveLevelValues
    where: list[str] = field(default_factory=list)
    parameters: list[Any] = field(default_factory=list)
    returned: list[str] = field(default_factory=list)
    """Keywords to answer, in the identifier's order."""
    unsupported: list[str] = field(default_factory=list)
    """Keys with a value we cannot match on (answered zero-length)."""
    character_set: str = ""
    """The identifier's Specific Character Set, as sent."""

    def sql(self) -> tuple[str, list[Any]]:
        """SELECT statement and parameters for the matching entities."""
        unique = KEYS[UNIQUE_KEYS[self.level]].column
        columns = [f"{unique} AS {unique}"]
        for keyword in self.returned:
            level = key_level(keyword, self.model)
            if level is None or self._depth(level) > self._depth(self.level):
                continue
            if keyword in DERIVED:
                columns.append(f"{DERIVED[keyword][1]} AS {keyword}")
            elif KEYS[keyword].column != unique:
                column = KEYS[keyword].column
                columns.append(f"MIN({column}) AS {column}")
        where = " AND ".join(self.where) or "1"
        order = "MIN(series_number + 0), MIN(instance_number + 0)"
        statement = (
            f"SELECT {', '.join(columns)} FROM instances WHERE {where} "
            f"GROUP BY {unique} ORDER BY MIN(received), {order}"
        )
        return statement, list(self.parameters)

    def instances_sql(self) -> tuple[str, list[Any]]:
        """SELECT statement for every instance below the matches."""
        where = " AND ".join(self.where) or "1"
        statement = (
            "SELECT sop_instance_uid, sop_class_uid, transfer_syntax_uid, file "
            f"FROM instances WHERE {where} ORDER BY received, "
            "series_number + 0, instance_number + 0"
        )
        return statement, list(self.parameters)

    def _depth(self, level: QueryRetrieveLevelValues) -> int:
        return list(_Level).index(level)


def parse_identifier(
    identifier: Dataset, model: InformationModel, retrieve: bool = False
) -> Query:
    """Check an identifier and turn its keys into matching conditions.

    Parameters
    ----------
    identifier : Dataset
        The C-FIND, C-MOVE or C-GET identifier, decoded.
    model : InformationModel
        Patient Root or Study Root (from the SOP class).
    retrieve : bool
        True for C-MOVE and C-GET: only unique keys, each with a value.

    Raises
    ------
    IdentifierError
        With the Offending Element: no or a wrong Query/Retrieve Level, a
        missing unique key above the level (at it, for a retrieve), or a
        wildcard in one of them.
    """
    decoder = TextDecoder(identifier)
    level = _level(decoder.text(identifier, "QueryRetrieveLevel"), model)
    query = Query(model, level, character_set="\\".join(decoder.declared))
    depth = model.levels.index(level)
    required = model.levels[: depth + 1 if retrieve else depth]
    for above in required:
        keyword = UNIQUE_KEYS[above]
        values = decoder.values(identifier, keyword) or []
        _check_unique_key(keyword, values, retrieve and above is level)

    combined, conditions = _combined_ranges(identifier, decoder, depth, model)
    for clause, parameters in conditions:
        query.where.append(clause)
        query.parameters += parameters
    for tag in identifier.keys():
        keyword = keyword_for_tag(tag)
        if not keyword or keyword in _NOT_KEYS or tag >> 16 in (0, 2):
            continue
        query.returned.append(keyword)
        values = decoder.values(identifier, keyword) or []
        if not values or values == ["*"] or keyword in combined:
            continue  # universal matching, or matched with its date
        key_at = key_level(keyword, model)
        vr = value_representation(identifier.get_item(tag))
        if key_at is None or model.levels.index(key_at) > depth or vr == "SQ":
            query.unsupported.append(keyword)
            continue
        if keyword in DERIVED:
            _derived_condition(query, keyword, values)
            continue
        clause, parameters = _condition(KEYS[keyword], values)
        query.where.append(clause)
        query.parameters += parameters
    return query


#: Date and time keys that range-match as one date-time when both are
#: ranges (PS3.4 C.2.2.2.5.1).
DATE_TIME_PAIRS = (
    ("StudyDate", "StudyTime"),
    ("SeriesDate", "SeriesTime"),
    ("ContentDate", "ContentTime"),
)
#: A time key's value for an instance without one: the start of its day.
_NO_TIME = "000000.000000"


def _combined_ranges(
    identifier: Dataset, decoder: TextDecoder, depth: int, model: InformationModel
) -> tuple[set[str], list[tuple[str, list[Any]]]]:
    """The keywords of each date and time pair that are both ranges (one
    value each), which then match nothing more on their own, and the
    condition of each pair: from the first date at the first time (the
    start of that day without one) to the last date at the last time (the
    end of that day without one)."""
    keywords: set[str] = set()
    conditions: list[tuple[str, list[Any]]] = []
    for date_keyword, time_keyword in DATE_TIME_PAIRS:
        dates = decoder.values(identifier, date_keyword) or []
        times = decoder.values(identifier, time_keyword) or []
        level = key_level(date_keyword, model)
        if level is None or model.levels.index(level) > depth:
            continue
        if len(dates) != 1 or len(times) != 1:
            continue
        if "-" not in dates[0] or "-" not in times[0]:
            continue
        date_low, date_high = (v.strip() for v in dates[0].split("-", 1))
        time_low, time_high = (v.strip() for v in times[0].split("-", 1))
        date_column = KEYS[date_keyword].column
        time_column = KEYS[time_keyword].column + "_key"
        moment = f"({date_column} || COALESCE({time_column}, '{_NO_TIME}'))"
        clauses, parameters = [], []
        if date_low:
            start = normal_time(time_low) if time_low else _NO_TIME
            clauses.append(f"{moment} >= ?")
            parameters.append(normal_date(date_low) + start)
        if date_high:
            end = normal_time(time_high or "23", upper=True)
            clauses.append(f"{moment} <= ?")
            parameters.append(normal_date(date_high) + end)
        keywords |= {date_keyword, time_keyword}
        conditions.append((f"({' AND '.join(clauses) or '1'})", parameters))
    return keywords, conditions


def _level(text: str | None, model: InformationModel) -> QueryRetrieveLevelValues:
    """The identifier's Query/Retrieve Level, checked against *model*."""
    tag = 0x00080052
    value = (text or "").strip().upper()
    if not value:
        raise IdentifierError("(0008,0052) Query/Retrieve Level missing", [tag])
    try:
        level = QueryRetrieveLevelValues(value)
    except ValueError:
        raise IdentifierError(
            f"(0008,0052) Query/Retrieve Level {value[:16]!r} unknown", [tag]
        ) from None
    if level not in model.levels:
        raise IdentifierError(
            f"(0008,0052) Query/Retrieve Level {value} not in this model", [tag]
        )
    return level


def _check_unique_key(keyword: str, values: list[str], list_allowed: bool) -> None:
    """A unique key above the level: present, one value, no wildcard."""
    tag = int(tag_for_keyword(keyword) or 0)
    name = f"({tag >> 16:04X},{tag & 0xFFFF:04X}) {keyword}"
    if not values:
        raise IdentifierError(f"{name} required, missing or empty", [tag])
    if any("*" in v or "?" in v for v in values):
        raise IdentifierError(f"{name}: no wildcard above the level", [tag])
    if len(values) > 1 and not list_allowed:
        raise IdentifierError(f"{name}: one value above the level", [tag])


def _condition(key: Key, values: list[str]) -> tuple[str, list[Any]]:
    """SQL for one key: its values OR-ed (list matching)."""
    clauses: list[str] = []
    parameters: list[Any] = []
    for value in values:
        clause, more = _one_value(key, value)
        clauses.append(clause)
        parameters += more
    return f"({' OR '.join(clauses)})", parameters


def _one_value(key: Key, value: str) -> tuple[str, list[Any]]:
    """Single value, wildcard or range matching of one value."""
    column = key.column
    if key.matching in ("date", "time") and "-" in value:
        low, high = value.split("-", 1)
        normal = normal_date if key.matching == "date" else normal_time
        column += "_key" if key.matching == "time" else ""
        clauses, parameters = [], []
        if low:
            clauses.append(f"{column} >= ?")
            parameters.append(normal(low))
        if high:
            clauses.append(f"{column} <= ?")
            parameters.append(normal(high, upper=True))
        return f"({' AND '.join(clauses) or '1'})", parameters
    if key.matching == "date":
        return f"{column} = ?", [normal_date(value)]
    if key.matching == "time":
        return f"{column}_key = ?", [normal_time(value)]
    if "*" in value or "?" in value:
        # GLOB is case-sensitive and knows * and ?; a [ must be escaped.
        return f"{column} GLOB ?", [value.replace("[", "[[]")]
    return f"{column} = ?", [value]


def _derived_condition(query: Query, keyword: str, values: list[str]) -> None:
    """Matching on Modalities in Study: any series of the study matches."""
    if keyword != "ModalitiesInStudy":
        query.unsupported.append(keyword)
        return
    clause, parameters = _condition(KEYS["Modality"], values)
    query.where.append(
        "study_instance_uid IN (SELECT study_instance_uid FROM instances "
        f"WHERE {clause})"
    )
    query.parameters += parameters


def normal_date(value: str, upper: bool = False) -> str:
    """A DA value as YYYYMMDD (the ACR-NEMA dots dropped)."""
    return value.strip().replace(".", "")


def normal_time(value: str, upper: bool = False) -> str:
    """A TM value as HHMMSS.FFFFFF, so that strings compare as times.

    Missing parts are zeros, or the largest values for the upper end of a
    range ("13" up to 13:59:59.999999).
    """
    value = value.strip().replace(":", "")
    whole, _, fraction = value.partition(".")
    fill = "5959" if upper else "0000"
    whole = (whole + fill[len(whole) - 2 :])[:6] if len(whole) < 6 else whole[:6]
    if len(whole) < 2:
        whole = whole.ljust(2, "9" if upper else "0") + fill
    fraction = fraction.ljust(6, "9" if upper else "0")[:6]
    return f"{whole}.{fraction}"
