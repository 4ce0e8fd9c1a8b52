"""Print Job SOP class: N-GET of a job's execution status.

A Print Job exists for every job an N-ACTION queued; its state comes from
the spool, so any association can ask about it while the job is kept.
References: PS3.4 H.4.4.  Must not import ``scp`` or pynetdicom.
"""

from datetime import datetime

from pydicom.dataset import Dataset

from printserver.errors import NoSuchInstanceError
from printserver.sop import _attributes as attrs
from printserver.sop._model import PrintContext, Request, Response
from printserver.sop.uids import PRINT_JOB as SOP_CLASS_UID
from printserver.status import Status

__all__ = ["SOP_CLASS_UID", "execution_status", "handle_n_get"]

#: Spool state to (Execution Status, Execution Status Info), PS3.3 C.13.8.
_EXECUTION = {
    "pending": ("PENDING", "QUEUED"),
    "rendering": ("PRINTING", "NORMAL"),
    "sending": ("PRINTING", "NORMAL"),
    "done": ("DONE", "NORMAL"),
    "failed": ("FAILURE", "INVALID PAGE DES"),
}


def execution_status(state: str) -> tuple[str, str]:
    """(Execution Status, Execution Status Info) of a spool state."""
    return _EXECUTION.get(state, ("PENDING", "QUEUED"))


def _attributes(ctx: PrintContext, job_id: str) -> Dataset:
    job = ctx.spool.read_job(job_id)
    state = ctx.spool.read_state(job_id)
    created = datetime.fromisoformat(job["created"].replace("Z", "+00:00"))
    ds = Dataset()
    ds.ExecutionStatus, ds.ExecutionStatusInfo = execution_status(state["state"])
    ds.PrintPriority = job["film_session"].get("PrintPriority", "MED")
    ds.CreationDate = created.astimezone().strftime("%Y%m%d")
    ds.CreationTime = created.astimezone().strftime("%H%M%S")
    ds.PrinterName = job["printer"]
    ds.Originator = job["calling_ae"]
    return ds


def handle_n_get(ctx: PrintContext, req: Request) -> Response:
    """Report a job's Execution Status and the rest of Table H.4-15."""
    uid = req.sop_instance_uid or ""
    job_id = ctx.spool.find_print_job(uid) if uid else None
    if job_id is None:
        raise NoSuchInstanceError(f"no Print Job {uid}")
    answer, unknown = attrs.select(
        _attributes(ctx, job_id), req.attribute_identifier_list
    )
    if unknown:
        return Response(Status.ATTRIBUTE_LIST_ERROR, answer, attribute_tags=unknown)
    return Response(dataset=answer)
