"""From stored pixel values to the gray the printer is driven with.

Pixel value, Polarity, Presentation LUT: a P-Value; P-Value, GSDF and the
film's densities: an optical density; density and the printer's
characteristic curve: a drive value.  Pure numpy.

References: PS3.4 H.2.1.2 (the grayscale pipeline), PS3.14.
"""

import functools
from dataclasses import dataclass, replace

import numpy as np

from printserver.render.film import Film, PolarityValues, PresentationLUT, SourceImage
from printserver.render.gsdf import (
    Viewing,
    drive_values,
    lin_od_pvalues,
    pvalue_to_density,
)

#: P-Values are looked up in tables of this many entries (12 bits).
TABLE_SIZE = 4096


@dataclass(frozen=True)
class ToneConfiguration:
    """A printer configuration a film or image box may ask for by name
    (Configuration Information): another contrast, another curve."""

    gamma: float = 1.0
    """P-Values are raised to this power before the GSDF: above 1 darkens
    the middle tones (more contrast in the light parts), below 1 lightens
    them.  The ends (0 and 1) stay where they are."""

    characteristic_curve: tuple[tuple[float, float], ...] = ()
    """A curve of its own (e.g. another film stock); empty: the printer's."""


@dataclass(frozen=True)
class Printing:
    """How the output device turns drive values into density."""

    characteristic_curve: tuple[tuple[float, float], ...] = ()
    """(drive value 0-1, measured OD) pairs; empty for the default model."""

    reflective: bool = False
    """Paper rather than film."""

    gamma: float = 1.0
    """The P-Value power of the configuration in use (1: none)."""

    configurations: tuple[tuple[str, ToneConfiguration], ...] = ()
    """The printer's named configurations, for :meth:`configured`."""

    def configured(self, name: str) -> "Printing":
        """This printing under configuration *name*; unchanged for an empty
        or unknown name (the SOP layer refuses unknown names)."""
        for key, configuration in self.configurations:
            if key == name:
                return replace(
                    self,
                    gamma=configuration.gamma,
                    characteristic_curve=configuration.characteristic_curve
                    or self.characteristic_curve,
                )
        return self


def viewing_for(film: Film, image: SourceImage | None, printing: Printing) -> Viewing:
    """The densities and light an image is printed for."""
    min_density = film.min_density
    max_density = film.max_density
    if image is not None:
        min_density = image.min_density or min_density
        max_density = image.max_density or max_density
    return Viewing(
        min_density=min_density / 100,
        max_density=max_density / 100,
        illumination=float(film.illumination),
        reflected_ambient_light=float(film.reflected_ambient_light),
        reflective=printing.reflective,
    )


def to_pvalues(
    image: SourceImage, lut: PresentationLUT | None, viewing: Viewing
) -> np.ndarray:
    """P-Values of a grayscale image, normalised to 0 (dark) to 1 (light).

    MONOCHROME2 shows its minimum as black, MONOCHROME1 as white; Polarity
    REVERSE swaps them.  The Presentation LUT then maps the result.

    References
    ----------
    PS3.3 C.7.6.3.1.2, C.11.6 (Presentation LUT), C.13.5 (Polarity).
    """
    maximum = (1 << image.bits_stored) - 1
    values = np.minimum(image.pixels, maximum)
    inverted = image.photometric_interpretation == "MONOCHROME1"
    if image.polarity is PolarityValues.REVERSE:
        inverted = not inverted
    if inverted:
        values = maximum - values

    shape = lut.shape if lut else "IDENTITY"
    if shape == "TABLE" and lut is not None and lut.table:
        table = np.asarray(lut.table, dtype=np.float32) / ((1 << lut.table_bits) - 1)
        # A table of another length than the value range is indexed in scale.
        index = (values.astype(np.int64) * (len(table) - 1)) // max(maximum, 1)
        looked_up: np.ndarray = np.clip(table[index], 0.0, 1.0)
        return looked_up
    normalised: np.ndarray = values.astype(np.float32) / np.float32(maximum)
    if shape == "LIN OD":
        lin_od: np.ndarray = lin_od_pvalues(normalised, viewing).astype(np.float32)
        return lin_od
    return normalised


@functools.lru_cache(maxsize=32)
def tone_table(viewing: Viewing, printing: Printing, bits: int = 8) -> np.ndarray:
    """Drive value of *bits* bits for each of 4096 P-Values (index 0 is
    darkest): uint8 for 8 bits, uint16 for 12.

    Cached: the images of a film (and of most jobs) share their settings.
    The table is read-only.
    """
    pvalues = np.linspace(0.0, 1.0, TABLE_SIZE) ** printing.gamma
    density = pvalue_to_density(pvalues, viewing)
    drive = drive_values(
        density, list(printing.characteristic_curve), viewing.min_density
    )
    top = (1 << bits) - 1
    dtype = np.uint8 if bits == 8 else np.uint16
    table: np.ndarray = np.rint(np.clip(drive, 0.0, 1.0) * top).astype(dtype)
    table.setflags(write=False)
    return table


def apply_tone(pvalues: np.ndarray, table: np.ndarray) -> np.ndarray:
    """Look P-Values (0-1 floats) up in a tone table."""
    index = np.rint(np.clip(pvalues, 0.0, 1.0) * (TABLE_SIZE - 1)).astype(np.intp)
    result: np.ndarray = table[index]
    return result


def density_gray(
    density: str, viewing: Viewing, printing: Printing, bits: int = 8
) -> int:
    """Drive value for a Border or Empty Image Density.

    ``BLACK`` is Max Density, ``WHITE`` Min Density; a number is hundredths
    of OD, kept within the film's range.
    """
    value = density.strip().upper()
    if value == "WHITE":
        od = viewing.min_density
    elif value.isdigit():
        od = min(max(int(value) / 100, viewing.min_density), viewing.max_density)
    else:
        od = viewing.max_density
    drive = drive_values(
        np.array([od]), list(printing.characteristic_curve), viewing.min_density
    )
    return int(np.rint(np.clip(drive[0], 0.0, 1.0) * ((1 << bits) - 1)))
