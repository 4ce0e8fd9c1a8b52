"""``printserver calibrate``: a step wedge's measured densities become the
printer's characteristic curve.

Reads (drive value, OD) pairs, checks them, writes them into the printer
profile (keeping the rest of the file as it is, with tomlkit) and says how far
the calibrated printer can land from the GSDF target.  Imports ``render``
for the GSDF; nothing of the network side.
"""

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import tomlkit

from printserver.errors import ConfigError
from printserver.profile import PrinterProfile
from printserver.render.gsdf import Viewing, drive_values, pvalue_to_density


@dataclass(frozen=True)
class Report:
    """How well the calibrated printer hits the GSDF."""

    worst_deviation: float
    """Largest |printed OD - target OD| over all 4096 P-Values."""

    measured_range: tuple[float, float]
    """Lowest and highest OD the wedge reached."""


def read_measurements(path: Path) -> list[tuple[float, float]]:
    """(drive value 0-1, OD) pairs from a step-wedge file.

    One step per line: drive value and optical density, separated by a
    comma, a semicolon or blanks; ``#`` starts a comment.  Drive values are
    0-255, or 0-1 when none is above 1.

    Raises
    ------
    ConfigError
        Naming the line at fault.
    """
    steps = []
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        text = line.split("#", 1)[0].replace(",", " ").replace(";", " ").strip()
        if not text:
            continue
        try:
            drive, od = (float(part) for part in text.split())
        except ValueError:
            raise ConfigError(
                f"{path}:{number}: expected 'drive OD', got {line!r}"
            ) from None
        if not (math.isfinite(drive) and math.isfinite(od)) or drive < 0 or od < 0:
            raise ConfigError(f"{path}:{number}: values must be 0 or more: {line!r}")
        steps.append((drive, od))
    if len(steps) < 2:
        raise ConfigError(f"{path}: at least two steps are needed, found {len(steps)}")

    scale = 255.0 if max(drive for drive, _ in steps) > 1 else 1.0
    curve = sorted((drive / scale, od) for drive, od in steps)
    ods = [od for _, od in curve]
    if any(later >= earlier for earlier, later in zip(ods, ods[1:], strict=False)):
        raise ConfigError(f"{path}: density must fall as the drive value rises")
    return curve


def check(profile: PrinterProfile, curve: list[tuple[float, float]]) -> Report:
    """The worst deviation from the GSDF target once printed with *curve*.

    Each of the 4096 P-Values gets its target density (profile densities,
    2000 cd/m2 and 10 cd/m2 for film, 150 cd/m2 for paper); the drive value
    that prints it is rounded to 8 bits and read back through the curve.
    """
    viewing = Viewing(
        min_density=profile.min_density / 100,
        max_density=profile.max_density / 100,
        illumination=150.0 if profile.reflective else 2000.0,
        reflected_ambient_light=0.0 if profile.reflective else 10.0,
        reflective=profile.reflective,
    )
    target = pvalue_to_density(np.linspace(0.0, 1.0, 4096), viewing)
    drive = np.rint(drive_values(target, curve, viewing.min_density) * 255) / 255
    drives = np.array([d for d, _ in curve])
    ods = np.array([od for _, od in curve])
    printed = np.interp(drive, drives, ods)
    worst = float(np.max(np.abs(printed - target)))
    return Report(worst, (float(ods.min()), float(ods.max())))


def write_curve(profile_path: Path, curve: list[tuple[float, float]]) -> None:
    """Set ``characteristic_curve`` in a profile file, keeping the rest."""
    document = tomlkit.parse(profile_path.read_text())
    array = tomlkit.array()
    for drive, od in curve:
        array.append([round(drive, 6), round(od, 4)])
    array.multiline(True)
    document["characteristic_curve"] = array
    tmp = profile_path.with_name(f".{profile_path.name}.tmp")
    tmp.write_text(tomlkit.dumps(document))
    tmp.replace(profile_path)
