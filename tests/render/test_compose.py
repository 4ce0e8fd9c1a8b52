"""Film composition: geometry, gray values, and the PostScript round trip."""

import io
import subprocess

import numpy as np
import pytest
from PIL import Image

from printserver.layout import FilmOrientationValues, Rect
from printserver.render import (
    Film,
    FitValues,
    MagnificationTypeValues,
    PolarityValues,
    PresentationLUT,
    Printing,
    SourceImage,
    compose_film,
    density_gray,
    plan_fit,
    tone_table,
    viewing_for,
    write_postscript,
)
from printserver.render.gsdf import Viewing
from tests.conftest import gsdf_gray, require_tool

DPI = 20  # 14INX17IN is 280 x 340 at 20 dpi
FILM_VIEW = Viewing()  # Dmin 0.20, Dmax 3.00, 2000 cd/m2, 10 cd/m2


def gray(pvalue):
    return gsdf_gray(pvalue, FILM_VIEW)


def flat(value, bits_stored=8, photometric="MONOCHROME2", shape=(8, 8), **kwargs):
    dtype = np.uint8 if bits_stored <= 8 else np.uint16
    return SourceImage(np.full(shape, value, dtype), bits_stored, photometric, **kwargs)


@pytest.mark.parametrize(
    ("image", "pvalue"),
    [
        (flat(0), 0.0),
        (flat(255), 1.0),
        (flat(4095, bits_stored=12), 1.0),
        (flat(2048, bits_stored=12), 2048 / 4095),
        (flat(0, photometric="MONOCHROME1"), 1.0),
        (flat(200, photometric="MONOCHROME1"), 55 / 255),
        (flat(200, polarity=PolarityValues.REVERSE), 55 / 255),
        (
            flat(200, photometric="MONOCHROME1", polarity=PolarityValues.REVERSE),
            200 / 255,
        ),
    ],
)
def test_gray_values_follow_the_gsdf(image, pvalue):
    film = compose_film(Film("STANDARD\\1,1", "14INX17IN", images={1: image}), DPI)
    assert abs(int(film[170, 140]) - gray(pvalue)) <= 1


def test_mid_gray_is_the_ps3_14_density():
    # P-Value 2047 of 4095 prints at OD 1.1266 (PS3.14 model, film defaults);
    # the default curve drives it at 10^-(1.1266-0.20) of full scale.
    image = flat(2047, bits_stored=12)
    film = compose_film(Film("STANDARD\\1,1", "8INX10IN", images={1: image}), DPI)
    assert film[100, 80] == round(255 * 10 ** -(1.1266 - 0.20))


def test_densities_and_light_change_the_gray():
    image = flat(128)
    base = Film("STANDARD\\1,1", "8INX10IN", images={1: image})
    paler = Film("STANDARD\\1,1", "8INX10IN", images={1: image}, max_density=150)
    assert compose_film(paler, DPI)[100, 80] > compose_film(base, DPI)[100, 80]
    paper = Printing(reflective=True)
    viewing = viewing_for(base, None, paper)
    assert viewing.ambient == 0.0


def test_presentation_lut_table_and_lin_od():
    inverted = PresentationLUT("TABLE", tuple(range(255, -1, -1)), 8)
    film = Film(
        "STANDARD\\1,1", "8INX10IN", images={1: flat(0)}, presentation_lut=inverted
    )
    assert compose_film(film, DPI)[100, 80] == 255
    lin_od = Film("STANDARD\\1,1", "8INX10IN", images={1: flat(0)},
                  presentation_lut=PresentationLUT("LIN OD"))  # fmt: skip
    assert compose_film(lin_od, DPI)[100, 80] == 255  # input 0 is Min Density


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


def test_pixel_aspect_ratio_stretches_rows():
    tall_pixels = flat(255, shape=(10, 20), pixel_aspect_ratio=(2, 1))  # square
    film = compose_film(
        Film("STANDARD\\1,1", "14INX17IN", images={1: tall_pixels}), DPI
    )
    assert (film[:, 140] == 255).sum() == 280


def test_empty_boxes_and_border_densities():
    film = Film(
        "STANDARD\\2,1", "14INX17IN", empty_image_density="WHITE",
        border_density="150", images={1: flat(90, shape=(340, 140))},
    )  # fmt: skip
    raster = compose_film(film, DPI)
    assert abs(int(raster[170, 70]) - gray(90 / 255)) <= 1
    assert raster[170, 210] == 255
    viewing = viewing_for(film, None, Printing())
    assert density_gray("150", viewing, Printing()) == round(255 * 10**-1.3)


def test_magnification_replicate_keeps_hard_edges():
    checker = SourceImage(np.array([[0, 255], [255, 0]], np.uint8), 8, "MONOCHROME2")
    film = Film(
        "STANDARD\\1,1", "14INX14IN", images={1: checker},
        magnification_type=MagnificationTypeValues.REPLICATE,
    )  # fmt: skip
    raster = compose_film(film, DPI)  # 280 x 280
    assert set(np.unique(raster)) == {0, 255}
    assert raster[0, 0] == 0 and raster[0, 279] == 255 and raster[139, 139] == 0


@pytest.mark.parametrize(
    ("magnification_type", "levels", "width"),
    [
        (MagnificationTypeValues.REPLICATE, 2, 280),
        (MagnificationTypeValues.BILINEAR, 20, 280),
        (MagnificationTypeValues.CUBIC, 20, 280),
        (MagnificationTypeValues.NONE, 2, 4),  # its own size, no smoothing
    ],
)
def test_each_magnification_type(magnification_type, levels, width):
    # A 4 x 4 checker of black and white squares of two pixels each.
    checker = np.kron(np.array([[0, 255], [255, 0]], np.uint8), np.ones((2, 2)))
    image = SourceImage(checker.astype(np.uint8), 8, "MONOCHROME2")
    film = Film(
        "STANDARD\\1,1", "14INX14IN", images={1: image}, border_density="150",
        magnification_type=magnification_type,
    )  # fmt: skip
    raster = compose_film(film, DPI)  # 280 x 280
    border = density_gray("150", viewing_for(film, None, Printing()), Printing())
    # A row through the first row of squares (the middle one for NONE).
    row = raster[140] if width < 280 else raster[35]
    printed = np.flatnonzero(row != border) if width < 280 else np.arange(280)
    assert len(printed) == width  # NONE: 4 pixels of its own, border around
    grays = set(np.unique(row[printed]))
    # Replication keeps two grays; interpolation makes the ramps between.
    assert grays == {0, 255} if levels == 2 else len(grays) >= levels


def test_annotation_at_the_top():
    film = Film(
        "STANDARD\\1,1", "14INX17IN", images={1: flat(128, shape=(100, 100))},
        annotations=[("top", "TOP LABEL")],
    )  # fmt: skip
    raster = compose_film(film, 100)  # band of 30 rows at the top
    assert (raster[:30] == 255).sum() > 50  # white text on the black border
    assert raster[1670:].max() < 255  # nothing at the bottom
    assert abs(int(raster[865, 700]) - gray(128 / 255)) <= 1  # image below it


def test_requested_image_size_and_trim():
    # 25.4 mm at 20 dpi is 20 pixels wide, centered in its 280 x 340 box.
    image = flat(255, shape=(10, 10), requested_image_size=25.4)
    film = Film("STANDARD\\1,1", "14INX17IN", images={1: image}, trim=True,
                border_density="WHITE")  # fmt: skip
    raster = compose_film(film, DPI)
    row = raster[170]
    assert (row != 255).sum() == 2  # the trim line at both edges, black on white
    assert row[130] == 0 and row[149] == 0 and row[131] == 255


@pytest.mark.parametrize(
    ("behavior", "result", "size"),
    [("DECIMATE", FitValues.DECIMATED, (280, 280)),
     ("CROP", FitValues.CROPPED, (400, 400)),
     ("FAIL", FitValues.TOO_LARGE, (400, 400)),
     ("", FitValues.DECIMATED, (280, 280))],
)  # fmt: skip
def test_decimate_crop_fail(behavior, result, size):

    image = flat(1, shape=(400, 400), requested_decimate_crop_behavior=behavior)
    fit = plan_fit(image, Rect(0, 0, 280, 340), MagnificationTypeValues.NONE, DPI)
    assert (fit.result, (fit.width, fit.height)) == (result, size)


def test_annotation_band_holds_the_text():
    film = Film(
        "STANDARD\\1,1", "14INX17IN", images={1: flat(128, shape=(100, 100))},
        annotations=[("bottom", "ПАЦИЕНТ LABEL")],
    )  # fmt: skip
    raster = compose_film(film, 100)  # 1400 x 1700, band of 30 rows
    band, images = raster[1670:], raster[:1670]
    assert band.max() == 255  # white text on the black border
    assert (band == 255).sum() > 100
    # Centered above the band; P-Values go through a 12-bit table: within 1.
    assert abs(int(images[835, 700]) - gray(128 / 255)) <= 1


def test_tone_table_is_monotonic():
    table = tone_table(FILM_VIEW, Printing())
    assert (
        table[0] == 0 and table[-1] == 255 and np.all(np.diff(table.astype(int)) >= 0)
    )


def test_postscript_renders_pixel_exact(tmp_path):
    gs = require_tool("gs", "ghostscript")
    rng = np.random.default_rng(1)
    pixels = rng.integers(0, 4096, (30, 40), dtype=np.uint16)
    image = SourceImage(pixels, 12, "MONOCHROME2")
    film = Film("STANDARD\\2,2", "8INX10IN", images={1: image, 4: image})
    raster = compose_film(film, 50)
    ps_path = tmp_path / "film.ps"
    with open(ps_path, "wb") as f:
        pages = [("8INX10IN", raster, 50), ("8INX10IN", raster, 50)]
        assert write_postscript(f, pages, "t") == 2

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
    red = SourceImage(np.zeros((6, 6, 3), np.uint8) + np.uint8([200, 10, 30]), 8, "RGB")
    film = Film(
        "STANDARD\\2,1", "8INX10IN", images={1: red, 2: flat(255, shape=(6, 6))}
    )
    raster = compose_film(film, 30)  # 240 x 300
    assert raster.shape == (300, 240, 3)
    assert list(raster[150, 60]) == [200, 10, 30]
    assert list(raster[150, 180]) == [255, 255, 255]

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


def test_cubic_overshoot_stays_inside_the_range():
    """A hard 12-bit edge enlarged with CUBIC rings past 0 and 4095; the
    ringing is clipped to the darkest and lightest drive values."""
    edge = np.zeros((8, 8), np.uint16)
    edge[:, 4:] = 4095
    film = Film(
        "STANDARD\\1,1", "14INX14IN", images={1: SourceImage(edge, 12, "MONOCHROME2")},
        magnification_type=MagnificationTypeValues.CUBIC,
    )  # fmt: skip
    raster = compose_film(film, DPI)  # 280 x 280
    row = raster[140].astype(int)
    assert row[0] == gray(0.0) and row[-1] == gray(1.0)
    assert row.min() == gray(0.0) and row.max() == gray(1.0)
    assert (row[:130] == gray(0.0)).sum() > 100


def test_decimation_averages_rather_than_aliases():
    """One-pixel stripes shrunk from 400 to 280 pixels: every printed pixel
    mixes a black and a white stripe, none keeps a whole stripe's value."""
    stripes = np.zeros((400, 400), np.uint8)
    stripes[:, ::2] = 255
    film = Film(
        "STANDARD\\1,1", "14INX14IN", images={1: SourceImage(stripes, 8, "MONOCHROME2")}
    )
    raster = compose_film(film, DPI).astype(int)
    middle = raster[100:180, 100:180]
    assert gray(0.0) < middle.min() and middle.max() < gray(1.0)
