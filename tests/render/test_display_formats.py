"""Every kind of Image Display Format, rendered back by Ghostscript: box k
holds its own flat value at the center the standard gives it, and unfilled
boxes show the Empty Image Density.

The centers are worked out here from the format alone (equal rows, equal
boxes in a row; COL by columns), not from the layout code; SLIDE,
SUPERSLIDE and CUSTOM are spelled out as the layouts/display_formats.toml
they come from says.
"""

import subprocess

import numpy as np
import pytest
from PIL import Image

from printserver.render import Film, SourceImage, compose_film, write_postscript
from tests.conftest import gsdf_gray, require_tool

DPI = 40  # 8INX10IN is 320 x 400
WIDTH, HEIGHT = 320, 400
#: Image Display Format, and the same as rows (ROW) or columns (COL) of boxes.
FORMATS = [
    ("STANDARD\\1,1", "ROW", (1,)),
    ("STANDARD\\3,2", "ROW", (3, 3)),
    ("STANDARD\\4,5", "ROW", (4,) * 5),
    ("ROW\\2,1,3", "ROW", (2, 1, 3)),
    ("COL\\2,1", "COL", (2, 1)),
    ("COL\\1,3,2", "COL", (1, 3, 2)),
    ("SLIDE", "ROW", (4,) * 5),  # 8INX10IN
    ("SUPERSLIDE", "ROW", (4,) * 4),  # the default
    ("CUSTOM\\1", "ROW", (1, 2)),
    ("CUSTOM\\2", "ROW", (2, 1)),
    ("CUSTOM\\3", "COL", (1, 2)),
    ("CUSTOM\\4", "ROW", (1, 3, 3)),
]


def centers(kind, counts):
    """(row, column) of each box's center, by Image Box Position."""
    points = []
    across, along = (HEIGHT, WIDTH) if kind == "ROW" else (WIDTH, HEIGHT)
    for line, count in enumerate(counts):
        middle = (line + 0.5) * across / len(counts)
        for box in range(count):
            other = (box + 0.5) * along / count
            points.append((middle, other) if kind == "ROW" else (other, middle))
    return [(int(row), int(column)) for row, column in points]


def filled(boxes):
    """The positions given an image: all but the last (a film of one box:
    that box)."""
    return set(range(1, max(2, boxes)))


def value(position):
    return 10 + 9 * position  # distinct 8-bit values, 19 to 235


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    """Each format's film, its last box left empty,
    written as one PostScript job and rendered back page by page."""
    gs = require_tool("gs", "ghostscript")
    folder = tmp_path_factory.mktemp("formats")
    films = []
    for image_display_format, _, counts in FORMATS:
        images = {
            k: SourceImage(np.full((8, 8), value(k), np.uint8), 8, "MONOCHROME2")
            for k in filled(sum(counts))
        }
        film = Film(
            image_display_format, "8INX10IN", images=images,
            empty_image_density="BLACK", border_density="WHITE",
        )  # fmt: skip
        films.append(("8INX10IN", compose_film(film, DPI), DPI))
    job = folder / "formats.ps"
    with open(job, "wb") as f:
        write_postscript(f, films, "formats")
    subprocess.run(
        [gs, "-q", "-dSAFER", "-dBATCH", "-dNOPAUSE", "-sDEVICE=pnggray", f"-r{DPI}",
         f"-sOutputFile={folder / 'page-%02d.png'}", str(job)],
        check=True, capture_output=True,
    )  # fmt: skip
    pages = [np.asarray(Image.open(folder / f"page-{n:02d}.png")) for n in range(1, 13)]
    return pages, [raster for _, raster, _ in films]


@pytest.mark.parametrize(
    ("index", "image_display_format", "kind", "counts"),
    [(i, *row) for i, row in enumerate(FORMATS)],
    ids=[row[0] for row in FORMATS],
)
def test_each_box_holds_its_value_at_its_center(
    rendered, index, image_display_format, kind, counts
):
    pages, rasters = rendered
    page = pages[index]
    assert page.shape == (HEIGHT, WIDTH)
    assert np.array_equal(page, rasters[index])  # the PostScript is exact
    points = centers(kind, counts)
    for position, (row, column) in enumerate(points, start=1):
        got = int(page[row, column])
        if position in filled(len(points)):
            assert abs(got - gsdf_gray(value(position) / 255)) <= 1, position
        else:
            assert got == gsdf_gray(0.0), position  # BLACK: Max Density
