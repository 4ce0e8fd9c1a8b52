"""What the web page's views work on: the server's configuration, spool,
printer states and metrics, kept on the Flask app."""

from dataclasses import dataclass

from flask import current_app

from printserver.config import Config
from printserver.metrics import Metrics
from printserver.spool import PrinterStates, Spool

#: Key of the context in ``app.extensions``.
EXTENSION = "printserver"


@dataclass(frozen=True)
class WebContext:
    """The server's parts the views call (the same the CLI calls)."""

    config: Config
    spool: Spool
    printers: PrinterStates
    metrics: Metrics | None = None


def context() -> WebContext:
    """The context of the app handling the current request."""
    web: WebContext = current_app.extensions[EXTENSION]
    return web
