"""Printer Configuration Retrieval SOP class: N-GET of what we offer.

Built from the printer profile: one item per meta SOP class offered.
References: PS3.4 H.4.11, PS3.3 C.13.13.  Must not import ``scp``.
"""

from pydicom.dataset import Dataset

from printserver.errors import NoSuchInstanceError
from printserver.layout import FilmOrientationValues, film_pixel_size, film_sizes
from printserver.sop import _attributes as attrs
from printserver.sop._model import PrintContext, Request, Response
from printserver.sop.uids import (
    ANNOTATION_BOX,
    COLOR_META,
    GRAYSCALE_META,
    PRESENTATION_LUT,
    PRINT_JOB,
    PRINTER_CONFIGURATION_RETRIEVAL_INSTANCE,
)
from printserver.sop.uids import PRINTER_CONFIGURATION_RETRIEVAL as SOP_CLASS_UID
from printserver.status import Status

__all__ = ["SOP_CLASS_UID", "handle_n_get"]


def _formats(ctx: PrintContext) -> list[Dataset]:
    """Supported formats: STANDARD\\1,1 per film size and orientation."""
    profile = ctx.profile
    items = []
    for film_size_id in profile.film_size_ids:
        if film_size_id not in film_sizes():
            continue
        for orientation in FilmOrientationValues:
            width, height = film_pixel_size(
                film_size_id, orientation, profile.resolution_dpi
            )
            item = Dataset()
            item.Rows, item.Columns = height, width
            item.ImageDisplayFormat = "STANDARD\\1,1"
            item.FilmOrientation = orientation.value
            item.FilmSizeID = film_size_id
            item.PrinterResolutionID = "STANDARD"
            spacing = f"{25.4 / profile.resolution_dpi:.6f}"
            item.PrinterPixelSpacing = [spacing, spacing]
            item.RequestedImageSizeFlag = "NO"
            items.append(item)
    return items


def _configuration(ctx: PrintContext, meta_uid: str) -> Dataset:
    profile = ctx.profile
    item = Dataset()
    item.SOPClassesSupported = [meta_uid, ANNOTATION_BOX, PRESENTATION_LUT, PRINT_JOB]
    item.MaximumMemoryAllocation = 0
    item.MemoryBitDepth = 16 if meta_uid == GRAYSCALE_META else 8
    item.PrintingBitDepth = 8
    media = []
    for number, medium in enumerate(profile.medium_types, start=1):
        entry = Dataset()
        entry.ItemNumber = number
        entry.MediumType = medium
        entry.FilmSizeID = profile.default_film_size_id
        entry.MinDensity = profile.min_density
        entry.MaxDensity = profile.max_density
        media.append(entry)
    item.MediaInstalledSequence = media
    item.SupportedImageDisplayFormatsSequence = _formats(ctx)
    item.DefaultPrinterResolutionID = "STANDARD"
    item.DefaultMagnificationType = profile.default_magnification_type
    others = [
        m for m in profile.magnification_types if m != item.DefaultMagnificationType
    ]
    item.OtherMagnificationTypesAvailable = others
    item.MaximumCollatedFilms = 100
    item.DecimateCropResult = "DECIMATE"
    item.Manufacturer = profile.manufacturer
    item.ManufacturerModelName = profile.model
    item.PrinterName = ctx.printer.name
    return item


def handle_n_get(ctx: PrintContext, req: Request) -> Response:
    """Answer the Printer Configuration Sequence."""
    if req.sop_instance_uid != PRINTER_CONFIGURATION_RETRIEVAL_INSTANCE:
        raise NoSuchInstanceError(
            f"no Printer Configuration Retrieval {req.sop_instance_uid}"
        )
    metas = [GRAYSCALE_META] + ([COLOR_META] if ctx.profile.color else [])
    everything = Dataset()
    everything.PrinterConfigurationSequence = [_configuration(ctx, m) for m in metas]
    answer, unknown = attrs.select(everything, req.attribute_identifier_list)
    if unknown:
        return Response(Status.ATTRIBUTE_LIST_ERROR, answer, attribute_tags=unknown)
    return Response(dataset=answer)
