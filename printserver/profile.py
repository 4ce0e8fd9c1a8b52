"""Printer profiles: what a printer offers, read from ``layouts/printers``.

A leaf module like ``config``: the SCP validates requests against a profile
and the renderer takes its resolution and densities from it.
"""

import tomllib
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from printserver.errors import ConfigError
from printserver.layout import layouts_dir


@dataclass(frozen=True)
class PrinterProfile:
    """The capabilities of one printer (all keys of a profile file)."""

    name: str
    path: Path = Path()
    """The file it was read from."""
    manufacturer: str = "printserver"
    """Manufacturer (0008,0070) reported by Printer N-GET."""

    model: str = "printserver film"
    """Manufacturer's Model Name (0008,1090)."""

    resolution_dpi: int = 320
    """Dots per inch for Requested Resolution ID STANDARD (default 320)."""

    high_resolution_dpi: int = 600
    """Dots per inch for Requested Resolution ID HIGH (default 600)."""

    min_density: int = 20
    """Lowest optical density reached, hundredths of OD (default 20)."""

    max_density: int = 300
    """Highest optical density reached, hundredths of OD (default 300)."""

    film_size_ids: tuple[str, ...] = ("14INX17IN",)
    default_film_size_id: str = "14INX17IN"
    medium_types: tuple[str, ...] = ("BLUE FILM",)
    default_medium_type: str = "BLUE FILM"
    film_destinations: tuple[str, ...] = ("MAGAZINE", "PROCESSOR")
    default_film_destination: str = "MAGAZINE"
    bins: int = 0
    """Sorter bins: Film Destination BIN_1 ... BIN_n is accepted."""

    image_display_formats: tuple[str, ...] = ("STANDARD", "ROW", "COL")
    max_image_boxes: int = 100
    magnification_types: tuple[str, ...] = ("REPLICATE", "BILINEAR", "CUBIC", "NONE")
    default_magnification_type: str = "CUBIC"
    smoothing_types: tuple[str, ...] = ()
    default_smoothing_type: str = ""
    annotation_display_format_ids: tuple[str, ...] = ("ANNOTATION",)
    color: bool = True
    """Whether Basic Color Print Management is offered."""

    max_copies: int = 99

    reflective: bool = False
    """Paper (densities seen by reflected light) rather than film."""

    characteristic_curve: tuple[tuple[float, float], ...] = ()
    """(drive value 0-1, measured OD) pairs, e.g. from ``printserver
    calibrate``; empty means gray is transmittance relative to clear film."""

    configurations: tuple[tuple[str, float, tuple[tuple[float, float], ...]], ...] = ()
    """Printer configurations a film box or image box may name in its
    Configuration Information: (name, gamma, characteristic curve) from the
    ``[configurations.NAME]`` tables (keys ``gamma``, default 1, and
    ``characteristic_curve``, default the printer's)."""

    print_bits: int = 8
    """Bits per gray sample in the PostScript: 8, or 12 for printers that
    take 12-bit images (color is always 8 bits per component)."""

    default_decimate_crop_behavior: str = "DECIMATE"
    """What to do with an image larger than its box when the client does
    not say: DECIMATE, CROP or FAIL."""

    def dpi(self, requested_resolution_id: str) -> int:
        """Dots per inch for a Requested Resolution ID."""
        if requested_resolution_id == "HIGH":
            return self.high_resolution_dpi
        return self.resolution_dpi


def profiles_dir() -> Path:
    """Folder of the profile files."""
    return layouts_dir() / "printers"


def read_named_file(kind: str, name: str, folder: Path) -> tuple[Path, dict[str, Any]]:
    """Read ``<folder>/<name>.toml``, or *name* if it is a path to a
    ``.toml`` file; returns the path and the table.

    Raises
    ------
    ConfigError
        Naming the *kind* of file and the file, if it is missing or
        malformed.
    """
    if name.endswith(".toml"):
        path = Path(name).expanduser()
    else:
        path = folder / f"{name}.toml"
    try:
        with open(path, "rb") as f:
            return path, tomllib.load(f)
    except OSError as exc:
        raise ConfigError(f"{kind} {name!r}: cannot read {path}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{kind} {path}: {exc}") from exc


def _curve(pairs: list[list[float]]) -> tuple[tuple[float, float], ...]:
    return tuple((float(drive), float(od)) for drive, od in pairs)


def _configurations(
    path: Path, tables: dict[str, Any]
) -> tuple[tuple[str, float, tuple[tuple[float, float], ...]], ...]:
    """The ``[configurations.NAME]`` tables as (name, gamma, curve)."""
    result = []
    for name, table in tables.items():
        where = f"printer profile {path}: configurations.{name}"
        unknown = set(table) - {"gamma", "characteristic_curve"}
        if unknown:
            raise ConfigError(f"{where}: {', '.join(sorted(unknown))}: unknown key")
        gamma = float(table.get("gamma", 1.0))
        if not 0.1 <= gamma <= 10:
            raise ConfigError(f"{where}: gamma {gamma} not in 0.1-10")
        result.append((name, gamma, _curve(table.get("characteristic_curve", []))))
    return tuple(result)


def load_profile(name: str, folder: Path | None = None) -> PrinterProfile:
    """Read ``<name>.toml`` from the profiles folder, or *name* if it is a
    path to a ``.toml`` file.

    Raises
    ------
    ConfigError
        If the file is missing, malformed or has an unknown key.
    """
    path, table = read_named_file("printer profile", name, folder or profiles_dir())
    known = {f.name: f for f in fields(PrinterProfile)}
    values: dict[str, Any] = {}
    for key, value in table.items():
        if key not in known or key in ("name", "path"):
            raise ConfigError(f"printer profile {path}: {key}: unknown key")
        if key == "characteristic_curve":
            values[key] = _curve(value)
        elif key == "configurations":
            values[key] = _configurations(path, value)
        else:
            values[key] = tuple(value) if isinstance(value, list) else value
    profile = PrinterProfile(name=name, path=path, **values)
    if not 72 <= profile.resolution_dpi <= 1200:
        raise ConfigError(
            f"printer profile {path}: resolution_dpi: "
            f"{profile.resolution_dpi} not in 72-1200"
        )
    if profile.default_film_size_id not in profile.film_size_ids:
        raise ConfigError(
            f"printer profile {path}: default_film_size_id: "
            f"{profile.default_film_size_id!r} not in film_size_ids"
        )
    if profile.print_bits not in (8, 12):
        raise ConfigError(
            f"printer profile {path}: print_bits: {profile.print_bits} is not 8 or 12"
        )
    return profile
