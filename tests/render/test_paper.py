"""Paper PDFs (ReportLab) and PDFs of PostScript jobs (Ghostscript), read
back with Ghostscript."""

import re
import subprocess
import weakref

import numpy as np
import pytest
from PIL import Image

from printserver.errors import RenderError
from printserver.render import PaperHeader, write_paper_pdf, write_pdf, write_postscript
from tests.conftest import require_tool

pytestmark = pytest.mark.ghostscript

HEADER = PaperHeader("Иванов Film", "2024-05-01", "CT_SCANNER_1")
MM = 72 / 25.4  # points per millimetre


def run_gs(*args):
    gs = require_tool("gs", "ghostscript")
    command = [gs, "-q", "-dSAFER", "-dBATCH", "-dNOPAUSE", *map(str, args)]
    return subprocess.run(command, check=True, capture_output=True).stdout


def render(path, tmp_path, device="pnggray", resolution=72):
    """Every page of a PDF or PostScript file as a numpy array."""
    pattern = tmp_path / f"{path.name}-%03d.png"
    run_gs(f"-sDEVICE={device}", f"-r{resolution}", f"-sOutputFile={pattern}", path)
    pages = sorted(tmp_path.glob(f"{path.name}-*.png"))
    return [np.asarray(Image.open(page)) for page in pages]


def extract_text(path):
    return run_gs("-sDEVICE=txtwrite", "-sOutputFile=-", path).decode()


def image_dicts(path):
    """The dictionaries of the image XObjects in a ReportLab PDF."""
    return re.findall(rb"<<[^<>]*/Subtype /Image[^<>]*>>", path.read_bytes())


def half_black(rows, columns):
    """A film whose left half is black and right half clear."""
    raster = np.full((rows, columns), 255, np.uint8)
    raster[:, : columns // 2] = 0
    return raster


def fitted_box(page, rows, columns):
    """Where the film should land, in points from the top left of the page.

    The rule: 10 mm margins, a 6 mm header band under the top margin, the
    film scaled to fill what is left, aspect kept, centered in it.
    """
    box_left, box_top = 10 * MM, 16 * MM
    box_width, box_height = page[0] - 20 * MM, page[1] - 26 * MM
    scale = min(box_width / columns, box_height / rows)
    width, height = columns * scale, rows * scale
    left = box_left + (box_width - width) / 2
    top = box_top + (box_height - height) / 2
    return left, top, width, height


@pytest.mark.parametrize(
    ("paper", "size"),
    [("A4", (595, 842)), ("LETTER", (612, 792)), ("letter", (612, 792))],
)
def test_page_size_in_points(tmp_path, paper, size):
    path = tmp_path / "paper.pdf"
    write_paper_pdf(path, [half_black(40, 30)], HEADER, paper=paper)
    (page,) = render(path, tmp_path, resolution=72)
    assert page.shape == (size[1], size[0])


def test_one_page_per_film_from_a_generator(tmp_path):
    path = tmp_path / "paper.pdf"
    films = (half_black(40, 30) for _ in range(3))
    assert write_paper_pdf(path, films, HEADER) == 3
    assert len(render(path, tmp_path)) == 3
    assert not list(tmp_path.glob(".*.tmp"))


@pytest.mark.parametrize(
    ("rows", "columns", "page"),
    [
        (200, 100, (595.276, 841.89)),  # portrait film: portrait A4
        (100, 300, (841.89, 595.276)),  # landscape film: landscape A4
    ],
)
def test_film_lands_where_the_fit_puts_it(tmp_path, rows, columns, page):
    path = tmp_path / "paper.pdf"
    write_paper_pdf(path, [half_black(rows, columns)], HEADER)
    (rendered,) = render(path, tmp_path, resolution=72)
    assert rendered.shape == (round(page[1]), round(page[0]))

    left, top, width, height = fitted_box(page, rows, columns)
    middle_row = round(top + height / 2)
    center = left + width / 2
    # Across the middle: paper, black half, clear half, paper.
    assert rendered[middle_row, round(left) - 3] == 255
    assert rendered[middle_row, round(left) + 3] == 0
    assert rendered[middle_row, round(center) - 3] == 0
    assert rendered[middle_row, round(center) + 3] == 255
    # Down the black half: paper above and below the film.
    quarter = round(left + width / 4)
    assert rendered[round(top) - 3, quarter] == 255
    assert rendered[round(top) + 3, quarter] == 0
    assert rendered[round(top + height) - 3, quarter] == 0
    assert rendered[round(top + height) + 3, quarter] == 255


def test_large_film_is_reduced_to_300_dpi_losslessly(tmp_path):
    path = tmp_path / "paper.pdf"
    write_paper_pdf(path, [half_black(4000, 2000)], HEADER)

    # 2000 columns fill 384.1 points, 5.335 inches: 1601 columns at 300 dpi.
    _, _, width, _ = fitted_box((595.276, 841.89), 4000, 2000)
    assert round(width, 1) == 384.1
    (image,) = image_dicts(path)
    assert b"/Width 1601" in image and b"/Height 3202" in image
    assert b"/ColorSpace /DeviceGray" in image
    assert b"/Filter [ /FlateDecode ]" in image


def test_color_film_is_rgb(tmp_path):
    raster = np.zeros((60, 40, 3), np.uint8) + np.uint8([200, 10, 30])
    path = tmp_path / "paper.pdf"
    write_paper_pdf(path, [raster], HEADER)

    (image,) = image_dicts(path)
    assert b"/ColorSpace /DeviceRGB" in image
    assert b"/Filter [ /FlateDecode ]" in image
    (rendered,) = render(path, tmp_path, device="png16m")
    left, top, width, height = fitted_box((595.276, 841.89), 60, 40)
    assert list(rendered[round(top + height / 2), round(left + width / 2)]) == [
        200,
        10,
        30,
    ]


def test_header_on_every_page(tmp_path):
    path = tmp_path / "paper.pdf"
    write_paper_pdf(path, [half_black(40, 30), half_black(30, 40)], HEADER)

    lines = [line.split() for line in extract_text(path).splitlines() if line]
    assert lines == [
        ["Иванов", "Film", "2024-05-01", "CT_SCANNER_1", "page", "1", "of", "2"],
        ["Иванов", "Film", "2024-05-01", "CT_SCANNER_1", "page", "2", "of", "2"],
    ]


def test_long_label_is_shortened_before_the_page_number(tmp_path):
    path = tmp_path / "paper.pdf"
    header = PaperHeader("W" * 64, "2024-05-01", "CT_SCANNER_1")
    write_paper_pdf(path, [half_black(40, 30)], header)

    (line,) = [line for line in extract_text(path).splitlines() if line]
    assert re.fullmatch(r"\s*W+…\s+2024-05-01\s+CT_SCANNER_1\s+page 1 of 1", line)


def test_films_are_not_kept_alive(tmp_path):
    refs = []

    def films():
        for _ in range(3):
            assert all(ref() is None for ref in refs)
            box = [half_black(400, 300)]
            refs.append(weakref.ref(box[0]))
            yield box.pop()

    assert write_paper_pdf(tmp_path / "paper.pdf", films(), HEADER) == 3


def test_unknown_paper_raises(tmp_path):
    path = tmp_path / "paper.pdf"
    with pytest.raises(ValueError, match="'A5'"):
        write_paper_pdf(path, [half_black(40, 30)], HEADER, paper="A5")
    assert not list(tmp_path.iterdir())


def test_no_films_raises_and_leaves_no_file(tmp_path):
    with pytest.raises(ValueError, match="no films"):
        write_paper_pdf(tmp_path / "paper.pdf", [], HEADER)
    assert not list(tmp_path.iterdir())


@pytest.mark.parametrize(("device", "shape"), [("pnggray", ()), ("png16m", (3,))])
def test_write_pdf_renders_like_the_postscript(tmp_path, device, shape):
    rng = np.random.default_rng(7)
    pages = [
        ("8INX10IN", rng.integers(0, 256, (200, 160, *shape), np.uint8), 40),
        ("10INX8IN", rng.integers(0, 256, (160, 200, *shape), np.uint8), 40),
    ]
    ps_path, pdf_path = tmp_path / "job.ps", tmp_path / "job.pdf"
    with open(ps_path, "wb") as f:
        write_postscript(f, pages, "job")

    write_pdf(ps_path, pdf_path)

    from_ps = render(ps_path, tmp_path, device=device, resolution=40)
    from_pdf = render(pdf_path, tmp_path, device=device, resolution=40)
    assert [page.shape for page in from_pdf] == [(200, 160, *shape), (160, 200, *shape)]
    for ps_page, pdf_page, (_, raster, _) in zip(from_ps, from_pdf, pages, strict=True):
        assert np.array_equal(ps_page, raster)
        assert np.abs(pdf_page.astype(int) - ps_page).max() <= 1
    assert not list(tmp_path.glob(".*.tmp"))


def test_write_pdf_reports_ghostscript_errors(tmp_path):
    ps_path, pdf_path = tmp_path / "bad.ps", tmp_path / "bad.pdf"
    ps_path.write_text("%!PS\nnot_an_operator\nshowpage\n")
    require_tool("gs", "ghostscript")

    with pytest.raises(RenderError, match=r"Ghostscript failed .*/undefined"):
        write_pdf(ps_path, pdf_path)
    assert sorted(tmp_path.iterdir()) == [ps_path]


def test_write_pdf_without_ghostscript(tmp_path, monkeypatch):
    monkeypatch.setattr("shutil.which", lambda *args, **kwargs: None)
    with pytest.raises(RenderError, match="install the package ghostscript"):
        write_pdf(tmp_path / "job.ps", tmp_path / "job.pdf")
