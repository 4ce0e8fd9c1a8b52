"""Images printed from files (``printserver print``, hot folders, the
archive) come out as a viewer shows them: Modality LUT, then the VOI window
or LUT, or the image's own range; 8-bit images without a VOI as stored."""

import numpy as np
import pytest
from pydicom.dataset import Dataset

from printserver.direct import source_image
from printserver.errors import SpoolError


def ct(pixels, **attributes):
    """A signed 16-bit MONOCHROME2 data set of *pixels*."""
    ds = Dataset()
    ds.SamplesPerPixel, ds.PhotometricInterpretation = 1, "MONOCHROME2"
    ds.Rows, ds.Columns = pixels.shape
    ds.BitsAllocated, ds.BitsStored, ds.HighBit = 16, 12, 11
    ds.PixelRepresentation = 1
    ds.PixelData = pixels.astype("<i2").tobytes()
    for keyword, value in attributes.items():
        setattr(ds, keyword, value)
    ds.file_meta = Dataset()
    ds.file_meta.TransferSyntaxUID = "1.2.840.10008.1.2.1"
    return ds


ROW = np.array([[-1000, 0, 40, 80, 1000]])


def test_window_on_hounsfield_units():
    # Stored values with Rescale Intercept -1024: HU = stored - 1024.  A
    # soft-tissue window, center 40.5, width 81 (LINEAR, PS3.3: (x - (c -
    # 0.5)) / (w - 1) + 0.5): 0 HU and below black, 40 HU the middle gray,
    # 80 HU and above white.
    ds = ct(ROW + 1024, RescaleSlope=1, RescaleIntercept=-1024,
            WindowCenter=40.5, WindowWidth=81)  # fmt: skip
    image = source_image(ds)
    assert (image.bits_stored, image.photometric_interpretation) == (12, "MONOCHROME2")
    assert image.pixels.tolist() == [[0, 0, 2048, 4095, 4095]]


def test_first_of_several_windows_and_linear_exact():
    ds = ct(ROW, WindowCenter=[0, 500], WindowWidth=[200, 100],
            VOILUTFunction="LINEAR_EXACT")  # fmt: skip
    # (x - 0) / 200 + 0.5: -1000 -> 0, 0 -> 0.5, 40 -> 0.7, 80 -> 0.9.
    assert source_image(ds).pixels.tolist() == [[0, 2048, 2866, 3686, 4095]]


def test_sigmoid_window_is_half_at_the_center():
    ds = ct(ROW, WindowCenter=40, WindowWidth=80, VOILUTFunction="SIGMOID")
    pixels = source_image(ds).pixels[0]
    assert pixels[2] == 2048
    assert pixels[0] == 0 and pixels[4] == 4095
    assert pixels[1] < pixels[2] < pixels[3]


def test_no_voi_stretches_the_images_own_range():
    ds = ct(np.array([[100, 350, 600, 1100]]))
    assert source_image(ds).pixels.tolist() == [[0, 1024, 2048, 4095]]


def test_voi_lut_sequence():
    item = Dataset()
    item.LUTDescriptor = [4, 0, 8]  # four entries for values 0-3
    item.LUTData = [0, 60, 120, 240]
    ds = ct(np.array([[0, 1, 2, 3, 7]]))
    ds.VOILUTSequence = [item]
    # Values above the table take its last entry; 240 is the table's top.
    assert source_image(ds).pixels.tolist() == [[0, 1024, 2048, 4095, 4095]]


def test_eight_bit_without_voi_prints_as_stored_and_monochrome1_stays():
    ds = ct(np.array([[0, 17, 255]]))
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 8, 8, 7, 0
    ds.PhotometricInterpretation = "MONOCHROME1"
    ds.PixelData = bytes([0, 17, 255, 0])
    image = source_image(ds)
    assert (image.bits_stored, image.photometric_interpretation) == (8, "MONOCHROME1")
    assert image.pixels.tolist() == [[0, 17, 255]]


def test_a_window_of_no_width_is_refused_with_the_reason():
    with pytest.raises(SpoolError, match=r"\(0028,1051\) Window Width 0"):
        source_image(ct(ROW, WindowCenter=40, WindowWidth=0))


def test_a_flat_image_without_voi_prints_as_stored():
    image = source_image(ct(np.full((2, 2), 700)))
    # Signed 12-bit values shifted so the lowest stored value is 0.
    assert (image.bits_stored, image.pixels.tolist()) == (12, [[2748, 2748]] * 2)
