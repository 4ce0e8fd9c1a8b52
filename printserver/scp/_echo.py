"""C-ECHO as a client: is a DICOM application answering at an address?

``printserver doctor`` uses it to tell a port held by a running print server
from one held by some other program.  Part of the network layer, the only
one that imports pynetdicom.
"""

from pynetdicom import AE
from pynetdicom.sop_class import Verification  # type: ignore[attr-defined]


def echo(
    host: str, port: int, called_ae: str, calling_ae: str, timeout: float = 5.0
) -> int | None:
    """Send one C-ECHO and release.

    Parameters
    ----------
    host, port : str, int
        Where the peer listens.
    called_ae, calling_ae : str
        The peer's AE title and ours.
    timeout : float
        Seconds for the connection and for each reply.

    Returns
    -------
    int or None
        The C-ECHO response's Status, or None when no association was
        established (nobody listens, a program that does not speak DICOM,
        or a rejection).

    References
    ----------
    PS3.7 9.1.5 (C-ECHO).
    """
    ae = AE(ae_title=calling_ae)
    ae.add_requested_context(Verification)
    ae.connection_timeout = timeout
    ae.acse_timeout = timeout
    ae.dimse_timeout = timeout
    ae.network_timeout = timeout
    assoc = ae.associate(host, port, ae_title=called_ae)
    if not assoc.is_established:
        return None
    try:
        rsp = assoc.send_c_echo()
    finally:
        assoc.release()
    return int(rsp.Status) if "Status" in rsp else None
