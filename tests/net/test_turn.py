"""Print Management requests take turns: one handler runs at a time, across
associations, and a request whose turn does not come soon runs anyway."""

import threading
import time

import numpy as np

from printserver.scp import TURN_WAIT_SECONDS
from tests.printclient import PrintClient, grayscale_item


def test_a_request_waits_for_the_running_handler(print_server):
    scp, port, _ = print_server
    with PrintClient(port) as client:
        scp._turn.acquire()  # another association's handler is running
        threading.Timer(0.1, scp._turn.release).start()
        started = time.monotonic()
        status, _ = client.create_session()
        waited = time.monotonic() - started
    assert status.Status == 0x0000
    assert waited >= 0.1


def test_a_request_runs_when_its_turn_does_not_come(print_server, tmp_path):
    # A handler held up (a slow disk under a big job) holds nobody up for
    # more than TURN_WAIT_SECONDS: the film still prints.
    scp, port, watcher = print_server
    assert scp._turn.acquire()
    try:
        with PrintClient(port) as client:
            started = time.monotonic()
            assert client.create_session()[0].Status == 0x0000
            waited = time.monotonic() - started
            _, rsp = client.create_film_box()
            client.fill(
                rsp, lambda position: grayscale_item(np.full((8, 8), 60, np.uint8))
            )
            assert client.print_film_box()[0].Status == 0x0000
    finally:
        scp._turn.release()
    assert TURN_WAIT_SECONDS <= waited < TURN_WAIT_SECONDS + 5
    assert list(watcher.wait_finished(1).values()) == ["done"]
    # And the turn is free again afterwards: no request kept it.
    assert scp._turn.acquire(blocking=False)
    scp._turn.release()
