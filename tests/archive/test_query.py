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
