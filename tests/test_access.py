"""The access rules alone: who may associate, and what each request needs."""

import pytest

from printserver import access
from printserver.config import parse_config

CONFIG = parse_config(
    '[server]\npeer_policy = "registered"\n'
    '[[peers]]\nae_title = "CT"\nhost = "localhost"\npermissions = ["print"]\n'
    '[[peers]]\nae_title = "ANY"\n'
    '[[printers]]\nname = "paper"\ncalled_ae_titles = ["PAPER"]\n'
)


@pytest.mark.parametrize(
    ("calling", "called", "address", "reason"),
    [
        ("CT", "PRINTSCP", "127.0.0.1", None),
        ("CT", "PAPER", "::ffff:127.0.0.1", None),  # a route's AE title, mapped v4
        ("CT", "PRINTSCP", "127.0.0.2", access.REASON_CALLING_AE_NOT_RECOGNIZED),
        ("ANY", "PRINTSCP", "10.9.9.9", None),  # no host: any address
        ("WHO", "PRINTSCP", "127.0.0.1", access.REASON_CALLING_AE_NOT_RECOGNIZED),
        ("CT", "ELSE", "127.0.0.1", access.REASON_CALLED_AE_NOT_RECOGNIZED),
    ],
)
def test_association_checks(calling, called, address, reason):
    rejection = access.check_association(CONFIG, calling, called, address)
    if reason is None:
        assert rejection is None
        return
    assert (rejection.result, rejection.source, rejection.reason) == (
        access.RESULT_REJECTED_PERMANENT,
        access.SOURCE_SERVICE_USER,
        reason,
    )


@pytest.mark.parametrize(
    ("operation", "sop_class", "permission"),
    [
        ("C-ECHO", "1.2.840.10008.1.1", "status"),
        ("N-GET", "1.2.840.10008.5.1.1.16", "status"),
        ("N-GET", "1.2.840.10008.5.1.1.16.376", "status"),
        ("N-GET", "1.2.840.10008.5.1.1.14", "print"),  # a Print Job
        ("N-CREATE", "1.2.840.10008.5.1.1.1", "print"),
        ("C-STORE", "1.2.840.10008.5.1.4.1.1.2", "store"),
        ("C-FIND", "1.2.840.10008.5.1.4.1.2.2.1", "query"),
        ("C-MOVE", "1.2.840.10008.5.1.4.1.2.2.2", "retrieve"),
        ("C-GET", "1.2.840.10008.5.1.4.1.2.2.3", "retrieve"),
        ("N-EVENT-REPORT", "1.2.840.10008.5.1.1.14", None),
    ],
)
def test_required_permissions(operation, sop_class, permission):
    assert access.required_permission(operation, sop_class) == permission


def test_permissions_by_policy():
    assert access.permissions(CONFIG, "CT") == {"print"}
    assert access.permissions(CONFIG, "WHO") == frozenset()
    open_config = parse_config("")
    assert access.permissions(open_config, "WHO") == set(access.PEER_PERMISSIONS)
    assert access.open_policy_warning(open_config).startswith("peer_policy is 'any'")
    assert access.open_policy_warning(CONFIG) is None
