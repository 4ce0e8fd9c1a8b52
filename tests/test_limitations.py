"""One test per LIM-nnn of docs/LIMITATIONS.md, pinning today's behaviour.

Lifting a limitation means changing its test here.
"""

import logging

import numpy as np
from pynetdicom.sop_class import (
    BasicAnnotationBox,
    BasicFilmBox,
    BasicGrayscalePrintManagementMeta,
)

from printserver.render import SourceImage, compose_film
from tests.outputs.test_dicom import StandIn, flat_film, make_delivery, output_for
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


def test_lim_005_passthrough_sends_no_annotation(tmp_path, caplog):
    printer = StandIn([BasicGrayscalePrintManagementMeta, BasicAnnotationBox])
    printer.start()
    film = flat_film("STANDARD\\1,1", values=(50,))
    film.annotations = [("bottom", "LEFT KNEE")]
    delivery, recorded = make_delivery(tmp_path, [film])
    try:
        with caplog.at_level(logging.WARNING, "printserver"):
            output_for(printer.port, "passthrough").send(delivery)
    finally:
        printer.stop()
    assert recorded["films_printed"] == 1
    assert str(BasicAnnotationBox) not in dict(printer.proposed)
    [film_box] = printer.requests_of("N-CREATE", BasicFilmBox)
    assert "AnnotationDisplayFormatID" not in film_box
    assert [ds.ImageBoxPosition for ds in printer.requests_of("N-SET")] == [1]
    assert "film 1/1: 1 annotation(s) not sent" in caplog.text
