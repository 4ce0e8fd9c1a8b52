"""Turning film boxes into a spool job: the promise made on N-ACTION."""

from pydicom.dataset import Dataset
from pydicom.uid import generate_uid

from printserver.errors import QueueFullError, SessionQueueFullError, SpoolError
from printserver.sop._model import FilmBox, PrintContext, Response
from printserver.sop.uids import PRINT_JOB
from printserver.spool import JobRequest, PrinterStates
from printserver.status import Status


def print_films(
    ctx: PrintContext, film_boxes: list[FilmBox], session_level: bool
) -> Response:
    """Spool the films that hold images; warn of an empty page if none does.

    *session_level* selects the Film Session statuses (0xB602, 0xC601)
    rather than the Film Box ones (0xB603, 0xC602).

    The job is on disk and fsynced before this returns, so the success
    the peer receives next is a promise kept across a crash.

    References
    ----------
    PS3.4 H.4.1.2.4 and H.4.2.2.4 (N-ACTION).
    """
    films = [fb.film_with_images() for fb in film_boxes]
    films = [film for film in films if film.images]
    if not films:
        ctx.log.warning("print request with no image set: nothing printed")
        empty = (
            Status.FILM_SESSION_EMPTY_PAGE
            if session_level
            else Status.FILM_BOX_EMPTY_PAGE
        )
        return Response(empty, error_comment="no image set: nothing printed")

    session = ctx.film_session.attributes if ctx.film_session else Dataset()
    print_job_uid = generate_uid()
    printer = ctx.config.route(
        ctx.called_ae,
        ctx.calling_ae,
        str(session.get("MediumType", "")),
        tuple(film.film_size_id for film in films),
    )
    request = JobRequest(
        print_job_uid=print_job_uid,
        calling_ae=ctx.calling_ae,
        called_ae=ctx.called_ae,
        printer=printer.name,
        films=films,
        film_session={
            "NumberOfCopies": int(session.get("NumberOfCopies", 1)),
            "PrintPriority": str(session.get("PrintPriority", "MED")),
            "MediumType": str(session.get("MediumType", "")),
            "FilmDestination": str(session.get("FilmDestination", "")),
            "FilmSessionLabel": str(session.get("FilmSessionLabel", "")),
        },
    )
    error = SessionQueueFullError if session_level else QueueFullError
    printer_state = PrinterStates(ctx.spool.data_root).get(printer.name)
    if not printer_state["accepting"]:
        reason = printer_state["reason"] or "rejected by the admin"
        raise error(f"printer {printer.name} takes no jobs: {reason}")
    job_bytes = sum(i.pixels.nbytes for film in films for i in film.images.values())
    limits = ctx.config.spool
    try:
        ctx.spool.check_room(job_bytes, limits.min_free_mb, limits.quota_mb)
        job_id = ctx.spool.submit(request)
    except SpoolError as exc:
        raise error(f"spool cannot take the job: {exc}") from exc

    ctx.log.info("job=%s queued: %d film(s)", job_id, len(films))
    ctx.spooler.enqueue(job_id, request.film_session["PrintPriority"])
    if ctx.on_job_created is not None:
        ctx.on_job_created(job_id, print_job_uid)
    if PRINT_JOB not in ctx.accepted_abstract_syntaxes:
        return Response()

    # The Action Reply names the Print Job (PS3.4 H.4.2.2.4): tag (2100,0500).
    item = Dataset()
    item.ReferencedSOPClassUID = PRINT_JOB
    item.ReferencedSOPInstanceUID = print_job_uid
    reply = Dataset()
    reply.ReferencedPrintJobSequencePullStoredPrint = [item]
    return Response(dataset=reply)
