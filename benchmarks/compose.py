"""Film composition: our renderer beside the naive way, in one run.

The film: STANDARD\\4,5 on 17INX17IN at 320 dpi (5440 x 5440), twenty
distinct 512 x 512 12-bit CT images made from pydicom's CT_small (each
scaled up, shifted and given its own noise, so no two compress alike),
written as PostScript Level 3.  Figures are in milliseconds and in M, one
numpy copy of a 60 MB buffer, so they carry to a slower machine.

The peer is the same film made the naive way: Pillow bicubic resizes of
the 12-bit images, the tone lookup over the whole film at once, stdlib
zlib at level 6, the whole film in memory.  Memory is measured in child
processes: the peak RSS growth of a one-film job and of a ten-film job.

    python benchmarks/compose.py [--repeat N]
"""

import argparse
import gc
import json
import subprocess
import sys
import tempfile
import time
import zlib
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pydicom
from PIL import Image
from pydicom.data import get_testdata_file

from printserver.memory import limit_malloc_arenas
from printserver.render import (
    Film,
    FlateBands,
    SourceImage,
    compose_film,
    write_postscript,
)
from printserver.render.compose import image_boxes
from printserver.render.tone import Printing, tone_table, viewing_for

GOAL_8BIT_M = 8.0
GOAL_12BIT_RATIO = 2.0
GOAL_RSS_MB = 60.0


def best_of(repeat: int, func: Callable[[], object]) -> float:
    """Fastest of *repeat* runs of *func*, in seconds."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return min(times)


def ct_images(color: bool = False) -> dict[int, SourceImage]:
    """Twenty distinct 512 x 512 12-bit images from pydicom's CT_small."""
    ds = pydicom.dcmread(get_testdata_file("CT_small.dcm"))
    base = ds.pixel_array.astype(np.float32)
    base = (base - base.min()) / (base.max() - base.min()) * 3000 + 300
    big = np.asarray(Image.fromarray(base, mode="F").resize((512, 512)))
    rng = np.random.default_rng(20)
    images = {}
    for position in range(1, 21):
        shifted = np.roll(big, (position * 7, -position * 5), axis=(0, 1))
        noisy = shifted + rng.normal(0, 40, shifted.shape) + position * 20
        pixels = np.clip(noisy, 0, 4095).astype(np.uint16)
        if color and position % 2:
            eight = (pixels >> 4).astype(np.uint8)
            rgb = np.stack([eight, eight // 2, 255 - eight], axis=-1)
            images[position] = SourceImage(rgb, 8, "RGB")
        else:
            images[position] = SourceImage(pixels, 12, "MONOCHROME2")
    return images


def make_film(color: bool = False) -> Film:
    return Film("STANDARD\\4,5", "17INX17IN", images=ct_images(color))


def ours(film: Film, path: Path, bits: int = 8) -> None:
    """As the spooler does: bands are compressed while the film is made."""
    flate = FlateBands()
    raster = compose_film(film, 320, bits=bits, rows_done=flate.rows_done)
    with open(path, "wb") as f:
        write_postscript(f, [("17INX17IN", raster, 320, flate)], "bench")


def naive(film: Film, path: Path) -> None:
    """The peer: whole-film float canvas, Pillow bicubic, zlib 6."""
    printing = Printing()
    canvas = np.zeros((5440, 5440), np.float32)
    for position, box in enumerate(image_boxes(film, 320), start=1):
        image = film.images[position]
        values = image.pixels.astype(np.float32) / 4095.0
        side = min(box.width, box.height)
        resized = Image.fromarray(values, mode="F").resize(
            (side, side), Image.Resampling.BICUBIC
        )
        top = box.y + (box.height - side) // 2
        left = box.x + (box.width - side) // 2
        canvas[top : top + side, left : left + side] = np.asarray(resized)
    table = tone_table(viewing_for(film, None, printing), printing)
    index = np.rint(np.clip(canvas, 0, 1) * 4095).astype(np.intp)
    raster = np.take(table, index)
    data = zlib.compress(raster.tobytes(), 6)
    with open(path, "wb") as f:
        f.write(b"%!PS-Adobe-3.0\n")
        f.write(data)


def _status_mb(field: str) -> float:
    """A ``/proc/self/status`` memory figure (VmRSS, VmHWM) in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    raise KeyError(field)


def child(films: int) -> None:
    """Render a job of *films* films, streamed; print the RSS growth.

    The peak is reset once the images are loaded (Linux's clear_refs), so
    the growth is the job's own high-water mark above the resident set it
    started from, not an earlier peak of the set-up.  The process caps its
    malloc arenas as the server does.
    """
    limit_malloc_arenas()  # as ``printserver serve`` does
    film = make_film()
    # Imports and thread pools, as a running server has them, from a small
    # film: the full film's own memory is then all counted.
    with tempfile.TemporaryFile() as f:
        small = Film("STANDARD\\1,1", "8INX10IN", images={1: film.images[1]})
        write_postscript(f, [("8INX10IN", compose_film(small, 20), 20)], "warm")
    gc.collect()
    Path("/proc/self/clear_refs").write_text("5")
    before = _status_mb("VmRSS")

    def pages():
        for _ in range(films):
            yield "17INX17IN", compose_film(film, 320), 320

    with tempfile.TemporaryDirectory() as tmp, open(Path(tmp) / "job.ps", "wb") as f:
        write_postscript(f, pages(), "bench")
    after = _status_mb("VmHWM")
    print(json.dumps({"films": films, "growth_mb": after - before}))


def rss_growth(films: int) -> float:
    out = subprocess.run(
        [sys.executable, __file__, "--child", str(films)],
        check=True, capture_output=True, text=True,
    )  # fmt: skip
    return float(json.loads(out.stdout)["growth_mb"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child)
        return

    buffer = np.ones(5440 * 5440, np.uint16)
    m = best_of(args.repeat * 3, buffer.copy)
    gray, color = make_film(), make_film(color=True)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "film.ps"
        rows = [
            ("ours, 8-bit", best_of(args.repeat, lambda: ours(gray, path))),
            ("ours, 12-bit", best_of(args.repeat, lambda: ours(gray, path, 12))),
            ("ours, RGB", best_of(args.repeat, lambda: ours(color, path))),
            ("naive peer, 8-bit", best_of(args.repeat, lambda: naive(gray, path))),
        ]
    times = dict(rows)
    one, ten = rss_growth(1), rss_growth(10)

    print(f"{'M (numpy copy of 59 MB)':28} {m * 1000:8.1f} ms {1:7.1f} M")
    for name, seconds in rows:
        print(f"{name:28} {seconds * 1000:8.1f} ms {seconds / m:7.1f} M")
    ratio = times["naive peer, 8-bit"] / times["ours, 8-bit"]
    print(f"{'naive / ours (8-bit)':28} {ratio:8.1f} x")
    print(f"{'peak RSS growth, 1 film':28} {one:8.0f} MB")
    print(f"{'peak RSS growth, 10 films':28} {ten:8.0f} MB")

    eight_m = times["ours, 8-bit"] / m
    twelve = times["ours, 12-bit"] / times["ours, 8-bit"]
    goals = [
        (
            f"8-bit film <= {GOAL_8BIT_M:g} M",
            eight_m <= GOAL_8BIT_M,
            f"{eight_m:.1f} M",
        ),
        (
            f"12-bit <= {GOAL_12BIT_RATIO:g} x 8-bit",
            twelve <= GOAL_12BIT_RATIO,
            f"{twelve:.2f} x",
        ),
        (
            f"RSS growth per film <= {GOAL_RSS_MB:g} MB",
            one <= GOAL_RSS_MB,
            f"{one:.0f} MB",
        ),
        ("ten films grow no more than one", ten <= one + 10, f"{ten - one:+.0f} MB"),
    ]
    for goal, met, value in goals:
        print(f"goal {goal:36} {'met' if met else 'NOT MET':8} ({value})")


if __name__ == "__main__":
    main()
