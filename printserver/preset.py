"""Print presets: how to lay images out, read from ``layouts/presets``.

A preset names the film a hot folder (or the command line) prints on: Image
Display Format, Film Size ID, orientation, magnification and the rest of
what a modality would send in its Film Session and Film Box.  A leaf module
like ``profile``: imports only ``errors``, ``layout`` and ``profile``.
"""

from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from printserver.errors import ConfigError
from printserver.layout import (
    FilmOrientationValues,
    ImageDisplayFormatError,
    film_sizes,
    layouts_dir,
    parse_image_display_format,
)
from printserver.profile import PrinterProfile, read_named_file

#: Keys whose value must be one of a few terms.
_TERMS: dict[str, tuple[str, ...]] = {
    "requested_resolution_id": ("STANDARD", "HIGH"),
    "print_priority": ("HIGH", "MED", "LOW"),
}


@dataclass(frozen=True)
class Preset:
    """One preset file: the film that images are printed on."""

    name: str
    path: Path = Path()
    """The file it was read from."""

    image_display_format: str = "STANDARD\\1,1"
    """(2010,0010) Image Display Format (default ``STANDARD\\1,1``)."""

    film_size_id: str = "14INX17IN"
    """(2010,0050) Film Size ID (default ``14INX17IN``)."""

    film_orientation: FilmOrientationValues = FilmOrientationValues.PORTRAIT
    """(2010,0040) Film Orientation (default ``PORTRAIT``)."""

    magnification_type: str = ""
    """(2010,0060) Magnification Type; empty means the printer profile's
    default."""

    medium_type: str = ""
    """(2000,0030) Medium Type; empty means the printer's default."""

    border_density: str = "BLACK"
    """(2010,0100) Border Density: BLACK, WHITE or hundredths of OD."""

    empty_image_density: str = "BLACK"
    """(2010,0110) Empty Image Density: BLACK, WHITE or hundredths of OD."""

    trim: bool = False
    """(2010,0140) Trim: a thin line around each image (default false)."""

    requested_resolution_id: str = "STANDARD"
    """(2020,0050) Requested Resolution ID: STANDARD or HIGH."""

    print_priority: str = "MED"
    """(2000,0020) Print Priority: HIGH, MED or LOW (default MED)."""

    printer: str = ""
    """Printer name; empty means the one the hot folder (or the first)
    names."""


def presets_dir() -> Path:
    """Folder of the preset files."""
    return layouts_dir() / "presets"


def load_preset(name: str, folder: Path | None = None) -> Preset:
    """Read ``<name>.toml`` from the presets folder, or *name* if it is a
    path to a ``.toml`` file.

    Raises
    ------
    ConfigError
        If the file is missing or malformed, or a key is unknown or has a
        value we cannot print; the message names the file and the key.
    """
    path, table = read_named_file("preset", name, folder or presets_dir())
    values = {key: _value(path, key, value) for key, value in table.items()}
    preset = Preset(name=name, path=path, **values)
    _check_values(preset)
    return preset


def _value(path: Path, key: str, value: Any) -> Any:
    """A preset file's value, of the type its field wants."""
    known = {f.name: f.type for f in fields(Preset)}
    if key not in known or key in ("name", "path"):
        raise ConfigError(f"preset {path}: {key}: unknown key")
    if key == "film_orientation":
        try:
            return FilmOrientationValues(value)
        except ValueError:
            raise ConfigError(
                f"preset {path}: film_orientation: {value!r} is not "
                "PORTRAIT or LANDSCAPE"
            ) from None
    expected = known[key]
    if isinstance(expected, type) and not isinstance(value, expected):
        raise ConfigError(
            f"preset {path}: {key}: expected {expected.__name__}, "
            f"got {type(value).__name__} {value!r}"
        )
    return value


def _check_values(preset: Preset) -> None:
    """Refuse values no printer could take, naming the key."""
    where = f"preset {preset.path}"
    if preset.film_size_id not in film_sizes():
        raise ConfigError(
            f"{where}: film_size_id: unknown Film Size ID {preset.film_size_id!r}"
        )
    try:
        parse_image_display_format(preset.image_display_format, preset.film_size_id)
    except ImageDisplayFormatError as exc:
        raise ConfigError(f"{where}: image_display_format: {exc}") from None

    for key, terms in _TERMS.items():
        if getattr(preset, key) not in terms:
            raise ConfigError(
                f"{where}: {key}: {getattr(preset, key)!r} is not one of "
                f"{', '.join(terms)}"
            )
    for key in ("border_density", "empty_image_density"):
        density = getattr(preset, key)
        if density not in ("BLACK", "WHITE") and not density.isdigit():
            raise ConfigError(
                f"{where}: {key}: {density!r} is not BLACK, WHITE or hundredths of OD"
            )


def check_preset(preset: Preset, profile: PrinterProfile) -> None:
    """Check that the printer of *profile* offers what *preset* asks for.

    Raises
    ------
    ConfigError
        Naming the preset file, the key and the printer profile.
    """
    layout = parse_image_display_format(
        preset.image_display_format, preset.film_size_id
    )
    offered = (
        ("image_display_format", layout.family, profile.image_display_formats),
        ("film_size_id", preset.film_size_id, profile.film_size_ids),
        (
            "magnification_type",
            preset.magnification_type,
            profile.magnification_types,
        ),
        ("medium_type", preset.medium_type, profile.medium_types),
    )
    for key, value, values in offered:
        if value and value not in values:
            raise ConfigError(
                f"preset {preset.path}: {key}: {value!r} is not offered by "
                f"printer profile {profile.name!r}"
            )
    if layout.box_count > profile.max_image_boxes:
        raise ConfigError(
            f"preset {preset.path}: image_display_format: {layout.box_count} "
            f"boxes, printer profile {profile.name!r} takes "
            f"{profile.max_image_boxes}"
        )
