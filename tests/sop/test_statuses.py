"""The SOP handlers answer each request with the standard's status.

No network: requests go straight to ``dispatch`` with a real spool.
"""

from dataclasses import replace

import numpy as np
import pytest

from printserver.config import SpoolConfig
from printserver.spooler import Spool, Spooler
from printserver.status import Status
from tests.printclient import grayscale_item
from tests.soputil import (
    FILM_BOX,
    FILM_BOX_UID,
    IMAGE_BOX,
    PLUT,
    PRINTER,
    SESSION,
    SESSION_UID,
    call,
    ds,
    session_ref,
)


def status_of(result):
    return result.status


def with_film_box(ctx, image_display_format="STANDARD\\2,1"):
    call(ctx, "N-CREATE", SESSION, SESSION_UID)
    rsp = call(
        ctx,
        "N-CREATE",
        FILM_BOX,
        FILM_BOX_UID,
        ds(
            ImageDisplayFormat=image_display_format,
            ReferencedFilmSessionSequence=session_ref(),
        ),
    )
    return [
        item.ReferencedSOPInstanceUID for item in rsp.dataset.ReferencedImageBoxSequence
    ]


FILM_BOX_CREATE_TABLE = [
    ({"FilmSizeID": "14INX17IN"}, Status.SUCCESS),
    ({"FilmSizeID": "14inx17in "}, Status.SUCCESS),  # tolerant of case and padding
    ({"FilmSizeID": "14INX36IN"}, Status.INVALID_ATTRIBUTE_VALUE),
    ({"FilmOrientation": "SIDEWAYS"}, Status.INVALID_ATTRIBUTE_VALUE),
    ({"MagnificationType": "FANCY"}, Status.INVALID_ATTRIBUTE_VALUE),
    ({"BorderDensity": "GREY"}, Status.INVALID_ATTRIBUTE_VALUE),
    ({"BorderDensity": "150"}, Status.SUCCESS),
    ({"Trim": "MAYBE"}, Status.INVALID_ATTRIBUTE_VALUE),
    ({"ImageDisplayFormat": "STANDARD\\0,1"}, Status.INVALID_ATTRIBUTE_VALUE),
    ({"ImageDisplayFormat": None}, Status.MISSING_ATTRIBUTE),
    ({"ReferencedFilmSessionSequence": None}, Status.MISSING_ATTRIBUTE),
    ({"AnnotationDisplayFormatID": "NOPE"}, Status.INVALID_ATTRIBUTE_VALUE),
    ({"PatientName": "X"}, Status.ATTRIBUTE_LIST_ERROR),
]


@pytest.mark.parametrize(("changes", "expected"), FILM_BOX_CREATE_TABLE)
def test_film_box_n_create(ctx, changes, expected):
    call(ctx, "N-CREATE", SESSION, SESSION_UID)
    dataset = ds(
        ImageDisplayFormat="STANDARD\\1,1", ReferencedFilmSessionSequence=session_ref()
    )
    for keyword, value in changes.items():
        if value is None:
            delattr(dataset, keyword)
        else:
            dataset.update(ds(**{keyword: value}))
    assert status_of(call(ctx, "N-CREATE", FILM_BOX, None, dataset)) == expected


def test_film_box_reply_lists_image_boxes_in_position_order(ctx):
    call(ctx, "N-CREATE", SESSION, SESSION_UID)
    rsp = call(
        ctx,
        "N-CREATE",
        FILM_BOX,
        None,
        ds(
            ImageDisplayFormat="STANDARD\\3,4",
            ReferencedFilmSessionSequence=session_ref(),
        ),
    )
    assert rsp.status == Status.SUCCESS and rsp.affected_sop_instance_uid
    items = rsp.dataset.ReferencedImageBoxSequence
    assert [i.ReferencedSOPClassUID for i in items] == [IMAGE_BOX] * 12
    film_box = ctx.film_session.film_boxes[0]
    assert [b.image_box_position for b in film_box.image_boxes] == list(range(1, 13))
    assert [i.ReferencedSOPInstanceUID for i in items] == [
        b.sop_instance_uid for b in film_box.image_boxes
    ]


def test_film_box_without_session(ctx):
    result = call(
        ctx,
        "N-CREATE",
        FILM_BOX,
        None,
        ds(
            ImageDisplayFormat="STANDARD\\1,1",
            ReferencedFilmSessionSequence=session_ref(),
        ),
    )
    assert result.status == Status.INVALID_ATTRIBUTE_VALUE
    assert "ReferencedFilmSessionSequence" in str(result)


def test_second_session_is_a_duplicate(ctx):
    assert call(ctx, "N-CREATE", SESSION, None).status == Status.SUCCESS
    assert call(ctx, "N-CREATE", SESSION, None).status == Status.DUPLICATE_SOP_INSTANCE


@pytest.mark.parametrize(
    ("attributes", "expected"),
    [
        ({"NumberOfCopies": 2, "PrintPriority": "HIGH"}, Status.SUCCESS),
        ({"NumberOfCopies": 0}, Status.INVALID_ATTRIBUTE_VALUE),
        ({"PrintPriority": "URGENT"}, Status.INVALID_ATTRIBUTE_VALUE),
        ({"FilmDestination": "BIN_2"}, Status.SUCCESS),
        ({"FilmDestination": "TRASH"}, Status.INVALID_ATTRIBUTE_VALUE),
        ({"MemoryAllocation": 100}, Status.MEMORY_ALLOCATION_NOT_SUPPORTED),
    ],
)
def test_film_session_n_create(ctx, attributes, expected):
    assert call(ctx, "N-CREATE", SESSION, None, ds(**attributes)).status == expected


def pixels_item(**changes):
    item = grayscale_item(np.zeros((4, 4), np.uint8))
    for keyword, value in changes.items():
        if value is None:
            delattr(item, keyword)
        else:
            setattr(item, keyword, value)
    return item


@pytest.mark.parametrize(
    ("position", "item", "extra", "expected"),
    [
        (1, pixels_item(), {}, Status.SUCCESS),
        (2, pixels_item(), {}, Status.INVALID_ATTRIBUTE_VALUE),  # box 1 is at 1
        (1, pixels_item(SamplesPerPixel=3), {}, Status.INVALID_ATTRIBUTE_VALUE),
        (
            1,
            pixels_item(PhotometricInterpretation="RGB"),
            {},
            Status.INVALID_ATTRIBUTE_VALUE,
        ),
        (1, pixels_item(Rows=None), {}, Status.MISSING_ATTRIBUTE),
        (1, pixels_item(Rows=40), {}, Status.INVALID_ATTRIBUTE_VALUE),  # too few bytes
        (1, pixels_item(BitsAllocated=32), {}, Status.INVALID_ATTRIBUTE_VALUE),
        (1, pixels_item(PixelData=None), {}, Status.MISSING_ATTRIBUTE),
        (1, pixels_item(), {"Polarity": "UPSIDE"}, Status.INVALID_ATTRIBUTE_VALUE),
        (1, pixels_item(), {"Polarity": "reverse"}, Status.SUCCESS),
    ],
)
def test_image_box_n_set(ctx, position, item, extra, expected):
    [first, _] = with_film_box(ctx)
    dataset = ds(ImageBoxPosition=position, BasicGrayscaleImageSequence=[item], **extra)
    assert call(ctx, "N-SET", IMAGE_BOX, first, dataset).status == expected


def test_image_box_unknown_uid(ctx):
    with_film_box(ctx)
    dataset = ds(ImageBoxPosition=1, BasicGrayscaleImageSequence=[pixels_item()])
    assert (
        call(ctx, "N-SET", IMAGE_BOX, "1.2.9.9", dataset).status
        == Status.NO_SUCH_SOP_INSTANCE
    )


def test_film_box_print_statuses(ctx):
    [first, _] = with_film_box(ctx)
    assert call(ctx, "N-ACTION", FILM_BOX, FILM_BOX_UID, action_type_id=1).status == (
        Status.FILM_BOX_EMPTY_PAGE
    )
    assert ctx.spool.job_ids() == []
    call(
        ctx,
        "N-SET",
        IMAGE_BOX,
        first,
        ds(ImageBoxPosition=1, BasicGrayscaleImageSequence=[pixels_item()]),
    )
    assert call(ctx, "N-ACTION", FILM_BOX, FILM_BOX_UID, action_type_id=2).status == (
        Status.NO_SUCH_ACTION
    )
    assert call(ctx, "N-ACTION", FILM_BOX, FILM_BOX_UID, action_type_id=1).status == (
        Status.SUCCESS
    )
    [job_id] = ctx.spool.job_ids()
    assert ctx.spool.read_state(job_id)["state"] == "pending"
    assert ctx.spool.read_job(job_id)["calling_ae"] == "TABLE"


def test_session_print_statuses(ctx):
    call(ctx, "N-CREATE", SESSION, SESSION_UID)
    assert call(ctx, "N-ACTION", SESSION, SESSION_UID, action_type_id=1).status == (
        Status.FILM_SESSION_NO_FILM_BOX
    )


@pytest.fixture
def tiny_disk(tmpfs):
    """A 512 KiB tmpfs: a disk that really fills up (needs root)."""
    return tmpfs("512k")


def test_full_disk_answers_queue_full_and_keeps_earlier_jobs(ctx, tiny_disk):
    # No floor: the disk itself runs out.
    ctx.config = replace(ctx.config, spool=SpoolConfig(min_free_mb=0))
    ctx.spool = Spool(tiny_disk)
    ctx.spooler = Spooler(ctx.spool, ctx.config)
    ctx.spool.ensure()
    [first, second] = with_film_box(ctx)
    small = grayscale_item(np.full((64, 64), 7, np.uint8))
    call(
        ctx,
        "N-SET",
        IMAGE_BOX,
        first,
        ds(ImageBoxPosition=1, BasicGrayscaleImageSequence=[small]),
    )
    assert call(ctx, "N-ACTION", FILM_BOX, FILM_BOX_UID, action_type_id=1).status == 0
    [kept] = ctx.spool.job_ids()

    big = grayscale_item(np.full((800, 800), 9, np.uint8))  # 640 KB: cannot fit
    call(
        ctx,
        "N-SET",
        IMAGE_BOX,
        second,
        ds(ImageBoxPosition=2, BasicGrayscaleImageSequence=[big]),
    )
    result = call(ctx, "N-ACTION", FILM_BOX, FILM_BOX_UID, action_type_id=1)
    assert result.status == Status.FILM_BOX_QUEUE_FULL
    assert "spool full: 0 MB free" in str(result)
    # The earlier job is untouched and nothing half-written is left behind.
    assert ctx.spool.job_ids() == [kept]
    assert ctx.spool.load_films(kept)[0].images[1].pixels[0, 0] == 7
    assert [p.name for p in ctx.spool.jobs_dir.iterdir()] == [kept]


@pytest.mark.parametrize(
    ("operation", "sop_class", "expected"),
    [
        ("N-GET", PRINTER, Status.SUCCESS),
        ("N-SET", PRINTER, Status.UNRECOGNIZED_OPERATION),
        ("N-GET", "1.2.840.10008.5.1.1.14", Status.NO_SUCH_SOP_INSTANCE),
        ("N-GET", "1.2.3.4.5", Status.NO_SUCH_SOP_CLASS),
    ],
)
def test_unsupported_operations(ctx, operation, sop_class, expected):
    uid = "1.2.840.10008.5.1.1.17"
    assert call(ctx, operation, sop_class, uid).status == expected


def test_printer_n_get_requested_attributes(ctx):
    rsp = call(
        ctx,
        "N-GET",
        PRINTER,
        "1.2.840.10008.5.1.1.17",
        attribute_identifier_list=[0x21100010, 0x00101010],
    )
    assert rsp.status == Status.ATTRIBUTE_LIST_ERROR
    assert rsp.dataset.PrinterStatus == "NORMAL" and "PrinterName" not in rsp.dataset
    assert rsp.attribute_tags == [0x00101010]


@pytest.mark.parametrize(
    ("attributes", "expected"),
    [
        ({"PresentationLUTShape": "IDENTITY"}, Status.SUCCESS),
        ({"PresentationLUTShape": "LOG"}, Status.INVALID_ATTRIBUTE_VALUE),
        ({}, Status.MISSING_ATTRIBUTE),
    ],
)
def test_presentation_lut_n_create(ctx, attributes, expected):
    assert call(ctx, "N-CREATE", PLUT, None, ds(**attributes)).status == expected


@pytest.mark.parametrize(
    ("limits", "accepted", "message"),
    [
        (SpoolConfig(min_free_mb=0, quota_mb=1), 1, "quota of 1 MB reached"),
        (SpoolConfig(min_free_mb=10**9), 0, "floor 1000000000 MB"),
        (SpoolConfig(min_free_mb=0), 3, ""),
    ],
)
def test_spool_limits(ctx, limits, accepted, message):
    ctx.config = replace(ctx.config, spool=limits)
    pixels = grayscale_item(np.full((700, 800), 3, np.uint8))  # 560 KB a job
    statuses = []
    for _ in range(3):
        [first, _] = with_film_box(ctx)
        call(ctx, "N-SET", IMAGE_BOX, first,
             ds(ImageBoxPosition=1, BasicGrayscaleImageSequence=[pixels]))  # fmt: skip
        result = call(ctx, "N-ACTION", FILM_BOX, FILM_BOX_UID, action_type_id=1)
        statuses.append(result.status)
        ctx.film_session = None
    assert statuses == [0x0000] * accepted + [Status.FILM_BOX_QUEUE_FULL] * (
        3 - accepted
    )
    assert len(ctx.spool.job_ids()) == accepted
    if message:
        assert message in str(result)
