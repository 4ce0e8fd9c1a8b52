"""Printer SOP class: N-GET on the well-known Printer SOP Instance.

References: PS3.4 H.4.6.  Must not import ``scp`` or pynetdicom.
"""

from pydicom.datadict import keyword_for_tag
from pydicom.dataset import Dataset

from printserver import __version__
from printserver.errors import NoSuchInstanceError
from printserver.sop._model import PrintContext, Request, Response
from printserver.status import Status

SOP_CLASS_UID = "1.2.840.10008.5.1.1.16"
PRINTER_INSTANCE_UID = "1.2.840.10008.5.1.1.17"


def printer_attributes(ctx: PrintContext) -> Dataset:
    """Every Printer attribute we report (Table H.4-17)."""
    ds = Dataset()
    ds.PrinterStatus = "NORMAL"
    ds.PrinterStatusInfo = "NORMAL"
    ds.PrinterName = ctx.printer.name
    ds.Manufacturer = ctx.profile.manufacturer
    ds.ManufacturerModelName = ctx.profile.model
    ds.SoftwareVersions = f"printserver {__version__}"
    return ds


def handle_n_get(ctx: PrintContext, req: Request) -> Response:
    """Answer all attributes, or those of the Attribute Identifier List."""
    if req.sop_instance_uid != PRINTER_INSTANCE_UID:
        raise NoSuchInstanceError(f"no Printer {req.sop_instance_uid}")
    everything = printer_attributes(ctx)
    if not req.attribute_identifier_list:
        return Response(dataset=everything)

    answer = Dataset()
    unknown = []
    for tag in req.attribute_identifier_list:
        keyword = keyword_for_tag(tag)
        if keyword and keyword in everything:
            setattr(answer, keyword, everything[keyword].value)
        else:
            unknown.append(int(tag))
    if unknown:
        return Response(Status.ATTRIBUTE_LIST_ERROR, answer, attribute_tags=unknown)
    return Response(dataset=answer)
