"""The [archive] switches: off, and private SOP classes accepted or not."""

from dataclasses import replace

import pytest
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import ImplicitVRLittleEndian
from pynetdicom import AE

from printserver.config import ArchiveConfig
from printserver.scp import PrintSCP
from tests.conftest import polling_observer
from tests.net.dicomtools import CT_IMAGE

PRIVATE_CLASS = "1.2.826.0.1.3680043.8.498.77.1"


def _start(server_config, **archive):
    config = replace(server_config, archive=ArchiveConfig(**archive))
    scp = PrintSCP(config, polling_observer)
    _, port = scp.start()
    return scp, port


def _instance(sop_class_uid):
    ds = Dataset()
    ds.SOPClassUID = sop_class_uid
    ds.SOPInstanceUID = "1.2.826.0.1.3680043.8.498.77.2"
    ds.StudyInstanceUID = "1.2.826.0.1.3680043.8.498.77.3"
    ds.SeriesInstanceUID = "1.2.826.0.1.3680043.8.498.77.4"
    ds.PatientID = "PRIV"
    ds.file_meta = FileMetaDataset()
    ds.file_meta.TransferSyntaxUID = ImplicitVRLittleEndian
    return ds


def _proposed(port, sop_class_uid):
    ae = AE(ae_title="MODALITY")
    ae.add_requested_context(sop_class_uid)
    ae.add_requested_context("1.2.840.10008.1.1")
    assoc = ae.associate("127.0.0.1", port, ae_title="PRINTSCP")
    assert assoc.is_established
    return assoc


@pytest.mark.parametrize(("accept", "stored"), [(False, False), (True, True)])
def test_private_class_per_configuration(server_config, accept, stored):
    scp, port = _start(server_config, accept_unknown_classes=accept)
    try:
        assoc = _proposed(port, PRIVATE_CLASS)
        accepted = [str(cx.abstract_syntax) for cx in assoc.accepted_contexts]
        if accept:
            assert assoc.send_c_store(_instance(PRIVATE_CLASS)).Status == 0x0000
        assoc.release()
    finally:
        scp.stop()
    assert (PRIVATE_CLASS in accepted) is stored
    files = list((scp.config.data_root / "archive" / "files").rglob("*"))
    assert bool([p for p in files if p.is_file()]) is stored


def test_archive_off_refuses_storage(server_config):
    scp, port = _start(server_config, enabled=False)
    try:
        assoc = _proposed(port, CT_IMAGE)
        accepted = [str(cx.abstract_syntax) for cx in assoc.accepted_contexts]
        assoc.release()
    finally:
        scp.stop()
    assert accepted == ["1.2.840.10008.1.1"]
    assert not (scp.config.data_root / "archive").exists()


def test_store_keeps_the_spools_free_space(server_config):
    spool = replace(server_config.spool, min_free_mb=10**12)
    scp, port = _start(replace(server_config, spool=spool))
    try:
        assoc = _proposed(port, CT_IMAGE)
        status = assoc.send_c_store(_instance(CT_IMAGE))
        assoc.release()
    finally:
        scp.stop()
    assert status.Status == 0xA700
    assert status.ErrorComment.startswith("disk space below")
    assert not [p for p in (scp.config.data_root / "archive").rglob("*") if p.is_file()
                and p.parent.parent.name == "files"]  # fmt: skip
