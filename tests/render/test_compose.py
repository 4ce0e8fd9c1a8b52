"""Film composition: geometry, gray values, and the PostScript round trip."""

import io
import subprocess

import numpy as np
import pytest
from PIL import Image

from printserver.layout import FilmOrientationValues
from printserver.render import (
    Film,
    MagnificationTypeValues,
    PolarityValues,
    SourceImage,
    compose_film,
    density_to_gray,
    write_postscript,
)
from tests.conftest import require_tool

DPI = 20  # 14INX17IN is 280 x 340 at 20 dpi


def flat(value, bits_stored=8, photometric="MONOCHROME2", shape=(8, 8), **kwargs):
    dtype = np.uint8 if bits_stored <= 8 else np.uint16
    return SourceImage(np.full(shape, value, dtype), bits_stored, photometric, **kwargs)


@pytest.mark.parametrize(
    ("image", "expected"),
    [
        (flat(0), 0),
        (flat(255), 255),
        (flat(4095, bits_stored=12), 255),
        (flat(2048, bits_stored=12), 128),
        (flat(0, photometric="MONOCHROME1"), 255),
        (flat(200, photometric="MONOCHROME1"), 55),
        (flat(200, polarity=PolarityValues.REVERSE), 55),
        (flat(200, photometric="MONOCHROME1", polarity=PolarityValues.REVERSE), 200),
    ],
)
def test_gray_values(image, expected):
    film = compose_film(Film("STANDARD\\1,1", "14INX17IN", images={1: image}), DPI)
    assert film[170, 140] == expected


def test_landscape_swaps_the_sides():
    film = Film("STANDARD\\1,1", "14INX17IN", FilmOrientationValues.LANDSCAPE)
    assert compose_film(film, DPI).shape == (280, 340)


def test_image_keeps_its_aspect_ratio_and_is_centered():
    wide = flat(255, shape=(10, 20))  # 2:1 in a 280 x 340 box -> 280 x 140
    film = compose_film(Film("STANDARD\\1,1", "14INX17IN", images={1: wide}), DPI)
    column = film[:, 140]
    assert (column == 255).sum() == 140
    assert column[99] == 0 and column[100] == 255 and column[239] == 255
    assert column[240] == 0


def test_empty_boxes_take_empty_image_density():
    film = Film(
        "STANDARD\\2,1", "14INX17IN", empty_image_density="WHITE",
        border_density="BLACK", images={1: flat(90, shape=(340, 140))},
    )  # fmt: skip
    raster = compose_film(film, DPI)
    assert raster[170, 70] == 90 and raster[170, 210] == 255


@pytest.mark.parametrize(
    ("density", "gray"), [("BLACK", 0), ("WHITE", 255), ("20", 255), ("300", 0)]
)
def test_density_to_gray(density, gray):
    assert density_to_gray(density) == gray


def test_magnification_replicate_keeps_hard_edges():
    checker = SourceImage(np.array([[0, 255], [255, 0]], np.uint8), 8, "MONOCHROME2")
    film = Film(
        "STANDARD\\1,1", "14INX14IN", images={1: checker},
        magnification_type=MagnificationTypeValues.REPLICATE,
    )  # fmt: skip
    raster = compose_film(film, DPI)  # 280 x 280
    assert set(np.unique(raster)) == {0, 255}
    assert raster[0, 0] == 0 and raster[0, 279] == 255 and raster[139, 139] == 0


def test_annotation_band_holds_the_text():
    film = Film(
        "STANDARD\\1,1", "14INX17IN", images={1: flat(128, shape=(100, 100))},
        annotations=[("bottom", "PATIENT LABEL")],
    )  # fmt: skip
    raster = compose_film(film, 100)  # 1400 x 1700, band of 30 rows
    band, images = raster[1670:], raster[:1670]
    assert band.max() == 255  # white text on the black border
    assert (band == 255).sum() > 100
    assert images[835, 700] == 128  # the image is centered above the band


def test_postscript_renders_pixel_exact(tmp_path):
    gs = require_tool("gs", "ghostscript")
    rng = np.random.default_rng(1)
    image = SourceImage(
        rng.integers(0, 4096, (30, 40), dtype=np.uint16), 12, "MONOCHROME2"
    )
    film = Film("STANDARD\\2,2", "8INX10IN", images={1: image, 4: image})
    raster = compose_film(film, 50)
    ps_path = tmp_path / "film.ps"
    with open(ps_path, "wb") as f:
        assert (
            write_postscript(
                f, [("8INX10IN", raster, 50), ("8INX10IN", raster, 50)], "t"
            )
            == 2
        )

    out = subprocess.run(
        [gs, "-q", "-dSAFER", "-dBATCH", "-dNOPAUSE", "-sDEVICE=pnggray", "-r50",
         "-sOutputFile=-", "-dFirstPage=2", "-dLastPage=2", str(ps_path)],
        check=True, capture_output=True,
    )  # fmt: skip
    rendered = np.asarray(Image.open(io.BytesIO(out.stdout)))
    assert rendered.shape == (500, 400)
    assert np.array_equal(rendered, raster)


def test_color_film_renders_exact_in_rgb(tmp_path):
    gs = require_tool("gs", "ghostscript")
    red = SourceImage(np.zeros((6, 6, 3), np.uint8) + [200, 10, 30], 8, "RGB")
    red.pixels = red.pixels.astype(np.uint8)
    film = Film("STANDARD\\2,1", "8INX10IN", images={1: red, 2: flat(77, shape=(6, 6))})
    raster = compose_film(film, 30)  # 240 x 300
    assert raster.shape == (300, 240, 3)
    assert list(raster[150, 60]) == [200, 10, 30]
    assert list(raster[150, 180]) == [77, 77, 77]

    ps_path = tmp_path / "color.ps"
    with open(ps_path, "wb") as f:
        write_postscript(f, [("8INX10IN", raster, 30)], "color")
    out = subprocess.run(
        [gs, "-q", "-dSAFER", "-dBATCH", "-dNOPAUSE", "-sDEVICE=png16m", "-r30",
         "-sOutputFile=-", str(ps_path)],
        check=True, capture_output=True,
    )  # fmt: skip
    rendered = np.asarray(Image.open(io.BytesIO(out.stdout)))
    assert np.array_equal(rendered, raster)
