"""The font annotations are written in.

DejaVu Sans (Debian's fonts-dejavu-core) covers Latin, Greek and Cyrillic;
without it, Pillow's bundled font, which covers Latin only.
"""

import functools
from pathlib import Path

from PIL import ImageFont

#: Where Debian and Raspberry Pi OS put DejaVu Sans.
DEJAVU = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")


@functools.cache
def annotation_font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    """A font of *size* pixels for annotation text."""
    if DEJAVU.is_file():
        return ImageFont.truetype(str(DEJAVU), size)
    return ImageFont.load_default(size=size)
