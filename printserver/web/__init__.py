"""The web admin page and ``/metrics``, served by ``printserver serve``.

Flask renders the pages on the server from Jinja templates (no front-end
build); waitress serves them from a few threads of the same process.  The
views call the spool's and the printer states' operations, as the CLI does.

Sits beside the command line: may import ``spool``, ``spooler``, ``admin``
and ``metrics``; never ``sop`` or ``scp`` (the SCP is handed in for its
listener hook only).
"""

import logging
import threading
from typing import Any

from waitress import wasyncore
from waitress.server import create_server

from printserver.config import Config
from printserver.metrics import AssociationSource, Metrics
from printserver.password import (
    add_passwd_parser,
    hash_password,
    run_passwd,
    verify_password,
)
from printserver.spool import PrinterStates
from printserver.spooler import Spooler
from printserver.web._app import create_app
from printserver.web._context import WebContext

__all__ = [
    "WebAdmin",
    "add_passwd_parser",
    "hash_password",
    "run_passwd",
    "verify_password",
]

logger = logging.getLogger(__name__)

#: Addresses that keep the page on this machine.
LOOPBACK = ("127.0.0.1", "::1", "localhost")
#: Seconds of each turn of the serving loop: how soon stop() is seen.
LOOP_SECONDS = 0.2
#: Threads serving requests: a few people and a scraper at once.
THREADS = 4


class WebAdmin:
    """The page's server, on ``[web] host:port``.

    Parameters
    ----------
    config : Config
        ``config.web`` says where to listen.
    spooler : Spooler
        Its spool and listeners.
    associations : AssociationSource, optional
        The SCP, whose associations the metrics count.
    """

    def __init__(
        self,
        config: Config,
        spooler: Spooler,
        associations: AssociationSource | None = None,
    ):
        self.config = config
        self.metrics = Metrics(config, spooler, associations)
        self.app = create_app(
            WebContext(
                config=config,
                spool=spooler.spool,
                printers=PrinterStates(spooler.spool.data_root),
                metrics=self.metrics,
            )
        )
        self._map: dict[Any, Any] = {}
        self._server: Any = None
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()

    def start(self) -> tuple[str, int]:
        """Bind the port and serve (non-blocking); the address bound.

        Raises
        ------
        OSError
            When the port cannot be bound.
        """
        web = self.config.web
        # LIMITATION(LIM-009): plain HTTP; TLS is an SSH tunnel's or a proxy's.
        self._server = create_server(
            self.app, map=self._map, host=web.host, port=web.port, threads=THREADS,
            ident="printserver", clear_untrusted_proxy_headers=True,
        )  # fmt: skip
        host, port = self._server.effective_host, int(self._server.effective_port)
        self._thread = threading.Thread(target=self._serve, name="web", daemon=True)
        self._thread.start()
        if not web.password_hash:
            logger.warning("web admin page: no password set (printserver passwd)")
        if host in LOOPBACK:
            logger.info("web admin page on http://%s:%s/", host, port)
        else:
            logger.warning(
                "web admin page on http://%s:%s/, open to the network", host, port
            )
        return str(host), port

    def _serve(self) -> None:
        """waitress's loop, one turn at a time until asked to stop; then
        the sockets are closed on this thread, not under its feet."""
        while not self._stopping.is_set():
            wasyncore.loop(timeout=LOOP_SECONDS, map=self._map, count=1)
        self._server.task_dispatcher.shutdown()
        wasyncore.close_all(self._map)

    def stop(self) -> None:
        """Stop serving; requests under way get a few seconds."""
        if self._thread is None:
            return
        self._stopping.set()
        self._thread.join(10)
        self._thread = None
