"""DIMSE status codes used by the print server, by name.

Owns the numeric values of PS3.7 Annex C and PS3.4 Annex H statuses so that
no hex literal appears at a call site.  Imports nothing from the package.
"""

from enum import IntEnum


class Status(IntEnum):
    """DIMSE status values (0000,0900) this server sends or reads."""

    SUCCESS = 0x0000

    # PS3.7 Annex C, general DIMSE-N statuses
    NO_SUCH_ATTRIBUTE = 0x0105
    INVALID_ATTRIBUTE_VALUE = 0x0106
    ATTRIBUTE_LIST_ERROR = 0x0107
    PROCESSING_FAILURE = 0x0110
    DUPLICATE_SOP_INSTANCE = 0x0111
    NO_SUCH_SOP_INSTANCE = 0x0112
    NO_SUCH_EVENT_TYPE = 0x0113
    NO_SUCH_ARGUMENT = 0x0114
    INVALID_ARGUMENT_VALUE = 0x0115
    ATTRIBUTE_VALUE_OUT_OF_RANGE = 0x0116
    INVALID_OBJECT_INSTANCE = 0x0117
    NO_SUCH_SOP_CLASS = 0x0118
    CLASS_INSTANCE_CONFLICT = 0x0119
    MISSING_ATTRIBUTE = 0x0120
    MISSING_ATTRIBUTE_VALUE = 0x0121
    NO_SUCH_ACTION = 0x0123
    NOT_AUTHORIZED = 0x0124
    UNRECOGNIZED_OPERATION = 0x0211
    RESOURCE_LIMITATION = 0x0213

    # PS3.4 Annex H, print management
    MEMORY_ALLOCATION_NOT_SUPPORTED = 0xB600
    FILM_SESSION_EMPTY_PAGE = 0xB602
    FILM_BOX_EMPTY_PAGE = 0xB603
    IMAGE_DEMAGNIFIED = 0xB604
    DENSITY_OUT_OF_RANGE = 0xB605
    IMAGE_CROPPED = 0xB609
    IMAGE_DECIMATED = 0xB60A
    FILM_SESSION_NO_FILM_BOX = 0xC600
    FILM_SESSION_QUEUE_FULL = 0xC601
    FILM_BOX_QUEUE_FULL = 0xC602
    IMAGE_TOO_LARGE = 0xC603
    INSUFFICIENT_MEMORY = 0xC605
    COMBINED_IMAGE_TOO_LARGE = 0xC613
    UNPRINTED_FILM_BOX_EXISTS = 0xC616

    # PS3.4 Annex B (Storage) and Annex C (Query/Retrieve)
    OUT_OF_RESOURCES = 0xA700
    MOVE_DESTINATION_UNKNOWN = 0xA801
    IDENTIFIER_DOES_NOT_MATCH_SOP_CLASS = 0xA900
    CANNOT_UNDERSTAND = 0xC000
    SUB_OPERATIONS_COMPLETE_WITH_FAILURES = 0xB000
    CANCEL = 0xFE00
    PENDING = 0xFF00
    PENDING_OPTIONAL_KEYS_NOT_SUPPORTED = 0xFF01

    @property
    def is_warning(self) -> bool:
        """True for the warning class (0x0001, 0x0107, 0x0116, 0xBxxx)."""
        return self in _WARNINGS or (self & 0xF000) == 0xB000

    @property
    def is_failure(self) -> bool:
        """True for every status that is neither success nor a warning."""
        return self != Status.SUCCESS and not self.is_warning


_WARNINGS = {Status.ATTRIBUTE_LIST_ERROR, Status.ATTRIBUTE_VALUE_OUT_OF_RANGE}
