"""Logging set-up: the only module that adds handlers or sets levels.

Lines go to stderr as ``LEVEL name: message`` (journald adds the time); a
terminal run adds a timestamp, a run under systemd never does.  When stderr
is the journal's stream, each line also starts with its syslog priority
(``<3>`` for ERROR), which journald takes as the entry's level, so that
``journalctl -p warning`` works.  pynetdicom's own logger stays at WARNING;
its DEBUG dumps go to ``printserver.traffic`` only when asked for.

Every message is written on one line: control characters in it (a newline
in an AE title or a film label a peer sent, a terminal escape) are escaped,
so no peer can forge a log line.  Python warnings (pydicom's about values
it read) are logged the same way rather than printed raw.
"""

import logging.config
import os
import sys
from collections.abc import Mapping
from typing import Any

from printserver.logsafe import escape

#: Syslog priority of each level, highest level first (sd-daemon(3)).
_PRIORITIES = {
    logging.CRITICAL: 2,
    logging.ERROR: 3,
    logging.WARNING: 4,
    logging.INFO: 6,
    logging.DEBUG: 7,
}


class OneLineFormatter(logging.Formatter):
    """Escapes control characters in the message (not in a traceback)."""

    def formatMessage(self, record: logging.LogRecord) -> str:  # noqa: N802
        record.message = escape(record.message)
        return super().formatMessage(record)


class JournalFormatter(OneLineFormatter):
    """Starts every line of a record with ``<priority>`` for journald."""

    def format(self, record: logging.LogRecord) -> str:
        priority = next((p for lv, p in _PRIORITIES.items() if record.levelno >= lv), 7)
        prefix = f"<{priority}>"
        # A traceback is several journal entries: each gets the level.
        return prefix + super().format(record).replace("\n", "\n" + prefix)


def under_systemd(environ: Mapping[str, str] | None = None) -> bool:
    """True when systemd started us (as a service, or with systemd-run)."""
    env = os.environ if environ is None else environ
    return "INVOCATION_ID" in env or "JOURNAL_STREAM" in env


def stderr_is_journal(environ: Mapping[str, str] | None = None) -> bool:
    """True when stderr is the stream ``$JOURNAL_STREAM`` names
    (``device:inode``), i.e. not redirected elsewhere."""
    env = os.environ if environ is None else environ
    try:
        device, inode = (int(n) for n in env.get("JOURNAL_STREAM", "").split(":"))
        st = os.fstat(sys.stderr.fileno())
    except (ValueError, OSError, AttributeError):
        return False
    return (st.st_dev, st.st_ino) == (device, inode)


def logging_config(
    level: str = "INFO", timestamps: bool | None = None
) -> dict[str, Any]:
    """Our ``dictConfig``; *timestamps* defaults to "stderr is a terminal,
    and systemd did not start us"."""
    if timestamps is None:
        timestamps = sys.stderr.isatty() and not under_systemd()
    fmt = "%(levelname)s %(name)s: %(message)s"
    if timestamps:
        fmt = "%(asctime)s " + fmt
    formatter: dict[str, Any] = {"()": OneLineFormatter, "fmt": fmt}
    if stderr_is_journal():
        formatter = {"()": JournalFormatter, "fmt": fmt}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"plain": formatter},
        "handlers": {
            "stderr": {
                "class": "logging.StreamHandler",
                "formatter": "plain",
                "stream": "ext://sys.stderr",
            }
        },
        "loggers": {
            "printserver": {"level": level, "handlers": ["stderr"], "propagate": False},
            "printserver.traffic": {"level": "WARNING", "propagate": False},
            "py.warnings": {"handlers": ["stderr"], "propagate": False},
            # It also logs each invalid value it reads; the warning says it.
            "pydicom": {"level": "ERROR", "handlers": ["stderr"], "propagate": False},
            "pynetdicom": {
                "level": "WARNING",
                "handlers": ["stderr"],
                "propagate": False,
            },
        },
    }


def init_logging(level: str = "INFO", timestamps: bool | None = None) -> None:
    """Configure logging for a command-line run."""
    logging.config.dictConfig(logging_config(level, timestamps))
    logging.captureWarnings(True)
