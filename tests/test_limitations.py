"""One test per LIM-nnn of docs/LIMITATIONS.md, pinning today's behaviour.

Lifting a limitation means changing its test here.
"""

import logging

import pytest
from pynetdicom.sop_class import (
    BasicAnnotationBox,
    BasicFilmBox,
    BasicGrayscalePrintManagementMeta,
)

from tests.net.test_fuzz import CONTEXTS
from tests.outputs.test_dicom import StandIn, flat_film, make_delivery, output_for
from tests.rawpeer import RawPeer, command, us


def test_lim_005_passthrough_sends_no_annotation(tmp_path, caplog):
    printer = StandIn([BasicGrayscalePrintManagementMeta, BasicAnnotationBox])
    printer.start()
    film = flat_film("STANDARD\\1,1", values=(50,))
    film.annotations = [("bottom", "LEFT KNEE")]
    delivery, recorded = make_delivery(tmp_path, [film])
    try:
        with caplog.at_level(logging.WARNING, "printserver"):
            output_for(printer.port, "passthrough").send(delivery)
    finally:
        printer.stop()
    assert recorded["films_printed"] == 1
    assert str(BasicAnnotationBox) not in dict(printer.proposed)
    [film_box] = printer.requests_of("N-CREATE", BasicFilmBox)
    assert "AnnotationDisplayFormatID" not in film_box
    assert [ds.ImageBoxPosition for ds in printer.requests_of("N-SET")] == [1]
    assert "film 1/1: 1 annotation(s) not sent" in caplog.text


# pydicom warns of the long UID; as in production, a warning, not an error.
@pytest.mark.filterwarnings("ignore::UserWarning")
def test_lim_008_a_uid_over_64_characters_aborts(print_server, caplog):
    _, port, _ = print_server
    with caplog.at_level(logging.ERROR, "printserver"), RawPeer(port) as peer:
        assert peer.associate(b"PRINTSCP", b"LONGUID", CONTEXTS) == 0x02
        peer.send_message(1, command({
            0x00000003: b"1.2.840.10008.5.1.1.2", 0x00000100: us(0x0120),
            0x00000110: us(1), 0x00000800: us(0x0101),
            0x00001001: b"1.2." + b"3" * 70,
        }))  # fmt: skip
        assert peer.read_response() is None
        assert peer.ended_by == "A-ABORT"
    assert "Received an invalid DIMSE message" in caplog.text  # pynetdicom's line


def test_lim_070_move_with_bad_identifier_opens_the_destination(tmp_path):
    from pynetdicom.sop_class import (  # noqa: PLC0415
        StudyRootQueryRetrieveInformationModelMove as Move,
    )

    from tests.net.test_archive import (  # noqa: PLC0415
        Destination,
        _associate,
        _identifier,
        start_server,
    )

    destination = Destination(tmp_path / "dest")
    peers = (
        f'[[peers]]\nae_title = "DEST"\nhost = "127.0.0.1"\n'
        f"port = {destination.proxy.port}\n"
    )
    scp, port = start_server(tmp_path, peers)
    try:
        assoc = _associate(port, [Move])
        identifier = _identifier(QueryRetrieveLevel="SERIES", StudyInstanceUID="")
        responses = list(assoc.send_c_move(identifier, "DEST", Move))
        assoc.release()
    finally:
        scp.stop()
        destination.stop()
    assert [s.Status for s, _ in responses] == [0xA900]
    assert destination.proxy.connections == 1


def test_lim_072_received_instances_are_not_deleted_for_room(tmp_path):
    from printserver.archive import Archive, RetentionPolicy  # noqa: PLC0415
    from printserver.errors import OutOfResourcesError  # noqa: PLC0415
    from tests.net.dicomtools import data_set_bytes, image  # noqa: PLC0415

    path = image(tmp_path, "ct.dcm")
    size = len(data_set_bytes(path))
    policy = RetentionPolicy(max_bytes=size + size // 2, printed_film_days=30)
    archive = Archive(tmp_path / "data", policy=policy)
    stored = archive.store(data_set_bytes(path), "1.2.840.10008.1.2.1")
    second = data_set_bytes(image(tmp_path, "second.dcm"))
    with pytest.raises(OutOfResourcesError, match="archive full: max_mb 0 reached"):
        archive.store(second, "1.2.840.10008.1.2.1")
    assert archive.retention.purge("room", room_for=size).count == 0
    archive.close()
    assert stored.path.exists()


def test_lim_010_a_multi_frame_file_prints_its_first_frame():
    import numpy as np  # noqa: PLC0415
    from pydicom.dataset import Dataset  # noqa: PLC0415

    from printserver.direct import source_image  # noqa: PLC0415

    ds = Dataset()
    ds.file_meta = Dataset()
    ds.file_meta.TransferSyntaxUID = "1.2.840.10008.1.2.1"
    ds.SamplesPerPixel, ds.PhotometricInterpretation = 1, "MONOCHROME2"
    ds.NumberOfFrames, ds.Rows, ds.Columns = 3, 2, 2
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 8, 8, 7, 0
    ds.PixelData = bytes([10] * 4 + [20] * 4 + [30] * 4)
    image = source_image(ds)
    assert image.pixels.tolist() == [[10, 10], [10, 10]]  # frames 2 and 3: gone
    assert np.asarray(image.pixels).shape == (2, 2)
