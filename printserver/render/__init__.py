"""Rendering: compose films from images; write them as PostScript, PDF and PNG.

Functions over numpy arrays; ``ghostscript`` runs the ``gs`` program.
May import ``layout`` and ``errors``; never ``spooler``, ``sop`` or ``scp``.
"""

from printserver.render.compose import (
    Fit,
    FitValues,
    compose_film,
    eight_bit,
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
from printserver.render.ghostscript import write_pdf
from printserver.render.paper import PaperHeader, write_paper_pdf
from printserver.render.postscript import FlateBands, Page, write_postscript
from printserver.render.preview import write_preview
from printserver.render.tone import (
    Printing,
    ToneConfiguration,
    density_gray,
    tone_table,
    viewing_for,
)

__all__ = [
    "Film",
    "FlateBands",
    "Fit",
    "FitValues",
    "MagnificationTypeValues",
    "Page",
    "PaperHeader",
    "PolarityValues",
    "PresentationLUT",
    "Printing",
    "ToneConfiguration",
    "SourceImage",
    "compose_film",
    "density_gray",
    "eight_bit",
    "image_boxes",
    "plan_fit",
    "tone_table",
    "viewing_for",
    "write_paper_pdf",
    "write_pdf",
    "write_postscript",
    "write_preview",
]
