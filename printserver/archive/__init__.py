"""The DICOM archive beside the printer: stored instances and their index.

SOP-model level: takes and returns pydicom data sets; never imports
pynetdicom (the network side is ``scp._archive``).
"""

from printserver.archive import _contents as contents
from printserver.archive._charset import TextDecoder, answer_character_set
from printserver.archive._films import PrintedFilm, film_image
from printserver.archive._query import (
    InformationModel,
    Query,
    QueryRetrieveLevelValues,
    parse_identifier,
)
from printserver.archive._reprint import (
    film_as_printed,
    print_study,
    reprint_archived,
)
from printserver.archive._retention import Purged, Retention, RetentionPolicy
from printserver.archive._store import Archive, InstanceFile, StoredInstance

__all__ = [
    "Archive",
    "InformationModel",
    "InstanceFile",
    "PrintedFilm",
    "Purged",
    "Query",
    "QueryRetrieveLevelValues",
    "Retention",
    "RetentionPolicy",
    "StoredInstance",
    "TextDecoder",
    "answer_character_set",
    "contents",
    "film_as_printed",
    "film_image",
    "parse_identifier",
    "print_study",
    "reprint_archived",
]
