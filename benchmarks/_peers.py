"""What the benchmarks share: free ports, servers to start, DCMTK's files.

Each benchmark runs our server as a real process (``python -m printserver
serve``) beside a peer, DCMTK's ``dcmprscp``, configured by the dcmpstat file
format written here.
"""

import os
import subprocess
import sys
from pathlib import Path

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


def stop(servers: list[subprocess.Popen[bytes]]) -> None:
    """Stop the servers we started, each by its process."""
    for server in servers:
        server.terminate()
        server.wait(30)
