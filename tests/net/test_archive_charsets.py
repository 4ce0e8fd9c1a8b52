"""Character sets in the archive: five Cyrillic encodings, stored untouched,
indexed as Unicode (a per-peer override for mislabelled Windows-1251)."""

import logging

import pytest

from tests.conftest import require_tool
from tests.net.dicomtools import PduProxy, data_set_bytes, dcmtk, find, image
from tests.net.test_archive import start_server

pytestmark = [
    pytest.mark.dcmtk,
    # pydicom warns (in the server's threads) when it reads the malformed
    # term; the server does not run with warnings as errors.
    pytest.mark.filterwarnings("ignore:Incorrect value for Specific Character Set"),
]

#: (Patient ID, name, Specific Character Set, encoding, calling AE title)
PATIENTS = [
    ("C1", "Иванов^Иван", "ISO_IR 144", "iso8859_5", "MODALITY"),
    ("C2", "Иванов^Пётр", "ISO_IR 192", "utf-8", "MODALITY"),
    ("C3", "Иванов^Сергей", "ISO IR 192", "utf-8", "MODALITY"),
    ("C4", "Иванов^Олег", ["ISO 2022 IR 6", "ISO 2022 IR 144"], "cp1251", "RUSMOD"),
    ("C5", "Иванов^Борис", "ISO_IR 144", "cp1251", "RUSMOD"),
    ("L1", "Ivanov^Ivan", None, "ascii", "MODALITY"),
    ("L2", "Müller^Jörg", "ISO_IR 100", "latin-1", "MODALITY"),
]
CYRILLIC = {p[0]: p[1] for p in PATIENTS if p[0].startswith("C")}


@pytest.fixture(scope="module")
def charsets(tmp_path_factory):
    """A server holding one image of each patient, each sent by its AE."""
    require_tool("storescu", "dcmtk")
    tmp_path = tmp_path_factory.mktemp("charsets")
    peers = '[[peers]]\nae_title = "RUSMOD"\ncharacter_set = "cp1251"\n'
    scp, port = start_server(tmp_path, peers)
    sources = {}
    for patient_id, name, character_set, encoding, _ in PATIENTS:
        attributes = {"PatientID": patient_id, "PatientName": name.encode(encoding)}
        if character_set:
            attributes["SpecificCharacterSet"] = character_set
        sources[patient_id] = image(tmp_path, f"{patient_id}.dcm", **attributes)
    logger = logging.getLogger("printserver")
    records = []
    handler = logging.Handler(logging.WARNING)
    handler.emit = records.append  # type: ignore[method-assign]
    logger.addHandler(handler)
    try:
        for patient_id, *_, calling_ae in PATIENTS:
            run = dcmtk(
                "/usr/bin/storescu", "-aet", calling_ae, "-aec", "PRINTSCP",
                "127.0.0.1", str(port), str(sources[patient_id]),
            )  # fmt: skip
            assert run.returncode == 0, run.stderr
        yield {"port": port, "sources": sources, "tmp": tmp_path, "log": records}
    finally:
        logger.removeHandler(handler)
        scp.stop()


def _find_names(charsets, folder, name_key, character_set):
    keys = ["QueryRetrieveLevel=PATIENT", "PatientID", name_key]
    if character_set:
        keys.insert(0, f"SpecificCharacterSet={character_set}")
    answers = find(charsets["port"], *keys, model="-P", folder=folder)
    return answers


@pytest.mark.parametrize(
    ("character_set", "encoding"),
    [("ISO_IR 192", "utf-8"), ("ISO_IR 144", "iso8859_5")],
)
def test_cyrillic_query_finds_all_five_and_only_them(
    charsets, tmp_path, character_set, encoding
):
    pattern = "Иванов*".encode(encoding)
    answers = _find_names(charsets, tmp_path, b"PatientName=" + pattern, character_set)
    assert {ds.PatientID: str(ds.PatientName) for ds in answers} == CYRILLIC
    assert {ds.SpecificCharacterSet for ds in answers} == {character_set}


@pytest.mark.parametrize(
    ("name_key", "character_set", "expected"),
    [
        ("PatientName=Ivanov*", "", {"L1": "Ivanov^Ivan"}),
        ("PatientName=M*ller^J*".encode("latin-1"), "ISO_IR 100",
         {"L2": "Müller^Jörg"}),
        ("PatientName=Иванов^Олег".encode(), "ISO_IR 192", {"C4": "Иванов^Олег"}),
        ("PatientName=Иванов^Борис".encode(), "ISO_IR 192",
         {"C5": "Иванов^Борис"}),
    ],
)  # fmt: skip
def test_latin_and_overridden_names(
    charsets, tmp_path, name_key, character_set, expected
):
    answers = _find_names(charsets, tmp_path, name_key, character_set)
    assert {ds.PatientID: str(ds.PatientName) for ds in answers} == expected


def test_latin_query_answers_in_latin_1_without_a_declared_set(charsets, tmp_path):
    answers = _find_names(charsets, tmp_path, "PatientName=M*", "")
    [answer] = answers
    assert answer.SpecificCharacterSet == "ISO_IR 100"
    assert str(answer.PatientName) == "Müller^Jörg"


def test_all_seven_come_back_byte_identical(charsets, tmp_path):
    require_tool("getscu", "dcmtk")
    proxy = PduProxy(charsets["port"])
    try:
        for patient_id in charsets["sources"]:
            run = dcmtk(
                "/usr/bin/getscu", "-P", "-aet", "WORKSTATION", "-aec", "PRINTSCP",
                "-od", str(tmp_path), "-k", "QueryRetrieveLevel=PATIENT",
                "-k", f"PatientID={patient_id}", "127.0.0.1", str(proxy.port),
            )  # fmt: skip
            assert run.returncode == 0, run.stderr
    finally:
        proxy.close()
    received = {data_set_bytes(p) for p in tmp_path.glob("CT.*")}
    assert received == {data_set_bytes(p) for p in charsets["sources"].values()}


def test_warnings_logged_for_override_and_malformed_term(charsets):
    lines = [record.getMessage() for record in charsets["log"]]
    overridden = [line for line in lines if "read as cp1251 (peer override)" in line]
    assert len(overridden) == 2
    assert all("RUSMOD" in line for line in overridden)
    assert any("ISO IR 192" in line for line in lines)
