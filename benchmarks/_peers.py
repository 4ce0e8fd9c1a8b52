"""What the benchmarks share: free ports, servers to start, DCMTK's files.

Each benchmark runs our server as a real process (``python -m printserver
serve``) beside a peer, DCMTK's ``dcmprscp``, configured by the dcmpstat file
format written here.
"""

import os
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

#: The [[GENERAL]] part of a dcmpstat configuration, for *work*.
GENERAL = """[[GENERAL]]
[APPLICATION]
LogDirectory = {work}/log
[PRINT]
Spooler = dcmprscu
Directory = {work}/spool
DeletePrintJobs = false
[DATABASE]
Directory = {work}/{database}
[LUT]
Directory = {work}/lut
[NETWORK]
aetitle = MODALITY
"""
#: What a printer (ours or dcmprscp) is said to support, in dcmpstat terms.
CAPABILITIES = """MaxPDU = 32768
Timeout = 30
ImplicitOnly = false
DisplayFormat = {display_formats}
Supports12Bit = true
SupportsPresentationLUT = true
PresentationLUTMatchRequired = false
PresentationLUTinFilmSession = false
SupportsImageSize = true
SupportsDecimateCrop = true
SupportsTrim = true
"""
#: dcmprscp's own printer, as a [[COMMUNICATION]] LOCALPRINTER section.
LOCAL_PRINTER = (
    """[LOCAL]
Type = LOCALPRINTER
Aetitle = DCMPRSCP
Hostname = localhost
Port = {port}
FilmSizeID = 8INX10IN\\14INX17IN\\17INX17IN
MediumType = BLUE FILM
MagnificationType = REPLICATE\\BILINEAR\\CUBIC\\NONE
SmoothingType = NONE
MaxDensity = 320
MinDensity = 20
ResolutionID = STANDARD\\HIGH
"""
    + CAPABILITIES
)


def dcmtk_folders(work: Path, database: str = "database") -> None:
    """The folders a dcmpstat configuration of *work* names."""
    for sub in ("log", "spool", "lut", database):
        (work / sub).mkdir(exist_ok=True)


def start_printserver(
    port: int, data: Path, config: Path | None = None
) -> subprocess.Popen[bytes]:
    """Our server on 127.0.0.1:*port*, as its own process."""
    command = [sys.executable, "-m", "printserver", "serve", "--host", "127.0.0.1"]
    command += ["--port", str(port), "--data", str(data), "--log-level", "WARNING"]
    if config is not None:
        command += ["--config", str(config)]
    return subprocess.Popen(command)


def start_dcmprscp(work: Path, config: Path) -> subprocess.Popen[bytes]:
    """DCMTK's print SCP with *config*'s LOCAL printer (every interface:
    it has no bind option), with TCP_NODELAY as our server sets it."""
    return subprocess.Popen(
        ["dcmprscp", "-c", str(config), "-p", "LOCAL"],
        cwd=work,
        env={**os.environ, "TCP_NODELAY": "1"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def nodelay(event: Any) -> None:
    """An EVT_CONN_OPEN handler: no Nagle stall on each small DIMSE message,
    as our server and a modality should have it."""
    sock = event.assoc.dul.socket
    if sock is not None and sock.socket is not None:
        sock.socket.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


def print_floor_server(port: int, max_associations: int = 64) -> None:
    """A pynetdicom Print SCP that keeps nothing (run in a subprocess): the
    floor of the network stack our server is built on, as it comes."""
    # Only in that process.
    from pydicom.dataset import Dataset  # noqa: PLC0415
    from pydicom.uid import generate_uid  # noqa: PLC0415
    from pynetdicom import AE, ALL_TRANSFER_SYNTAXES, evt  # noqa: PLC0415
    from pynetdicom.sop_class import (  # type: ignore[attr-defined]  # noqa: PLC0415
        BasicGrayscaleImageBox,
        BasicGrayscalePrintManagementMeta,
        PresentationLUT,
        Printer,
    )

    ae = AE(ae_title="FLOOR")
    ae.maximum_pdu_size = 262144
    ae.maximum_associations = max_associations
    for abstract_syntax in (BasicGrayscalePrintManagementMeta, PresentationLUT):
        ae.add_supported_context(abstract_syntax, ALL_TRANSFER_SYNTAXES[:3])

    def create(event: evt.Event) -> tuple[int, Dataset]:
        request = event.attribute_list
        reply = Dataset()
        if "ImageDisplayFormat" in request:  # a film box: name its boxes
            columns, rows = str(request.ImageDisplayFormat).split("\\")[1].split(",")
            reply.ReferencedImageBoxSequence = []
            for _ in range(int(columns) * int(rows)):
                item = Dataset()
                item.ReferencedSOPClassUID = BasicGrayscaleImageBox
                item.ReferencedSOPInstanceUID = generate_uid()
                reply.ReferencedImageBoxSequence.append(item)
        if event.request.AffectedSOPInstanceUID is None:
            # dcmprscu leaves the UID to us; pynetdicom moves it from here
            # into the response command.
            reply.AffectedSOPInstanceUID = generate_uid()
        return 0, reply

    def get(event: evt.Event) -> tuple[int, Dataset]:
        reply = Dataset()
        if event.request.RequestedSOPClassUID == Printer:
            reply.PrinterStatus, reply.PrinterStatusInfo = "NORMAL", "NORMAL"
        return 0, reply

    ae.start_server(
        ("127.0.0.1", port),
        evt_handlers=[
            (evt.EVT_CONN_OPEN, nodelay),
            (evt.EVT_N_CREATE, create),
            (evt.EVT_N_GET, get),
            (evt.EVT_N_SET, lambda e: (0, Dataset())),
            (evt.EVT_N_ACTION, lambda e: (0, None)),
            (evt.EVT_N_DELETE, lambda e: 0),
        ],
    )


def start_print_floor(port: int) -> subprocess.Popen[bytes]:
    """``print_floor_server`` on 127.0.0.1:*port*, as its own process."""
    return subprocess.Popen([sys.executable, __file__, "--print-floor", str(port)])


def stop(servers: list[subprocess.Popen[bytes]]) -> None:
    """Stop the servers we started, each by its process."""
    for server in servers:
        server.terminate()
        server.wait(30)


if __name__ == "__main__":
    if sys.argv[1:2] == ["--print-floor"]:
        print_floor_server(int(sys.argv[2]))
