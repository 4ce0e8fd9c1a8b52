"""Query identifiers to SQL, without a network, and the [archive] section."""

import pytest
from pydicom.dataset import Dataset

from printserver.archive import InformationModel, parse_identifier
from printserver.archive._query import normal_time
from printserver.config import parse_config
from printserver.errors import ConfigError


@pytest.mark.parametrize(
    ("value", "upper", "expected"),
    [
        ("13", False, "130000.000000"),
        ("13", True, "135959.999999"),
        ("1330", True, "133059.999999"),
        ("133000.5", True, "133000.599999"),
        ("13:30:00", False, "133000.000000"),
        ("101500", False, "101500.000000"),
    ],
)
def test_times_compare_as_strings(value, upper, expected):
    assert normal_time(value, upper=upper) == expected


def test_study_root_matches_patient_keys_at_study_level():
    ds = Dataset()
    ds.QueryRetrieveLevel = "STUDY"
    ds.PatientName = "Doe*"
    ds.StudyDate = "20240101-"
    query = parse_identifier(ds, InformationModel.STUDY_ROOT)
    assert query.where == ["(patient_name GLOB ?)", "((study_date >= ?))"]
    assert query.parameters == ["Doe*", "20240101"]
    assert query.unsupported == []


def test_a_bracket_is_no_glob_class():
    ds = Dataset()
    ds.QueryRetrieveLevel = "PATIENT"
    ds.PatientName = "[A]*"
    query = parse_identifier(ds, InformationModel.PATIENT_ROOT)
    assert query.parameters == ["[[]A]*"]


def test_unindexed_keys_with_values_are_flagged():
    ds = Dataset()
    ds.QueryRetrieveLevel = "PATIENT"
    ds.PatientID = ""
    ds.EthnicGroup = "X"
    query = parse_identifier(ds, InformationModel.PATIENT_ROOT)
    assert query.unsupported == ["EthnicGroup"]
    assert query.returned == ["PatientID", "EthnicGroup"]


def test_archive_section():
    config = parse_config(
        '[archive]\nstore_printed_films = false\nforward_to = "PACS"\n'
        '[[peers]]\nae_title = "PACS"\nhost = "10.0.0.9"\n'
    )
    assert config.archive.enabled
    assert not config.archive.store_printed_films
    assert config.archive.forward_to == "PACS"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            '[archive]\nforward_to = "PACS"\n',
            r"archive.forward_to: no \[\[peers\]\] entry",
        ),
        ("[archive]\nenabled = 1\n", "archive.enabled: expected bool"),
        ("[archive]\nkeep = true\n", "archive.keep: unknown key"),
    ],
)
def test_archive_section_errors(text, message):
    with pytest.raises(ConfigError, match=message):
        parse_config(text)


def identifier(level, **keys):
    """A query identifier at *level* with *keys*."""
    ds = Dataset()
    ds.QueryRetrieveLevel = level
    for keyword, value in keys.items():
        setattr(ds, keyword, value)
    return ds


def test_date_and_time_ranges_match_as_one_date_time():
    # PS3.4 C.2.2.2.5.1: from 15 March at 23:00 to 16 March at 02:00 (the
    # whole minute: 0200 is a time to the minute).
    ds = identifier("STUDY", StudyDate="20240315-20240316", StudyTime="2300-0200")
    query = parse_identifier(ds, InformationModel.STUDY_ROOT)
    moment = "(study_date || COALESCE(study_time_key, '000000.000000'))"
    assert query.where == [f"({moment} >= ? AND {moment} <= ?)"]
    assert query.parameters == ["20240315230000.000000", "20240316020059.999999"]
    assert query.returned == ["StudyDate", "StudyTime"]


@pytest.mark.parametrize(
    ("date", "time", "where", "parameters"),
    [
        # Open ends: a time without its date's end has no end of its own.
        ("20240315-", "2300-", [">="], ["20240315230000.000000"]),
        ("-20240316", "-02", ["<="], ["20240316025959.999999"]),
        ("20240315-20240316", "-02", [">=", "<="],
         ["20240315000000.000000", "20240316025959.999999"]),
    ],
)  # fmt: skip
def test_open_date_time_ranges(date, time, where, parameters):
    ds = identifier("SERIES", StudyInstanceUID="1.2.3", SeriesDate=date,
                    SeriesTime=time)  # fmt: skip
    query = parse_identifier(ds, InformationModel.STUDY_ROOT)
    [clause] = [c for c in query.where if "series_date" in c]
    assert [op for op in (">=", "<=") if op in clause] == where
    assert query.parameters[: len(parameters)] == parameters


def test_a_date_and_a_time_range_match_apart_when_the_date_is_one_day():
    ds = identifier("STUDY", StudyDate="20240315", StudyTime="0800-1200")
    query = parse_identifier(ds, InformationModel.STUDY_ROOT)
    assert query.where == [
        "(study_date = ?)",
        "((study_time_key >= ? AND study_time_key <= ?))",
    ]


def test_combined_range_finds_the_studies_between(tmp_path):
    from printserver.archive import Archive  # noqa: PLC0415
    from tests.net.dicomtools import data_set_bytes, image  # noqa: PLC0415

    archive = Archive(tmp_path / "data")
    moments = {"A": ("20240315", "220000"), "B": ("20240315", "233000"),
               "C": ("20240316", "010000"), "D": ("20240316", "230000"),
               "E": ("20240316", "")}  # fmt: skip
    for name, (date, time) in moments.items():
        path = image(tmp_path, f"{name}.dcm", StudyDate=date, StudyTime=time,
                     StudyID=name)  # fmt: skip
        archive.store(data_set_bytes(path), "1.2.840.10008.1.2.1")
    ds = identifier("STUDY", StudyDate="20240315-20240316", StudyTime="2300-0200",
                    StudyID="")  # fmt: skip
    found = archive.find(parse_identifier(ds, InformationModel.STUDY_ROOT))
    archive.close()
    # E has no time: it counts as the start of its day, inside the range.
    assert sorted(answer.StudyID for answer in found) == ["B", "C", "E"]
