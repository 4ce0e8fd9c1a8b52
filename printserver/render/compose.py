"""Compose one film: place each image in its box at print resolution.

Pure functions over numpy arrays.  May import ``layout``; must not import
``spooler``, ``sop`` or ``scp``.
"""

import enum
from dataclasses import dataclass, field

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from printserver.layout import (
    FilmOrientationValues,
    Rect,
    box_rects,
    film_pixel_size,
    parse_image_display_format,
)


class MagnificationTypeValues(enum.Enum):
    """Defined Terms of (2010,0060) Magnification Type."""

    REPLICATE = "REPLICATE"
    BILINEAR = "BILINEAR"
    CUBIC = "CUBIC"
    NONE = "NONE"


class PolarityValues(enum.Enum):
    """Enumerated Values of (2020,0020) Polarity."""

    NORMAL = "NORMAL"
    REVERSE = "REVERSE"


_RESAMPLE = {
    MagnificationTypeValues.REPLICATE: Image.Resampling.NEAREST,
    MagnificationTypeValues.BILINEAR: Image.Resampling.BILINEAR,
    MagnificationTypeValues.CUBIC: Image.Resampling.BICUBIC,
}

#: Height of an annotation band, in inches.
ANNOTATION_BAND_INCH = 0.3

#: Densities in hundredths of OD that map to white and black when a film
#: box gives Border or Empty Image Density as a number.
_DENSITY_WHITE, _DENSITY_BLACK = 20, 300


@dataclass
class SourceImage:
    """The pixels of one image box, as received."""

    pixels: np.ndarray
    """2-D array of stored values (uint8 or uint16)."""

    bits_stored: int
    photometric_interpretation: str
    polarity: PolarityValues = PolarityValues.NORMAL
    magnification_type: MagnificationTypeValues | None = None
    """Overrides the film box's value when set."""


@dataclass
class Film:
    """What a film box asks for, enough to compose it at any resolution."""

    image_display_format: str
    film_size_id: str
    film_orientation: FilmOrientationValues = FilmOrientationValues.PORTRAIT
    magnification_type: MagnificationTypeValues = MagnificationTypeValues.CUBIC
    border_density: str = "BLACK"
    empty_image_density: str = "BLACK"
    requested_resolution_id: str = "STANDARD"
    """STANDARD or HIGH: which of the printer's resolutions to print at."""

    images: dict[int, SourceImage] = field(default_factory=dict)
    """Image Box Position (1-based) to the image printed there."""

    annotations: list[tuple[str, str]] = field(default_factory=list)
    """One (place, text) per annotation box in position order; place is
    ``top`` or ``bottom``, a band of the film kept free of images."""


def density_to_gray(density: str) -> int:
    """8-bit DeviceGray for a Border or Empty Image Density value.

    ``BLACK`` and ``WHITE`` are the film's extremes; a number is hundredths
    of optical density, mapped linearly between clear film and full black.
    """
    value = density.strip().upper()
    if value == "WHITE":
        return 255
    if value == "BLACK" or not value.isdigit():
        return 0
    fraction = (int(value) - _DENSITY_WHITE) / (_DENSITY_BLACK - _DENSITY_WHITE)
    return round(255 * (1 - min(max(fraction, 0.0), 1.0)))


def to_unit_brightness(image: SourceImage) -> np.ndarray:
    """Stored values as float32 brightness, 0 black to 1 white.

    MONOCHROME2 shows its minimum as black, MONOCHROME1 as white; Polarity
    REVERSE swaps the two.  RGB images give three channels (rows, columns,
    3); REVERSE inverts each.

    References
    ----------
    PS3.3 C.7.6.3.1.2 (Photometric Interpretation), C.13.5 (Polarity).
    """
    maximum = float((1 << image.bits_stored) - 1)
    brightness = np.minimum(image.pixels, maximum).astype(np.float32) / maximum
    inverted = image.photometric_interpretation == "MONOCHROME1"
    if image.polarity is PolarityValues.REVERSE:
        inverted = not inverted
    result: np.ndarray = 1.0 - brightness if inverted else brightness
    return result


def fit_into(
    image: np.ndarray, box: Rect, magnification: MagnificationTypeValues
) -> np.ndarray:
    """Scale *image* to fill *box* keeping its aspect ratio (NONE: as is)."""
    rows, columns = image.shape[:2]
    if magnification is MagnificationTypeValues.NONE:
        top = max((rows - box.height) // 2, 0)
        left = max((columns - box.width) // 2, 0)
        return image[top : top + box.height, left : left + box.width]

    scale = min(box.width / columns, box.height / rows)
    size = (max(1, round(columns * scale)), max(1, round(rows * scale)))
    if size == (columns, rows):
        return image
    channels = [image] if image.ndim == 2 else [image[..., c] for c in range(3)]
    resized = [
        np.asarray(Image.fromarray(np.ascontiguousarray(channel), mode="F").resize(
            size, _RESAMPLE[magnification]
        ))
        for channel in channels
    ]  # fmt: skip
    stacked = resized[0] if image.ndim == 2 else np.stack(resized, axis=-1)
    # Cubic interpolation overshoots at edges; keep it inside the range.
    clipped: np.ndarray = np.clip(stacked, 0.0, 1.0)
    return clipped


def draw_annotations(band: np.ndarray, texts: list[str], background: int) -> None:
    """Write *texts* side by side into *band*, in place, in a contrasting ink.

    Each text gets an equal share of the band's width, left-aligned in it.
    """
    height, width = band.shape
    image = Image.fromarray(band, mode="L")
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default(size=max(6, round(height * 0.55)))
    ink = 0 if background > 127 else 255
    share = width // max(1, len(texts))
    for index, text in enumerate(texts):
        if text:
            x = index * share + height // 2
            draw.text((x, height / 2), text, fill=ink, font=font, anchor="lm")
    band[:] = np.asarray(image)


def is_color(film: Film) -> bool:
    """True when any image of *film* is RGB: the film is then made in RGB."""
    return any(i.photometric_interpretation == "RGB" for i in film.images.values())


def compose_film(film: Film, dpi: int) -> np.ndarray:
    """Compose *film* at *dpi* into an 8-bit raster (0 is black).

    Returns
    -------
    numpy.ndarray
        uint8 array, top row first: (height, width) DeviceGray, or
        (height, width, 3) DeviceRGB when the film holds a color image
        (grayscale images on it are then gray in RGB).

    Raises
    ------
    printserver.layout.ImageDisplayFormatError, KeyError
        For a layout or Film Size ID we do not know.
    """
    width, height = film_pixel_size(film.film_size_id, film.film_orientation, dpi)
    border_gray = density_to_gray(film.border_density)
    shape = (height, width, 3) if is_color(film) else (height, width)
    raster = np.full(shape, border_gray, np.uint8)
    layout = parse_image_display_format(film.image_display_format)

    # Annotation bands take the top and/or bottom of the film; images share
    # the rest.
    band = round(dpi * ANNOTATION_BAND_INCH)
    places = {place for place, _ in film.annotations}
    top_band = band if "top" in places else 0
    image_height = height - top_band - (band if "bottom" in places else 0)
    for place in places:
        texts = [text for p, text in film.annotations if p == place]
        y = 0 if place == "top" else height - band
        band_gray = np.full((band, width), border_gray, np.uint8)
        draw_annotations(band_gray, texts, border_gray)
        raster[y : y + band] = band_gray if raster.ndim == 2 else band_gray[..., None]

    empty_gray = density_to_gray(film.empty_image_density)
    boxes = box_rects(layout, width, image_height, top_band)
    for position, box in enumerate(boxes, start=1):
        source = film.images.get(position)
        if source is None:
            raster[box.y : box.y + box.height, box.x : box.x + box.width] = empty_gray
            continue

        magnification = source.magnification_type or film.magnification_type
        placed = fit_into(to_unit_brightness(source), box, magnification)
        if raster.ndim == 3 and placed.ndim == 2:
            placed = placed[..., None]
        rows, columns = placed.shape[:2]
        top = box.y + (box.height - rows) // 2
        left = box.x + (box.width - columns) // 2
        raster[top : top + rows, left : left + columns] = np.rint(placed * 255.0)
    return raster
