"""One test per LIM-nnn of docs/LIMITATIONS.md, pinning today's behaviour.

Lifting a limitation means changing its test here.
"""

import numpy as np

from printserver.render import SourceImage, compose_film
from tests.soputil import FILM_BOX, call, ds, session_ref


def test_lim_001_configuration_information_is_not_applied(ctx):
    call(ctx, "N-CREATE", "1.2.840.10008.5.1.1.1", "1.2.3.1")
    rasters = []
    for uid, extra in (
        ("1.2.3.2", {}),
        ("1.2.3.3", {"ConfigurationInformation": "CS009"}),
    ):
        rsp = call(
            ctx, "N-CREATE", FILM_BOX, uid,
            ds(ImageDisplayFormat="STANDARD\\1,1",
               ReferencedFilmSessionSequence=session_ref(), **extra),
        )  # fmt: skip
        assert rsp.status == 0x0000
        film = ctx.film_session.film_boxes[-1].film
        film.images = {1: SourceImage(np.full((4, 4), 100, np.uint8), 8, "MONOCHROME2")}
        rasters.append(compose_film(film, 10))
    assert rsp.dataset.ConfigurationInformation == "CS009"
    assert np.array_equal(rasters[0], rasters[1])
