"""pynetdicom's loops on an accepted association wake when work arrives,
not at their next 1 ms turn: a message queued for the association's
thread ends its wait at once, and so does a response queued for sending
or data arriving on the socket for the DUL thread."""

import queue
import socket
import threading
import time

from printserver.scp._reactor import _dul_wait, _message_wait, _Wakeup


def test_a_queued_message_ends_the_wait():
    messages = queue.Queue()
    threading.Timer(0.05, messages.put, [("context", "message")]).start()
    start = time.monotonic()
    while messages.empty():
        _message_wait(messages, 5.0)
    assert time.monotonic() - start < 1.0  # not the 5 s timeout


def test_an_empty_queue_waits_out_its_time():
    start = time.monotonic()
    _message_wait(queue.Queue(), 0.05)
    assert time.monotonic() - start >= 0.045


class _Dul:
    def __init__(self, sock):
        self.socket = type("AssociationSocket", (), {"socket": sock})()


def test_the_dul_wakes_for_data_and_for_a_response():
    ours, theirs = socket.socketpair()
    with ours, theirs:
        dul, wakeup = _Dul(ours), _Wakeup()
        threading.Timer(0.05, theirs.send, [b"x"]).start()
        start = time.monotonic()
        _dul_wait(dul, wakeup, 5.0)
        assert time.monotonic() - start < 1.0
        ours.recv(1)

        threading.Timer(0.05, wakeup.wake).start()
        start = time.monotonic()
        _dul_wait(dul, wakeup, 5.0)
        assert time.monotonic() - start < 1.0

        start = time.monotonic()  # the wake-up was drained: a full wait
        _dul_wait(dul, wakeup, 0.05)
        assert time.monotonic() - start >= 0.045
