"""What a film is made of: the data the renderer composes.

Plain data classes, frozen into the spool as JSON and arrays.  Imports only
``layout``.
"""

import enum
from dataclasses import dataclass, field

import numpy as np

from printserver.layout import FilmOrientationValues


class MagnificationTypeValues(enum.Enum):
    """Defined Terms of (2010,0060) Magnification Type."""

    REPLICATE = "REPLICATE"
    BILINEAR = "BILINEAR"
    CUBIC = "CUBIC"
    NONE = "NONE"


class PolarityValues(enum.Enum):
    """Enumerated Values of (2020,0020) Polarity."""

    NORMAL = "NORMAL"
    REVERSE = "REVERSE"


@dataclass(frozen=True)
class PresentationLUT:
    """A Presentation LUT as the renderer applies it.

    ``shape`` is ``IDENTITY``, ``LIN OD`` or ``TABLE``; a table maps each
    stored value (after polarity) to a P-Value of ``table_bits`` bits.
    """

    shape: str = "IDENTITY"
    table: tuple[int, ...] = ()
    table_bits: int = 12


@dataclass
class SourceImage:
    """The pixels of one image box, as received, and its own settings."""

    pixels: np.ndarray
    """Stored values: 2-D uint8 or uint16, or (rows, columns, 3) uint8 RGB."""

    bits_stored: int
    photometric_interpretation: str
    polarity: PolarityValues = PolarityValues.NORMAL
    magnification_type: MagnificationTypeValues | None = None
    """Overrides the film box's value when set."""

    min_density: int | None = None
    """Overrides the film box's Min Density (hundredths of OD) when set."""

    max_density: int | None = None
    """Overrides the film box's Max Density when set."""

    presentation_lut: PresentationLUT | None = None
    """Overrides the film box's Presentation LUT when set."""

    requested_image_size: float | None = None
    """Printed width in mm, instead of filling the box."""

    requested_decimate_crop_behavior: str = ""
    """DECIMATE, CROP or FAIL when the image does not fit (or empty)."""

    pixel_aspect_ratio: tuple[int, int] = (1, 1)
    """Row spacing to column spacing of the image's pixels."""

    configuration_information: str = ""
    """The printer configuration this image is printed with (a name from the
    printer profile's ``configurations``); overrides the film box's."""


@dataclass
class Film:
    """What a film box asks for, enough to compose it at any resolution."""

    image_display_format: str
    film_size_id: str
    film_orientation: FilmOrientationValues = FilmOrientationValues.PORTRAIT
    magnification_type: MagnificationTypeValues = MagnificationTypeValues.CUBIC
    border_density: str = "BLACK"
    empty_image_density: str = "BLACK"
    requested_resolution_id: str = "STANDARD"
    """STANDARD or HIGH: which of the printer's resolutions to print at."""

    min_density: int = 20
    """Min Density, hundredths of OD, already within the printer's range."""

    max_density: int = 300
    """Max Density, hundredths of OD."""

    illumination: int = 2000
    """Illumination L0 in cd/m2."""

    reflected_ambient_light: int = 10
    """Reflected Ambient Light La in cd/m2."""

    presentation_lut: PresentationLUT | None = None
    configuration_information: str = ""
    """The printer configuration the film is printed with (a name from the
    printer profile's ``configurations``), or empty for the profile's own."""

    trim: bool = False
    """Draw a thin line around each image (Trim YES)."""

    images: dict[int, SourceImage] = field(default_factory=dict)
    """Image Box Position (1-based) to the image printed there."""

    as_printed: bool = False
    """The film's one image (position 1) is the whole film as once printed,
    in drive values (a film from the archive): printed unchanged, scaled
    only if this printer's resolution differs."""

    annotations: list[tuple[str, str]] = field(default_factory=list)
    """One (place, text) per annotation box in position order; place is
    ``top`` or ``bottom``, a band of the film kept free of images."""
