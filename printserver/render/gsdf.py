"""The Grayscale Standard Display Function and P-Value to optical density.

Pure numpy.  Luminance of a JND index and its inverse follow the rational
and polynomial fits of PS3.14; the hardcopy mapping follows PS3.14 7.2
(transmissive film on a light box) and 7.3 (reflective paper).
"""

from dataclasses import dataclass

import numpy as np

# PS3.14 Annex B: log10 L(j) as a rational function of ln j.
_A, _B, _C, _D = -1.3011877, -2.5840191e-2, 8.0242636e-2, -1.0320229e-1
_E, _F, _G, _H = 1.3646699e-1, 2.8745620e-2, -2.5468404e-2, -3.1978977e-3
_K, _M = 1.2992634e-4, 1.3635334e-3

# PS3.14 Annex B: j(L) as a polynomial of log10 L.
_INVERSE = (
    71.498068, 94.593053, 41.912053, 9.8247004, 0.28175407,
    -1.1878455, -0.18014349, 0.14710899, -0.017046845,
)  # fmt: skip

JND_MIN, JND_MAX = 1.0, 1023.0


def luminance(jnd: np.ndarray | float) -> np.ndarray:
    """Luminance in cd/m2 of JND index *jnd* (1-1023).

    References
    ----------
    PS3.14 Section 7 and Annex B.
    """
    x = np.log(np.asarray(jnd, dtype=np.float64))
    numerator = _A + _C * x + _E * x**2 + _G * x**3 + _M * x**4
    denominator = 1 + _B * x + _D * x**2 + _F * x**3 + _H * x**4 + _K * x**5
    result: np.ndarray = 10.0 ** (numerator / denominator)
    return result


def jnd_index(lum: np.ndarray | float) -> np.ndarray:
    """JND index of luminance *lum* in cd/m2 (the standard's inverse fit)."""
    y = np.log10(np.asarray(lum, dtype=np.float64))
    result = np.zeros_like(y)
    for power, coefficient in enumerate(_INVERSE):
        result = result + coefficient * y**power
    clipped: np.ndarray = np.clip(result, JND_MIN, JND_MAX)
    return clipped


@dataclass(frozen=True)
class Viewing:
    """How the print is looked at, and the densities it may reach."""

    min_density: float = 0.20
    """Dmin in OD (Min Density / 100)."""

    max_density: float = 3.00
    """Dmax in OD (Max Density / 100)."""

    illumination: float = 2000.0
    """L0 in cd/m2: light box (film) or the light on paper."""

    reflected_ambient_light: float = 10.0
    """La in cd/m2; 0 for reflective prints."""

    reflective: bool = False
    """Paper (PS3.14 7.3) rather than film on a light box (7.2)."""

    @property
    def ambient(self) -> float:
        """La as it counts: none for paper."""
        return 0.0 if self.reflective else self.reflected_ambient_light

    def luminance_of(self, density: np.ndarray | float) -> np.ndarray:
        """Luminance seen through (or off) a density."""
        result: np.ndarray = self.ambient + self.illumination * 10.0 ** (
            -np.asarray(density, dtype=np.float64)
        )
        return result

    def jnd_range(self) -> tuple[float, float]:
        """JND indices of Dmax and Dmin: the ends of the P-Value scale."""
        j_min = float(jnd_index(self.luminance_of(self.max_density)))
        j_max = float(jnd_index(self.luminance_of(self.min_density)))
        return j_min, j_max


def pvalue_to_density(pvalue: np.ndarray, viewing: Viewing) -> np.ndarray:
    """Optical density for P-Values normalised to 0-1 (0 darkest, 1 lightest).

    The densities Dmax and Dmin bound a luminance range; P-Values step
    through its JND indices in equal steps, and each index's luminance is
    turned back into a density.

    References
    ----------
    PS3.14 7.2 (transmissive) and 7.3 (reflective hardcopy).
    """
    j_min, j_max = viewing.jnd_range()
    jnd = j_min + np.clip(pvalue, 0.0, 1.0) * (j_max - j_min)
    lum = np.maximum(luminance(jnd) - viewing.ambient, 1e-12)
    density = -np.log10(lum / viewing.illumination)
    clamped: np.ndarray = np.clip(density, viewing.min_density, viewing.max_density)
    return clamped


def lin_od_pvalues(normalised: np.ndarray, viewing: Viewing) -> np.ndarray:
    """P-Values for input linear in optical density (LIN OD).

    Input 0 maps to Min Density and 1 to Max Density, as DCMTK does; the
    P-Value is where that density's JND index lies between the ends.

    References
    ----------
    PS3.3 C.11.6.1 (Presentation LUT Shape).
    """
    density = viewing.min_density + np.clip(normalised, 0.0, 1.0) * (
        viewing.max_density - viewing.min_density
    )
    lum = viewing.luminance_of(density)
    j_min, j_max = viewing.jnd_range()
    result: np.ndarray = np.clip((jnd_index(lum) - j_min) / (j_max - j_min), 0.0, 1.0)
    return result


def drive_values(
    density: np.ndarray, curve: list[tuple[float, float]] | None, dmin: float
) -> np.ndarray:
    """Device gray (0 black, 1 white) that prints each density.

    *curve* is the printer's characteristic curve: (drive value 0-1, measured
    OD) pairs, e.g. from a step wedge.  Without one, gray is taken as the
    transmittance relative to clear film: ``10 ** -(D - Dmin)``.
    """
    if not curve:
        default: np.ndarray = np.clip(10.0 ** (-(density - dmin)), 0.0, 1.0)
        return default
    points = sorted(curve, key=lambda point: point[1])  # by density, rising
    ods = np.array([od for _, od in points])
    drives = np.array([drive for drive, _ in points])
    result: np.ndarray = np.interp(density, ods, drives)
    return result
