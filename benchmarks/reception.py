"""Receiving a print job: our SCP beside DCMTK's dcmprscp, in one run.

The job: 20 CT images of 512 x 512, 12 bits stored, laid out STANDARD\\4,5 by
DCMTK's dcmpsprt, sent by dcmprscu (TCP_NODELAY=1 on DCMTK's side, as our
server sets it on its own).  The time is dcmprscu's wall time from start to
exit, best and median of --repeat runs per server.  Ours renders each film
after it answers: the first line waits for that between jobs, the second
sends jobs back to back so that rendering one overlaps receiving the next.
dcmprscp only stores what it receives.  A third line is the floor of our
network stack: a pynetdicom Print SCP as it comes, whose handlers answer
success and keep nothing.

    python benchmarks/reception.py [--repeat N]
"""

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _dicom import free_port, wait_for_port, write_ct_images
from _peers import (
    CAPABILITIES,
    GENERAL,
    LOCAL_PRINTER,
    start_dcmprscp,
    start_print_floor,
    start_printserver,
    stop,
)

from printserver.spooler import Spool

PRINTER = """
[[COMMUNICATION]]
[OURS]
Type = PRINTER
Aetitle = PRINTSCP
Hostname = 127.0.0.1
Port = {ours}
{common}
[THEIRS]
Type = PRINTER
Aetitle = DCMPRSCP
Hostname = 127.0.0.1
Port = {theirs}
{common}
[FLOOR]
Type = PRINTER
Aetitle = FLOOR
Hostname = 127.0.0.1
Port = {floor}
{common}
{local}
"""
COMMON = CAPABILITIES.format(display_formats="1,1\\4,5")


def write_images(folder: Path) -> list[str]:
    """20 distinct 512 x 512 12-bit CT images from pydicom's CT example."""
    return write_ct_images(folder, 20)


def wait_rendered(data: Path, timeout: float = 120.0) -> None:
    """Wait until every job of our spool is done."""
    spool = Spool(data)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if all(job["state"] == "done" for job in spool.summaries()):
            return
        time.sleep(0.05)
    raise RuntimeError("rendering did not finish")


def time_runs(
    command: list[str], work: Path, repeat: int, settle: Path | None
) -> list[float]:
    """dcmprscu wall times; with *settle*, wait for our renders in between."""
    env = {**os.environ, "TCP_NODELAY": "1"}
    times = []
    for _ in range(repeat):
        if settle is not None:
            wait_rendered(settle)
        start = time.perf_counter()
        run = subprocess.run(
            command, cwd=work, env=env, capture_output=True, text=True, check=True
        )
        times.append(time.perf_counter() - start)
        if "E:" in run.stdout + run.stderr:
            raise RuntimeError(run.stdout + run.stderr)
    return times


def prepare(work: Path, ours: int, theirs: int, floor: int) -> tuple[Path, Path]:
    """DCMTK's configurations (client, and dcmprscp's) and the film's
    Stored Print object, a STANDARD\\4,5 17INX17IN film, in *work*."""
    for sub in ("log", "spool", "database", "lut", "scp-database", "data"):
        (work / sub).mkdir()
    printers = PRINTER.format(
        ours=ours,
        theirs=theirs,
        floor=floor,
        common=COMMON,
        local=LOCAL_PRINTER.format(port=theirs, display_formats="1,1\\4,5"),
    )
    config = work / "print.cfg"
    config.write_text(GENERAL.format(work=work, database="database") + printers)
    scp_config = work / "scp.cfg"
    scp_config.write_text(GENERAL.format(work=work, database="scp-database") + printers)
    images = write_images(work)
    subprocess.run(
        ["dcmpsprt", "-c", str(config), "-p", "OURS", "-l", "4", "5",
         "--filmsize", "17INX17IN", *images],
        cwd=work, check=True, capture_output=True,
    )  # fmt: skip
    return config, scp_config


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    for tool in ("dcmpsprt", "dcmprscu", "dcmprscp"):
        if shutil.which(tool) is None:
            print(f"{tool} not found: install the Debian package dcmtk")
            return 1

    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        ours, theirs, floor = free_port(), free_port(), free_port()
        config, scp_config = prepare(work, ours, theirs, floor)
        [stored_print] = (work / "database").glob("SP_*.dcm")

        servers = [
            start_printserver(ours, work / "data"),
            start_dcmprscp(work, scp_config),
            start_print_floor(floor),
        ]
        try:
            for port in (ours, theirs, floor):
                wait_for_port(port)
            results = {}
            runs = (
                ("printserver", "OURS", work / "data"),
                ("  rendering alongside", "OURS", None),
                ("dcmprscp", "THEIRS", None),
                ("pynetdicom (no-op SCP)", "FLOOR", None),
            )
            for name, target, settle in runs:
                command = [
                    "dcmprscu",
                    "-c",
                    str(config),
                    "-p",
                    target,
                    str(stored_print),
                ]
                results[name] = time_runs(command, work, args.repeat, settle)
        finally:
            stop(servers)

    print("one STANDARD\\4,5 job of 20 x 512x512 12-bit images, sent by dcmprscu")
    for name, times in results.items():
        print(
            f"{name:22} best {min(times) * 1000:7.1f} ms   "
            f"median {statistics.median(times) * 1000:7.1f} ms"
        )
    ratio = statistics.median(results["printserver"]) / statistics.median(
        results["dcmprscp"]
    )
    print(f"ratio printserver / dcmprscp (median): {ratio:.2f}")
    floor = statistics.median(results["pynetdicom (no-op SCP)"]) / statistics.median(
        results["dcmprscp"]
    )
    print(f"ratio pynetdicom floor / dcmprscp (median): {floor:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
