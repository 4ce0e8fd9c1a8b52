"""``printserver calibrate``: a step wedge becomes the profile's curve."""

import re
import shutil

import numpy as np
import pytest

from printserver.__main__ import main
from printserver.profile import load_profile, profiles_dir


@pytest.fixture
def setup(tmp_path):
    profile = tmp_path / "film.toml"
    shutil.copy(profiles_dir() / "default.toml", profile)
    config = tmp_path / "ps.toml"
    config.write_text(f'[[printers]]\nname = "dry"\nprofile = "{profile}"\n')
    return tmp_path, profile, config


def wedge(path, steps):
    path.write_text(
        "# drive OD\n" + "\n".join(f"{d}, {od:.3f}" for d, od in steps) + "\n"
    )
    return path


def test_curve_written_and_deviation_reported(setup, capsys):
    tmp_path, profile, config = setup
    # Darker than the default model: OD = 0.15 + 3.2 * (1 - drive)^1.6
    drives = np.linspace(0, 255, 18).round().astype(int)
    steps = [(d, 0.15 + 3.2 * (1 - d / 255) ** 1.6) for d in drives]
    measurements = wedge(tmp_path / "wedge.csv", steps)

    assert main(["calibrate", str(measurements), "--config", str(config)]) == 0
    out = capsys.readouterr().out
    assert "printer dry: 18 steps, OD 0.15 to 3.35" in out
    worst = float(
        re.search(r"worst deviation from the GSDF target: ([0-9.]+) OD", out)[1]
    )
    assert 0 < worst < 0.1
    curve = load_profile(str(profile)).characteristic_curve
    assert len(curve) == 18
    assert curve[0] == (0.0, pytest.approx(3.35, abs=1e-3))
    assert curve[-1] == (1.0, pytest.approx(0.15, abs=1e-3))
    # The rest of the profile is untouched.
    assert (
        "film_size_ids" in profile.read_text()
        and "# Printer profile" in profile.read_text()
    )


def test_dry_run_changes_nothing(setup, capsys):
    tmp_path, profile, config = setup
    before = profile.read_text()
    measurements = wedge(tmp_path / "w.txt", [(0, 3.0), (128, 1.0), (255, 0.2)])
    assert (
        main(["calibrate", str(measurements), "--config", str(config), "--dry-run"])
        == 0
    )
    assert profile.read_text() == before


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("0 3.0\n255 0.2\nfoo\n", ":3: expected 'drive OD'"),
        ("0 3.0\n", "at least two steps"),
        ("0 0.2\n255 3.0\n", "density must fall"),
        ("0 -1\n255 0.2\n", ":1: values must be 0 or more"),
    ],
)
def test_bad_wedges_are_refused(setup, capsys, text, message):
    tmp_path, profile, config = setup
    measurements = tmp_path / "bad.txt"
    measurements.write_text(text)
    assert main(["calibrate", str(measurements), "--config", str(config)]) == 2
    assert message in capsys.readouterr().err
