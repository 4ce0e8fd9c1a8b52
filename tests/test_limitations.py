"""One test per LIM-nnn of docs/LIMITATIONS.md, pinning today's behaviour.

Lifting a limitation means changing its test here.
"""

import numpy as np
import pytest

from printserver.config import load_config
from printserver.layout import ImageDisplayFormatError, parse_image_display_format
from printserver.render import Film, SourceImage, compose_film
from printserver.spooler import JobRequest, Spool, Spooler
from tests.soputil import FILM_BOX, call, ds, session_ref


def test_lim_001_densities_are_not_applied(ctx):
    call(ctx, "N-CREATE", "1.2.840.10008.5.1.1.1", "1.2.3.1")
    rsp = call(
        ctx, "N-CREATE", FILM_BOX, None,
        ds(ImageDisplayFormat="STANDARD\\1,1", MaxDensity=150, MinDensity=50,
           Illumination=1000, ReferencedFilmSessionSequence=session_ref()),
    )  # fmt: skip
    assert rsp.status == 0x0000 and rsp.dataset.MaxDensity == 150
    film = ctx.film_session.film_boxes[0].film
    image = SourceImage(np.full((4, 4), 0, np.uint8), 8, "MONOCHROME2")
    film.images = {1: image}
    assert compose_film(film, 10)[85, 70] == 0  # still full black, not 1.50 OD


def test_lim_002_requested_image_size_is_ignored(ctx):
    call(ctx, "N-CREATE", "1.2.840.10008.5.1.1.1", "1.2.3.1")
    rsp = call(
        ctx, "N-CREATE", FILM_BOX, "1.2.3.2",
        ds(ImageDisplayFormat="STANDARD\\1,1", Trim="YES",
           ReferencedFilmSessionSequence=session_ref()),
    )  # fmt: skip
    [item] = rsp.dataset.ReferencedImageBoxSequence
    pixels = ds(
        SamplesPerPixel=1, PhotometricInterpretation="MONOCHROME2", Rows=4, Columns=4,
        BitsAllocated=8, BitsStored=8, HighBit=7, PixelRepresentation=0,
        PixelData=bytes([255]) * 16,
    )  # fmt: skip
    request = ds(
        ImageBoxPosition=1,
        BasicGrayscaleImageSequence=[pixels],
        RequestedImageSize="10",
    )
    result = call(ctx, "N-SET", "1.2.840.10008.5.1.1.4", item.ReferencedSOPInstanceUID,
                  request)  # fmt: skip
    assert result.status == 0x0000
    film = ctx.film_session.film_boxes[0].film_with_images()
    raster = compose_film(film, 10)  # 140 x 170: a 10 mm image would be 4 px wide
    assert (raster[85] == 255).sum() == 140


def test_lim_004_one_copy_is_written(tmp_path):
    config = load_config(None, data=str(tmp_path))
    spool = Spool(config.data_root)
    spool.ensure()
    image = SourceImage(np.full((4, 4), 9, np.uint8), 8, "MONOCHROME2")
    film = Film("STANDARD\\1,1", "8INX10IN", images={1: image})
    job_id = spool.submit(
        JobRequest("A", "B", "folder", [film], film_session={"NumberOfCopies": 3})
    )
    Spooler(spool, config).process(job_id)
    outputs = spool.read_state(job_id)["outputs"]
    ps = next(p for p in outputs if p.endswith(".ps"))
    with open(ps, "rb") as f:
        assert f.read().count(b"%%Page: ") == 1
    assert spool.read_job(job_id)["film_session"]["NumberOfCopies"] == 3


@pytest.mark.parametrize("value", ["SLIDE", "SUPERSLIDE", "CUSTOM\\1"])
def test_lim_005_slide_and_custom_formats_are_refused(value):
    with pytest.raises(ImageDisplayFormatError, match="unsupported value"):
        parse_image_display_format(value)
