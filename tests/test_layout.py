"""Image Display Format parsing and film geometry."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from printserver.layout import (
    FilmOrientationValues,
    ImageDisplayFormatError,
    box_rects,
    film_pixel_size,
    film_sizes,
    parse_image_display_format,
)

PORTRAIT, LANDSCAPE = FilmOrientationValues.PORTRAIT, FilmOrientationValues.LANDSCAPE


@pytest.mark.parametrize(
    ("film_size_id", "dpi", "expected"),
    [
        ("14INX17IN", 320, (4480, 5440)),
        ("8INX10IN", 320, (2560, 3200)),
        ("10INX14IN", 320, (3238, 4586)),  # 257 x 364 mm, not 10 x 14 in
        ("A4", 300, (2480, 3508)),
        ("17INX17IN", 320, (5440, 5440)),
        ("24CMX30CM", 254, (2400, 3000)),
    ],
)
def test_film_pixel_size(film_size_id, dpi, expected):
    assert film_pixel_size(film_size_id, PORTRAIT, dpi) == expected
    assert film_pixel_size(film_size_id, LANDSCAPE, dpi) == expected[::-1]


def test_every_dicom_film_size_is_known():
    defined_terms = {
        "8INX10IN",
        "8_5INX11IN",
        "10INX12IN",
        "10INX14IN",
        "11INX14IN",
        "11INX17IN",
        "14INX14IN",
        "14INX17IN",
        "24CMX24CM",
        "24CMX30CM",
        "A4",
        "A3",
    }
    assert set(film_sizes()) == defined_terms | {"17INX17IN"}


def test_standard_is_columns_then_rows():
    layout = parse_image_display_format("STANDARD\\3,4")
    assert layout.box_count == 12
    rects = box_rects(layout, 300, 400)
    assert (rects[0].x, rects[0].y) == (0, 0)
    assert (rects[2].x, rects[2].y) == (200, 0)  # third box: same row
    assert (rects[3].x, rects[3].y) == (0, 100)  # fourth: next row
    assert {(r.width, r.height) for r in rects} == {(100, 100)}


def test_col_numbers_column_by_column():
    rects = box_rects(parse_image_display_format("COL\\1,2"), 200, 100)
    assert [(r.x, r.y, r.width, r.height) for r in rects] == [
        (0, 0, 100, 100),
        (100, 0, 100, 50),
        (100, 50, 100, 50),
    ]


@pytest.mark.parametrize(
    "value",
    [
        "STANDARD\\0,2",
        "STANDARD\\0,0",
        "STANDARD\\2,0",
        "ROW\\1,0",
        "STANDARD\\2",
        "STANDARD\\2,2,2",
        "CUSTOM\\99",
        "CUSTOM\\X",
        "STANDARD 2,2",
        "",
        "ROW\\",
        "STANDARD\\30,30",
    ],
)
def test_bad_formats_are_refused(value):
    with pytest.raises(ImageDisplayFormatError, match="Image Display Format"):
        parse_image_display_format(value)


def test_format_is_normalised():
    assert str(parse_image_display_format(" standard\\2,3 ")) == "STANDARD\\2,3"
    assert str(parse_image_display_format("ROW\\1,3")) == "ROW\\1,3"


@given(
    kind=st.sampled_from(["STANDARD", "ROW", "COL"]),
    counts=st.lists(st.integers(1, 6), min_size=1, max_size=6),
    width=st.integers(50, 3000),
    height=st.integers(50, 3000),
)
def test_boxes_tile_the_film(kind, counts, width, height):
    if kind == "STANDARD":
        counts = counts[:2] if len(counts) >= 2 else counts * 2
        value = f"STANDARD\\{counts[0]},{counts[1]}"
    else:
        value = f"{kind}\\" + ",".join(map(str, counts))
    layout = parse_image_display_format(value)
    assert str(parse_image_display_format(str(layout))) == str(layout)

    rects = box_rects(layout, width, height)
    assert len(rects) == layout.box_count
    # Boxes tile the film exactly: the areas add up and none overlaps.
    assert sum(r.width * r.height for r in rects) == width * height
    for r in rects:
        assert (
            0 <= r.x
            and r.x + r.width <= width
            and 0 <= r.y
            and r.y + r.height <= height
        )
    ordered = sorted((r.y, r.x) for r in rects)
    assert len(set(ordered)) == len(rects)


@pytest.mark.parametrize(
    ("value", "film_size_id", "rows"),
    [
        ("SLIDE", "14INX17IN", (5,) * 6),
        ("SLIDE", "A4", (4,) * 5),  # the default
        ("SUPERSLIDE", "14INX17IN", (4,) * 5),
        ("CUSTOM\\1", "14INX17IN", (1, 2)),
        ("custom\\4", "", (1, 3, 3)),
    ],
)
def test_printer_defined_formats(value, film_size_id, rows):
    layout = parse_image_display_format(value, film_size_id)
    assert layout.counts == rows
    assert str(layout) == value.upper()  # echoed as asked
    assert layout.family == value.upper().split("\\")[0]
