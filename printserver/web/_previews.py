"""Film previews for the page: the spooler's PNG per film, and thumbnails
made from it (kept in memory, keyed by the file's modification time)."""

import io
from functools import lru_cache
from pathlib import Path

from PIL import Image

from printserver.spool import Spool

#: Longest side of a thumbnail, in pixels.
THUMBNAIL_SIZE = 160


def preview_paths(spool: Spool, job_id: str) -> list[Path]:
    """The job's film previews (``film-1.png``...), in film order; empty
    before the job is rendered."""
    folder = spool.output_dir(job_id)
    if not folder.is_dir():
        return []
    found = [p for p in folder.glob("film-*.png") if p.stem[5:].isdigit()]
    return sorted(found, key=lambda p: int(p.stem[5:]))


def thumbnail(path: Path) -> bytes:
    """A small PNG of the preview at *path*."""
    return _thumbnail(str(path), path.stat().st_mtime_ns)


@lru_cache(maxsize=256)
def _thumbnail(path: str, mtime_ns: int) -> bytes:
    """The thumbnail of one version of a preview file (*mtime_ns* keys it)."""
    with Image.open(path) as image:
        image.thumbnail((THUMBNAIL_SIZE, THUMBNAIL_SIZE))
        out = io.BytesIO()
        image.save(out, "PNG", optimize=True)
    return out.getvalue()
