"""The archive's own file meta and header scan, against pydicom's reader."""

from io import BytesIO

import pytest
from pydicom import dcmread
from pydicom.dataset import Dataset
from pydicom.filebase import DicomBytesIO
from pydicom.filewriter import write_dataset
from pydicom.sequence import Sequence

from printserver.archive._encoding import file_meta, read_header

SYNTAXES = {
    "1.2.840.10008.1.2": (True, True),
    "1.2.840.10008.1.2.1": (False, True),
    "1.2.840.10008.1.2.2": (False, False),
}


def _encoded(syntax, undefined_lengths):
    ds = Dataset()
    ds.SpecificCharacterSet = "ISO_IR 192"
    ds.SOPClassUID = "1.2.840.10008.5.1.4.1.1.2"
    ds.SOPInstanceUID = "1.2.3.4.5"
    ds.PatientName = "Иванов^Иван"
    item = Dataset()
    item.CodeValue, item.CodingSchemeDesignator = "X", "DCM"
    item.ConceptNameCodeSequence = Sequence([Dataset()])
    ds.ProcedureCodeSequence = Sequence([item])
    ds.PatientID = "P9"
    ds.StudyInstanceUID, ds.SeriesInstanceUID = "1.2.3", "1.2.3.4"
    ds.SeriesNumber, ds.InstanceNumber = 7, 12
    ds.BitsAllocated = 16
    ds.PixelData = b"\x00\x01" * 8
    for sequence in (ds.ProcedureCodeSequence, item.ConceptNameCodeSequence):
        sequence.is_undefined_length = undefined_lengths
        for entry in sequence:
            entry.is_undefined_length_sequence_item = undefined_lengths
    buffer = DicomBytesIO()
    buffer.is_implicit_VR, buffer.is_little_endian = SYNTAXES[syntax]
    write_dataset(buffer, ds)
    return buffer.getvalue()


@pytest.mark.parametrize("syntax", SYNTAXES)
@pytest.mark.parametrize("undefined_lengths", [False, True])
def test_header_scan_reads_what_pydicom_reads(syntax, undefined_lengths):
    data = _encoded(syntax, undefined_lengths)
    ds = read_header(data, syntax)
    assert str(ds.PatientName) == "Иванов^Иван"
    assert (ds.PatientID, ds.SeriesInstanceUID) == ("P9", "1.2.3.4")
    assert (ds.SeriesNumber, ds.InstanceNumber) == (7, 12)
    assert "ProcedureCodeSequence" not in ds and "PixelData" not in ds


def test_file_meta_reads_back_with_pydicom():
    data = _encoded("1.2.840.10008.1.2.1", True)
    meta = file_meta("1.2.840.10008.5.1.4.1.1.2", "1.2.3.4.5", "1.2.840.10008.1.2.1",
                     "CT1")  # fmt: skip
    ds = dcmread(BytesIO(meta + data))
    assert ds.file_meta.MediaStorageSOPInstanceUID == "1.2.3.4.5"
    assert ds.file_meta.SourceApplicationEntityTitle == "CT1"
    assert ds.file_meta.FileMetaInformationGroupLength == len(meta) - 132 - 12
    assert ds.InstanceNumber == 12


def test_truncated_data_set_is_refused():
    data = _encoded("1.2.840.10008.1.2.1", False)
    with pytest.raises(ValueError, match="truncated data set"):
        read_header(data[:23], "1.2.840.10008.1.2.1")
