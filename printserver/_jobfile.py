"""Films frozen as JSON plus their pixels in one file, and back.

Part of the spool layer: what ``job.json`` says of each film.  Generic over
the fields of ``Film`` and ``SourceImage``, so a new field is kept without a
change here; enums are stored by value.
"""

from dataclasses import fields
from pathlib import Path
from typing import Any

import numpy as np

from printserver.layout import FilmOrientationValues
from printserver.render import (
    Film,
    MagnificationTypeValues,
    PolarityValues,
    PresentationLUT,
    SourceImage,
)

_ENUMS: dict[str, type] = {
    "film_orientation": FilmOrientationValues,
    "magnification_type": MagnificationTypeValues,
    "polarity": PolarityValues,
}


def _encode(value: Any) -> Any:
    if hasattr(value, "value") and not isinstance(value, np.ndarray):
        return value.value
    if isinstance(value, PresentationLUT):
        return {
            "shape": value.shape,
            "table": list(value.table),
            "table_bits": value.table_bits,
        }
    if isinstance(value, tuple):
        return list(value)
    return value


def _decode(name: str, value: Any) -> Any:
    if value is None:
        return None
    if name in _ENUMS:
        return _ENUMS[name](value)
    if name == "presentation_lut":
        return PresentationLUT(
            value["shape"], tuple(value["table"]), value["table_bits"]
        )
    if name == "pixel_aspect_ratio":
        return tuple(value)
    if name == "annotations":
        return [tuple(pair) for pair in value]
    return value


#: The file of a job that holds every image's pixels, one after another.
PIXELS_FILE = "pixels.bin"


def film_to_json(
    film: Film, index: int, offset: int = 0
) -> tuple[dict[str, Any], list[np.ndarray]]:
    """JSON description of film *index* plus the pixel arrays it refers to.

    The arrays go into ``PIXELS_FILE`` one after another, this film's from
    *offset* on; each image's item says where its own bytes lie.  One file
    rather than one per image: each file costs the N-ACTION four system
    calls, each a wait for the GIL while other associations are busy.
    """
    description = {
        f.name: _encode(getattr(film, f.name))
        for f in fields(Film)
        if f.name != "images"
    }
    description["annotations"] = [list(pair) for pair in film.annotations]
    images = []
    arrays = []
    for position, image in sorted(film.images.items()):
        pixels = np.ascontiguousarray(image.pixels)
        arrays.append(pixels)
        item = {
            f.name: _encode(getattr(image, f.name))
            for f in fields(SourceImage)
            if f.name != "pixels"
        }
        item.update(
            position=position,
            file=PIXELS_FILE,
            offset=offset,
            dtype=pixels.dtype.str,
            shape=list(pixels.shape),
        )
        offset += pixels.nbytes
        images.append(item)
    description["images"] = images
    return description, arrays


def _pixels(job_dir: Path, item: dict[str, Any]) -> np.ndarray:
    """An image's pixels: a slice of ``PIXELS_FILE``, or a ``.npy`` file of
    its own (jobs spooled before the single file)."""
    path = job_dir / Path(str(item["file"])).name  # never out of the job
    if "offset" not in item:
        saved: np.ndarray = np.load(path, allow_pickle=False)
        return saved
    shape = tuple(int(n) for n in item["shape"])
    count = int(np.prod(shape))
    pixels = np.fromfile(path, np.dtype(item["dtype"]), count, offset=item["offset"])
    if pixels.size != count:
        raise ValueError(f"{item['file']} is shorter than job.json says")
    shaped: np.ndarray = pixels.reshape(shape)
    return shaped


def film_from_json(job_dir: Path, description: dict[str, Any]) -> Film:
    """Rebuild a film from its JSON description and pixel files."""
    images = {}
    for item in description["images"]:
        values = {
            f.name: _decode(f.name, item[f.name])
            for f in fields(SourceImage)
            if f.name in item and f.name != "pixels"
        }
        images[int(item["position"])] = SourceImage(
            pixels=_pixels(job_dir, item), **values
        )
    values = {
        f.name: _decode(f.name, description[f.name])
        for f in fields(Film)
        if f.name in description and f.name != "images"
    }
    return Film(images=images, **values)
