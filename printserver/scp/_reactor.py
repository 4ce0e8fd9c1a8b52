"""Wake pynetdicom's two loops per association when there is work.

pynetdicom runs two polling loops for each association: the DUL thread
looks at the socket and sleeps 1 ms when nothing came; the association's
thread looks for a decoded message and sleeps 1 ms between looks.  Every
request and every response waits out a part of such a sleep, about 40 ms
over a print job of 26 messages (issue #3).

Here each of those sleeps, on the threads of an association we accepted,
becomes a wait that ends early: the DUL thread waits for the socket to be
readable or for a response to be queued for sending (a wake-up file
descriptor, written when one is), and the association's thread waits for a
message to be queued for it.  Both still give up after the same 1 ms, so
timers, releases and aborts are seen as soon as before, and an idle
association wakes no more often than it did.

Only ``time.sleep`` as seen by the modules ``pynetdicom.dul`` and
``pynetdicom.association`` is replaced; any other thread, or a sleep of
another length, sleeps as before.
"""

import os
import queue
import select
import threading
import time
import types
from typing import Any

import pynetdicom.association
import pynetdicom.dul
from pynetdicom.association import Association

#: The sleep of each turn of the association's loop (pynetdicom 3.0).
_TURN = 0.001


class _Wakeup:
    """An eventfd: written when the DUL thread has something to send."""

    def __init__(self) -> None:
        self.fd = os.eventfd(0, os.EFD_NONBLOCK | os.EFD_CLOEXEC)

    def wake(self) -> None:
        try:
            os.eventfd_write(self.fd, 1)
        except OSError:  # closed, or its counter is full: the loop is awake
            pass

    def drain(self) -> None:
        try:
            os.eventfd_read(self.fd)
        except OSError:  # nothing written since the last drain
            pass

    def __del__(self) -> None:
        # Closed with its association's DUL, once nothing waits on it.
        os.close(self.fd)


def _dul_wait(dul: Any, wakeup: _Wakeup, seconds: float) -> None:
    """Sleep up to *seconds*, or until the socket is readable or a
    response is queued."""
    sock = getattr(dul.socket, "socket", None)
    if sock is None:
        time.sleep(seconds)
        return
    try:
        readable, _, _ = select.select([sock, wakeup.fd], [], [], seconds)
    except (OSError, ValueError):  # the socket closed under us
        time.sleep(seconds)
        return
    if wakeup.fd in readable:
        wakeup.drain()


def _message_wait(messages: "queue.Queue[Any]", seconds: float) -> None:
    """Sleep up to *seconds*, or until a message is queued."""
    with messages.not_empty:
        if not messages.queue:
            messages.not_empty.wait(seconds)


def _sleep(seconds: float) -> None:
    """``time.sleep`` for pynetdicom's modules: the thread's own wait when
    it has one."""
    wait = getattr(threading.current_thread(), "_printserver_wait", None)
    if wait is None:
        time.sleep(seconds)
    else:
        wait(seconds)


#: ``time`` as pynetdicom's two modules see it: theirs, but for ``sleep``.
_TIME = types.SimpleNamespace(**{**vars(time), "sleep": _sleep})


def install() -> None:
    """Replace the sleeps of pynetdicom's loops (once per process)."""
    pynetdicom.dul.time = _TIME  # type: ignore[assignment]
    pynetdicom.association.time = _TIME  # type: ignore[assignment]


def wake_on_work(assoc: Association) -> None:
    """Let the loops of *assoc* (an acceptor, before it starts) wake when
    its work arrives."""
    dul = assoc.dul
    wakeup = _Wakeup()
    outgoing = dul.to_provider_queue
    put = outgoing.put

    def put_and_wake(item: Any, *args: Any, **kwargs: Any) -> None:
        put(item, *args, **kwargs)
        wakeup.wake()

    outgoing.put = put_and_wake  # type: ignore[method-assign]
    dul._printserver_wakeup = wakeup  # type: ignore[attr-defined]
    dul._printserver_wait = (  # type: ignore[attr-defined]
        lambda seconds: _dul_wait(dul, wakeup, seconds)
    )
    messages = assoc.dimse.msg_queue

    def association_wait(seconds: float) -> None:
        # Not once it is being killed: pynetdicom then sleeps 1 ms at a time
        # until the DUL thread ends, and a message left queued would make
        # that wait spin.
        if seconds == _TURN and not assoc._kill:
            _message_wait(messages, seconds)
        else:
            time.sleep(seconds)

    assoc._printserver_wait = association_wait  # type: ignore[attr-defined]
