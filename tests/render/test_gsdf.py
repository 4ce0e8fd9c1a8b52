"""The GSDF against the standard's numbers, and the P-Value to OD mapping."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from printserver.render.gsdf import (
    Viewing,
    drive_values,
    jnd_index,
    lin_od_pvalues,
    luminance,
    pvalue_to_density,
)


@pytest.mark.parametrize(
    ("jnd", "table"), [(1, 0.0500), (100, 1.8508), (512, 130.0662), (1023, 3993.404)]
)
def test_luminance_matches_table_b1(jnd, table):
    # PS3.14 Table B-1; the fit is within 0.07% of it everywhere.
    assert luminance(jnd) == pytest.approx(table, rel=1e-3)


def test_inverse_is_close():
    jnd = np.arange(50, 1001)
    assert np.max(np.abs(jnd_index(luminance(jnd)) - jnd)) < 0.05


FILM = Viewing(
    min_density=0.20, max_density=3.00, illumination=2000, reflected_ambient_light=10
)


@pytest.mark.parametrize(
    ("pvalue", "density"),
    [(0, 3.00), (1023 / 4095, 1.7023), (2047 / 4095, 1.1266), (3071 / 4095, 0.6473),
     (1.0, 0.20)],
)  # fmt: skip
def test_density_of_pvalues_ps3_14_model(pvalue, density):
    assert pvalue_to_density(np.float64(pvalue), FILM) == pytest.approx(
        density, abs=0.01
    )


def test_reflective_example():
    paper = Viewing(
        min_density=0.10, max_density=2.00, illumination=150, reflective=True
    )
    got = pvalue_to_density(np.array([0, 63, 127, 191, 255]) / 255, paper)
    assert np.allclose(got, [2.0002, 1.3092, 0.8315, 0.4434, 0.1000], atol=0.01)


@given(
    dmin=st.floats(0.05, 0.5), span=st.floats(0.5, 3.5),
    illumination=st.floats(100, 4000), ambient=st.floats(0, 50),
)  # fmt: skip
def test_density_is_monotonic_and_clamped(dmin, span, illumination, ambient):
    viewing = Viewing(dmin, dmin + span, illumination, ambient)
    pvalues = np.linspace(-0.1, 1.1, 500)
    density = pvalue_to_density(pvalues, viewing)
    assert np.all(np.diff(density) <= 1e-9)  # lighter as P-Values rise
    assert density.min() >= dmin - 1e-9 and density.max() <= dmin + span + 1e-9


def test_lin_od_ends():
    assert lin_od_pvalues(np.array([0.0, 1.0]), FILM) == pytest.approx(
        [1.0, 0.0], abs=1e-3
    )


def test_drive_values_default_and_curve():
    assert drive_values(np.array([0.2, 1.2]), None, 0.2) == pytest.approx([1.0, 0.1])
    curve = [(0.0, 3.0), (0.5, 1.0), (1.0, 0.2)]
    assert drive_values(np.array([3.0, 2.0, 0.2]), curve, 0.2) == pytest.approx(
        [0.0, 0.25, 1.0]
    )
