"""Log lines as the terminal and the journal want them."""

import io
import logging
import os
import sys

import pytest

from printserver.logsetup import JournalFormatter, OneLineFormatter, logging_config


class Stderr:
    """A stand-in for sys.stderr: a real file, a terminal or not."""

    def __init__(self, path, tty):
        self.file = open(path, "w")  # closed by the fixture
        self.tty = tty

    def isatty(self):
        return self.tty

    def fileno(self):
        return self.file.fileno()


@pytest.fixture
def stderr(tmp_path, monkeypatch):
    """Replace sys.stderr; clear the variables systemd sets."""
    for name in ("INVOCATION_ID", "JOURNAL_STREAM"):
        monkeypatch.delenv(name, raising=False)
    made = []

    def make(tty):
        fake = Stderr(tmp_path / f"stderr{len(made)}", tty)
        made.append(fake)
        monkeypatch.setattr(sys, "stderr", fake)
        return fake

    yield make
    for fake in made:
        fake.file.close()


def formatter(config):
    return config["formatters"]["plain"]


def test_terminal_gets_timestamps(stderr):
    stderr(tty=True)
    assert formatter(logging_config())["fmt"].startswith("%(asctime)s ")


def test_pipe_gets_none(stderr):
    stderr(tty=False)
    assert formatter(logging_config()) == {
        "()": OneLineFormatter,
        "fmt": "%(levelname)s %(name)s: %(message)s",
    }


@pytest.mark.parametrize("variable", ["INVOCATION_ID", "JOURNAL_STREAM"])
def test_under_systemd_no_timestamps_even_on_a_terminal(stderr, monkeypatch, variable):
    stderr(tty=True)  # StandardError=tty
    monkeypatch.setenv(variable, "8:1234")
    assert "asctime" not in str(formatter(logging_config()))


def test_journal_stream_gets_priorities(stderr, monkeypatch):
    fake = stderr(tty=False)
    st = os.fstat(fake.fileno())
    monkeypatch.setenv("JOURNAL_STREAM", f"{st.st_dev}:{st.st_ino}")
    monkeypatch.setenv("INVOCATION_ID", "0123")
    config = formatter(logging_config())
    assert config["()"] is JournalFormatter
    assert "asctime" not in config["fmt"]

    fmt = JournalFormatter(config["fmt"])
    record = logging.LogRecord(
        "printserver.spooler", logging.ERROR, __file__, 1, "job=%s failed\nline 2",
        ("J1",), None,
    )  # fmt: skip
    record.exc_text = "Traceback (most recent call last):\nValueError"
    # The message stays one line; a traceback's lines each get the level.
    assert fmt.format(record) == (
        "<3>ERROR printserver.spooler: job=J1 failed\\x0aline 2\n"
        "<3>Traceback (most recent call last):\n<3>ValueError"
    )
    levels = {
        logging.DEBUG: 7, logging.INFO: 6, logging.WARNING: 4, logging.CRITICAL: 2,
    }  # fmt: skip
    for level, priority in levels.items():
        record = logging.LogRecord("x", level, __file__, 1, "m", (), None)
        assert fmt.format(record).startswith(f"<{priority}>")


def test_journal_stream_of_another_file_is_ignored(stderr, monkeypatch):
    # stderr redirected (2>file) inside a service: the stream is not ours.
    stderr(tty=False)
    monkeypatch.setenv("JOURNAL_STREAM", "1:1")
    assert formatter(logging_config())["()"] is OneLineFormatter


def test_peer_text_cannot_forge_a_line():
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(OneLineFormatter("%(levelname)s %(name)s: %(message)s"))
    log = logging.getLogger("printserver.test_forge")
    log.addHandler(handler)
    try:
        log.warning("label %r, AE %s", "a\nb", "EVIL\nERROR printserver: fake\x1b[2J")
    finally:
        log.removeHandler(handler)
    assert out.getvalue() == (
        "WARNING printserver.test_forge: label 'a\\nb', AE "
        "EVIL\\x0aERROR printserver: fake\\x1b[2J\n"
    )
