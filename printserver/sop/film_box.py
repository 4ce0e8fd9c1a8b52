"""Basic Film Box SOP class: N-CREATE, N-SET, N-ACTION, N-DELETE.

N-CREATE lays out the film and creates one image box per position (and the
annotation boxes of its Annotation Display Format), checking every value
against the printer profile.  References: PS3.4 H.4.2.  Must not import
``scp`` or pynetdicom.
"""

from dataclasses import replace

from pydicom.dataset import Dataset
from pydicom.uid import generate_uid

from printserver.errors import (
    DuplicateInstanceError,
    InvalidAttributeValueError,
    NoSuchActionError,
    NoSuchInstanceError,
    ResourceLimitError,
)
from printserver.layout import (
    FilmOrientationValues,
    ImageDisplayFormatError,
    annotation_formats,
    film_sizes,
    parse_image_display_format,
)
from printserver.render import Film, MagnificationTypeValues, PresentationLUT
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
from printserver.sop.uids import (
    ANNOTATION_BOX,
    COLOR_IMAGE_BOX,
    COLOR_META,
    FILM_SESSION,
    GRAYSCALE_IMAGE_BOX,
)
from printserver.sop.uids import FILM_BOX as SOP_CLASS_UID

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
MAGNIFICATION_TYPES = tuple(m.value for m in MagnificationTypeValues)

__all__ = ["SOP_CLASS_UID", "handle_n_action", "handle_n_create", "handle_n_delete"]


def render_lut(ctx: PrintContext, ds: Dataset) -> PresentationLUT | None:
    """The Presentation LUT *ds* refers to, as the renderer applies it.

    It must be one made on this association (0x0106 otherwise).
    """
    lut_uid = attrs.referenced_uid(ds, "ReferencedPresentationLUTSequence")
    if lut_uid is None:
        return None
    lut = ctx.presentation_luts.get(lut_uid)
    if lut is None:
        raise InvalidAttributeValueError(
            f"(2050,0500) ReferencedPresentationLUTSequence: no LUT {lut_uid}",
            [0x20500500],
        )
    if lut.lut_data is not None:
        return PresentationLUT("TABLE", tuple(lut.lut_data), lut.lut_bits)
    return PresentationLUT(lut.presentation_lut_shape or "IDENTITY")


def _densities(
    ctx: PrintContext, ds: Dataset, applied: Dataset, adjust: attrs.Adjustments
) -> None:
    """Min/Max Density clamped to the profile; Illumination, ambient light."""
    profile = ctx.profile
    low, high = profile.min_density, profile.max_density
    applied.MinDensity = attrs.get_clamped_density(
        ds, "MinDensity", default=applied.get("MinDensity", low), low=low, high=high,
        adjustments=adjust,
    )  # fmt: skip
    applied.MaxDensity = attrs.get_clamped_density(
        ds, "MaxDensity", default=applied.get("MaxDensity", high), low=low, high=high,
        adjustments=adjust,
    )  # fmt: skip
    if applied.MinDensity >= applied.MaxDensity:
        raise InvalidAttributeValueError(
            f"(2010,0120) MinDensity {applied.MinDensity} is not below "
            f"(2010,0130) MaxDensity {applied.MaxDensity}",
            [0x20100120, 0x20100130],
        )
    for keyword in ("Illumination", "ReflectedAmbientLight"):
        if attrs.has_value(ds, keyword):
            setattr(applied, keyword, attrs.get_int(ds, keyword, 0, 0, 65535))


def _options(
    ctx: PrintContext,
    ds: Dataset,
    film: Film,
    applied: Dataset,
    adjust: attrs.Adjustments,
) -> Film:
    """Apply the N-SET-able options of *ds* to *film* and *applied*."""
    profile = ctx.profile
    magnification = attrs.get_supported(
        ds, "MagnificationType", defined=MAGNIFICATION_TYPES,
        supported=profile.magnification_types,
        default=film.magnification_type.value, adjustments=adjust,
    )  # fmt: skip
    film = replace(
        film,
        magnification_type=MagnificationTypeValues(magnification),
        border_density=attrs.get_density(ds, "BorderDensity", film.border_density),
        empty_image_density=attrs.get_density(
            ds, "EmptyImageDensity", film.empty_image_density
        ),
    )
    applied.MagnificationType = magnification
    applied.BorderDensity = film.border_density
    applied.EmptyImageDensity = film.empty_image_density
    applied.Trim = attrs.get_choice(
        ds, "Trim", ("YES", "NO"), applied.get("Trim", "NO")
    )
    if attrs.has_value(ds, "SmoothingType"):
        smoothing = attrs.get_supported(
            ds, "SmoothingType", defined=(), supported=profile.smoothing_types,
            default=profile.default_smoothing_type, adjustments=adjust,
        )  # fmt: skip
        if smoothing:
            applied.SmoothingType = smoothing
    if "ConfigurationInformation" in ds:
        applied.ConfigurationInformation = attrs.get_configuration(
            ds, (name for name, _, _ in profile.configurations), adjust
        )
    _densities(ctx, ds, applied, adjust)

    lut = render_lut(ctx, ds)
    if lut is not None:
        applied.ReferencedPresentationLUTSequence = ds.ReferencedPresentationLUTSequence
    return replace(
        film,
        trim=applied.Trim == "YES",
        min_density=int(applied.MinDensity),
        max_density=int(applied.MaxDensity),
        configuration_information=applied.get(
            "ConfigurationInformation", film.configuration_information
        ),
        illumination=int(applied.get("Illumination", film.illumination)),
        reflected_ambient_light=int(
            applied.get("ReflectedAmbientLight", film.reflected_ambient_light)
        ),
        presentation_lut=lut or film.presentation_lut,
    )


def _layout(ctx: PrintContext, ds: Dataset) -> tuple[Film, Dataset]:
    """Read the N-CREATE-only attributes: layout, orientation, film size."""
    profile = ctx.profile
    attrs.require(ds, "ImageDisplayFormat")
    image_display_format = attrs.get_text(ds, "ImageDisplayFormat")
    size_ids = [s for s in profile.film_size_ids if s in film_sizes()]
    film_size_id = attrs.get_choice(
        ds, "FilmSizeID", size_ids, profile.default_film_size_id
    )
    try:
        parsed = parse_image_display_format(image_display_format, film_size_id)
    except ImageDisplayFormatError as exc:
        raise InvalidAttributeValueError(str(exc), [0x20100010]) from None
    if parsed.family not in profile.image_display_formats:
        raise InvalidAttributeValueError(
            f"(2010,0010) ImageDisplayFormat: {parsed.family} not offered",
            [0x20100010],
        )
    limit = ctx.config.server.max_image_boxes
    if parsed.box_count > limit:
        raise ResourceLimitError(
            f"{parsed.box_count} image boxes, over {limit} (max_image_boxes)",
            [0x20100010],
        )
    if parsed.box_count > profile.max_image_boxes:
        raise InvalidAttributeValueError(
            f"(2010,0010) ImageDisplayFormat: more than {profile.max_image_boxes} "
            "boxes",
            [0x20100010],
        )

    applied = Dataset()
    applied.ImageDisplayFormat = str(parsed)
    orientation = attrs.get_code(
        ds, "FilmOrientation", FilmOrientationValues, FilmOrientationValues.PORTRAIT
    )
    applied.FilmOrientation = orientation.value
    applied.FilmSizeID = film_size_id
    applied.RequestedResolutionID = attrs.get_choice(
        ds, "RequestedResolutionID", ("STANDARD", "HIGH"), "STANDARD"
    )
    film = Film(
        str(parsed),
        applied.FilmSizeID,
        orientation,
        MagnificationTypeValues(profile.default_magnification_type),
        requested_resolution_id=applied.RequestedResolutionID,
    )
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


def _create_boxes(
    ctx: PrintContext, film_box: FilmBox, ds: Dataset, image_box_class: str
) -> None:
    """Create the image boxes and annotation boxes of a new film box."""
    film = film_box.film
    count = parse_image_display_format(
        film.image_display_format, film.film_size_id
    ).box_count
    film_box.image_boxes = [
        ImageBox(image_box_class, generate_uid(), position)
        for position in range(1, count + 1)
    ]

    format_id = attrs.get_text(ds, "AnnotationDisplayFormatID").upper()
    if not format_id:
        return
    places = annotation_formats().get(format_id)
    if places is None or format_id not in ctx.profile.annotation_display_format_ids:
        raise InvalidAttributeValueError(
            f"(2010,0030) AnnotationDisplayFormatID: {format_id!r} unknown",
            [0x20100030],
        )
    film_box.attributes.AnnotationDisplayFormatID = format_id
    if ANNOTATION_BOX in ctx.accepted_abstract_syntaxes:
        film_box.annotation_places = places
        film_box.annotation_boxes = [
            AnnotationBox(generate_uid(), position)
            for position in range(1, len(places) + 1)
        ]


def references(class_uid: str, uids: list[str]) -> list[Dataset]:
    """Items of a Referenced ... Sequence, one per UID."""
    items = []
    for uid in uids:
        item = Dataset()
        item.ReferencedSOPClassUID = class_uid
        item.ReferencedSOPInstanceUID = uid
        items.append(item)
    return items


def _reply(ctx: PrintContext, film_box: FilmBox) -> Dataset:
    """The N-CREATE reply: what we applied and the boxes we created."""
    assert ctx.film_session is not None  # the film box belongs to it
    rsp_ds = Dataset()
    rsp_ds.update(film_box.attributes)
    rsp_ds.ReferencedFilmSessionSequence = references(
        FILM_SESSION, [ctx.film_session.sop_instance_uid]
    )
    image_box_class = film_box.image_boxes[0].sop_class_uid
    rsp_ds.ReferencedImageBoxSequence = references(
        image_box_class, [b.sop_instance_uid for b in film_box.image_boxes]
    )
    if film_box.annotation_boxes:
        rsp_ds.ReferencedBasicAnnotationBoxSequence = references(
            ANNOTATION_BOX, [b.sop_instance_uid for b in film_box.annotation_boxes]
        )
    return rsp_ds


def handle_n_create(ctx: PrintContext, req: Request) -> Response:
    """Create a film box under the session, with its image boxes."""
    _check_session(ctx, req.dataset)
    assert ctx.film_session is not None  # checked above
    uid = req.sop_instance_uid or generate_uid()
    if not attrs.is_valid_uid(uid):
        raise InvalidAttributeValueError(f"Affected SOP Instance UID {uid!r} invalid")
    limit = ctx.config.server.max_film_boxes
    if len(ctx.film_session.film_boxes) >= limit:
        raise ResourceLimitError(f"session full: {limit} film boxes (max_film_boxes)")
    if any(fb.sop_instance_uid == uid for fb in ctx.film_session.film_boxes):
        raise DuplicateInstanceError(f"film box {uid} exists")

    adjust = attrs.Adjustments()
    film, applied = _layout(ctx, req.dataset)
    film = _options(ctx, req.dataset, film, applied, adjust)
    film_box = FilmBox(uid, film, applied)
    color = req.meta_sop_class_uid == COLOR_META
    _create_boxes(
        ctx, film_box, req.dataset, COLOR_IMAGE_BOX if color else GRAYSCALE_IMAGE_BOX
    )
    ctx.film_session.film_boxes.append(film_box)
    ctx.log.info(
        "film box created: %s %s %s%s",
        applied.ImageDisplayFormat,
        applied.FilmSizeID,
        applied.FilmOrientation,
        " color" if color else "",
    )

    adjust.unknown(req.dataset, CREATABLE)
    return Response(
        adjust.status, _reply(ctx, film_box), uid, adjust.comment, adjust.tags
    )


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
    adjust = attrs.Adjustments()
    film_box.film = _options(
        ctx, req.dataset, film_box.film, film_box.attributes, adjust
    )
    adjust.unknown(req.dataset, SETTABLE)
    return Response(
        adjust.status, film_box.attributes, None, adjust.comment, adjust.tags
    )


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
