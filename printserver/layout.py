"""Film geometry: Film Size IDs, Image Display Format parsing, box positions.

Pure functions over numbers; the only I/O is reading the data tables under
``layouts/``.  Must not import any other layer of the package.
"""

import enum
import functools
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

MM_PER_INCH = 25.4
POINTS_PER_INCH = 72


class FilmOrientationValues(enum.Enum):
    """Enumerated Values of (2010,0040) Film Orientation."""

    PORTRAIT = "PORTRAIT"
    LANDSCAPE = "LANDSCAPE"


class ImageDisplayFormatError(ValueError):
    """An Image Display Format value we cannot lay out."""


@dataclass(frozen=True)
class FilmSize:
    """Physical size of one Film Size ID, portrait."""

    film_size_id: str
    width_mm: float
    height_mm: float


@dataclass(frozen=True)
class Rect:
    """A box on the film raster, in pixels from the top left corner."""

    x: int
    y: int
    width: int
    height: int


@dataclass(frozen=True)
class ImageDisplayFormat:
    """A parsed (2010,0010) Image Display Format.

    ``counts`` holds, for each row from the top, how many boxes it has (or for
    COL, each column from the left and how many boxes it holds).
    """

    kind: str
    counts: tuple[int, ...]
    name: str = ""
    """The printer-defined name it came from (SLIDE, CUSTOM\\2...), if any."""

    @property
    def box_count(self) -> int:
        """Number of image boxes the format creates."""
        return sum(self.counts)

    @property
    def family(self) -> str:
        """STANDARD, ROW, COL, SLIDE, SUPERSLIDE or CUSTOM."""
        return self.name.split("\\")[0] if self.name else self.kind

    def __str__(self) -> str:
        if self.name:
            return self.name
        if self.kind == "STANDARD":
            return f"STANDARD\\{self.counts[0]},{len(self.counts)}"
        return f"{self.kind}\\" + ",".join(str(n) for n in self.counts)


def layouts_dir() -> Path:
    """Folder holding the data tables: in the wheel, or in a checkout."""
    packaged = Path(__file__).parent / "_layouts"
    if packaged.is_dir():
        return packaged
    return Path(__file__).parent.parent / "layouts"


@functools.cache
def film_sizes() -> dict[str, FilmSize]:
    """Every Film Size ID we print on, from ``layouts/film_sizes.toml``."""
    with open(layouts_dir() / "film_sizes.toml", "rb") as f:
        table = tomllib.load(f)
    return {
        key: FilmSize(key, float(v["width_mm"]), float(v["height_mm"]))
        for key, v in table.items()
    }


@functools.cache
def annotation_formats() -> dict[str, tuple[str, ...]]:
    """Annotation Display Format IDs and the place of each of their boxes."""
    with open(layouts_dir() / "annotation_formats.toml", "rb") as f:
        table = tomllib.load(f)
    return {key: tuple(v["positions"]) for key, v in table.items()}


_FORMAT = re.compile(r"^(STANDARD|ROW|COL)\\(\d{1,3}(?:,\d{1,3})*)$")
_CUSTOM = re.compile(r"^CUSTOM\\(\d{1,4})$")

#: Upper bound on boxes per film, far above any real printer's.
MAX_BOXES = 400


@functools.cache
def printer_formats() -> dict[str, dict[str, str]]:
    """SLIDE, SUPERSLIDE and CUSTOM layouts from ``display_formats.toml``."""
    with open(layouts_dir() / "display_formats.toml", "rb") as f:
        return tomllib.load(f)


def _resolve(value: str, film_size_id: str) -> str:
    """The STANDARD/ROW/COL layout a printer-defined format stands for."""
    formats = printer_formats()
    if value in ("SLIDE", "SUPERSLIDE"):
        table = formats.get(value, {})
        resolved = table.get(film_size_id, table.get("default"))
    elif match := _CUSTOM.match(value):
        resolved = formats.get("CUSTOM", {}).get(str(int(match.group(1))))
    else:
        return value
    if resolved is None:
        raise ImageDisplayFormatError(
            f"(2010,0010) Image Display Format: {value!r} is not defined here"
        )
    return str(resolved)


def parse_image_display_format(
    image_display_format: str, film_size_id: str = ""
) -> ImageDisplayFormat:
    """Parse an Image Display Format value such as ``STANDARD\\3,4``.

    ``STANDARD\\C,R`` is C columns by R rows; ``ROW\\a,b`` gives the boxes in
    each row; ``COL\\a,b`` the boxes in each column.  SLIDE and SUPERSLIDE
    (whose count depends on *film_size_id*) and ``CUSTOM\\i`` are looked up
    in ``layouts/display_formats.toml``.

    Raises
    ------
    ImageDisplayFormatError
        For a malformed value, a zero count, too many boxes, or a format
        not defined here.

    References
    ----------
    PS3.3 C.13.3 (Basic Film Box Presentation Module), C.13.5.1.
    """
    value = image_display_format.strip().upper()
    match = _FORMAT.match(_resolve(value, film_size_id))
    if not match:
        raise ImageDisplayFormatError(
            f"(2010,0010) Image Display Format: unsupported value {value!r}"
        )

    kind = match.group(1)
    numbers = tuple(int(n) for n in match.group(2).split(","))
    if min(numbers) == 0:
        raise ImageDisplayFormatError(
            f"(2010,0010) Image Display Format: a zero count in {value!r}"
        )
    if kind == "STANDARD":
        if len(numbers) != 2:
            raise ImageDisplayFormatError(
                f"(2010,0010) Image Display Format: STANDARD needs C,R, got {value!r}"
            )
        columns, rows = numbers
        numbers = (columns,) * rows
    if sum(numbers) > MAX_BOXES:
        raise ImageDisplayFormatError(
            f"(2010,0010) Image Display Format: box counts out of range in {value!r}"
        )
    name = value if _FORMAT.match(value) is None else ""
    return ImageDisplayFormat(kind, numbers, name)


def film_pixel_size(
    film_size_id: str, film_orientation: FilmOrientationValues, dpi: int
) -> tuple[int, int]:
    """Width and height in pixels of a film at *dpi*, lying in *orientation*.

    Raises
    ------
    KeyError
        If *film_size_id* is not one we know.
    """
    size = film_sizes()[film_size_id]
    width = round(size.width_mm / MM_PER_INCH * dpi)
    height = round(size.height_mm / MM_PER_INCH * dpi)
    if film_orientation is FilmOrientationValues.LANDSCAPE:
        return height, width
    return width, height


def _split(length: int, parts: int, start: int = 0) -> list[tuple[int, int]]:
    """Cut *length* pixels into *parts* runs that differ by at most one."""
    edges = [start + round(k * length / parts) for k in range(parts + 1)]
    return [(edges[k], edges[k + 1] - edges[k]) for k in range(parts)]


def box_rects(
    image_display_format: ImageDisplayFormat, width: int, height: int, top: int = 0
) -> list[Rect]:
    """Rectangles of the image boxes in a *width* x *height* area, by position.

    The area starts *top* rows below the film's top edge.

    Box 1 is at the top left.  STANDARD and ROW number row by row from the
    top; COL numbers column by column from the left.  The boxes tile the film
    without overlap.

    References
    ----------
    PS3.3 C.13.5.1 (Image Box Position).
    """
    rects: list[Rect] = []
    if image_display_format.kind == "COL":
        for index, (x, w) in enumerate(_split(width, len(image_display_format.counts))):
            for y, h in _split(height, image_display_format.counts[index], top):
                rects.append(Rect(x, y, w, h))
        return rects

    rows = _split(height, len(image_display_format.counts), top)
    for index, (y, h) in enumerate(rows):
        for x, w in _split(width, image_display_format.counts[index]):
            rects.append(Rect(x, y, w, h))
    return rects
