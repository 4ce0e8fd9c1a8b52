"""Printed films as Secondary Capture images, for the archive.

Each film the spooler renders becomes one SC image at its composed
resolution: grayscale (8 or 12 bits) or RGB, as it was printed, with the
film session label, the date, the AE title that printed it and the job id.
A job's films form one study and one series; UIDs come from the job id, so
a film rendered again replaces its image.  Imports pydicom and numpy.

References
----------
PS3.3 A.8.1 (Secondary Capture Image IOD), C.8.6.1 (SC Equipment).
"""

import hashlib
import struct
from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import UID, ExplicitVRLittleEndian

from printserver import __version__
from printserver.archive._encoding import (
    IMPLEMENTATION_CLASS_UID,
    IMPLEMENTATION_VERSION_NAME,
)

SECONDARY_CAPTURE_IMAGE_STORAGE = "1.2.840.10008.5.1.4.1.1.7"


@dataclass(frozen=True)
class PrintedFilm:
    """What is known of one printed film besides its pixels."""

    job_id: str
    index: int
    """Film number within the job, from 1."""
    count: int
    """Films in the job."""
    dpi: int
    film_session_label: str = ""
    origin_ae: str = ""
    """The AE title that sent the print job (empty for local prints)."""
    created: str = ""
    """When the job was accepted (ISO 8601); now when empty."""
    annotated: bool = False
    """Annotation text is printed on the film."""


def film_uid(job_id: str, *parts: str) -> str:
    """A UID that the job id (and *parts*) always give again."""
    # A 2.25 UID (PS3.5 B.2) from 128 bits of a digest, not a random UUID.
    text = "\0".join(["printserver-film", job_id, *parts])
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return f"2.25.{int.from_bytes(digest[:16], 'big')}"


def film_image(
    raster: np.ndarray, film: PrintedFilm, ae_title: str, pixel_data: bool = True
) -> Dataset:
    """The SC image of a printed film, with its file meta.

    Parameters
    ----------
    raster : numpy.ndarray
        The film as printed: (rows, columns) uint8 or 12-bit uint16 gray,
        0 black, or (rows, columns, 3) uint8 RGB.
    film : PrintedFilm
        Job, label and origin.
    ae_title : str
        Ours, as the Source Application Entity Title.
    pixel_data : bool
        False leaves (7FE0,0010) Pixel Data out (``pixel_data_element``
        encodes it without a copy of the film).
    """
    created = _when(film.created)
    now = datetime.now(UTC)
    ds = Dataset()
    ds.file_meta = _file_meta(film, ae_title)
    texts = (film.film_session_label, film.origin_ae)
    if not all(t.isascii() for t in texts):
        ds.SpecificCharacterSet = "ISO_IR 192"
    ds.SOPClassUID = SECONDARY_CAPTURE_IMAGE_STORAGE
    ds.SOPInstanceUID = ds.file_meta.MediaStorageSOPInstanceUID
    _patient_and_study(ds, film, created)
    ds.SeriesInstanceUID = film_uid(film.job_id, "series")
    ds.Modality = "OT"
    ds.Laterality = ""  # 2C: dciodvfy cannot tell a paired body part
    ds.SeriesNumber = 1
    ds.SeriesDescription = (film.film_session_label or "printed films")[:64]
    ds.Manufacturer = "printserver"
    ds.SoftwareVersions = __version__
    ds.StationName = film.origin_ae[:16]
    ds.ConversionType = "WSD"
    ds.InstanceNumber = film.index
    ds.PatientOrientation = ""
    ds.ContentDate = now.strftime("%Y%m%d")
    ds.ContentTime = now.strftime("%H%M%S")
    ds.ImageComments = (
        f"Film {film.index} of {film.count} of print job {film.job_id}, "
        f"from {film.origin_ae or 'this server'}"
    )
    ds.BurnedInAnnotation = "YES" if film.annotated else "NO"
    spacing = round(25.4 / film.dpi, 6)
    ds.NominalScannedPixelSpacing = [spacing, spacing]
    _pixels(ds, raster)
    if pixel_data:
        ds.PixelData = _samples(raster).tobytes()
    return ds


def _file_meta(film: PrintedFilm, ae_title: str) -> FileMetaDataset:
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = UID(SECONDARY_CAPTURE_IMAGE_STORAGE)
    meta.MediaStorageSOPInstanceUID = UID(
        film_uid(film.job_id, "film", str(film.index))
    )
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    meta.ImplementationClassUID = UID(IMPLEMENTATION_CLASS_UID)
    meta.ImplementationVersionName = IMPLEMENTATION_VERSION_NAME
    meta.SourceApplicationEntityTitle = ae_title
    return meta


def _patient_and_study(ds: Dataset, film: PrintedFilm, created: datetime) -> None:
    """Patient (unknown: a print job names none) and the job's study."""
    ds.PatientName = ""
    ds.PatientID = ""
    ds.PatientBirthDate = ""
    ds.PatientSex = ""
    ds.StudyInstanceUID = film_uid(film.job_id, "study")
    ds.StudyDate = created.strftime("%Y%m%d")
    ds.StudyTime = created.strftime("%H%M%S")
    ds.ReferringPhysicianName = ""
    ds.StudyID = film.job_id[:16]
    ds.AccessionNumber = ""
    ds.StudyDescription = f"Print job {film.job_id}"[:64]


def _pixels(ds: Dataset, raster: np.ndarray) -> None:
    """Image Pixel module from the raster (0 is black: MONOCHROME2)."""
    ds.Rows, ds.Columns = raster.shape[:2]
    ds.PixelRepresentation = 0
    if raster.ndim == 3:
        ds.SamplesPerPixel = 3
        ds.PhotometricInterpretation = "RGB"
        ds.PlanarConfiguration = 0
        ds.BitsAllocated = ds.BitsStored = 8
        ds.HighBit = 7
        return
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = "MONOCHROME2"
    bits = 8 if raster.dtype == np.uint8 else 12
    ds.BitsAllocated = 8 if bits == 8 else 16
    ds.BitsStored = bits
    ds.HighBit = bits - 1


def _samples(raster: np.ndarray) -> np.ndarray:
    """The raster as stored: uint8, or little endian 16-bit words."""
    dtype = np.uint8 if raster.dtype == np.uint8 else np.dtype("<u2")
    return np.ascontiguousarray(raster, dtype)


def pixel_data_element(raster: np.ndarray) -> tuple[bytes, memoryview]:
    """(7FE0,0010) Pixel Data in Explicit VR Little Endian: its header, and
    the raster's own memory as the value (no copy of the film)."""
    samples = _samples(raster)
    vr = b"OB" if samples.dtype == np.uint8 else b"OW"
    value = samples.data.cast("B")
    if len(value) % 2:
        raise ValueError("a film of an odd number of bytes")
    return struct.pack("<HH2s2xI", 0x7FE0, 0x0010, vr, len(value)), value


def _when(created: str) -> datetime:
    try:
        return datetime.fromisoformat(created)
    except ValueError:
        return datetime.now(UTC)
