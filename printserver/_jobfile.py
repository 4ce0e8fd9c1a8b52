"""Films frozen as JSON plus ``.npy`` pixel files, and back.

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


def film_to_json(
    film: Film, index: int
) -> tuple[dict[str, Any], list[tuple[str, np.ndarray]]]:
    """JSON description of film *index* plus the pixel arrays it refers to."""
    description = {
        f.name: _encode(getattr(film, f.name))
        for f in fields(Film)
        if f.name != "images"
    }
    description["annotations"] = [list(pair) for pair in film.annotations]
    images = []
    arrays = []
    for position, image in sorted(film.images.items()):
        name = f"film-{index}-box-{position}.npy"
        arrays.append((name, image.pixels))
        item = {
            f.name: _encode(getattr(image, f.name))
            for f in fields(SourceImage)
            if f.name != "pixels"
        }
        item.update(position=position, file=name)
        images.append(item)
    description["images"] = images
    return description, arrays


def film_from_json(job_dir: Path, description: dict[str, Any]) -> Film:
    """Rebuild a film from its JSON description and pixel files."""
    images = {}
    for item in description["images"]:
        values = {
            f.name: _decode(f.name, item[f.name])
            for f in fields(SourceImage)
            if f.name in item and f.name != "pixels"
        }
        pixels = np.load(job_dir / item["file"], allow_pickle=False)
        images[int(item["position"])] = SourceImage(pixels=pixels, **values)
    values = {
        f.name: _decode(f.name, description[f.name])
        for f in fields(Film)
        if f.name in description and f.name != "images"
    }
    return Film(images=images, **values)
