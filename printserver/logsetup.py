"""Logging set-up: the only module that adds handlers or sets levels.

Lines go to stderr as ``LEVEL name: message`` (journald adds the time); a
terminal run adds a timestamp.  pynetdicom's own logger stays at WARNING;
its DEBUG dumps go to ``printserver.traffic`` only when asked for.
"""

import logging.config
import sys
from typing import Any


def logging_config(
    level: str = "INFO", timestamps: bool | None = None
) -> dict[str, Any]:
    """Our ``dictConfig``; *timestamps* defaults to "stderr is a tty"."""
    if timestamps is None:
        timestamps = sys.stderr.isatty()
    fmt = "%(levelname)s %(name)s: %(message)s"
    if timestamps:
        fmt = "%(asctime)s " + fmt
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"plain": {"format": fmt}},
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
