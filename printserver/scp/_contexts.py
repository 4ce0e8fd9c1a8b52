"""Presentation contexts of the archive: what it takes, and what it offers
when it sends (C-MOVE sub-operations, forwarding)."""

import copy

from pydicom.uid import ExplicitVRLittleEndian, ImplicitVRLittleEndian
from pynetdicom import ALL_TRANSFER_SYNTAXES, build_context
from pynetdicom.presentation import PresentationContext, StoragePresentationContexts

from printserver.archive import InstanceFile

#: Storage SOP classes we take (pynetdicom's list of storage classes).
STORAGE_SOP_CLASSES = tuple(
    str(cx.abstract_syntax) for cx in StoragePresentationContexts
)
#: Transfer syntaxes a C-STORE may use: all, since the bytes are kept.  The
#: acceptor's order decides within a context: Explicit VR Little Endian
#: first, the usual encoding of stored files, so C-GET sends them unchanged.
STORAGE_TRANSFER_SYNTAXES = tuple(
    dict.fromkeys(
        [ExplicitVRLittleEndian, ImplicitVRLittleEndian, *ALL_TRANSFER_SYNTAXES]
    )
)
#: Most presentation contexts one association may propose (PS3.8 9.3.2.2).
_MAX_CONTEXTS = 128


def storage_contexts(instances: list[InstanceFile]) -> list[PresentationContext]:
    """Presentation contexts to send *instances* (C-MOVE, forwarding): each
    class with its stored transfer syntax first (so bytes go unchanged),
    then the uncompressed ones."""
    by_class: dict[str, list[str]] = {}
    for instance in instances:
        syntaxes = by_class.setdefault(instance.sop_class_uid, [])
        if instance.transfer_syntax_uid not in syntaxes:
            syntaxes.insert(0, instance.transfer_syntax_uid)
    if not by_class:  # an association needs one context
        by_class[STORAGE_SOP_CLASSES[0]] = []
    contexts = []
    for sop_class_uid, syntaxes in list(by_class.items())[:_MAX_CONTEXTS]:
        for fallback in (ExplicitVRLittleEndian, ImplicitVRLittleEndian):
            if fallback not in syntaxes:
                syntaxes.append(fallback)
        contexts.append(build_context(sop_class_uid, syntaxes))
    return contexts


class _SharedContext(PresentationContext):
    """A supported context whose deep copy shares its UIDs (immutable)."""

    def __deepcopy__(self, memo: dict[int, object]) -> "_SharedContext":
        twin = copy.copy(self)
        twin._transfer_syntax = list(self._transfer_syntax)
        return twin


def share_contexts(contexts: list[PresentationContext]) -> None:
    """Make pynetdicom's per-association deep copy of *contexts* cheap.

    pynetdicom deep-copies the server's supported contexts for every
    association; with the archive's storage classes that is thousands of
    UIDs, each checked again as it is rebuilt (about 40 ms an association
    here).  UIDs never change, so the copy keeps them and copies the lists.
    """
    for context in contexts:
        context.__class__ = _SharedContext
