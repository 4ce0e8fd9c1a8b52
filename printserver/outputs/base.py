"""What every output shares: the job handed over, its errors, its status.

An output takes a rendered job (``Delivery``) and sends it to its printer,
or raises ``OutputError``.  The spooler owns retries, fallback and job
states; an output only says what happened, and records its progress
through ``Delivery.record`` so that a job resumed after a crash is not
printed twice.
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from printserver.config import Config, PrinterConfig
from printserver.render import Film

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class PrinterStatus:
    """A printer's condition, in the Printer SOP's terms."""

    status: str = "NORMAL"
    """Printer Status (2110,0010): NORMAL, WARNING or FAILURE."""

    info: str = "NORMAL"
    """Printer Status Info (2110,0020): a Defined Term such as ELEC DOWN."""

    comment: str = ""
    """What the backend said, for the log and the job's history."""


class OutputError(Exception):
    """The printer did not take the job.

    Parameters
    ----------
    message : str
        What went wrong, for the job's history.
    transient : bool
        True when trying again later may work (printer off, network
        down); False when the job itself is refused.
    status : PrinterStatus, optional
        The printer's status as the failure showed it.
    """

    def __init__(
        self,
        message: str,
        *,
        transient: bool = True,
        status: PrinterStatus | None = None,
    ):
        super().__init__(message)
        self.transient = transient
        self.status = status or PrinterStatus("FAILURE", "PRINTER DOWN", message)


@dataclass
class Delivery:
    """One rendered job on its way to a printer."""

    job_id: str
    films: list[Film]
    """The frozen films, as received (for pass-through printing)."""

    postscript: Path
    """The film job: one PostScript Level 3 page per film."""

    previews: list[Path]
    """One PNG per film."""

    compose: Callable[[int], tuple[np.ndarray, int]]
    """Composes film *i* (0-based) at the printer's resolution; returns the
    raster and its dpi.  Call it per film: rasters are large."""

    work_dir: Path
    """The job's output folder, for renditions an output makes itself."""

    session: dict[str, Any] = field(default_factory=dict)
    """Film Session attributes: NumberOfCopies, MediumType,
    FilmDestination, FilmSessionLabel, PrintPriority."""

    origin_ae: str = ""
    """Calling AE title of the modality that printed the job."""

    created: str = ""
    """When the job was accepted (ISO 8601, UTC)."""

    progress: dict[str, Any] = field(default_factory=dict)
    """What an earlier attempt recorded (empty on the first)."""

    record: Callable[[dict[str, Any]], None] = lambda progress: None
    """Durably records *progress* in the job's state before returning."""

    @property
    def copies(self) -> int:
        """Number of Copies of the film session (at least 1)."""
        return max(1, int(self.session.get("NumberOfCopies", 1) or 1))

    @property
    def title(self) -> str:
        """A name for the job on the printer's queue."""
        label = str(self.session.get("FilmSessionLabel", "") or "")
        return f"{self.job_id} {label}".strip()


class Output:
    """Base of the output kinds; one instance per configured printer."""

    kind: ClassVar[str] = ""

    def __init__(self, printer: PrinterConfig, config: Config):
        self.printer = printer
        self.config = config

    def send(self, delivery: Delivery) -> list[str]:
        """Print *delivery*; return what was written or queued.

        Raises
        ------
        OutputError
            The printer did not take the job.
        """
        raise NotImplementedError

    def status(self) -> PrinterStatus:
        """The printer's condition now (may reach the printer)."""
        return PrinterStatus()

    def close(self) -> None:
        """Release what the output holds (connections, threads)."""


_KINDS: dict[str, type[Output]] = {}


def register(cls: type[Output]) -> type[Output]:
    """Class decorator: make *cls* the output of its ``kind``."""
    _KINDS[cls.kind] = cls
    return cls


def make_output(printer: PrinterConfig, config: Config) -> Output:
    """The output for *printer*, by its kind."""
    return _KINDS[printer.kind](printer, config)
