"""The datasets a film printer is sent survive encoding, in both syntaxes."""

import logging
from io import BytesIO

import numpy as np
import pytest
from pydicom.uid import ExplicitVRLittleEndian, ImplicitVRLittleEndian
from pynetdicom.dsutils import decode, encode

from printserver.outputs import _print_datasets as datasets
from printserver.render import Film, PolarityValues, SourceImage

LOG = logging.LoggerAdapter(logging.getLogger("test"), {})


def film():
    ramp = np.tile(np.arange(0, 4096, 256, dtype=np.uint16), (3, 1))
    rgb = np.arange(3 * 5 * 3, dtype=np.uint8).reshape(3, 5, 3)
    images = {
        1: SourceImage(ramp, 12, "MONOCHROME1", PolarityValues.REVERSE),
        2: SourceImage(np.full((3, 3), 9, np.uint8), 8, "MONOCHROME2"),
        3: SourceImage(rgb, 8, "RGB", requested_image_size=101.123456789),
    }
    return Film("STANDARD\\3,1", "14INX17IN", images=images, trim=True)


def requests():
    """(name, dataset) of every kind of request the output builds."""
    session = {"NumberOfCopies": 2, "FilmSessionLabel": "Röntgen", "MediumType": ""}
    built = [
        ("session", datasets.film_session(session)),
        ("composed box", datasets.composed_film_box(film(), "1.2.3")),
        ("passthrough box", datasets.passthrough_film_box(film(), "1.2.3")),
        (
            "composed gray",
            datasets.composed_image_box(np.eye(5, dtype=np.uint8), False),
        ),
        ("composed rgb", datasets.composed_image_box(np.eye(5, dtype=np.uint8), True)),
    ]
    for color in (False, True):
        for position, image in film().images.items():
            ds = datasets.passthrough_image_box(position, image, film(), color, LOG)
            built.append((f"image {position} color={color}", ds))
    return built


def plain(ds):
    """Keyword to value, items as their own; VRs left out (Implicit VR reads
    8-bit Pixel Data as OW)."""
    return {
        elem.keyword: [plain(item) for item in elem.value]
        if elem.VR == "SQ"
        else elem.value
        for elem in ds
    }


@pytest.mark.parametrize("syntax", [ImplicitVRLittleEndian, ExplicitVRLittleEndian])
def test_requests_round_trip(syntax):
    for name, ds in requests():
        encoded = encode(ds, syntax.is_implicit_VR, syntax.is_little_endian)
        decoded = decode(BytesIO(encoded), syntax.is_implicit_VR, True)
        assert plain(decoded) == plain(ds), name
