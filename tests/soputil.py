"""Helpers to call the SOP handlers directly, without a network."""

from pydicom import config
from pydicom.dataset import Dataset

from printserver.errors import PrintServerError
from printserver.sop import Request, dispatch

SESSION = "1.2.840.10008.5.1.1.1"
FILM_BOX = "1.2.840.10008.5.1.1.2"
IMAGE_BOX = "1.2.840.10008.5.1.1.4"
PRINTER = "1.2.840.10008.5.1.1.16"
PLUT = "1.2.840.10008.5.1.1.23"
SESSION_UID = "1.2.3.1"
FILM_BOX_UID = "1.2.3.2"


def ds(**attributes):
    """A dataset; peers send values pydicom would refuse, so no validation."""
    result = Dataset()
    with config.disable_value_validation():
        for keyword, value in attributes.items():
            setattr(result, keyword, value)
    return result


def session_ref():
    return [ds(ReferencedSOPClassUID=SESSION, ReferencedSOPInstanceUID=SESSION_UID)]


def call(ctx, operation, sop_class, uid, dataset=None, **kwargs):
    req = Request(
        sop_class, uid, dataset if dataset is not None else Dataset(), **kwargs
    )
    try:
        return dispatch(operation, ctx, req)
    except PrintServerError as exc:
        return exc
