"""The ``folder`` output: the job's files copied into a folder.

Each file is written under a temporary name, fsynced and renamed, so a
reader of the folder never sees half a job, and a job sent again after a
crash replaces its own files rather than adding new ones.
"""

import os
import shutil
from pathlib import Path

from printserver.errors import RenderError
from printserver.outputs.base import Delivery, Output, OutputError, register
from printserver.render import write_pdf
from printserver.spool import fsync_dir


def copy_durable(source: Path, target: Path) -> None:
    """Copy *source* to *target* atomically and durably."""
    tmp = target.with_name(f".{target.name}.tmp")
    with open(source, "rb") as src, open(tmp, "wb") as dst:
        shutil.copyfileobj(src, dst, 1 << 20)
        dst.flush()
        os.fsync(dst.fileno())
    os.replace(tmp, target)


@register
class FolderOutput(Output):
    """Writes ``<job>.ps``, ``<job>.pdf`` and ``<job>-film-N.png``."""

    kind = "folder"

    @property
    def folder(self) -> Path:
        """Where the files go."""
        return self.config.printer_output_dir(self.printer)

    def send(self, delivery: Delivery) -> list[str]:
        folder = self.folder
        job = delivery.job_id
        pairs: list[tuple[Path, Path]] = []
        if "ps" in self.printer.formats:
            pairs.append((delivery.postscript, folder / f"{job}.ps"))
        if "pdf" in self.printer.formats:
            pdf = delivery.work_dir / "job.pdf"
            if not pdf.exists():
                try:
                    write_pdf(delivery.postscript, pdf)
                except RenderError as exc:
                    raise OutputError(str(exc), transient=False) from exc
            pairs.append((pdf, folder / f"{job}.pdf"))
        if "png" in self.printer.formats:
            for index, preview in enumerate(delivery.previews, start=1):
                pairs.append((preview, folder / f"{job}-film-{index}.png"))
        try:
            folder.mkdir(parents=True, exist_ok=True)
            for source, target in pairs:
                copy_durable(source, target)
            fsync_dir(folder)
        except OSError as exc:
            raise OutputError(f"cannot write to {folder}: {exc.strerror}") from exc
        return [str(target) for _, target in pairs]
