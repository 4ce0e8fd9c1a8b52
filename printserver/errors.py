"""Exceptions that carry the DIMSE status the peer receives.

A handler raises one of these; the network boundary in ``scp`` turns it into
its status and Error Comment.  Imports only ``status``.
"""

from printserver.status import Status


class PrintServerError(Exception):
    """Base class: a failure with the DIMSE status to send.

    Parameters
    ----------
    message : str
        What went wrong, naming the attribute and the value received.  The
        first 64 characters become the Error Comment (0000,0902).
    attribute_tags : list of int, optional
        Tags to list in the response's Attribute Identifier List.
    """

    status: Status = Status.PROCESSING_FAILURE

    def __init__(self, message: str, attribute_tags: list[int] | None = None):
        super().__init__(message)
        self.attribute_tags = attribute_tags or []


class MissingAttributeError(PrintServerError):
    """A mandatory attribute is absent (0x0120)."""

    status = Status.MISSING_ATTRIBUTE


class InvalidAttributeValueError(PrintServerError):
    """An attribute has a value we do not accept (0x0106)."""

    status = Status.INVALID_ATTRIBUTE_VALUE


class NoSuchAttributeError(PrintServerError):
    """An attribute is not allowed in this request (0x0105)."""

    status = Status.NO_SUCH_ATTRIBUTE


class NoSuchInstanceError(PrintServerError):
    """The addressed SOP Instance does not exist here (0x0112)."""

    status = Status.NO_SUCH_SOP_INSTANCE


class DuplicateInstanceError(PrintServerError):
    """The SOP Instance UID is already in use (0x0111)."""

    status = Status.DUPLICATE_SOP_INSTANCE


class ClassInstanceConflictError(PrintServerError):
    """The SOP Instance is not of the SOP class named (0x0119)."""

    status = Status.CLASS_INSTANCE_CONFLICT


class NoSuchSOPClassError(PrintServerError):
    """The SOP class is not served by this handler (0x0118)."""

    status = Status.NO_SUCH_SOP_CLASS


class NoSuchActionError(PrintServerError):
    """The Action Type ID is not one we know (0x0123)."""

    status = Status.NO_SUCH_ACTION


class UnrecognizedOperationError(PrintServerError):
    """The DIMSE operation is not supported for the SOP class (0x0211)."""

    status = Status.UNRECOGNIZED_OPERATION


class FilmSessionNoFilmBoxError(PrintServerError):
    """Film Session N-ACTION with no film box (0xC600)."""

    status = Status.FILM_SESSION_NO_FILM_BOX


class QueueFullError(PrintServerError):
    """The spool cannot take a Film Box's job (0xC602)."""

    status = Status.FILM_BOX_QUEUE_FULL


class SessionQueueFullError(PrintServerError):
    """The spool cannot take a Film Session's job (0xC601)."""

    status = Status.FILM_SESSION_QUEUE_FULL


class ResourceLimitError(PrintServerError):
    """A configured limit would be crossed (0x0213)."""

    status = Status.RESOURCE_LIMITATION


class ImageTooLargeError(PrintServerError):
    """The image does not fit its box and may not be cut (0xC603)."""

    status = Status.IMAGE_TOO_LARGE


class IdentifierError(PrintServerError):
    """A C-FIND, C-MOVE or C-GET identifier breaks the query rules (0xA900).

    Its ``attribute_tags`` become the Offending Element (0000,0901).
    """

    status = Status.IDENTIFIER_DOES_NOT_MATCH_SOP_CLASS


class StorageRefusedError(PrintServerError):
    """A C-STORE data set we cannot keep as it is (0xC000)."""

    status = Status.CANNOT_UNDERSTAND


class OutOfResourcesError(PrintServerError):
    """The archive cannot take the instance: disk full or below the free
    space printing needs (0xA700)."""

    status = Status.OUT_OF_RESOURCES


class SpoolError(Exception):
    """The spool could not store or update a job (disk, permissions)."""


class ConfigError(Exception):
    """The configuration is invalid; the message names the key."""


class RenderError(Exception):
    """A job could not be rendered or converted (e.g. Ghostscript failed)."""
