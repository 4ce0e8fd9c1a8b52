"""Storing images: our archive beside DCMTK's storescp, in one run.

The load: 100 CT images of 512 x 512, 12 bits stored (Explicit VR Little
Endian, 512 KiB each), sent by DCMTK's storescu in one association
(TCP_NODELAY=1 on DCMTK's side, as our server sets it on its own).  The time
is storescu's wall time from start to exit, best and median of --repeat
runs per server.  Ours writes each instance (and fdatasyncs it) and indexes
it before answering; storescp only writes the file.  A third line is the
floor of our network stack: a pynetdicom storage SCP (same process layout
as ours) whose handler only answers success.

    python benchmarks/store.py [--repeat N] [--count N]
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
from _peers import nodelay
from pydicom.uid import ExplicitVRLittleEndian


def time_runs(port: int, called_ae: str, images: list[str], repeat: int) -> list[float]:
    """storescu wall times for sending *images*, *repeat* times."""
    env = {**os.environ, "TCP_NODELAY": "1"}
    command = ["/usr/bin/storescu", "-aec", called_ae, "127.0.0.1", str(port)]
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run(
            [*command, *images], env=env, capture_output=True, text=True, check=True
        )
        times.append(time.perf_counter() - start)
    return times


def floor_server(port: int) -> None:
    """A pynetdicom storage SCP that stores nothing (run in a subprocess)."""
    from pynetdicom import AE, evt  # noqa: PLC0415 - only in that process
    from pynetdicom.presentation import StoragePresentationContexts  # noqa: PLC0415

    ae = AE(ae_title="FLOOR")
    ae.maximum_pdu_size = 262144
    for cx in StoragePresentationContexts:
        ae.add_supported_context(cx.abstract_syntax, ExplicitVRLittleEndian)

    ae.start_server(
        ("127.0.0.1", port),
        evt_handlers=[(evt.EVT_C_STORE, lambda e: 0), (evt.EVT_CONN_OPEN, nodelay)],
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--count", type=int, default=100)
    parser.add_argument("--floor-server", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.floor_server:
        floor_server(args.floor_server)
        return 0
    for tool in ("storescu", "storescp"):
        if shutil.which(tool, path="/usr/bin") is None:
            print(f"{tool} not found: install the Debian package dcmtk")
            return 1

    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        (work / "data").mkdir()
        (work / "storescp").mkdir()
        images = write_ct_images(work, args.count, seed=5, shift=5, one_series=True)
        ours, theirs, floor = free_port(), free_port(), free_port()
        servers = [
            subprocess.Popen(
                [sys.executable, "-m", "printserver", "serve", "--host",
                 "127.0.0.1", "--port", str(ours), "--data", str(work / "data"),
                 "--log-level", "WARNING"],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            ),
            subprocess.Popen(
                ["/usr/bin/storescp", "-od", str(work / "storescp"), str(theirs)],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                env={**os.environ, "TCP_NODELAY": "1"},
            ),
            subprocess.Popen(
                [sys.executable, __file__, "--floor-server", str(floor)],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            ),
        ]  # fmt: skip
        try:
            for port in (ours, theirs, floor):
                wait_for_port(port)
            # One warm-up run each: imports, first files, page cache.
            time_runs(ours, "PRINTSCP", images[:5], 1)
            time_runs(theirs, "ANY-SCP", images[:5], 1)
            results = {}
            for _ in range(args.repeat):  # interleaved: the machine is shared
                for name, port, called in (
                    ("printserver", ours, "PRINTSCP"),
                    ("storescp", theirs, "ANY-SCP"),
                    ("pynetdicom", floor, "FLOOR"),
                ):
                    results.setdefault(name, []).extend(
                        time_runs(port, called, images, 1)
                    )
        finally:
            for server in servers:
                server.terminate()
                server.wait(30)

    mb = args.count * 512 * 512 * 2 / 1e6
    print(f"C-STORE of {args.count} CT images 512x512 ({mb:.0f} MB), storescu:")
    for name, times in results.items():
        label = "(no-op SCP)" if name == "pynetdicom" else ""
        print(
            f"  {name:12} {label:11} best {min(times):6.3f} s  median "
            f"{statistics.median(times):6.3f} s  ({args.count / min(times):.0f}/s)"
        )
    best = min(results["printserver"]) / min(results["storescp"])
    median = statistics.median(results["printserver"]) / statistics.median(
        results["storescp"]
    )
    print(f"  ratio printserver / storescp: best {best:.2f}x, median {median:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
