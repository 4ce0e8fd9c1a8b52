"""Rendering: compose films from images and write them as PostScript and PNG.

Pure functions over numpy arrays.  May import ``layout``; never ``spooler``,
``sop`` or ``scp``.
"""

from printserver.render.compose import (
    Film,
    MagnificationTypeValues,
    PolarityValues,
    SourceImage,
    compose_film,
    density_to_gray,
)
from printserver.render.postscript import write_postscript
from printserver.render.preview import write_preview

__all__ = [
    "Film",
    "MagnificationTypeValues",
    "PolarityValues",
    "SourceImage",
    "compose_film",
    "density_to_gray",
    "write_postscript",
    "write_preview",
]
