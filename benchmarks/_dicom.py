"""What the network benchmarks share: loopback ports and CT test images.

Imported by the scripts beside it (run as ``python benchmarks/NAME.py``).
"""

import socket
import time
from pathlib import Path

import numpy as np
from pydicom import examples
from pydicom.dataset import FileMetaDataset
from pydicom.uid import ExplicitVRLittleEndian, generate_uid


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for_port(port: int, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise RuntimeError(f"nothing listens on {port}")


def write_ct_images(
    folder: Path, count: int, *, seed: int = 3, shift: int = 7, one_series: bool = False
) -> list[str]:
    """*count* distinct 512 x 512 12-bit CT images from pydicom's CT example
    (each rolled by *shift* columns more, plus noise), Explicit VR Little
    Endian; with *one_series*, all in one study and series."""
    ct = examples.ct
    base = np.kron(ct.pixel_array.astype(np.int32), np.ones((4, 4), np.int32))
    rng = np.random.default_rng(seed)
    study, series = generate_uid(), generate_uid()
    paths = []
    for index in range(count):
        pixels = np.roll(base, index * shift, axis=1) + rng.integers(0, 60, base.shape)
        ds = ct.copy()
        ds.file_meta = FileMetaDataset()
        ds.file_meta.MediaStorageSOPClassUID = ds.SOPClassUID
        ds.SOPInstanceUID = ds.file_meta.MediaStorageSOPInstanceUID = generate_uid()
        ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
        if one_series:
            ds.StudyInstanceUID, ds.SeriesInstanceUID = study, series
            ds.InstanceNumber = index + 1
        ds.Rows = ds.Columns = 512
        ds.BitsAllocated, ds.BitsStored, ds.HighBit = 16, 12, 11
        ds.PixelRepresentation = 0
        ds.PixelData = np.clip(pixels, 0, 4095).astype(np.uint16).tobytes()
        path = folder / f"ct{index:03d}.dcm"
        ds.save_as(path, enforce_file_format=True)
        paths.append(str(path))
    return paths
