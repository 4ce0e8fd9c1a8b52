"""Rendering: compose films from images and write them as PostScript and PNG.

Pure functions over numpy arrays.  May import ``layout``; never ``spooler``,
``sop`` or ``scp``.
"""

from printserver.render.compose import (
    Fit,
    FitValues,
    compose_film,
    image_boxes,
    plan_fit,
)
from printserver.render.film import (
    Film,
    MagnificationTypeValues,
    PolarityValues,
    PresentationLUT,
    SourceImage,
)
from printserver.render.postscript import write_postscript
from printserver.render.preview import write_preview
from printserver.render.tone import Printing, density_gray, tone_table, viewing_for

__all__ = [
    "Film",
    "Fit",
    "FitValues",
    "MagnificationTypeValues",
    "PolarityValues",
    "PresentationLUT",
    "Printing",
    "SourceImage",
    "compose_film",
    "density_gray",
    "image_boxes",
    "plan_fit",
    "tone_table",
    "viewing_for",
    "write_postscript",
    "write_preview",
]
