"""Presets: the shipped files, and errors that name the file and the key."""

import re

import pytest

from printserver.errors import ConfigError
from printserver.layout import FilmOrientationValues
from printserver.preset import check_preset, load_preset, presets_dir
from printserver.profile import load_profile


@pytest.mark.parametrize("path", sorted(presets_dir().glob("*.toml")), ids=str)
def test_shipped_presets_suit_the_default_printer(path):
    preset = load_preset(path.stem)
    assert preset.path == path
    check_preset(preset, load_profile("default"))


def test_ct_preset_values():
    preset = load_preset("ct-4x5")
    assert (preset.image_display_format, preset.film_size_id) == (
        "STANDARD\\4,5",
        "14INX17IN",
    )
    assert preset.film_orientation is FilmOrientationValues.PORTRAIT
    assert (preset.magnification_type, preset.medium_type) == ("CUBIC", "BLUE FILM")
    assert preset.printer == ""


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("zoom = 2\n", "zoom: unknown key"),
        ('name = "x"\n', "name: unknown key"),
        ("trim = 1\n", "trim: expected bool, got int 1"),
        ('film_size_id = "15INX15IN"\n', "film_size_id: unknown Film Size ID"),
        (
            'image_display_format = "GRID\\\\2"\n',
            r"image_display_format: \(2010,0010\)",
        ),
        ('film_orientation = "UPRIGHT"\n', "film_orientation: 'UPRIGHT' is not"),
        ('print_priority = "URGENT"\n', "print_priority: 'URGENT' is not one of"),
        ('border_density = "GRAY"\n', "border_density: 'GRAY' is not BLACK"),
        ("film_size_id = \n", "Invalid value"),
    ],
)
def test_errors_name_the_file_and_key(tmp_path, text, message):
    path = tmp_path / "p.toml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=f"^preset {re.escape(str(path))}: {message}"):
        load_preset(str(path))


def test_missing_preset_names_it(tmp_path):
    with pytest.raises(ConfigError, match="preset 'nope': cannot read"):
        load_preset("nope", tmp_path)


def test_check_preset_names_what_the_printer_lacks(tmp_path):
    path = tmp_path / "big.toml"
    path.write_text('image_display_format = "STANDARD\\\\10,11"\n')
    with pytest.raises(ConfigError, match="110 boxes, printer profile 'default' takes"):
        check_preset(load_preset(str(path)), load_profile("default"))
    path.write_text('magnification_type = "SINC"\n')
    with pytest.raises(ConfigError, match="magnification_type: 'SINC' is not offered"):
        check_preset(load_preset(str(path)), load_profile("default"))
