"""Compose one film: place each image in its box at print resolution.

Geometry (layout, annotation bands, sizing, decimate or crop) and the tone
pipeline of ``tone`` put together.  Pure functions over numpy arrays.  May
import ``layout``; must not import ``spooler``, ``sop`` or ``scp``.
"""

import enum
import os
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageDraw

from printserver.layout import (
    MM_PER_INCH,
    Rect,
    box_rects,
    film_pixel_size,
    parse_image_display_format,
)
from printserver.render.film import (
    Film,
    MagnificationTypeValues,
    PolarityValues,
    SourceImage,
)
from printserver.render.fonts import annotation_font
from printserver.render.tone import (
    TABLE_SIZE,
    Printing,
    density_gray,
    to_pvalues,
    tone_table,
    viewing_for,
)

#: Threads rendering a film's images (one per core, at most four).
_WORKERS = min(4, os.cpu_count() or 1)

#: OpenCV interpolations for enlarging; shrinking always averages areas,
#: so a decimated image keeps its detail as gray rather than as aliasing.
_ENLARGE = {
    # "Nearest exact" takes the source pixel under each target pixel's
    # center, as replication means; OpenCV's plain nearest is off by half.
    MagnificationTypeValues.REPLICATE: "INTER_NEAREST_EXACT",
    MagnificationTypeValues.BILINEAR: "INTER_LINEAR",
    MagnificationTypeValues.CUBIC: "INTER_CUBIC",
    # NONE only resamples for a pixel aspect ratio or a decimation.
    MagnificationTypeValues.NONE: "INTER_LINEAR",
}

#: Height of an annotation band, in inches.
ANNOTATION_BAND_INCH = 0.3


class FitValues(enum.Enum):
    """What happened to an image that met its box."""

    FITTED = "FITTED"
    DECIMATED = "DECIMATED"
    CROPPED = "CROPPED"
    TOO_LARGE = "TOO_LARGE"


@dataclass(frozen=True)
class Fit:
    """The size an image is printed at, and whether it had to be cut."""

    width: int
    height: int
    result: FitValues


def plan_fit(
    image: SourceImage, box: Rect, magnification: MagnificationTypeValues, dpi: int
) -> Fit:
    """Decide the printed size of *image* in *box*.

    Without Requested Image Size the image fills its box, aspect kept
    (Magnification Type NONE: its own size).  An image then larger than its
    box is scaled down (DECIMATE, the default), cut (CROP) or refused (FAIL).

    References
    ----------
    PS3.3 C.13.5 (Requested Image Size, Requested Decimate/Crop Behavior).
    """
    rows, columns = image.pixels.shape[:2]
    row_spacing, column_spacing = image.pixel_aspect_ratio
    height = rows * row_spacing / column_spacing  # in column-pixel units
    if image.requested_image_size:
        scale = image.requested_image_size / MM_PER_INCH * dpi / columns
    elif magnification is MagnificationTypeValues.NONE:
        scale = 1.0
    else:
        scale = min(box.width / columns, box.height / height)
    width_px = max(1, round(columns * scale))
    height_px = max(1, round(height * scale))
    if width_px <= box.width and height_px <= box.height:
        return Fit(width_px, height_px, FitValues.FITTED)

    behavior = image.requested_decimate_crop_behavior or "DECIMATE"
    if behavior == "CROP":
        return Fit(width_px, height_px, FitValues.CROPPED)
    if behavior == "FAIL":
        return Fit(width_px, height_px, FitValues.TOO_LARGE)
    shrink = min(box.width / width_px, box.height / height_px)
    return Fit(
        max(1, int(width_px * shrink)),
        max(1, int(height_px * shrink)),
        FitValues.DECIMATED,
    )


def _resize(
    image: np.ndarray, width: int, height: int, magnification: MagnificationTypeValues
) -> np.ndarray:
    """Resize an image (2-D, or 3 channels; float or uint16) to *width* x
    *height*, keeping its type.

    OpenCV, imported on the first film (it costs a server that never
    prints about 30 MB), resizes several times faster than Pillow.  On one
    thread: the images of a film are rendered side by side already, and
    OpenCV's own threads on top of those cost a film of twenty images 15%
    more CPU time for nothing.
    """
    import cv2  # noqa: PLC0415 - a large import, deferred to the first film

    if cv2.getNumThreads() != 1:
        cv2.setNumThreads(1)

    rows, columns = image.shape[:2]
    if (rows, columns) == (height, width):
        return image
    if magnification is MagnificationTypeValues.REPLICATE:
        interpolation = cv2.INTER_NEAREST_EXACT
    elif width <= columns and height <= rows:
        interpolation = cv2.INTER_AREA
    else:
        interpolation = getattr(cv2, _ENLARGE[magnification])
    resized: np.ndarray = cv2.resize(
        np.ascontiguousarray(image), (width, height), interpolation=interpolation
    )
    return resized


def _center_crop(image: np.ndarray, box: Rect) -> np.ndarray:
    rows, columns = image.shape[:2]
    top = max((rows - box.height) // 2, 0)
    left = max((columns - box.width) // 2, 0)
    return image[top : top + box.height, left : left + box.width]


def _color_values(image: SourceImage) -> np.ndarray:
    values = image.pixels.astype(np.float32) / 255.0
    if image.polarity is PolarityValues.REVERSE:
        values = 1.0 - values
    return values


def render_image(  # noqa: PLR0913, PLR0917 - the film's parts and settings
    film: Film,
    image: SourceImage,
    box: Rect,
    dpi: int,
    printing: Printing,
    bits: int = 8,
) -> np.ndarray:
    """An image at its printed size, as drive values: uint8, or uint16 of
    12 bits when *bits* is 12 (RGB is always 8)."""
    magnification = image.magnification_type or film.magnification_type
    fit = plan_fit(image, box, magnification, dpi)
    printing = printing.configured(image.configuration_information)
    viewing = viewing_for(film, image, printing)
    if image.photometric_interpretation == "RGB":
        color = _resize(_color_values(image), fit.width, fit.height, magnification)
        # Cubic interpolation overshoots at edges; keep it inside the range.
        rgb: np.ndarray = np.rint(np.clip(_center_crop(color, box), 0.0, 1.0) * 255)
        return rgb.astype(np.uint8)
    lut = image.presentation_lut or film.presentation_lut
    values = to_pvalues(image, lut, viewing)
    # P-values as table indices before resizing: OpenCV resizes uint16
    # with rounding and saturation, and the lookup needs no float pass.
    top = TABLE_SIZE - 1
    index = np.rint(np.clip(values, 0.0, 1.0) * top).astype(np.uint16)
    resized = _resize(index, fit.width, fit.height, magnification)
    # Cubic interpolation overshoots at edges: the lookup clips to the table.
    drive: np.ndarray = np.take(
        tone_table(viewing, printing, bits), _center_crop(resized, box), mode="clip"
    )
    return drive


def draw_annotations(band: np.ndarray, texts: list[str], background: int) -> None:
    """Write *texts* side by side into *band*, in place, in a contrasting ink.

    Each text gets an equal share of the band's width, left-aligned in it.
    """
    height, width = band.shape
    image = Image.fromarray(band, mode="L")
    draw = ImageDraw.Draw(image)
    font = annotation_font(max(6, round(height * 0.55)))
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


def image_boxes(film: Film, dpi: int) -> list[Rect]:
    """The image boxes of *film* at *dpi*, by position, below or above the
    annotation bands."""
    width, height = film_pixel_size(film.film_size_id, film.film_orientation, dpi)
    band = round(dpi * ANNOTATION_BAND_INCH)
    places = {place for place, _ in film.annotations}
    top_band = band if "top" in places else 0
    image_height = height - top_band - (band if "bottom" in places else 0)
    layout = parse_image_display_format(film.image_display_format, film.film_size_id)
    return box_rects(layout, width, image_height, top_band)


def _draw_bands(
    raster: np.ndarray, film: Film, dpi: int, border_gray: int, bits: int
) -> None:
    height, width = raster.shape[:2]
    band = round(dpi * ANNOTATION_BAND_INCH)
    # Text is drawn in 8 bits, then brought to the raster's depth.
    background = border_gray >> (bits - 8)
    for place in {place for place, _ in film.annotations}:
        texts = [text for p, text in film.annotations if p == place]
        y = 0 if place == "top" else height - band
        drawn = np.full((band, width), background, np.uint8)
        draw_annotations(drawn, texts, background)
        band_gray: np.ndarray = drawn
        if bits == 12:
            band_gray = (drawn.astype(np.uint16) * 4095 + 127) // 255
            band_gray[drawn == background] = border_gray
        raster[y : y + band] = band_gray if raster.ndim == 2 else band_gray[..., None]


def _trim(raster: np.ndarray, area: Rect, ink: int) -> None:
    """A one-pixel line just inside the image's edge (Trim YES)."""
    top, left = area.y, area.x
    bottom, right = area.y + area.height, area.x + area.width
    raster[top, left:right] = ink
    raster[bottom - 1, left:right] = ink
    raster[top:bottom, left] = ink
    raster[top:bottom, right - 1] = ink


def eight_bit(raster: np.ndarray) -> np.ndarray:
    """A raster of 12-bit drive values (uint16) as 8 bits; uint8 as is."""
    if raster.dtype == np.uint8:
        return raster
    scaled: np.ndarray = ((raster.astype(np.uint32) * 255 + 2047) // 4095).astype(
        np.uint8
    )
    return scaled


def _place(  # noqa: PLR0913, PLR0917 - the raster, the image and its options
    raster: np.ndarray,
    box: Rect,
    image: np.ndarray,
    trim: bool,
    border_gray: int,
    bits: int,
) -> None:
    """Put a rendered image in the middle of its box, with its trim line."""
    placed = image[..., None] if raster.ndim == 3 and image.ndim == 2 else image
    rows, columns = placed.shape[:2]
    top = box.y + (box.height - rows) // 2
    left = box.x + (box.width - columns) // 2
    raster[top : top + rows, left : left + columns] = placed
    if trim:
        top_value = (1 << bits) - 1
        ink = top_value if border_gray <= top_value // 2 else 0
        _trim(raster, Rect(left, top, columns, rows), ink)


def _as_printed(film: Film, dpi: int, bits: int) -> np.ndarray:
    """A film printed before (drive values), at *dpi* and *bits*."""
    image = film.images[1]
    width, height = film_pixel_size(film.film_size_id, film.film_orientation, dpi)
    pixels = _resize(image.pixels, width, height, MagnificationTypeValues.BILINEAR)
    if pixels.ndim == 3 or image.bits_stored == bits:
        return pixels
    top, to_top = (1 << image.bits_stored) - 1, (1 << bits) - 1
    scaled = np.rint(pixels.astype(np.float32) * (to_top / top))
    converted: np.ndarray = scaled.astype(np.uint8 if bits == 8 else np.uint16)
    return converted


def compose_film(
    film: Film,
    dpi: int,
    printing: Printing | None = None,
    bits: int = 8,
    *,
    rows_done: Callable[[np.ndarray, int], None] | None = None,
) -> np.ndarray:
    """Compose *film* at *dpi* into a raster of drive values (0 black).

    Parameters
    ----------
    film : Film
        Layout, options and images.
    dpi : int
        Print resolution.
    printing : Printing, optional
        The printer's characteristic curve and medium; the default model if
        not given.
    bits : int
        8, or 12 for gray drive values of 12 bits (in uint16).  A color
        film is always 8 bits per component.

    Returns
    -------
    numpy.ndarray
        Top row first: (height, width) DeviceGray, uint8 or uint16 as
        *bits* says, or (height, width, 3) uint8 DeviceRGB when the film
        holds a color image (grayscale images on it are then gray in RGB).
    rows_done : callable, optional
        Called as ``rows_done(raster, rows)`` each time more of the first
        rows of the raster are final (images are placed in order, top
        first), the last time with its height: the rows above can be
        compressed while the rest is composed (``FlateBands``).

    Raises
    ------
    printserver.layout.ImageDisplayFormatError, KeyError
        For a layout or Film Size ID we do not know.
    """
    if bits not in (8, 12):
        raise ValueError(f"bits must be 8 or 12, not {bits}")
    if film.as_printed:
        printed = _as_printed(film, dpi, bits)
        if rows_done is not None:
            rows_done(printed, len(printed))
        return printed
    printing = (printing or Printing()).configured(film.configuration_information)
    viewing = viewing_for(film, None, printing)
    width, height = film_pixel_size(film.film_size_id, film.film_orientation, dpi)
    color = is_color(film)
    bits = 8 if color else bits
    border_gray = density_gray(film.border_density, viewing, printing, bits)
    shape = (height, width, 3) if color else (height, width)
    raster = np.full(shape, border_gray, np.uint8 if bits == 8 else np.uint16)
    _draw_bands(raster, film, dpi, border_gray, bits)

    empty_gray = density_gray(film.empty_image_density, viewing, printing, bits)
    boxes = list(enumerate(image_boxes(film, dpi), start=1))
    for position, box in boxes:
        if position not in film.images:
            raster[box.y : box.y + box.height, box.x : box.x + box.width] = empty_gray

    def render(item: tuple[int, Rect]) -> np.ndarray:
        position, box = item
        return render_image(film, film.images[position], box, dpi, printing, bits)

    # Placed in order of their tops, so that the raster is final from the
    # top down; the rows above the highest box still to come are done.
    to_place = sorted(
        ((box, position) for position, box in boxes if position in film.images),
        key=lambda item: (item[0].y, item[1]),
    )
    tops = [box.y for box, _ in to_place] + [height]
    # Resizing and tone lookup release the GIL: images render side by side.
    # A few at a time: each is placed as soon as it is made, so that a film
    # holds a handful of rendered images in memory, not all of them.
    pending: deque[tuple[Rect, Future[np.ndarray]]] = deque()
    placed = 0
    with ThreadPoolExecutor(_WORKERS) as pool:
        for index, (box, position) in enumerate(to_place):
            pending.append((box, pool.submit(render, (position, box))))
            while pending and (len(pending) > _WORKERS or index == len(to_place) - 1):
                done_box, future = pending.popleft()
                _place(raster, done_box, future.result(), film.trim, border_gray, bits)
                placed += 1
                if rows_done is not None:
                    rows_done(raster, tops[placed])
    if rows_done is not None and not to_place:
        rows_done(raster, height)
    return raster
