"""The server's supported contexts, copied by pynetdicom for each
association: the copy must be equal to the original and not share its
lists, whatever the copy costs."""

import copy

from pynetdicom import build_context
from pynetdicom.sop_class import CTImageStorage  # type: ignore[attr-defined]

from printserver.scp._contexts import share_contexts


def test_a_shared_context_copies_equal_and_apart():
    context = build_context(
        CTImageStorage, ["1.2.840.10008.1.2", "1.2.840.10008.1.2.1"]
    )
    context.scp_role = True
    contexts = [context]
    share_contexts(contexts)

    [twin] = copy.deepcopy(contexts)

    assert twin is not context
    assert twin.abstract_syntax == CTImageStorage
    assert twin.transfer_syntax == ["1.2.840.10008.1.2", "1.2.840.10008.1.2.1"]
    assert twin.scp_role is True
    twin.transfer_syntax.append("1.2.840.10008.1.2.2")
    twin.context_id = 7
    assert len(context.transfer_syntax) == 2
    assert context.context_id is None
