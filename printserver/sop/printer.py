"""Printer SOP class: N-GET on the well-known Printer SOP Instance.

References: PS3.4 H.4.6.  Must not import ``scp`` or pynetdicom.
"""

from pydicom.dataset import Dataset

from printserver import __version__
from printserver.errors import NoSuchInstanceError
from printserver.sop import _attributes as attrs
from printserver.sop._model import PrintContext, Request, Response
from printserver.status import Status

SOP_CLASS_UID = "1.2.840.10008.5.1.1.16"
PRINTER_INSTANCE_UID = "1.2.840.10008.5.1.1.17"


def printer_attributes(ctx: PrintContext) -> Dataset:
    """Every Printer attribute we report (Table H.4-17)."""
    ds = Dataset()
    ds.PrinterStatus = ctx.printer_state.printer_status
    ds.PrinterStatusInfo = ctx.printer_state.printer_status_info
    ds.PrinterName = ctx.printer.name
    ds.Manufacturer = ctx.profile.manufacturer
    ds.ManufacturerModelName = ctx.profile.model
    ds.SoftwareVersions = f"printserver {__version__}"
    # A folder printer needs no calibration; we report the time it started.
    ds.DateOfLastCalibration = ctx.printer_state.started.strftime("%Y%m%d")
    ds.TimeOfLastCalibration = ctx.printer_state.started.strftime("%H%M%S")
    return ds


def handle_n_get(ctx: PrintContext, req: Request) -> Response:
    """Answer all attributes, or those of the Attribute Identifier List."""
    if req.sop_instance_uid != PRINTER_INSTANCE_UID:
        raise NoSuchInstanceError(f"no Printer {req.sop_instance_uid}")
    answer, unknown = attrs.select(
        printer_attributes(ctx), req.attribute_identifier_list
    )
    if unknown:
        return Response(Status.ATTRIBUTE_LIST_ERROR, answer, attribute_tags=unknown)
    return Response(dataset=answer)
