"""Configuration Information: a film box or image box names one of the
printer profile's configurations, and the film prints with it."""

import numpy as np
import pytest

from printserver.errors import ConfigError
from printserver.profile import load_profile
from printserver.render import Printing, compose_film
from printserver.spooler import printing_for
from printserver.status import Status
from tests.printclient import grayscale_item
from tests.soputil import (
    FILM_BOX,
    IMAGE_BOX,
    SESSION,
    SESSION_UID,
    call,
    ds,
    session_ref,
)


def film_box(ctx, uid, **extra):
    """A STANDARD\\1,1 film box; returns its reply and its image box UID."""
    rsp = call(
        ctx, "N-CREATE", FILM_BOX, uid,
        ds(ImageDisplayFormat="STANDARD\\1,1",
           ReferencedFilmSessionSequence=session_ref(), **extra),
    )  # fmt: skip
    return rsp, rsp.dataset.ReferencedImageBoxSequence[0].ReferencedSOPInstanceUID


def middle_gray(ctx, box_uid, **extra):
    """Fill the box with a middle gray; the drive value it prints with."""
    item = grayscale_item(np.full((4, 4), 128, np.uint8))
    rsp = call(
        ctx, "N-SET", IMAGE_BOX, box_uid,
        ds(ImageBoxPosition=1, BasicGrayscaleImageSequence=[item], **extra),
    )  # fmt: skip
    film = ctx.film_session.film_boxes[-1].film_with_images()
    raster = compose_film(film, 10, printing_for(ctx.profile))
    return rsp, int(raster[raster.shape[0] // 2, raster.shape[1] // 2])


def plain_gray(ctx):
    """Open the session; the middle gray of a film box without a
    configuration."""
    call(ctx, "N-CREATE", SESSION, SESSION_UID)
    _, plain_box = film_box(ctx, "1.2.3.2")
    return middle_gray(ctx, plain_box)[1]


def test_film_box_configuration_changes_the_middle_tones(ctx):
    plain = plain_gray(ctx)
    rsp, high_box = film_box(ctx, "1.2.3.3", ConfigurationInformation="CONTRAST_HIGH")
    assert rsp.status == Status.SUCCESS
    assert rsp.dataset.ConfigurationInformation == "CONTRAST_HIGH"
    _, high = middle_gray(ctx, high_box)
    _, low_box = film_box(ctx, "1.2.3.4", ConfigurationInformation="CONTRAST_LOW")
    _, low = middle_gray(ctx, low_box)
    # Drive values are transmittance: a darker gray drives less light.
    assert high < plain - 5 and low > plain + 5


def test_unknown_configuration_warns_and_prints_plain(ctx):
    plain = plain_gray(ctx)
    rsp, box = film_box(ctx, "1.2.3.3", ConfigurationInformation="CS999")
    assert rsp.status == Status.ATTRIBUTE_VALUE_OUT_OF_RANGE
    assert "ConfigurationInformation" in rsp.error_comment
    assert len(rsp.error_comment) <= 64  # an LO
    assert rsp.dataset.ConfigurationInformation == ""
    _, used = middle_gray(ctx, box)
    assert used == plain


def test_image_box_configuration_overrides_the_film_box(ctx):
    call(ctx, "N-CREATE", SESSION, SESSION_UID)
    _, high_box = film_box(ctx, "1.2.3.2", ConfigurationInformation="CONTRAST_HIGH")
    _, high = middle_gray(ctx, high_box)
    _, plain_box = film_box(ctx, "1.2.3.3")
    _, low = middle_gray(ctx, plain_box, ConfigurationInformation="CONTRAST_LOW")
    rsp, high_then_low = middle_gray(
        ctx, plain_box, ConfigurationInformation="CONTRAST_LOW"
    )
    assert rsp.status == Status.SUCCESS
    assert high_then_low == low > high
    rsp, _ = middle_gray(ctx, plain_box, ConfigurationInformation="NOPE")
    assert rsp.status == Status.ATTRIBUTE_VALUE_OUT_OF_RANGE


def test_configured_printing_keeps_the_ends():
    """Gamma moves the middle tones only: P-Value 0 and 1 print as before."""
    profile = load_profile("default")
    printing = printing_for(profile)
    high = printing.configured("CONTRAST_HIGH")
    assert high.gamma == 1.5 and printing.configured("") is printing
    assert printing.configured("unknown") is printing
    assert Printing().configured("CONTRAST_HIGH") == Printing()


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ("[configurations.X]\ngamma = 20\n", "gamma 20.0 not in 0.1-10"),
        ("[configurations.X]\ncolour = 1\n", "colour: unknown key"),
    ],
)
def test_bad_configuration_in_a_profile_is_named(tmp_path, table, message):
    (tmp_path / "p.toml").write_text(table)
    with pytest.raises(ConfigError, match=message):
        load_profile("p", tmp_path)
