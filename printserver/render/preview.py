"""PNG previews of composed films, with Pillow."""

from pathlib import Path

import numpy as np
from PIL import Image

from printserver.render.compose import eight_bit


def write_preview(path: Path, raster: np.ndarray, height: int) -> None:
    """Write *raster* (gray, 8 or 12 bits, or RGB) as an 8-bit PNG scaled
    to *height* pixels."""
    raster = eight_bit(raster)
    image = Image.fromarray(raster, mode="RGB" if raster.ndim == 3 else "L")
    if raster.shape[0] > height:
        width = max(1, round(raster.shape[1] * height / raster.shape[0]))
        image = image.resize((width, height), Image.Resampling.BOX)
    image.save(path, format="PNG")
