"""Basic Film Box SOP class: N-CREATE, N-SET, N-ACTION, N-DELETE.

N-CREATE lays out the film and creates one image box per position (and the
annotation boxes of its Annotation Display Format).  References: PS3.4
H.4.2.  Must not import ``scp`` or pynetdicom.
"""

from dataclasses import replace

from pydicom.dataset import Dataset
from pydicom.uid import generate_uid

from printserver.errors import (
    DuplicateInstanceError,
    InvalidAttributeValueError,
    NoSuchActionError,
    NoSuchInstanceError,
)
from printserver.layout import (
    FilmOrientationValues,
    ImageDisplayFormatError,
    annotation_formats,
    film_sizes,
    parse_image_display_format,
)
from printserver.render import Film, MagnificationTypeValues
from printserver.sop import _attributes as attrs
from printserver.sop._model import (
    AnnotationBox,
    FilmBox,
    ImageBox,
    PrintContext,
    Request,
    Response,
)
from printserver.sop._printing import print_films
from printserver.status import Status

SOP_CLASS_UID = "1.2.840.10008.5.1.1.2"
FILM_SESSION_CLASS_UID = "1.2.840.10008.5.1.1.1"
GRAYSCALE_IMAGE_BOX_CLASS_UID = "1.2.840.10008.5.1.1.4"
ANNOTATION_BOX_CLASS_UID = "1.2.840.10008.5.1.1.15"
PRESENTATION_LUT_CLASS_UID = "1.2.840.10008.5.1.1.23"

#: Table H.4-7: what N-SET may change.
SETTABLE = (
    "MagnificationType",
    "SmoothingType",
    "BorderDensity",
    "EmptyImageDensity",
    "MinDensity",
    "MaxDensity",
    "Trim",
    "ConfigurationInformation",
    "Illumination",
    "ReflectedAmbientLight",
    "ReferencedPresentationLUTSequence",
    "ICCProfile",
)
#: Table H.4-6: what N-CREATE may carry.
CREATABLE = (
    *SETTABLE,
    "ImageDisplayFormat",
    "ReferencedFilmSessionSequence",
    "FilmOrientation",
    "FilmSizeID",
    "AnnotationDisplayFormatID",
    "RequestedResolutionID",
)
PRINT_ACTION = 1


def _options(ctx: PrintContext, ds: Dataset, film: Film, applied: Dataset) -> Film:
    """Apply the N-SET-able options of *ds* to *film* and *applied*."""
    film = replace(
        film,
        magnification_type=attrs.get_code(
            ds, "MagnificationType", MagnificationTypeValues, film.magnification_type
        ),
        border_density=attrs.get_density(ds, "BorderDensity", film.border_density),
        empty_image_density=attrs.get_density(
            ds, "EmptyImageDensity", film.empty_image_density
        ),
    )
    applied.MagnificationType = film.magnification_type.value
    applied.BorderDensity = film.border_density
    applied.EmptyImageDensity = film.empty_image_density
    applied.Trim = attrs.get_choice(
        ds, "Trim", ("YES", "NO"), applied.get("Trim", "NO")
    )
    applied.MinDensity = attrs.get_int(
        ds, "MinDensity", applied.get("MinDensity", 20), 0, 500
    )
    applied.MaxDensity = attrs.get_int(
        ds, "MaxDensity", applied.get("MaxDensity", 300), 0, 500
    )
    # LIMITATION(LIM-001): densities, Illumination, P-LUT kept, not applied.
    for keyword in ("Illumination", "ReflectedAmbientLight"):
        if attrs.has_value(ds, keyword):
            setattr(applied, keyword, attrs.get_int(ds, keyword, 0, 0, 65535))
    # LIMITATION(LIM-002): Smoothing Type and Trim accepted, not applied.
    for keyword in ("ConfigurationInformation", "SmoothingType"):
        if keyword in ds:
            setattr(applied, keyword, attrs.get_text(ds, keyword))

    lut_uid = attrs.referenced_uid(ds, "ReferencedPresentationLUTSequence")
    if lut_uid is not None:
        if lut_uid not in ctx.presentation_luts:
            raise InvalidAttributeValueError(
                f"(2050,0500) ReferencedPresentationLUTSequence: no LUT {lut_uid}",
                [0x20500500],
            )
        applied.ReferencedPresentationLUTSequence = ds.ReferencedPresentationLUTSequence
    return film


def _layout(ds: Dataset, printer_default_size: str) -> tuple[Film, Dataset]:
    """Read the N-CREATE-only attributes: layout, orientation, film size."""
    attrs.require(ds, "ImageDisplayFormat")
    image_display_format = attrs.get_text(ds, "ImageDisplayFormat")
    try:
        parsed = parse_image_display_format(image_display_format)
    except ImageDisplayFormatError as exc:
        raise InvalidAttributeValueError(str(exc), [0x20100010]) from None

    applied = Dataset()
    applied.ImageDisplayFormat = str(parsed)
    orientation = attrs.get_code(
        ds, "FilmOrientation", FilmOrientationValues, FilmOrientationValues.PORTRAIT
    )
    applied.FilmOrientation = orientation.value
    applied.FilmSizeID = attrs.get_choice(
        ds, "FilmSizeID", film_sizes(), printer_default_size
    )
    applied.RequestedResolutionID = attrs.get_choice(
        ds, "RequestedResolutionID", ("STANDARD", "HIGH"), "STANDARD"
    )
    film = Film(str(parsed), applied.FilmSizeID, orientation)
    return film, applied


def _check_session(ctx: PrintContext, ds: Dataset) -> None:
    """The Referenced Film Session must be this association's session."""
    attrs.require(ds, "ReferencedFilmSessionSequence")
    uid = attrs.referenced_uid(ds, "ReferencedFilmSessionSequence")
    session = ctx.film_session
    if session is None or uid != session.sop_instance_uid:
        raise InvalidAttributeValueError(
            f"(2010,0500) ReferencedFilmSessionSequence: no film session {uid}",
            [0x20100500],
        )


def _create_boxes(ctx: PrintContext, film_box: FilmBox, ds: Dataset) -> None:
    """Create the image boxes and annotation boxes of a new film box."""
    count = parse_image_display_format(film_box.film.image_display_format).box_count
    film_box.image_boxes = [
        ImageBox(GRAYSCALE_IMAGE_BOX_CLASS_UID, generate_uid(), position)
        for position in range(1, count + 1)
    ]

    format_id = attrs.get_text(ds, "AnnotationDisplayFormatID").upper()
    if not format_id:
        return
    places = annotation_formats().get(format_id)
    if places is None:
        raise InvalidAttributeValueError(
            f"(2010,0030) AnnotationDisplayFormatID: {format_id!r} unknown",
            [0x20100030],
        )
    film_box.attributes.AnnotationDisplayFormatID = format_id
    if ANNOTATION_BOX_CLASS_UID in ctx.accepted_abstract_syntaxes:
        film_box.annotation_places = places
        film_box.annotation_boxes = [
            AnnotationBox(generate_uid(), position)
            for position in range(1, len(places) + 1)
        ]


def _references(class_uid: str, uids: list[str]) -> list[Dataset]:
    items = []
    for uid in uids:
        item = Dataset()
        item.ReferencedSOPClassUID = class_uid
        item.ReferencedSOPInstanceUID = uid
        items.append(item)
    return items


def handle_n_create(ctx: PrintContext, req: Request) -> Response:
    """Create a film box under the session, with its image boxes."""
    _check_session(ctx, req.dataset)
    assert ctx.film_session is not None  # checked above
    uid = req.sop_instance_uid or generate_uid()
    if any(fb.sop_instance_uid == uid for fb in ctx.film_session.film_boxes):
        raise DuplicateInstanceError(f"film box {uid} exists")

    film, applied = _layout(req.dataset, default_film_size(ctx))
    film = _options(ctx, req.dataset, film, applied)
    film_box = FilmBox(uid, film, applied)
    _create_boxes(ctx, film_box, req.dataset)
    ctx.film_session.film_boxes.append(film_box)

    rsp_ds = Dataset()
    rsp_ds.update(applied)
    rsp_ds.ReferencedFilmSessionSequence = _references(
        FILM_SESSION_CLASS_UID, [ctx.film_session.sop_instance_uid]
    )
    rsp_ds.ReferencedImageBoxSequence = _references(
        GRAYSCALE_IMAGE_BOX_CLASS_UID,
        [b.sop_instance_uid for b in film_box.image_boxes],
    )
    if film_box.annotation_boxes:
        rsp_ds.ReferencedBasicAnnotationBoxSequence = _references(
            ANNOTATION_BOX_CLASS_UID,
            [b.sop_instance_uid for b in film_box.annotation_boxes],
        )
    ctx.log.info(
        "film box created: %s %s %s",
        applied.ImageDisplayFormat,
        applied.FilmSizeID,
        applied.FilmOrientation,
    )

    unknown = attrs.unknown_tags(req.dataset, CREATABLE)
    if unknown:
        return Response(
            Status.ATTRIBUTE_LIST_ERROR, rsp_ds, uid, attribute_tags=unknown
        )
    return Response(dataset=rsp_ds, affected_sop_instance_uid=uid)


def default_film_size(ctx: PrintContext) -> str:
    """Film Size ID used when the peer sends none."""
    return "14INX17IN"


def _last_film_box(ctx: PrintContext, uid: str | None) -> FilmBox:
    """Only the last created film box may be changed or deleted (H.4.2)."""
    film_box = ctx.find_film_box(uid)
    assert ctx.film_session is not None  # find_film_box found one
    if film_box is not ctx.film_session.film_boxes[-1]:
        raise InvalidAttributeValueError(f"film box {uid} is not the last created")
    return film_box


def handle_n_set(ctx: PrintContext, req: Request) -> Response:
    """Change the options of the last created film box."""
    film_box = _last_film_box(ctx, req.sop_instance_uid)
    film_box.film = _options(ctx, req.dataset, film_box.film, film_box.attributes)
    unknown = attrs.unknown_tags(req.dataset, SETTABLE)
    if unknown:
        return Response(
            Status.ATTRIBUTE_LIST_ERROR, film_box.attributes, attribute_tags=unknown
        )
    return Response(dataset=film_box.attributes)


def handle_n_action(ctx: PrintContext, req: Request) -> Response:
    """Print one film box."""
    film_box = ctx.find_film_box(req.sop_instance_uid)
    if req.action_type_id != PRINT_ACTION:
        raise NoSuchActionError(f"Action Type ID {req.action_type_id} is not 1 (print)")
    return print_films(ctx, [film_box], session_level=False)


def handle_n_delete(ctx: PrintContext, req: Request) -> Response:
    """Delete the last created film box and its boxes."""
    if ctx.film_session is None:
        raise NoSuchInstanceError(f"no Basic Film Box {req.sop_instance_uid}")
    film_box = _last_film_box(ctx, req.sop_instance_uid)
    ctx.film_session.film_boxes.remove(film_box)
    return Response()
