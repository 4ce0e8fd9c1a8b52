"""Print Management cases from the field, each with its exact status.

A pynetdicom client on loopback plays the modality; the numbers in the test
names follow the list of cases in issue #3.
"""

import re

import numpy as np
import pytest
from PIL import Image
from pydicom.dataset import Dataset
from pydicom.uid import ExplicitVRBigEndian, ImplicitVRLittleEndian
from pynetdicom.dimse_primitives import N_ACTION
from pynetdicom.sop_class import (
    BasicAnnotationBox,
    BasicColorPrintManagementMeta,
    BasicFilmBox,
    BasicFilmSession,
    BasicGrayscaleImageBox,
    PresentationLUT,
    PrinterConfigurationRetrieval,
    PrinterConfigurationRetrievalInstance,
    PrintJob,
    Verification,
)

from tests.conftest import gsdf_gray
from tests.net.test_first_film import render_with_ghostscript
from tests.printclient import META, PrintClient, color_item, grayscale_item

PRINT_QUEUE_MANAGEMENT = "1.2.840.10008.5.1.1.26"


def flat(value, shape=(16, 16)):
    return grayscale_item(np.full(shape, value, np.uint8))


def ramp_12bit():
    """A horizontal 12-bit ramp, 0 on the left to 4095 on the right."""
    return np.tile(np.linspace(0, 4095, 64).astype(np.uint16), (32, 1))


def film_of(scp, watcher, tmp_path, count=1, dpi=20):
    """Wait for *count* jobs; render the newest job's first film at *dpi*."""
    watcher.wait_finished(count)
    jobs = list(scp.spool.summaries())
    assert len(jobs) == count, jobs
    ps = next(p for p in jobs[-1]["outputs"] if p.endswith(".ps"))
    return render_with_ghostscript(ps, tmp_path / f"job{count}.png", dpi=dpi)


def send_raw(assoc, primitive, context_id=1):
    """Send a request primitive as is and wait for the response."""
    assoc._reactor_checkpoint.clear()
    while not assoc._is_paused:
        pass
    try:
        assoc.dimse.send_msg(primitive, context_id)
        _, rsp = assoc.dimse.get_msg(block=True)
    finally:
        assoc._reactor_checkpoint.set()
    return rsp


def test_case_01_session_without_uid_or_dataset(print_server):
    _, port, _ = print_server
    with PrintClient(port) as client:
        status, _ = client.assoc.send_n_create(
            None, BasicFilmSession, None, meta_uid=META
        )
        assert status.Status == 0x0000
        assert re.fullmatch(r"[0-9.]{1,64}", client.created_uids[-1])


def test_case_02_warning_film_box_echoes_and_names_uid(server_with_profile):
    scp, port, _ = server_with_profile(
        'magnification_types = ["REPLICATE", "BILINEAR"]\n'
        'default_magnification_type = "BILINEAR"\n'
        'film_size_ids = ["14INX17IN"]\n'
    )
    with PrintClient(port) as client:
        client.create_session()
        film_box = Dataset()
        film_box.ImageDisplayFormat = "STANDARD\\1,1"
        film_box.MagnificationType = "CUBIC"
        film_box.SmoothingType = "MEDIUM"
        ref = Dataset()
        ref.ReferencedSOPClassUID = BasicFilmSession
        ref.ReferencedSOPInstanceUID = client.session_uid
        film_box.ReferencedFilmSessionSequence = [ref]
        status, rsp = client.assoc.send_n_create(
            film_box, BasicFilmBox, None, meta_uid=META
        )
        assert status.Status == 0x0116
        assert rsp.MagnificationType == "BILINEAR"
        assert "SmoothingType" not in rsp
        uid = client.created_uids[-1]
        [box] = rsp.ReferencedImageBoxSequence
        status, _ = client.set_image(box.ReferencedSOPInstanceUID, 1, flat(50))
        assert status.Status == 0x0000
        status, _ = client.print_film_box(uid)
        assert status.Status == 0x0000


def test_case_03_zero_layout_creates_nothing(print_server):
    scp, port, _ = print_server
    with PrintClient(port) as client:
        client.create_session()
        status, rsp = client.create_film_box("STANDARD\\0,0")
        assert status.Status == 0x0106
        assert "(2010,0010)" in status.ErrorComment
        # Nothing was created: the session still has no film box.
        status, _ = client.print_session()
        assert status.Status == 0xC600


def test_case_04_action_without_instance_uid(print_server):
    scp, port, watcher = print_server
    with PrintClient(port) as client:
        client.create_session()
        _, rsp = client.create_film_box("STANDARD\\1,1")
        client.fill(rsp, lambda position: flat(60))
        action = N_ACTION()
        action.MessageID = 7
        action.RequestedSOPClassUID = BasicFilmBox
        action.ActionTypeID = 1
        rsp = send_raw(client.assoc, action)
        assert rsp.Status == 0x0000
        assert len(watcher.wait_finished(1)) == 1

        # With two film boxes the request is ambiguous: a failure, no job.
        client.create_film_box("STANDARD\\1,1")
        action.MessageID = 8
        rsp = send_raw(client.assoc, action)
        assert rsp.Status == 0x0117
        assert rsp.ErrorComment == "no Requested SOP Instance UID"
        assert client.assoc.is_established
    assert len(scp.spool.job_ids()) == 1


def test_case_05_empty_pages(print_server):
    scp, port, _ = print_server
    with PrintClient(port) as client:
        client.create_session()
        client.create_film_box("STANDARD\\2,2")
        assert client.print_film_box()[0].Status == 0xB603
        client.create_film_box("STANDARD\\1,2")
        assert client.print_session()[0].Status == 0xB602
    assert scp.spool.job_ids() == []


@pytest.mark.parametrize(
    ("image_display_format", "centers"),
    [
        # 14x17 at 20 dpi is 280 x 340; (row, column) of each box's center
        ("ROW\\2,1", [(85, 70), (85, 210), (255, 140)]),
        ("COL\\2,1", [(85, 70), (255, 70), (170, 210)]),
    ],
)
def test_case_06_row_and_col(print_server, tmp_path, image_display_format, centers):
    scp, port, watcher = print_server
    grays = [40, 120, 200]
    with PrintClient(port) as client:
        client.create_session()
        status, rsp = client.create_film_box(image_display_format)
        assert len(rsp.ReferencedImageBoxSequence) == 3
        client.fill(rsp, lambda position: flat(grays[position - 1], (8, 8)))
        assert client.print_film_box()[0].Status == 0x0000
    film = film_of(scp, watcher, tmp_path)
    got = [int(film[y, x]) for y, x in centers]
    expected = [gsdf_gray(g / 255) for g in grays]
    assert all(abs(a - b) <= 1 for a, b in zip(got, expected, strict=True)), got


def test_case_06_wrong_position_and_unknown_box(print_server):
    _, port, _ = print_server
    with PrintClient(port) as client:
        client.create_session()
        _, rsp = client.create_film_box("STANDARD\\2,2")
        first = rsp.ReferencedImageBoxSequence[0].ReferencedSOPInstanceUID
        assert client.set_image(first, 5, flat(1))[0].Status == 0x0106
        assert client.set_image("1.2.3.999", 1, flat(1))[0].Status == 0x0112
        assert client.assoc.is_established


def test_case_07_console_protocol(print_server):
    scp, port, watcher = print_server
    contexts = (META, Verification, PrintJob, BasicAnnotationBox, PresentationLUT,
                PRINT_QUEUE_MANAGEMENT)  # fmt: skip
    client = PrintClient(
        port, contexts=contexts, transfer_syntaxes=[ImplicitVRLittleEndian]
    )
    client.ae.maximum_pdu_size = 65542
    with client:
        accepted = {str(cx.abstract_syntax) for cx in client.assoc.accepted_contexts}
        rejected = {str(cx.abstract_syntax) for cx in client.assoc.rejected_contexts}
        assert accepted == set(contexts) - {PRINT_QUEUE_MANAGEMENT}
        assert rejected == {PRINT_QUEUE_MANAGEMENT}

        tags = [0x00181200, 0x00181201, 0x21100010, 0x21100020, 0x21100030]
        status, ds = client.get_printer(tags)
        assert status.Status == 0x0000
        assert sorted(int(elem.tag) for elem in ds) == sorted(tags)
        assert re.fullmatch(r"\d{8}", ds.DateOfLastCalibration)
        assert re.fullmatch(r"\d{6}", ds.TimeOfLastCalibration)

        client.create_session(NumberOfCopies=1, PrintPriority="HIGH")
        _, rsp = client.create_film_box(
            "STANDARD\\1,1", AnnotationDisplayFormatID="ANNOTATION"
        )
        client.fill(rsp, lambda position: flat(99))
        status, reply = client.print_film_box()
        assert status.Status == 0x0000
        [job_ref] = reply.ReferencedPrintJobSequencePullStoredPrint
        assert job_ref.ReferencedSOPClassUID == PrintJob
        watcher.wait_finished(1)
        assert client.assoc.is_established
    assert not client.assoc.is_aborted
    assert len(scp.spool.job_ids()) == 1


def test_case_08_member_classes_without_meta_are_refused(print_server):
    _, port, _ = print_server
    contexts = (BasicFilmSession, BasicFilmBox, BasicGrayscaleImageBox, Verification)
    with PrintClient(port, contexts=contexts) as client:
        assert client.assoc.is_established
        accepted = {str(cx.abstract_syntax) for cx in client.assoc.accepted_contexts}
        assert accepted == {Verification}
        assert client.assoc.send_c_echo().Status == 0x0000
    assert client.assoc.is_released


def print_ramp(port, transfer_syntax, big_endian):
    with PrintClient(port, transfer_syntaxes=[transfer_syntax]) as client:
        client.create_session()
        _, rsp = client.create_film_box("STANDARD\\1,1", FilmSizeID="8INX10IN")
        item = grayscale_item(ramp_12bit(), bits_stored=12, big_endian=big_endian)
        assert client.fill(rsp, lambda position: item) == [0x0000]
        assert client.print_film_box()[0].Status == 0x0000


def test_case_09_byte_orders_print_the_same_ramp(print_server, tmp_path):
    scp, port, watcher = print_server
    print_ramp(port, ImplicitVRLittleEndian, big_endian=False)
    first = film_of(scp, watcher, tmp_path, 1)
    print_ramp(port, ExplicitVRBigEndian, big_endian=True)
    second = film_of(scp, watcher, tmp_path, 2)
    assert np.array_equal(first, second)
    row = first[100].astype(int)
    assert row[5] <= 2 and row[155] >= 230  # dark left, light right
    assert np.all(np.diff(row[2:158]) >= 0)


def test_case_10_presentation_lut_references(print_server):
    _, port, _ = print_server
    with PrintClient(port, contexts=(META, PresentationLUT, PrintJob)) as client:
        lut = Dataset()
        lut.PresentationLUTShape = "IDENTITY"
        status, _ = client.assoc.send_n_create(lut, PresentationLUT, "1.2.3.77")
        assert status.Status == 0x0000
        client.create_session()
        ref = Dataset()
        ref.ReferencedSOPClassUID = PresentationLUT
        ref.ReferencedSOPInstanceUID = "1.2.3.77"
        status, _ = client.create_film_box(ReferencedPresentationLUTSequence=[ref])
        assert status.Status == 0x0000
        ref.ReferencedSOPInstanceUID = "1.2.3.78"
        status, _ = client.create_film_box(ReferencedPresentationLUTSequence=[ref])
        assert status.Status == 0x0106


def test_case_11_no_state_survives_its_association(print_server, tmp_path):
    scp, port, watcher = print_server
    boxes = []
    for gray in (30, 220):
        with PrintClient(port) as client:
            client.create_session()
            _, rsp = client.create_film_box()
            boxes.append(rsp.ReferencedImageBoxSequence[0].ReferencedSOPInstanceUID)
            client.fill(rsp, lambda position, gray=gray: flat(gray))
            assert client.print_film_box()[0].Status == 0x0000
    watcher.wait_finished(2)
    values = []
    for job_id in scp.spool.job_ids():
        [film] = scp.spool.load_films(job_id)
        values.append(int(film.images[1].pixels[0, 0]))
    assert values == [30, 220]
    with PrintClient(port) as client:
        client.create_session()
        client.create_film_box()
        assert client.set_image(boxes[0], 1, flat(9))[0].Status == 0x0112


@pytest.mark.parametrize(
    ("length", "expected"), [(9, 0x0000), (10, 0x0000), (20, 0x0000), (8, 0x0106)]
)
def test_case_12_pixel_data_lengths(print_server, length, expected):
    _, port, _ = print_server
    item = flat(128, (3, 3))
    item.PixelData = bytes([128]) * length
    with PrintClient(port) as client:
        client.create_session()
        _, rsp = client.create_film_box()
        assert client.fill(rsp, lambda position: item) == [expected]


def test_case_13_photometric_and_polarity(print_server, tmp_path):
    scp, port, watcher = print_server
    combinations = [("MONOCHROME2", "NORMAL"), ("MONOCHROME1", "NORMAL"),
                    ("MONOCHROME2", "REVERSE"), ("MONOCHROME1", "REVERSE")]  # fmt: skip
    with PrintClient(port) as client:
        client.create_session()
        _, rsp = client.create_film_box("STANDARD\\2,2", FilmSizeID="14INX14IN")
        for position, (photometric, polarity) in enumerate(combinations, start=1):
            item = grayscale_item(ramp_12bit(), 12, photometric)
            uid = rsp.ReferencedImageBoxSequence[position - 1].ReferencedSOPInstanceUID
            status, _ = client.set_image(uid, position, item, Polarity=polarity)
            assert status.Status == 0x0000
        assert client.print_film_box()[0].Status == 0x0000
    film = film_of(scp, watcher, tmp_path)  # 280 x 280, boxes of 140
    dark_left = [film[70, 5] < 5 and film[70, 134] > 200,  # M2 normal
                 film[70, 145] > 200 and film[70, 274] < 5,  # M1 normal
                 film[210, 5] > 200 and film[210, 134] < 5,  # M2 reverse
                 film[210, 145] < 5 and film[210, 274] > 200]  # fmt: skip
    assert dark_left == [True, True, True, True]


@pytest.mark.parametrize(
    ("film_size_id", "orientation", "bbox"),
    [
        ("14INX17IN", "PORTRAIT", "0 0 1008 1224"),
        ("14INX17IN", "LANDSCAPE", "0 0 1224 1008"),
        ("8INX10IN", "PORTRAIT", "0 0 576 720"),
    ],
)
def test_case_14_film_size_and_orientation(
    print_server, film_size_id, orientation, bbox
):
    scp, port, watcher = print_server
    with PrintClient(port) as client:
        client.create_session()
        _, rsp = client.create_film_box(
            FilmSizeID=film_size_id, FilmOrientation=orientation
        )
        client.fill(rsp, lambda position: flat(77))
        assert client.print_film_box()[0].Status == 0x0000
    watcher.wait_finished(1)
    [job] = list(scp.spool.summaries())
    ps = next(p for p in job["outputs"] if p.endswith(".ps"))
    with open(ps, "rb") as f:
        assert f"%%Trailer\n%%BoundingBox: {bbox}\n".encode() in f.read()


def test_case_14_undefined_size(print_server):
    _, port, _ = print_server
    with PrintClient(port) as client:
        client.create_session()
        status, _ = client.create_film_box(FilmSizeID="14INX36IN")
        assert status.Status == 0x0106


def test_print_job_events_and_n_get(print_server):
    scp, port, watcher = print_server
    with PrintClient(port, contexts=(META, PrintJob)) as client:
        client.create_session(PrintPriority="LOW")
        _, rsp = client.create_film_box()
        client.fill(rsp, lambda position: flat(10))
        status, reply = client.print_film_box()
        assert status.Status == 0x0000
        job_uid = reply.ReferencedPrintJobSequencePullStoredPrint[
            0
        ].ReferencedSOPInstanceUID
        events = client.wait_events(3)
        assert [(e[0], e[1]) for e in events] == [
            (1, PrintJob),
            (2, PrintJob),
            (3, PrintJob),
        ]
        assert events[0][2].ExecutionStatusInfo == "QUEUED"
        watcher.wait_finished(1)
        status, ds = client.assoc.send_n_get([], PrintJob, job_uid)
        assert status.Status == 0x0000
        assert (ds.ExecutionStatus, ds.ExecutionStatusInfo, ds.PrintPriority) == (
            "DONE",
            "NORMAL",
            "LOW",
        )
        assert ds.Originator == "TESTSCU"
        status, _ = client.assoc.send_n_get([], PrintJob, "1.2.3.4")
        assert status.Status == 0x0112


def test_printer_status_event_and_configuration(print_server):
    scp, port, _ = print_server
    contexts = (META, PrinterConfigurationRetrieval)
    with PrintClient(port, contexts=contexts) as client:
        scp.set_printer_status("WARNING", "FILM JAM")
        [(event_type, sop_class, info)] = client.wait_events(1)
        assert (event_type, sop_class, info.PrinterStatusInfo) == (
            2,
            "1.2.840.10008.5.1.1.16",
            "FILM JAM",
        )
        _, ds = client.get_printer()
        assert (ds.PrinterStatus, ds.PrinterStatusInfo) == ("WARNING", "FILM JAM")

        status, ds = client.assoc.send_n_get(
            [], PrinterConfigurationRetrieval, PrinterConfigurationRetrievalInstance
        )
        assert status.Status == 0x0000
        metas = [
            item.SOPClassesSupported[0] for item in ds.PrinterConfigurationSequence
        ]
        assert metas == [META, BasicColorPrintManagementMeta]


@pytest.mark.parametrize("planar_configuration", [1, 0])
def test_color_film(print_server, tmp_path, planar_configuration):
    scp, port, watcher = print_server
    colors = [(220, 30, 40), (20, 180, 60)]
    color_meta = BasicColorPrintManagementMeta
    with PrintClient(port, contexts=(color_meta,), meta=color_meta) as client:
        client.create_session()
        status, rsp = client.create_film_box("STANDARD\\2,1", FilmSizeID="8INX10IN")
        assert {i.ReferencedSOPClassUID for i in rsp.ReferencedImageBoxSequence} == {
            "1.2.840.10008.5.1.1.4.1"
        }
        for position, rgb in enumerate(colors, start=1):
            pixels = np.zeros((8, 8, 3), np.uint8) + np.array(rgb, np.uint8)
            uid = rsp.ReferencedImageBoxSequence[position - 1].ReferencedSOPInstanceUID
            status, _ = client.set_image(
                uid, position, color_item(pixels, planar_configuration), color=True
            )
            assert status.Status == 0x0000
        assert client.print_film_box()[0].Status == 0x0000
    watcher.wait_finished(1)
    [job] = list(scp.spool.summaries())
    png = next(p for p in job["outputs"] if p.endswith(".png"))

    preview = np.asarray(Image.open(png).convert("RGB"))
    height, width = preview.shape[:2]
    assert tuple(preview[height // 2, width // 4]) == colors[0]
    assert tuple(preview[height // 2, 3 * width // 4]) == colors[1]


def test_session_print_makes_one_job_with_films_in_order(print_server, tmp_path):
    scp, port, watcher = print_server
    with PrintClient(port) as client:
        client.create_session()
        for gray in (20, 200):
            _, rsp = client.create_film_box(FilmSizeID="8INX10IN")
            client.fill(rsp, lambda position, gray=gray: flat(gray))
        assert client.print_session()[0].Status == 0x0000
    watcher.wait_finished(1)
    [job_id] = scp.spool.job_ids()
    films = scp.spool.load_films(job_id)
    assert [int(f.images[1].pixels[0, 0]) for f in films] == [20, 200]
    [job] = list(scp.spool.summaries())
    ps = next(p for p in job["outputs"] if p.endswith(".ps"))
    with open(ps, "rb") as f:
        assert f.read().count(b"%%Page: ") == 2


def test_film_box_n_set_and_deletes(print_server):
    _, port, _ = print_server
    with PrintClient(port, contexts=(META, PresentationLUT)) as client:
        client.create_session()
        _, rsp = client.create_film_box()
        box = rsp.ReferencedImageBoxSequence[0].ReferencedSOPInstanceUID
        change = Dataset()
        change.MagnificationType = "REPLICATE"
        change.MaxDensity = 900  # above the printer's 300: clamped
        status, applied = client.assoc.send_n_set(
            change, BasicFilmBox, client.film_box_uid, meta_uid=META
        )
        assert status.Status == 0xB605
        assert (applied.MagnificationType, applied.MaxDensity) == ("REPLICATE", 300)

        lut = Dataset()
        lut.PresentationLUTShape = "LIN OD"
        assert (
            client.assoc.send_n_create(lut, PresentationLUT, "1.2.3.5")[0].Status == 0
        )
        ref = Dataset()
        ref.ReferencedSOPClassUID = PresentationLUT
        ref.ReferencedSOPInstanceUID = "1.2.3.5"
        change = Dataset()
        change.ReferencedPresentationLUTSequence = [ref]
        status, _ = client.assoc.send_n_set(
            change, BasicFilmBox, client.film_box_uid, meta_uid=META
        )
        assert status.Status == 0x0000
        # Still referenced: refused; after the film box is gone: deleted.
        assert client.assoc.send_n_delete(PresentationLUT, "1.2.3.5").Status == 0x0110
        status = client.assoc.send_n_delete(
            BasicFilmBox, client.film_box_uid, meta_uid=META
        )
        assert status.Status == 0x0000
        assert client.assoc.send_n_delete(PresentationLUT, "1.2.3.5").Status == 0x0000

        # Deleting the session takes its boxes with it.
        client.create_film_box()
        status = client.assoc.send_n_delete(
            BasicFilmSession, client.session_uid, meta_uid=META
        )
        assert status.Status == 0x0000
        assert client.set_image(box, 1, flat(3))[0].Status == 0x0112


@pytest.mark.parametrize(
    ("entries", "expected"), [(4096, 0x0000), (256, 0x0000), (100, 0x0106)]
)
def test_presentation_lut_tables(print_server, entries, expected):
    _, port, _ = print_server
    item = Dataset()
    item.LUTDescriptor = [entries, 0, 12]
    item.add_new(0x00283006, "US", [int(v) for v in np.linspace(0, 4095, entries)])
    lut = Dataset()
    lut.PresentationLUTSequence = [item]
    with PrintClient(port, contexts=(META, PresentationLUT)) as client:
        status, _ = client.assoc.send_n_create(lut, PresentationLUT, None)
        assert status.Status == expected


@pytest.mark.parametrize(
    ("attributes", "expected"),
    [
        ({}, 0x0000),  # fits its box by scaling
        ({"RequestedImageSize": "50"}, 0x0000),  # 50 mm wide: fits
        ({"RequestedImageSize": "400"}, 0xB60A),  # too wide: decimated
        (
            {"RequestedImageSize": "400", "RequestedDecimateCropBehavior": "CROP"},
            0xB609,
        ),
        (
            {"RequestedImageSize": "400", "RequestedDecimateCropBehavior": "FAIL"},
            0xC603,
        ),
        ({"RequestedImageSize": "-3"}, 0x0106),
        ({"RequestedDecimateCropBehavior": "SQUEEZE"}, 0x0106),
    ],
)
def test_requested_size_and_decimate_crop(print_server, attributes, expected):
    _, port, _ = print_server
    with PrintClient(port) as client:
        client.create_session()
        _, rsp = client.create_film_box("STANDARD\\2,2", FilmSizeID="8INX10IN")
        statuses = client.fill(
            rsp, lambda position: flat(70) if position == 1 else None, **attributes
        )
        assert statuses == [expected]
        status, _ = client.print_film_box()
        # A refused image is not kept: the film is then empty.
        assert status.Status == (0xB603 if expected in (0xC603, 0x0106) else 0x0000)


@pytest.mark.parametrize(
    ("image_display_format", "boxes"),
    [("SLIDE", 30), ("SUPERSLIDE", 20), ("CUSTOM\\4", 7)],
)
def test_printer_defined_formats(print_server, image_display_format, boxes):
    _, port, _ = print_server
    with PrintClient(port) as client:
        client.create_session()
        status, rsp = client.create_film_box(
            image_display_format, FilmSizeID="14INX17IN"
        )
        assert status.Status == 0x0000
        assert rsp.ImageDisplayFormat == image_display_format
        assert len(rsp.ReferencedImageBoxSequence) == boxes


@pytest.mark.parametrize(
    ("charset", "encoding"), [("ISO_IR 144", "iso8859_5"), ("ISO_IR 192", "utf-8")]
)
def test_annotation_text_in_the_session_character_set(print_server, charset, encoding):
    scp, port, watcher = print_server
    text = "Иванов ИИ"
    with PrintClient(port, contexts=(META, BasicAnnotationBox)) as client:
        client.create_session(SpecificCharacterSet=charset)
        _, rsp = client.create_film_box(AnnotationDisplayFormatID="ANNOTATION")
        [annotation] = rsp.ReferencedBasicAnnotationBoxSequence
        ds = Dataset()
        ds.AnnotationPosition = 1
        ds.add_new(
            0x20300020, "LO", text.encode(encoding)
        )  # bytes as the modality sends
        status, _ = client.assoc.send_n_set(
            ds, BasicAnnotationBox, annotation.ReferencedSOPInstanceUID
        )
        assert status.Status == 0x0000
        client.fill(rsp, lambda position: flat(100))
        assert client.print_film_box()[0].Status == 0x0000
    watcher.wait_finished(1)
    [job_id] = scp.spool.job_ids()
    [film] = scp.spool.load_films(job_id)
    assert film.annotations == [("bottom", text)]
