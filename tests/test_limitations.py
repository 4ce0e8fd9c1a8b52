"""One test per LIM-nnn of docs/LIMITATIONS.md, pinning today's behaviour.

Lifting a limitation means changing its test here.
"""

import logging

from pynetdicom.sop_class import (
    BasicAnnotationBox,
    BasicFilmBox,
    BasicGrayscalePrintManagementMeta,
)

from tests.outputs.test_dicom import StandIn, flat_film, make_delivery, output_for


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
