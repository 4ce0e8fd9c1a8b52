"""Prometheus metrics of a running server, for ``/metrics``.

Counters and histograms are fed by the spooler's listeners (job states,
printer status) and the SCP's association listener; the queue, the spool's
size and the printers' states are read from the spool's files at each
scrape, so changes made by the CLI show too.  Each server has its own
registry (tests run several in one process).

Sits beside the command line: may import ``spool`` and ``spooler``; never
``sop`` or ``scp`` (the SCP is handed in and only its listener hook used).
"""

import logging
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Protocol

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from printserver.config import Config
from printserver.errors import SpoolError
from printserver.spool import (
    DONE,
    RENDERING,
    SENDING,
    STATES,
    PrinterStates,
    Spool,
    folder_bytes,
)
from printserver.spooler import Spooler

__all__ = ["CONTENT_TYPE", "Metrics"]

logger = logging.getLogger(__name__)

#: The Content-Type of the text exposition format.
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
#: Association results counted.
ASSOCIATION_RESULTS = ("accepted", "rejected", "released", "aborted")
#: Seconds: a film renders in a fraction of a second here, several on a Pi.
RENDER_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)
#: Bytes of PostScript per film: 1 MB to 256 MB, doubling.
FILM_BYTES_BUCKETS = tuple(float(2**n * 1_000_000) for n in range(9))


class AssociationSource(Protocol):
    """What the metrics need of the SCP: its association listener hook."""

    def add_association_listener(self, listener: Callable[[str], None]) -> None:
        """Call *listener(result)* per association event."""


class _SpoolCollector(Collector):
    """Gauges read from the spool's files at each scrape."""

    def __init__(self, config: Config, spool: Spool):
        self.config = config
        self.spool = spool
        self.printers = PrinterStates(spool.data_root)

    def collect(self) -> Iterator[Metric]:
        jobs = GaugeMetricFamily(
            "printserver_jobs", "Jobs in the spool by state.", labels=["state"]
        )
        counts = dict.fromkeys(STATES, 0)
        for summary in self.spool.summaries():
            counts[summary["state"]] = counts.get(summary["state"], 0) + 1
        for state, count in counts.items():
            jobs.add_metric([state], count)
        yield jobs
        yield GaugeMetricFamily(
            "printserver_spool_bytes",
            "Bytes of the job folders (pixels, rendered films, previews).",
            value=folder_bytes(self.spool.jobs_dir),
        )
        yield from self._printers()

    def _printers(self) -> Iterator[Metric]:
        up = GaugeMetricFamily(
            "printserver_printer_up",
            "1 when the printer's status is NORMAL, as its output last saw it.",
            labels=["printer"],
        )
        enabled = GaugeMetricFamily(
            "printserver_printer_enabled",
            "1 when the printer prints.",
            labels=["printer"],
        )
        accepting = GaugeMetricFamily(
            "printserver_printer_accepting",
            "1 when it takes new jobs.",
            labels=["printer"],
        )
        status = GaugeMetricFamily(
            "printserver_printer_status",
            "The printer's Printer Status and Printer Status Info (value 1).",
            labels=["printer", "status", "info"],
        )
        for printer in self.config.printers:
            state = self.printers.get(printer.name)
            up.add_metric([printer.name], state["status"] == "NORMAL")
            enabled.add_metric([printer.name], bool(state["enabled"]))
            accepting.add_metric([printer.name], bool(state["accepting"]))
            status.add_metric([printer.name, state["status"], state["status_info"]], 1)
        yield from (up, enabled, accepting, status)


class Metrics:
    """The registry of one server, hooked into its spooler and SCP.

    Parameters
    ----------
    config : Config
        For the printers.
    spooler : Spooler
        Its job-state listener feeds the counters and histograms.
    associations : AssociationSource, optional
        The SCP, whose association events are counted.
    """

    def __init__(
        self,
        config: Config,
        spooler: Spooler,
        associations: AssociationSource | None = None,
    ):
        self.spool = spooler.spool
        self.registry = CollectorRegistry()
        self.registry.register(_SpoolCollector(config, self.spool))
        self.films_printed = Counter(
            "printserver_films_printed",
            "Films printed, by printer and Film Size ID.",
            ["printer", "film_size_id"],
            registry=self.registry,
        )
        self.associations = Counter(
            "printserver_associations",
            "DICOM associations, by result.",
            ["result"],
            registry=self.registry,
        )
        for result in ASSOCIATION_RESULTS:
            self.associations.labels(result)
        self.render_seconds = Histogram(
            "printserver_render_seconds",
            "Seconds to render a job (compose, PostScript, previews).",
            buckets=RENDER_BUCKETS,
            registry=self.registry,
        )
        self.film_bytes = Histogram(
            "printserver_film_bytes",
            "Bytes of PostScript per printed film.",
            buckets=FILM_BYTES_BUCKETS,
            registry=self.registry,
        )
        self._rendering: dict[str, float] = {}
        self._lock = threading.Lock()
        spooler.add_listener(self.job_changed)
        if associations is not None:
            associations.add_association_listener(self.association)

    def association(self, result: str) -> None:
        """SCP listener: one association event."""
        self.associations.labels(result).inc()

    def job_changed(self, job_id: str, state: str) -> None:
        """Spooler listener: time the rendering, count what was printed."""
        with self._lock:
            if state == RENDERING:
                self._rendering[job_id] = time.monotonic()
                return
            started = self._rendering.pop(job_id, None)
        if state == SENDING and started is not None:
            self.render_seconds.observe(time.monotonic() - started)
        if state == DONE:
            try:
                self._count_printed(job_id)
            except (SpoolError, OSError, KeyError) as exc:
                logger.warning("job=%s not counted in the metrics: %s", job_id, exc)

    def _count_printed(self, job_id: str) -> None:
        films = self.spool.read_job(job_id)["films"]
        state = self.spool.read_state(job_id)
        printer = state.get("printer", "")
        for film in films:
            self.films_printed.labels(printer, film.get("film_size_id", "")).inc()
        postscript = [Path(p) for p in state["outputs"] if str(p).endswith(".ps")]
        if films and postscript:
            size = postscript[-1].stat().st_size
            for _ in films:
                self.film_bytes.observe(size / len(films))

    def exposition(self) -> bytes:
        """The metrics in Prometheus text format."""
        return generate_latest(self.registry)
