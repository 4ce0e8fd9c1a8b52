"""What one film costs: compose + PostScript, beside numpy and Ghostscript.

The job is the one in ../shared/reference/performance-notes.md: a 4x5 film
on 17INX17IN at 320 dpi (5440 x 5440), twenty 512 x 512 12-bit images.
Figures are printed in milliseconds and in M, one numpy copy of a 60 MB
buffer, so they carry to a slower machine.  The peers measured in the same
run are that copy itself and Ghostscript interpreting the job we wrote.

    python benchmarks/bench_film.py [--repeat N]
"""

import argparse
import resource
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np

from printserver.render import Film, SourceImage, compose_film, write_postscript


def best_of(repeat: int, func) -> float:
    """Fastest of *repeat* runs of *func*, in seconds."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return min(times)


def make_film() -> Film:
    rng = np.random.default_rng(7)
    images = {}
    for position in range(1, 21):
        y, x = np.mgrid[0:512, 0:512]
        disc = ((y - 256) ** 2 + (x - 256) ** 2 < 200**2) * 1500
        noise = rng.integers(0, 200, (512, 512))
        pixels = (disc + noise + position * 100).clip(0, 4095).astype(np.uint16)
        images[position] = SourceImage(pixels, 12, "MONOCHROME2")
    return Film("STANDARD\\4,5", "17INX17IN", images=images)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    buffer = np.ones(5440 * 5440, np.uint16)
    copy_s = best_of(args.repeat * 3, buffer.copy)
    film = make_film()
    compose_s = best_of(args.repeat, lambda: compose_film(film, 320))
    raster = compose_film(film, 320)

    with tempfile.TemporaryDirectory() as tmp:
        ps_path = Path(tmp) / "film.ps"

        def write() -> None:
            with open(ps_path, "wb") as f:
                write_postscript(f, [("17INX17IN", raster, 320)], "bench")

        write_s = best_of(args.repeat, write)
        size = ps_path.stat().st_size
        gs = shutil.which("gs")
        gs_s = None
        if gs:
            command = [gs, "-q", "-dSAFER", "-dBATCH", "-dNOPAUSE", "-sDEVICE=nullpage",
                       "-r320", str(ps_path)]  # fmt: skip
            gs_s = best_of(args.repeat, lambda: subprocess.run(command, check=True))

    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    unit = copy_s
    print(f"M (numpy copy of 59 MB)        {copy_s * 1000:8.1f} ms   1.0 M")
    for name, seconds in (
        ("compose 4x5 film at 320 dpi", compose_s),
        ("PostScript (Flate, binary)", write_s),
        ("our total", compose_s + write_s),
        ("Ghostscript reads the job", gs_s),
    ):
        if seconds is None:
            print(f"{name:30} {'n/a (no gs)':>11}")
            continue
        print(f"{name:30} {seconds * 1000:8.1f} ms {seconds / unit:6.1f} M")
    raw_mb = raster.size / 1e6
    print(f"PostScript size                {size / 1e6:8.2f} MB (raw {raw_mb:.1f} MB)")
    print(f"peak RSS of this process       {peak_mb:8.0f} MB")


if __name__ == "__main__":
    main()
