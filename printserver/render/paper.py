"""Paper copies of films: a PDF, one A4 or Letter page per film, by ReportLab.

Each film is scaled to fit the page below a one-line header (film session,
date, origin AE title, page number).  May import ``layout``; must not import
``spooler``, ``sop`` or ``scp``.
"""

import contextlib
import functools
import logging
import math
import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image
from reportlab import rl_config
from reportlab.lib.pagesizes import A4, LETTER
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics, ttfonts
from reportlab.pdfgen.canvas import Canvas

from printserver.layout import MM_PER_INCH, POINTS_PER_INCH
from printserver.render.fonts import DEJAVU

logger = logging.getLogger(__name__)

#: Page sizes in points, by the names ``write_paper_pdf`` accepts.
PAPER_SIZES: dict[str, tuple[float, float]] = {"A4": A4, "LETTER": LETTER}

#: White space around the header and the film, in millimetres.
MARGIN_MM = 10.0

#: Height of the header band above the film, in millimetres.
HEADER_MM = 6.0

#: Size of the header text, in points.
HEADER_FONT_PT = 9.0

#: Resolution a film is reduced to at its printed size.
PAPER_DPI = 300

_FONT_NAME = "DejaVuSans"
_FALLBACK_FONT = "Helvetica"

#: Space between the parts of the header.
_HEADER_GAP = "    "

#: Most lines a begin...end block of a CMap may hold.
_CMAP_BLOCK_LINES = 100


@dataclass(frozen=True)
class PaperHeader:
    """What the header line of every page says.

    Attributes
    ----------
    label : str
        The film session's label, e.g. its (2000,0050) Film Session Label.
    date : str
        The date to print, already formatted for the reader.
    origin_ae : str
        The AE title of the modality that printed the films.
    """

    label: str
    date: str
    origin_ae: str


@dataclass(frozen=True)
class _Placement:
    """Where a film goes on the page, in points from the bottom left."""

    x: float
    y: float
    width: float
    height: float


def _mm(value: float) -> float:
    return value / MM_PER_INCH * POINTS_PER_INCH


def _page_size(paper: str) -> tuple[float, float]:
    """The page size for *paper*, or ValueError naming it."""
    try:
        return PAPER_SIZES[paper.upper()]
    except KeyError:
        names = " or ".join(PAPER_SIZES)
        raise ValueError(f"paper must be {names}, not {paper!r}") from None


def _place_film(page: tuple[float, float], rows: int, columns: int) -> _Placement:
    """Fit a *rows* x *columns* raster below the header, centered."""
    margin = _mm(MARGIN_MM)
    box_width = page[0] - 2 * margin
    box_height = page[1] - 2 * margin - _mm(HEADER_MM)
    scale = min(box_width / columns, box_height / rows)
    width, height = columns * scale, rows * scale
    return _Placement(
        x=margin + (box_width - width) / 2,
        y=margin + (box_height - height) / 2,
        width=width,
        height=height,
    )


def _for_paper(raster: np.ndarray, placement: _Placement) -> Image.Image:
    """The raster as a Pillow image, reduced to ``PAPER_DPI`` at its place."""
    if raster.dtype != np.uint8 or raster.ndim not in (2, 3):
        raise ValueError(
            f"a film raster is uint8 (rows, columns[, 3]), not {raster.dtype} "
            f"of shape {raster.shape}"
        )
    image = Image.fromarray(raster)
    rows, columns = raster.shape[:2]
    target = math.ceil(placement.width / POINTS_PER_INCH * PAPER_DPI)
    if columns <= target:
        return image

    # Area averaging: each paper pixel is the mean transmittance of the film
    # it covers, with no ringing at the sharp edges of boxes and borders.
    size = (target, max(1, round(rows * target / columns)))
    return image.resize(size, Image.Resampling.BOX)


def _split_bfchar(cmap: str) -> str:
    """Cut the bfchar block of a ToUnicode CMap into blocks of 100 or fewer.

    References
    ----------
    Adobe Technical Note #5014, CIDFont Specification: a begin...end block of
    a CMap holds at most 100 lines.
    """
    lines = cmap.split("\n")
    starts = [i for i, line in enumerate(lines) if line.endswith(" beginbfchar")]
    if len(starts) != 1 or "endbfchar" not in lines:
        return cmap
    start, end = starts[0], lines.index("endbfchar")

    entries = lines[start + 1 : end]
    blocks = []
    for first in range(0, len(entries), _CMAP_BLOCK_LINES):
        block = entries[first : first + _CMAP_BLOCK_LINES]
        blocks += [f"{len(block)} beginbfchar", *block, "endbfchar"]
    return "\n".join(lines[:start] + blocks + lines[end + 1 :])


def _conforming_to_unicode(
    make: Callable[[str, list[int]], str],
) -> Callable[[str, list[int]], str]:
    """Wrap ReportLab's ToUnicode CMap maker so its output keeps the limit."""

    @functools.wraps(make)
    def make_conforming(fontname: str, subset: list[int]) -> str:
        return _split_bfchar(make(fontname, subset))

    return make_conforming


@functools.cache
def _header_font() -> str:
    """Register DejaVu Sans with ReportLab once; Helvetica without it."""
    if not DEJAVU.is_file():
        logger.warning(
            "%s not found (Debian package fonts-dejavu-core): paper headers "
            "use Helvetica, which has no Cyrillic or Greek",
            DEJAVU,
        )
        return _FALLBACK_FONT

    # TODO(reportlab > 5.1): drop if its CMaps keep to 100 lines a block.
    # ReportLab writes the 128 codes of a font subset in one bfchar block;
    # Ghostscript 10's PDF reader then ignores the whole map, and text
    # extraction and search lose every character beyond ASCII.
    ttfonts.makeToUnicodeCMap = _conforming_to_unicode(ttfonts.makeToUnicodeCMap)
    pdfmetrics.registerFont(ttfonts.TTFont(_FONT_NAME, str(DEJAVU)))
    return _FONT_NAME


@contextlib.contextmanager
def _binary_image_streams() -> Iterator[None]:
    """Store image data as plain Flate streams, without ASCII85 on top.

    ReportLab's ASCII85 encoder is pure Python: it takes about 2 s per film
    and makes the file a quarter larger, for a 7-bit clean file nobody needs.
    The setting is process-wide; a concurrent caller at worst gets ASCII85.
    """
    saved = rl_config.useA85
    rl_config.useA85 = 0
    try:
        yield
    finally:
        rl_config.useA85 = saved


def _header_text(header: PaperHeader, width: float) -> str:
    """The left part of the header, its label shortened to fit *width*."""
    rest = [part for part in (header.date, header.origin_ae) if part]

    def text(label: str) -> str:
        return _HEADER_GAP.join(part for part in (label, *rest) if part)

    label = header.label
    while label and _text_width(text(label)) > width:
        label = label[:-2] + "…" if len(label) > 1 else ""
    return text(label)


def _text_width(text: str) -> float:
    return float(pdfmetrics.stringWidth(text, _header_font(), HEADER_FONT_PT))


def _draw_header(
    canvas: Canvas, page: tuple[float, float], header: PaperHeader
) -> None:
    """The left part of the header; the page number is a form drawn later."""
    margin = _mm(MARGIN_MM)
    # Leave room for "page n of m" on the right, for up to 9999 pages.
    reserve = _text_width(f"{_HEADER_GAP}page 0000 of 0000")
    text = _header_text(header, page[0] - 2 * margin - reserve)
    canvas.setFont(_header_font(), HEADER_FONT_PT)
    canvas.drawString(margin, page[1] - margin - HEADER_FONT_PT, text)


def _draw_page_number(
    canvas: Canvas, page: tuple[float, float], number: int, total: int
) -> None:
    """Define the form that says "page n of m" on page *number*."""
    margin = _mm(MARGIN_MM)
    canvas.beginForm(_page_number_form(number), 0, 0, page[0], page[1])
    canvas.setFont(_header_font(), HEADER_FONT_PT)
    canvas.drawRightString(
        page[0] - margin,
        page[1] - margin - HEADER_FONT_PT,
        f"page {number} of {total}",
    )
    canvas.endForm()


def _page_number_form(number: int) -> str:
    return f"page-number-{number}"


def _orient(paper: tuple[float, float], rows: int, columns: int) -> tuple[float, float]:
    """The page turned to landscape for a film wider than it is tall."""
    short, long = sorted(paper)
    return (long, short) if columns > rows else (short, long)


def write_paper_pdf(
    path: Path,
    films: Iterable[np.ndarray],
    header: PaperHeader,
    paper: str = "A4",
) -> int:
    """Write a PDF with one page per film, for printing on office paper.

    Each film is scaled to fill the page inside 10 mm margins and below a
    header line, keeping its aspect ratio, and centered.  The page is portrait,
    or landscape for a film wider than it is tall.  Films larger than
    ``PAPER_DPI`` at that size are reduced first.  Images are stored losslessly
    (Flate): gray films as DeviceGray, color films as DeviceRGB.  The file is
    written under a temporary name and renamed when complete.

    Parameters
    ----------
    path : Path
        The PDF to write.
    films : iterable of numpy.ndarray
        Composed films, uint8, (rows, columns) gray or (rows, columns, 3) RGB,
        as ``compose_film`` returns them.  They are consumed one at a time and
        not kept, so a generator keeps memory flat however many films come.
    header : PaperHeader
        The header printed on each page, followed by "page n of m".
    paper : str
        ``"A4"`` or ``"LETTER"`` (any case).

    Returns
    -------
    int
        The number of pages written.

    Raises
    ------
    ValueError
        If *paper* is not a known size, *films* is empty, or a raster is not
        uint8 gray or RGB.
    """
    paper_size = _page_size(paper)
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        pages = _write_pages(tmp, films, header, paper_size)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return pages


def _write_pages(
    path: Path,
    films: Iterable[np.ndarray],
    header: PaperHeader,
    paper: tuple[float, float],
) -> int:
    """Draw every film on its page; the page count is known only at the end."""
    canvas = Canvas(
        str(path),
        pagesize=paper,
        pageCompression=1,
        initialFontName=_header_font(),
        initialFontSize=HEADER_FONT_PT,
    )
    canvas.setCreator("printserver")
    canvas.setTitle(header.label)

    pages = []
    for raster in films:
        page = _orient(paper, *raster.shape[:2])
        placement = _place_film(page, *raster.shape[:2])
        image = ImageReader(_for_paper(raster, placement))
        # Drop the film before the iterable composes the next one.
        del raster
        canvas.setPageSize(page)
        with _binary_image_streams():
            canvas.drawImage(
                image, placement.x, placement.y, placement.width, placement.height
            )
        del image
        _draw_header(canvas, page, header)
        pages.append(page)
        canvas.doForm(_page_number_form(len(pages)))
        canvas.showPage()
    if not pages:
        raise ValueError("no films to put on paper")

    # "page n of m" needs m: each page refers to a form defined only now.
    for number, page in enumerate(pages, start=1):
        _draw_page_number(canvas, page, number, len(pages))
    canvas.save()
    return len(pages)
