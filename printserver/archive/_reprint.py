"""Print from the archive: a stored study on a chosen layout, or a printed
film again as it was.

A film kept by the archive is the film as printed (drive values), so it is
queued as an ``as_printed`` film: the spooler prints it unchanged.  Uses
the spool (jobs) and ``direct`` (DICOM files to films); never pynetdicom.
"""

from pathlib import Path

from pydicom import dcmread
from pydicom.dataset import Dataset

from printserver.archive._films import SECONDARY_CAPTURE_IMAGE_STORAGE
from printserver.archive._store import Archive
from printserver.direct import UNREADABLE, print_files, source_image
from printserver.errors import SpoolError
from printserver.layout import FilmOrientationValues, film_pixel_size, film_sizes
from printserver.render import Film
from printserver.spool import JobRequest, Spool


def print_study(  # noqa: PLR0913 - what `printserver print` takes
    archive: Archive,
    spool: Spool,
    study_instance_uid: str,
    *,
    image_display_format: str,
    film_size_id: str,
    film_orientation: str,
    printer: str,
) -> str:
    """Queue every image of an archived study, in series and instance
    order, on as many films as the layout needs; returns the job id.

    Raises
    ------
    SpoolError
        No such study in the archive, or an image that cannot print.
    """
    rows = archive.index.select(
        "SELECT file FROM instances WHERE study_instance_uid = ? "
        "ORDER BY series_number + 0, series_instance_uid, instance_number + 0",
        [study_instance_uid],
    )
    if not rows:
        raise SpoolError(f"no study {study_instance_uid} in the archive")
    return print_files(
        spool,
        [archive.root / row["file"] for row in rows],
        image_display_format=image_display_format,
        film_size_id=film_size_id,
        film_orientation=film_orientation,
        printer=printer,
    )


def reprint_archived(archive: Archive, spool: Spool, key: str, printer: str) -> str:
    """Queue printed films again from the archive: every film of the print
    job *key*, or the one film whose SOP Instance UID is *key*.

    Returns the new job id.

    Raises
    ------
    SpoolError
        The archive holds no such film, or one that cannot print.
    """
    rows = archive.index.select(
        "SELECT file, series_description FROM instances "
        "WHERE sop_class_uid = ? AND job_id != '' "
        "AND (job_id = ? OR sop_instance_uid = ?) ORDER BY instance_number + 0",
        [SECONDARY_CAPTURE_IMAGE_STORAGE, key, key],
    )
    if not rows:
        raise SpoolError(f"no job or printed film {key} in the spool or the archive")
    films = [film_as_printed(_read(archive.root / row["file"])) for row in rows]
    label = str(rows[0]["series_description"] or "")
    return spool.submit(
        JobRequest(
            "printserver", "printserver", printer, films,
            film_session={"FilmSessionLabel": label[:64]},
        )
    )  # fmt: skip


def film_as_printed(ds: Dataset) -> Film:
    """The film an archived SC image of a film is, to print unchanged.

    Its Film Size ID and orientation are the ones whose size at the image's
    resolution (Nominal Scanned Pixel Spacing) is the image's.
    """
    image = source_image(ds)
    spacing = ds.get("NominalScannedPixelSpacing") or [0]
    dpi = round(25.4 / float(spacing[0])) if float(spacing[0]) else 0
    rows, columns = image.pixels.shape[:2]
    for film_size_id in film_sizes():
        for orientation in FilmOrientationValues:
            if film_pixel_size(film_size_id, orientation, dpi) == (columns, rows):
                return Film(
                    "STANDARD\\1,1", film_size_id, orientation,
                    images={1: image}, as_printed=True,
                )  # fmt: skip
    raise SpoolError(f"{columns}x{rows} pixels at {dpi} dpi is no film size we know")


def _read(path: Path) -> Dataset:
    try:
        return dcmread(path)
    except UNREADABLE as exc:
        raise SpoolError(f"archived film unreadable ({exc})") from None
