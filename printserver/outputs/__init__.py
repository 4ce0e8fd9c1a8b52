"""Outputs: where a rendered job goes.

``folder`` (files), ``socket`` (raw PostScript to port 9100), ``cups`` (a
CUPS queue over IPP) and ``dicom`` (a film printer, us as Print SCU).
Part of the spooler layer: may import ``config``, ``render`` and ``spool``;
never ``sop`` or ``scp``.
"""

from printserver.outputs import cups, dicom, folder, socket  # noqa: F401 - registers kinds
from printserver.outputs.base import (
    Delivery,
    Output,
    OutputError,
    PrinterStatus,
    make_output,
)

__all__ = ["Delivery", "Output", "OutputError", "PrinterStatus", "make_output"]
