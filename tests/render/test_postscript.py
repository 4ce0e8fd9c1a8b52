"""The PostScript writer: 12-bit samples, ASCII85 data, films streamed one
at a time; each checked by rendering with Ghostscript."""

import base64
import io
import subprocess
import zlib

import numpy as np
import png
import pytest
from PIL import Image

from printserver.render import Film, SourceImage, compose_film, eight_bit
from printserver.render.postscript import (
    FlateBands,
    _adler32_combine,
    _deflate,
    _pack12,
    _packer,
    _predict,
    ascii85_encode,
    write_postscript,
)
from tests.conftest import require_tool


def render(ps_path, dpi, device="pnggray"):
    gs = require_tool("gs", "ghostscript")
    out = subprocess.run(
        [gs, "-q", "-dSAFER", "-dBATCH", "-dNOPAUSE", f"-sDEVICE={device}",
         f"-r{dpi}", "-sOutputFile=-", str(ps_path)],
        check=True, capture_output=True,
    )  # fmt: skip
    if device == "png48":  # Pillow reads 16-bit RGB as 8 bits: use pypng
        width, height, rows, _ = png.Reader(bytes=out.stdout).asDirect()
        return np.array([list(row) for row in rows], np.uint16).reshape(
            height, width, 3
        )
    return np.asarray(Image.open(io.BytesIO(out.stdout)))


def noisy_film(width=37):
    rng = np.random.default_rng(7)
    pixels = rng.integers(0, 4096, (29, width), dtype=np.uint16)
    image = SourceImage(pixels, 12, "MONOCHROME2")
    return Film("STANDARD\\2,1", "8INX10IN", images={1: image})


def test_pack12_puts_two_samples_in_three_bytes():
    raster = np.array([[0xABC, 0x123, 0xFFF]], np.uint16)
    assert _pack12(raster).tolist() == [[0xAB, 0xC1, 0x23, 0xFF, 0xF0]]


def test_twelve_bit_film_renders_within_one_level(tmp_path):
    raster = compose_film(noisy_film(), 41, bits=12)  # 328 x 410, odd rows
    assert raster.dtype == np.uint16 and raster.max() <= 4095
    assert np.any(raster % 16)  # real 12-bit values, not 8-bit ones scaled
    eight = compose_film(noisy_film(), 41)
    assert np.abs(eight_bit(raster).astype(int) - eight).max() <= 1

    ps_path = tmp_path / "twelve.ps"
    with open(ps_path, "wb") as f:
        write_postscript(f, [("8INX10IN", raster, 41)], "12")
    assert b"/BitsPerComponent 12 " in ps_path.read_bytes()
    rendered = render(ps_path, 41, "png48")  # 16 bits per component
    assert rendered.shape == (*raster.shape, 3)
    as_12 = np.rint(rendered[..., 0].astype(np.float64) * 4095 / 65535)
    assert np.abs(as_12 - raster).max() <= 1


def test_ascii85_renders_like_binary_and_is_7_bit(tmp_path):
    raster = compose_film(noisy_film(), 30)
    paths = {}
    for ascii85 in (False, True):
        paths[ascii85] = tmp_path / f"a85-{ascii85}.ps"
        with open(paths[ascii85], "wb") as f:
            write_postscript(f, [("8INX10IN", raster, 30)], "t", ascii85=ascii85)
    text = paths[True].read_bytes()
    assert max(text) < 128 and b"%%DocumentData: Clean7Bit" in text
    assert max(len(line) for line in text.splitlines()) <= 255
    assert np.array_equal(render(paths[True], 30), raster)
    assert np.array_equal(render(paths[False], 30), raster)


def test_films_are_written_as_they_come(tmp_path):
    raster = compose_film(noisy_film(), 20)
    written = []
    with open(tmp_path / "stream.ps", "wb") as f:

        def films():
            for _ in range(3):
                written.append(f.tell())
                yield "8INX10IN", raster, 20

        assert write_postscript(f, films(), "t") == 3
    # Each film was on disk before the next was asked for.
    assert written[0] < written[1] < written[2]
    tail = (tmp_path / "stream.ps").read_bytes()[-200:]
    assert b"%%Pages: 3\n%%EOF\n" in tail


def test_compose_refuses_other_depths():
    with pytest.raises(ValueError, match="bits must be 8 or 12"):
        compose_film(noisy_film(), 20, bits=16)


@pytest.mark.parametrize("size", [0, 1, 2, 3, 4, 5, 8, 77, 300, 301])
def test_ascii85_encoder_agrees_with_the_standard_library(size):
    rng = np.random.default_rng(size)
    data = rng.integers(0, 256, size, dtype=np.uint8).tobytes() + bytes(size % 5)
    text = ascii85_encode(data)
    assert text.endswith(b"~>")
    assert max(len(line) for line in text.splitlines()) <= 77
    assert base64.a85decode(b"<~" + text, adobe=True, ignorechars=b"\n") == data


@pytest.mark.parametrize("level", [1, 9])
@pytest.mark.parametrize("shape", [(0, 4), (1, 1), (700, 3001), (2048, 2048, 3)])
def test_parallel_deflate_is_one_zlib_stream(shape, level):
    """Pieces compressed apart join into one stream zlib reads back whole,
    with the Adler-32 of the whole raster (zlib checks it)."""
    rng = np.random.default_rng(sum(shape))
    raster = rng.integers(0, 40, shape, dtype=np.uint8)
    parts = _deflate(raster, level)
    decompressor = zlib.decompressobj()
    assert decompressor.decompress(b"".join(parts)) == raster.tobytes()
    assert decompressor.eof and decompressor.unused_data == b""
    # Header, one part per band of about 2 MiB, final block, checksum: a
    # large raster is really cut, so the joining is what was exercised.
    rows = max(1, (1 << 21) // raster[0].nbytes) if len(raster) else 1
    assert len(parts) == 3 + -(-len(raster) // rows)


def test_twelve_bit_bands_pack_like_the_whole_film():
    """Packing band by band (odd width: each row padded) gives the same
    bytes as packing the whole raster at once."""
    raster = np.random.default_rng(5).integers(0, 4096, (1500, 1001), np.uint16)
    stream = b"".join(_deflate(raster, 1, _pack12))
    assert zlib.decompress(stream) == _pack12(raster).tobytes()


def test_adler32_of_pieces_combines_into_the_whole():
    rng = np.random.default_rng(8)
    for _ in range(50):
        first = rng.bytes(int(rng.integers(0, 70000)))
        second = rng.bytes(int(rng.integers(0, 70000)))
        combined = _adler32_combine(
            zlib.adler32(first), zlib.adler32(second), len(second)
        )
        assert combined == zlib.adler32(first + second)


@pytest.mark.parametrize("shape", [(5, 7), (4, 6, 3)])
def test_the_predictor_keeps_each_row_as_differences(shape):
    """TIFF Predictor 2: summing each row back (modulo 256) gives the
    film; in RGB each component is taken from its own left neighbour."""
    band = np.random.default_rng(3).integers(0, 256, shape, dtype=np.uint8)
    predicted = _predict(band)
    expected = (band[1, 1].astype(int) - band[1, 0]) % 256
    assert predicted[1, 1].tolist() == expected.tolist()
    restored = np.cumsum(predicted.astype(np.int64), axis=1) % 256
    assert np.array_equal(restored, band)


def test_flate_bands_follow_the_film_as_it_is_composed(tmp_path):
    """Bands are handed over as the rows above the next image are done, not
    all at the end, and the stream is the one the whole film makes; the
    job renders exactly under Ghostscript."""
    rng = np.random.default_rng(11)
    images = {
        position: SourceImage(
            rng.integers(0, 4096, (40, 40), dtype=np.uint16), 12, "MONOCHROME2"
        )
        for position in range(1, 7)
    }
    film = Film("STANDARD\\2,3", "14INX17IN", images=images)
    flate = FlateBands()
    reported = []

    def rows_done(raster, rows):
        reported.append(rows)
        flate.rows_done(raster, rows)

    raster = compose_film(film, 100, rows_done=rows_done)  # 1400 x 1700
    assert raster.shape == (1700, 1400)
    # After each image, the rows above the next one's box: two per row.
    assert reported == [0, 567, 567, 1133, 1133, 1700]
    assert zlib.decompress(b"".join(flate.parts(raster))) == zlib.decompress(
        b"".join(_deflate(raster, 1, _packer(raster)))
    )

    ps_path = tmp_path / "bands.ps"
    with open(ps_path, "wb") as f:
        write_postscript(f, [("14INX17IN", raster, 100, flate)], "bands")
    assert (
        b"/Predictor 2 /Colors 1 /BitsPerComponent 8 /Columns 1400"
        in (ps_path.read_bytes()[:2000])
    )
    assert np.array_equal(render(ps_path, 100), raster)


def test_flate_bands_refuse_a_film_not_finished():
    flate = FlateBands()
    raster = np.zeros((3000, 1000), np.uint8)
    flate.rows_done(raster, 2500)
    with pytest.raises(ValueError, match="not reported done"):
        flate.parts(raster)
    with pytest.raises(ValueError, match="one raster only"):
        flate.rows_done(raster.copy(), 3000)


def test_flate_bands_of_a_twelve_bit_film_pack_like_the_whole():
    images = {
        1: SourceImage(
            np.random.default_rng(2).integers(0, 4096, (30, 31), dtype=np.uint16),
            12,
            "MONOCHROME2",
        )
    }
    film = Film("STANDARD\\1,2", "14INX17IN", images=images)
    flate = FlateBands()
    raster = compose_film(film, 150, bits=12, rows_done=flate.rows_done)
    assert raster.dtype == np.uint16 and raster.shape == (2550, 2100)
    assert zlib.decompress(b"".join(flate.parts(raster))) == _pack12(raster).tobytes()
