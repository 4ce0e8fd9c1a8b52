"""The Print Management objects of one association, and request/response.

The tree (Film Session -> Film Boxes -> Image and Annotation Boxes, plus
Presentation LUTs) lives in memory and dies with the association.  Imports
no network code.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from pydicom.dataset import Dataset

from printserver.errors import NoSuchInstanceError
from printserver.render import Film, SourceImage
from printserver.status import Status

if TYPE_CHECKING:
    from printserver.config import Config, PrinterConfig
    from printserver.profile import PrinterProfile
    from printserver.spool import Spool
    from printserver.spooler import Spooler


@dataclass
class Request:
    """One DIMSE-N request, as the handlers see it."""

    sop_class_uid: str
    sop_instance_uid: str | None
    dataset: Dataset
    """Attribute List, Modification List or Action Information (or empty)."""

    meta_sop_class_uid: str = ""
    """Abstract syntax of the presentation context (maybe a meta class)."""

    is_little_endian: bool = True
    """Byte order of the context's transfer syntax, for pixel data."""

    action_type_id: int | None = None
    attribute_identifier_list: list[int] | None = None


@dataclass
class Response:
    """What a handler answers: a status, and maybe a dataset."""

    status: Status = Status.SUCCESS
    dataset: Dataset | None = None
    affected_sop_instance_uid: str | None = None
    error_comment: str = ""
    attribute_tags: list[int] = field(default_factory=list)


@dataclass
class ImageBox:
    """A Basic Grayscale (or Color) Image Box created by its film box."""

    sop_class_uid: str
    sop_instance_uid: str
    image_box_position: int
    image: SourceImage | None = None


@dataclass
class AnnotationBox:
    """A Basic Annotation Box created by its film box."""

    sop_instance_uid: str
    annotation_position: int
    text_string: str = ""


@dataclass
class FilmBox:
    """A Basic Film Box and the boxes it created."""

    sop_instance_uid: str
    film: Film
    """Layout and options; its ``images`` are filled at print time."""

    attributes: Dataset
    """The film box attributes as applied (returned in the N-CREATE reply)."""

    image_boxes: list[ImageBox] = field(default_factory=list)
    annotation_boxes: list[AnnotationBox] = field(default_factory=list)
    annotation_places: tuple[str, ...] = ()
    """Where each annotation box prints (``top`` or ``bottom``)."""

    presentation_lut_uid: str | None = None

    def film_with_images(self) -> Film:
        """A copy of the film holding the images and texts set so far."""
        images = {
            box.image_box_position: box.image
            for box in self.image_boxes
            if box.image is not None
        }
        annotations = [
            (place, box.text_string)
            for place, box in zip(
                self.annotation_places, self.annotation_boxes, strict=False
            )
        ]
        return Film(**{**vars(self.film), "images": images, "annotations": annotations})


@dataclass
class FilmSession:
    """A Basic Film Session: the root of the tree."""

    sop_instance_uid: str
    attributes: Dataset
    film_boxes: list[FilmBox] = field(default_factory=list)


@dataclass
class PresentationLUT:
    """A Presentation LUT created by the peer."""

    sop_instance_uid: str
    presentation_lut_shape: str | None = None
    lut_data: list[int] | None = None
    lut_bits: int = 16
    """Bits of the LUT's output values (third value of LUT Descriptor)."""


@dataclass
class PrinterState:
    """The printer's status, shared by every association (Printer SOP)."""

    printer_status: str = "NORMAL"
    """NORMAL, WARNING or FAILURE: (2110,0010) Printer Status."""

    printer_status_info: str = "NORMAL"
    """A term of PS3.3 C.13.9.1: (2110,0020) Printer Status Info."""

    started: datetime = field(default_factory=datetime.now)


@dataclass
class PrintContext:
    """Everything a handler may touch for one association."""

    config: "Config"
    printer: "PrinterConfig"
    profile: "PrinterProfile"
    spool: "Spool"
    spooler: "Spooler"
    calling_ae: str = ""
    called_ae: str = ""
    accepted_abstract_syntaxes: frozenset[str] = frozenset()
    film_session: FilmSession | None = None
    presentation_luts: dict[str, PresentationLUT] = field(default_factory=dict)
    printer_state: PrinterState = field(default_factory=PrinterState)
    on_job_created: Callable[[str, str], None] | None = None
    """Called with (job id, Print Job SOP Instance UID) after N-ACTION."""
    log: Any = None
    """A logger (or adapter) that tags lines with the association."""

    def find_film_box(self, uid: str | None) -> FilmBox:
        """The film box with *uid* in this association's session."""
        if self.film_session is not None:
            for film_box in self.film_session.film_boxes:
                if film_box.sop_instance_uid == uid:
                    return film_box
        raise NoSuchInstanceError(f"no Basic Film Box {uid}")
