"""The spool under load: ten modalities printing at once while films render.

Ten pynetdicom clients, each on its own association and AE title, print 20
films each at the same time: one film session, then per film a Film Box
N-CREATE (STANDARD\\2,2, 8INX10IN), four Image Box N-SETs of 256 x 256 8-bit
images, the Film Box N-ACTION and its N-DELETE.  Our server runs as its own
process on a temporary data root with a folder printer, so every accepted
job is rendered (PostScript and PNG) while the others arrive.  Printed:
films accepted per minute (over the whole run), the N-ACTION reply latency
seen by the clients (median, p99) and the failures, against the goals of
issue #5.

The peers, under the same load in the same run: DCMTK's dcmprscp, and a
pynetdicom Print SCP that keeps nothing (the floor of the network library
our server is built on).  dcmprscp serves
one association at a time, so its clients queue and its latency is that of
one client alone; it stores the films and renders nothing.

    python benchmarks/spool.py [--clients N] [--films N]
"""

import argparse
import json
import multiprocessing
import statistics
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from _dicom import free_port, wait_for_port
from _peers import (
    GENERAL,
    LOCAL_PRINTER,
    dcmtk_folders,
    nodelay,
    start_dcmprscp,
    start_print_floor,
    start_printserver,
    stop,
)
from pydicom.dataset import Dataset
from pydicom.uid import generate_uid
from pynetdicom import AE, evt
from pynetdicom.sop_class import (  # type: ignore[attr-defined]
    BasicFilmBox,
    BasicFilmSession,
    BasicGrayscaleImageBox,
    BasicGrayscalePrintManagementMeta,
)

from printserver.spool import Spool

META = BasicGrayscalePrintManagementMeta
GOAL_P99_MS = 100.0
GOAL_FILMS_PER_MINUTE = 60.0
CONFIG = """
[server]
max_associations = {clients}
max_associations_per_peer = {clients}

[spool]
min_free_mb = 0
"""


@dataclass
class Tally:
    """What one client saw (each client is a process of its own)."""

    latencies: list[float] = field(default_factory=list)
    accepted: int = 0
    failures: list[str] = field(default_factory=list)

    def failed(self, why: str) -> None:
        self.failures.append(why)

    def add(self, other: "Tally") -> None:
        self.latencies += other.latencies
        self.accepted += other.accepted
        self.failures += other.failures


def image_item(value: int) -> Dataset:
    """A 256 x 256 8-bit MONOCHROME2 image item, with a gradient."""
    pixels = (np.add.outer(np.arange(256), np.arange(256)) // 4 + value) % 256
    item = Dataset()
    item.SamplesPerPixel = 1
    item.PhotometricInterpretation = "MONOCHROME2"
    item.Rows = item.Columns = 256
    item.BitsAllocated, item.BitsStored, item.HighBit = 8, 8, 7
    item.PixelRepresentation = 0
    item.PixelData = pixels.astype(np.uint8).tobytes()
    return item


def print_film(assoc: object, session_uid: str, number: int, tally: Tally) -> None:
    """One film: film box, four images, N-ACTION (timed), N-DELETE."""
    film_box = Dataset()
    film_box.ImageDisplayFormat = "STANDARD\\2,2"
    film_box.FilmSizeID = "8INX10IN"
    ref = Dataset()
    ref.ReferencedSOPClassUID = BasicFilmSession
    ref.ReferencedSOPInstanceUID = session_uid
    film_box.ReferencedFilmSessionSequence = [ref]
    film_box_uid = generate_uid()
    status, rsp = assoc.send_n_create(  # type: ignore[attr-defined]
        film_box, BasicFilmBox, film_box_uid, meta_uid=META
    )
    if status.get("Status") != 0 or rsp is None:
        tally.failed(f"film box N-CREATE: {status.get('Status')}")
        return
    for position, box in enumerate(rsp.ReferencedImageBoxSequence, start=1):
        image_box = Dataset()
        image_box.ImageBoxPosition = position
        image_box.BasicGrayscaleImageSequence = [image_item(number * 4 + position)]
        status, _ = assoc.send_n_set(  # type: ignore[attr-defined]
            image_box, BasicGrayscaleImageBox, box.ReferencedSOPInstanceUID,
            meta_uid=META,
        )  # fmt: skip
        if status.get("Status") != 0:
            tally.failed(f"image box N-SET: {status.get('Status')}")
            return

    start = time.perf_counter()
    status, _ = assoc.send_n_action(  # type: ignore[attr-defined]
        None, 1, BasicFilmBox, film_box_uid, meta_uid=META
    )
    latency = time.perf_counter() - start
    if status.get("Status") != 0:
        tally.failed(f"N-ACTION: 0x{status.get('Status', 0xFFFF):04X}")
        return
    tally.latencies.append(latency)
    tally.accepted += 1
    assoc.send_n_delete(  # type: ignore[attr-defined]
        BasicFilmBox, film_box_uid, meta_uid=META
    )


def client(port: int, called_ae: str, index: int, films: int, start: Any) -> Tally:
    """One modality: an association, a film session, *films* films."""
    tally = Tally()
    ae = AE(ae_title=f"MODALITY{index:02d}")
    ae.add_requested_context(META)
    # dcmprscp serves one association at a time: the others wait their turn.
    ae.acse_timeout = ae.network_timeout = 600
    start.wait()
    assoc = ae.associate(
        "127.0.0.1",
        port,
        ae_title=called_ae,
        evt_handlers=[(evt.EVT_CONN_OPEN, nodelay)],
    )
    if not assoc.is_established:
        tally.failed("association refused")
        return tally
    try:
        session_uid = generate_uid()
        status, _ = assoc.send_n_create(
            None, BasicFilmSession, session_uid, meta_uid=META
        )
        if status.get("Status") != 0:
            tally.failed(f"film session N-CREATE: {status.get('Status')}")
            return tally
        for number in range(films):
            if not assoc.is_established:
                tally.failed("association ended")
                break
            print_film(assoc, session_uid, index * films + number, tally)
    finally:
        if assoc.is_established:
            assoc.release()
    return tally


def run_load(
    port: int, called_ae: str, clients: int, films: int
) -> tuple[Tally, float]:
    """All clients at once, each a process (a modality of its own, not
    sharing our GIL); returns what they saw and the wall time."""
    tally = Tally()
    with multiprocessing.Manager() as manager, ProcessPoolExecutor(clients) as pool:
        start = manager.Event()
        futures = [
            pool.submit(client, port, called_ae, i, films, start)
            for i in range(clients)
        ]
        time.sleep(1)  # the processes are up and waiting
        began = time.perf_counter()
        start.set()
        for future in futures:
            tally.add(future.result())
        seconds = time.perf_counter() - began
    return tally, seconds


def wait_rendered(data: Path, timeout: float = 600.0) -> float:
    """Seconds until every job of our spool is done (or failed)."""
    spool = Spool(data)
    start = time.perf_counter()
    while time.perf_counter() - start < timeout:
        if all(job["state"] in ("done", "failed") for job in spool.summaries()):
            return time.perf_counter() - start
        time.sleep(0.1)
    raise RuntimeError("rendering did not finish")


def report(name: str, tally: Tally, seconds: float) -> dict[str, float]:
    """Print one server's figures; return them."""
    per_minute = tally.accepted / seconds * 60
    ms = sorted(t * 1000 for t in tally.latencies) or [float("nan")]
    p99 = ms[min(len(ms) - 1, int(np.ceil(0.99 * len(ms))) - 1)]
    median = statistics.median(ms)
    print(
        f"{name:12} {tally.accepted:4d} films in {seconds:6.1f} s "
        f"{per_minute:7.0f} films/min   N-ACTION median {median:6.1f} ms "
        f"p99 {p99:6.1f} ms max {ms[-1]:6.1f} ms   failures {len(tally.failures)}"
    )
    for why in sorted(set(tally.failures)):
        print(f"{'':12} failure: {why} ({tally.failures.count(why)} times)")
    return {"per_minute": per_minute, "p99": p99, "failures": len(tally.failures)}


def run_peers(
    work: Path, args: argparse.Namespace, theirs: int, floor: int
) -> tuple[tuple[Tally, float] | None, tuple[Tally, float] | None]:
    """The same load on dcmprscp and on the no-op pynetdicom SCP, unless
    the options skip them."""
    peer = None
    if not args.no_peer:
        dcmtk_folders(work)
        scp_config = work / "dcmprscp.cfg"
        scp_config.write_text(
            GENERAL.format(work=work, database="database")
            + "[[COMMUNICATION]]\n"
            + LOCAL_PRINTER.format(port=theirs, display_formats="2,2")
        )
        dcmprscp = start_dcmprscp(work, scp_config)
        try:
            wait_for_port(theirs)
            peer = run_load(theirs, "DCMPRSCP", args.clients, args.films)
        finally:
            stop([dcmprscp])

    floor_run = None
    if not args.no_floor:
        floor_server = start_print_floor(floor)
        try:
            wait_for_port(floor)
            floor_run = run_load(floor, "FLOOR", args.clients, args.films)
        finally:
            stop([floor_server])
    return peer, floor_run


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=10)
    parser.add_argument("--films", type=int, default=20)
    parser.add_argument("--no-peer", action="store_true", help="skip dcmprscp")
    parser.add_argument(
        "--no-floor", action="store_true", help="skip the no-op pynetdicom SCP"
    )
    parser.add_argument(
        "--no-render", action="store_true", help="printer disabled: jobs stay queued"
    )
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        ours, theirs, floor = free_port(), free_port(), free_port()
        config = work / "printserver.toml"
        config.write_text(CONFIG.format(clients=args.clients))
        if args.no_render:
            (work / "data").mkdir()
            (work / "data" / "printers.json").write_text(
                json.dumps({"folder": {"enabled": False}})
            )
        server = start_printserver(ours, work / "data", config)
        try:
            wait_for_port(ours)
            tally, seconds = run_load(ours, "PRINTSCP", args.clients, args.films)
            drained = 0.0 if args.no_render else wait_rendered(work / "data")
            jobs = list(Spool(work / "data").summaries())
        finally:
            stop([server])
        done = sum(job["state"] == "done" for job in jobs)

        peer, floor_run = run_peers(work, args, theirs, floor)

    print(
        f"{args.clients} clients x {args.films} films, STANDARD\\2,2 of 256x256 "
        "8-bit, printed at once"
    )
    figures = report("printserver", tally, seconds)
    print(f"{'':12} {done} of {len(jobs)} jobs rendered, the last {drained:.1f} s "
          "after the load")  # fmt: skip
    if peer is not None:
        report("dcmprscp", *peer)
    if floor_run is not None:
        report("pynetdicom", *floor_run)
        print(f"{'':12} (a pynetdicom Print SCP that keeps nothing: the floor)")
    goals = [
        ("no failure", figures["failures"] == 0, f"{figures['failures']:.0f}"),
        (
            f"p99 N-ACTION <= {GOAL_P99_MS:g} ms",
            figures["p99"] <= GOAL_P99_MS,
            f"{figures['p99']:.1f} ms",
        ),
        (
            f">= {GOAL_FILMS_PER_MINUTE:g} films/min",
            figures["per_minute"] >= GOAL_FILMS_PER_MINUTE,
            f"{figures['per_minute']:.0f}",
        ),
    ]
    for goal, met, value in goals:
        print(f"goal {goal:24} {'met' if met else 'NOT MET':8} ({value})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
