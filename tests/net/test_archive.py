"""The archive against DCMTK's storescu, findscu, movescu, getscu, storescp."""

import logging
import subprocess
import warnings
from dataclasses import replace
from pathlib import Path

import pytest
from pydicom.dataset import Dataset
from pynetdicom import AE
from pynetdicom.sop_class import (  # type: ignore[attr-defined]
    PatientRootQueryRetrieveInformationModelFind,
    StudyRootQueryRetrieveInformationModelFind,
    StudyRootQueryRetrieveInformationModelGet,
    StudyRootQueryRetrieveInformationModelMove,
)

from printserver.config import parse_config
from printserver.scp import PrintSCP
from tests.conftest import polling_observer, require_tool
from tests.net.dicomtools import (
    MR_IMAGE,
    PduProxy,
    data_set_bytes,
    dcmtk,
    find,
    image,
)

pytestmark = pytest.mark.dcmtk


def free_port():
    import socket  # noqa: PLC0415

    with socket.create_server(("127.0.0.1", 0)) as sock:
        return sock.getsockname()[1]


class Destination:
    """DCMTK's storescp (max PDU 4096, bit-preserving) behind a PDU proxy."""

    def __init__(self, folder, start=True):
        require_tool("storescp", "dcmtk")
        self.folder = folder
        folder.mkdir()
        self.storescp_port = free_port()
        self.process = None
        self.proxy = PduProxy(self.storescp_port)
        if start:
            self.start()

    def start(self):
        port = str(self.storescp_port)
        self.process = subprocess.Popen(
            [
                "/usr/bin/storescp",
                "-aet",
                "DEST",
                "+B",
                "-pdu",
                "4096",
                "-od",
                str(self.folder),
                port,
            ],  # fmt: skip
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(100):  # storescp binds within a moment
            echo = dcmtk("/usr/bin/echoscu", "-aec", "DEST", "127.0.0.1", port)
            if echo.returncode == 0:
                break

    def stop(self):
        if self.process is not None:
            self.process.terminate()
            self.process.wait(10)
        self.proxy.close()


def start_server(tmp_path, peers_toml=""):
    text = f'[server]\nhost = "127.0.0.1"\ndata = "{tmp_path / "data"}"\n{peers_toml}'
    config = parse_config(text)
    config = replace(config, server=replace(config.server, port=0))
    scp = PrintSCP(config, polling_observer)
    _, port = scp.start()
    return scp, port


@pytest.fixture(scope="module")
def archive(tmp_path_factory):
    """A server with two studies stored by storescu, and a destination."""
    require_tool("storescu", "dcmtk")
    tmp_path = tmp_path_factory.mktemp("archive")
    destination = Destination(tmp_path / "dest")
    peers = (
        f'[[peers]]\nae_title = "DEST"\nhost = "127.0.0.1"\n'
        f"port = {destination.proxy.port}\n"
        '[[peers]]\nae_title = "NOWHERE"\nhost = ""\n'
    )
    scp, port = start_server(tmp_path, peers)
    sources = tmp_path / "sources"
    sources.mkdir()
    study, series = "1.2.826.0.1.3680043.8.498.1", "1.2.826.0.1.3680043.8.498.1.1"
    ct = [
        image(
            sources,
            f"ct{n}.dcm",
            StudyInstanceUID=study,
            SeriesInstanceUID=series,
            InstanceNumber=n,
            SOPInstanceUID=f"{series}.{n}",
        )  # fmt: skip
        for n in (1, 2, 3)
    ]
    mr = [
        image(
            sources,
            f"mr{n}.dcm",
            SOPClassUID=MR_IMAGE,
            Modality="MR",
            PatientName="Smith^Anna",
            PatientID="P2",
            PatientSex="F",
            StudyInstanceUID="1.2.826.0.1.3680043.8.498.2",
            SeriesInstanceUID="1.2.826.0.1.3680043.8.498.2.1",
            StudyDate="20231105",
            StudyTime="164500",
            InstanceNumber=n,
        )  # fmt: skip
        for n in (1, 2)
    ]
    run = dcmtk(
        "/usr/bin/storescu", "-aet", "MODALITY", "-aec", "PRINTSCP",
        "127.0.0.1", str(port), *map(str, ct + mr),
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    try:
        yield {
            "scp": scp, "port": port, "tmp": tmp_path, "ct": ct, "mr": mr,
            "study": study, "series": series, "destination": destination,
        }  # fmt: skip
    finally:
        scp.stop()
        destination.stop()


def test_store_keeps_files_under_internal_names(archive):
    files = sorted((archive["tmp"] / "data" / "archive" / "files").rglob("*"))
    names = [p.name for p in files if p.is_file()]
    assert len(names) == 5
    assert all(len(n) == 40 and set(n) <= set("0123456789abcdef") for n in names)
    originals = {data_set_bytes(p) for p in archive["ct"] + archive["mr"]}
    stored = {data_set_bytes(p) for p in files if p.is_file()}
    assert stored == originals


FIND_CASES = [
    # (model, keys, attribute answered, expected values)
    ("-P", ["QueryRetrieveLevel=PATIENT", "PatientID", "PatientName"],
     "PatientID", {"P1", "P2"}),
    ("-P", ["QueryRetrieveLevel=PATIENT", "PatientID", "PatientName=Doe*"],
     "PatientID", {"P1"}),
    ("-P", ["QueryRetrieveLevel=PATIENT", "PatientID", "PatientName=Smi?h^Anna"],
     "PatientID", {"P2"}),
    ("-P", ["QueryRetrieveLevel=PATIENT", "PatientID=P2",
            "NumberOfPatientRelatedInstances"],
     "NumberOfPatientRelatedInstances", {"2"}),
    ("-P", ["QueryRetrieveLevel=STUDY", "PatientID=P1", "StudyInstanceUID"],
     "StudyInstanceUID", {"1.2.826.0.1.3680043.8.498.1"}),
    ("-S", ["QueryRetrieveLevel=STUDY", "StudyInstanceUID",
            "StudyDate=20240301-20240331"],
     "StudyInstanceUID", {"1.2.826.0.1.3680043.8.498.1"}),
    ("-S", ["QueryRetrieveLevel=STUDY", "StudyInstanceUID", "StudyDate=-20231231"],
     "StudyInstanceUID", {"1.2.826.0.1.3680043.8.498.2"}),
    ("-S", ["QueryRetrieveLevel=STUDY", "StudyInstanceUID", "StudyTime=1000-1100"],
     "StudyInstanceUID", {"1.2.826.0.1.3680043.8.498.1"}),
    ("-S", ["QueryRetrieveLevel=STUDY", "StudyInstanceUID", "StudyDate=20231105"],
     "StudyInstanceUID", {"1.2.826.0.1.3680043.8.498.2"}),
    ("-S", ["QueryRetrieveLevel=STUDY", "ModalitiesInStudy=MR", "PatientName"],
     "PatientName", {"Smith^Anna"}),
    ("-S", ["QueryRetrieveLevel=STUDY", "StudyInstanceUID",
            "NumberOfStudyRelatedInstances", "ModalitiesInStudy=CT\\US"],
     "NumberOfStudyRelatedInstances", {"3"}),
    ("-S", ["QueryRetrieveLevel=SERIES", "StudyInstanceUID=1.2.826.0.1.3680043.8.498.1",
            "SeriesInstanceUID", "Modality"],
     "Modality", {"CT"}),
    ("-S", ["QueryRetrieveLevel=IMAGE", "StudyInstanceUID=1.2.826.0.1.3680043.8.498.1",
            "SeriesInstanceUID=1.2.826.0.1.3680043.8.498.1.1",
            "SOPInstanceUID=1.2.826.0.1.3680043.8.498.1.1.1\\"
            "1.2.826.0.1.3680043.8.498.1.1.3"],
     "SOPInstanceUID", {"1.2.826.0.1.3680043.8.498.1.1.1",
                        "1.2.826.0.1.3680043.8.498.1.1.3"}),
    ("-P", ["QueryRetrieveLevel=IMAGE", "PatientID=P1",
            "StudyInstanceUID=1.2.826.0.1.3680043.8.498.1",
            "SeriesInstanceUID=1.2.826.0.1.3680043.8.498.1.1",
            "SOPInstanceUID", "InstanceNumber=2"],
     "SOPInstanceUID", {"1.2.826.0.1.3680043.8.498.1.1.2"}),
    ("-S", ["QueryRetrieveLevel=STUDY", "StudyInstanceUID", "PatientName=doe*"],
     "StudyInstanceUID", set()),
]  # fmt: skip


@pytest.mark.parametrize(("model", "keys", "attribute", "expected"), FIND_CASES)
def test_find_with_findscu(archive, tmp_path, model, keys, attribute, expected):  # noqa: PLR0917
    answers = find(archive["port"], *keys, model=model, folder=tmp_path)
    assert {str(ds.get(attribute, "")) for ds in answers} == expected
    assert len(answers) == len(expected)
    level = keys[0].split("=")[1]
    assert all(ds.QueryRetrieveLevel == level for ds in answers)


def _associate(port, contexts, **kwargs):
    ae = AE(ae_title="WORKSTATION")
    for context in contexts:
        ae.add_requested_context(context)
    assoc = ae.associate("127.0.0.1", port, ae_title="PRINTSCP", **kwargs)
    assert assoc.is_established
    return assoc


def _identifier(**keys):
    ds = Dataset()
    with warnings.catch_warnings():  # wildcards in UIDs, on purpose
        warnings.simplefilter("ignore")
        for keyword, value in keys.items():
            setattr(ds, keyword, value)
    return ds


IDENTIFIER_ERRORS = [
    # (SOP class, identifier, offending tag)
    (StudyRootQueryRetrieveInformationModelFind,
     {"StudyInstanceUID": ""}, 0x00080052),
    (StudyRootQueryRetrieveInformationModelFind,
     {"QueryRetrieveLevel": "PATIENT", "PatientID": ""}, 0x00080052),
    (PatientRootQueryRetrieveInformationModelFind,
     {"QueryRetrieveLevel": "STUDY", "StudyInstanceUID": ""}, 0x00100020),
    (StudyRootQueryRetrieveInformationModelFind,
     {"QueryRetrieveLevel": "SERIES", "StudyInstanceUID": "1.2.826*",
      "SeriesInstanceUID": ""}, 0x0020000D),
    (StudyRootQueryRetrieveInformationModelFind,
     {"QueryRetrieveLevel": "IMAGE", "StudyInstanceUID": "1.2.3"}, 0x0020000E),
]  # fmt: skip


@pytest.mark.parametrize(("sop_class", "keys", "offending"), IDENTIFIER_ERRORS)
def test_find_identifier_errors(archive, caplog, sop_class, keys, offending):
    assoc = _associate(archive["port"], [sop_class])
    try:
        with caplog.at_level(logging.ERROR, "printserver"), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            [(status, answer)] = list(assoc.send_c_find(_identifier(**keys), sop_class))
        assert status.Status == 0xA900
        assert status.OffendingElement == offending
        assert 0 < len(status.ErrorComment) <= 64
        assert answer is None
        assert "C-FIND - -> 0xA900" in caplog.text
        # The association stays usable.
        good = _identifier(
            QueryRetrieveLevel="STUDY", StudyInstanceUID="", PatientID="P1"
        )
        statuses = [s.Status for s, _ in assoc.send_c_find(good, sop_class)]
        assert statuses[-1] == 0x0000
    finally:
        assoc.release()


def test_move_to_storescp_is_byte_identical(archive):
    destination = archive["destination"]
    run = dcmtk(
        "/usr/bin/movescu", "-S", "-aet", "WORKSTATION", "-aec", "PRINTSCP",
        "-aem", "DEST", "-k", "QueryRetrieveLevel=SERIES",
        "-k", f"StudyInstanceUID={archive['study']}",
        "-k", f"SeriesInstanceUID={archive['series']}",
        "127.0.0.1", str(archive["port"]),
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    received = sorted(destination.folder.glob("CT.*"))
    assert len(received) == 3
    assert {data_set_bytes(p) for p in received} == {
        data_set_bytes(p) for p in archive["ct"]
    }
    # storescp announced 4096: no PDU of ours to it is longer.
    largest = destination.proxy.largest_data_pdu(destination.proxy.from_client)
    assert 3000 < largest <= 4096


def test_move_to_unknown_destination(archive):
    destination = archive["destination"]
    before = destination.proxy.connections
    assoc = _associate(archive["port"], [StudyRootQueryRetrieveInformationModelMove])
    try:
        identifier = _identifier(
            QueryRetrieveLevel="STUDY", StudyInstanceUID=archive["study"]
        )
        for title in ("UNKNOWN", "NOWHERE"):  # not registered; no host
            responses = list(
                assoc.send_c_move(
                    identifier, title, StudyRootQueryRetrieveInformationModelMove
                )
            )
            assert [s.Status for s, _ in responses] == [0xA801]
    finally:
        assoc.release()
    assert destination.proxy.connections == before


def test_get_with_getscu_is_byte_identical_within_4096_pdus(archive, tmp_path):
    proxy = PduProxy(archive["port"])
    try:
        run = dcmtk(
            "/usr/bin/getscu", "-S", "-aet", "WORKSTATION", "-aec", "PRINTSCP",
            "-pdu", "4096", "-od", str(tmp_path),
            "-k", "QueryRetrieveLevel=STUDY",
            "-k", f"StudyInstanceUID={archive['study']}",
            "127.0.0.1", str(proxy.port),
        )  # fmt: skip
    finally:
        proxy.close()
    assert run.returncode == 0, run.stderr
    received = sorted(tmp_path.glob("CT.*"))
    assert len(received) == 3
    assert {data_set_bytes(p) for p in received} == {
        data_set_bytes(p) for p in archive["ct"]
    }
    assert 3000 < proxy.largest_data_pdu(proxy.from_target) <= 4096


def test_get_identifier_error(archive):
    sop_class = StudyRootQueryRetrieveInformationModelGet
    assoc = _associate(archive["port"], [sop_class])
    try:
        identifier = _identifier(QueryRetrieveLevel="SERIES", StudyInstanceUID="1.2")
        responses = list(assoc.send_c_get(identifier, sop_class))
    finally:
        assoc.release()
    [(status, _)] = responses
    assert status.Status == 0xA900
    assert status.OffendingElement == 0x0020000E


# pydicom warns (in the server's threads too) about the bad UID; the server
# does not run with warnings as errors.
@pytest.mark.filterwarnings("ignore:Invalid value for VR UI")
def test_path_tricks_in_uid_store_nothing(archive, tmp_path, caplog):
    with warnings.catch_warnings():  # a bad UID, on purpose
        warnings.simplefilter("ignore")
        path = image(
            tmp_path, "evil.dcm", SOPInstanceUID="../../../../../tmp/evil",
            PatientID="EVIL",
        )  # fmt: skip
    before = set(archive["tmp"].rglob("*"))
    with caplog.at_level(logging.ERROR, "printserver"):
        run = dcmtk(
            "/usr/bin/storescu", "-aet", "MODALITY", "-aec", "PRINTSCP",
            "127.0.0.1", str(archive["port"]), str(path),
        )  # fmt: skip
    assert run.returncode != 0  # storescu saw the failure status
    assert "C-STORE ../../../../../tmp/evil -> 0xC000" in caplog.text
    assert set(archive["tmp"].rglob("*")) == before
    assert not list(tmp_path.parent.rglob("evil")) and not Path("/tmp/evil").exists()
    answers = find(
        archive["port"], "QueryRetrieveLevel=PATIENT", "PatientID=EVIL",
        model="-P", folder=tmp_path / "answers",
    )  # fmt: skip
    assert answers == []
