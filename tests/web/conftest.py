"""A print server with its web admin page on loopback, and an HTTP client."""

import http.cookiejar
import re
import urllib.error
import urllib.parse
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass, replace

import pytest

from printserver.password import hash_password
from printserver.scp import PrintSCP
from printserver.web import WebAdmin
from tests.conftest import JobWatcher, polling_observer

PASSWORD = "film-at-eleven"


@dataclass
class WebServer:
    scp: PrintSCP
    dicom_port: int
    url: str
    watcher: JobWatcher


@contextmanager
def running_web(server_config):
    """PrintSCP and its page, both on OS-chosen loopback ports."""
    web_config = replace(
        server_config.web,
        enabled=True,
        port=0,
        password_hash=hash_password(PASSWORD),
        refresh_seconds=0.5,
    )
    config = replace(server_config, web=web_config)
    scp = PrintSCP(config, polling_observer)
    web = WebAdmin(config, scp.spooler, scp)
    watcher = JobWatcher()  # after the metrics' listener: it counts first
    scp.spooler.add_listener(watcher)
    _, dicom_port = scp.start()
    try:
        host, port = web.start()
        yield WebServer(scp, dicom_port, f"http://{host}:{port}", watcher)
    finally:
        web.stop()
        scp.stop()


@pytest.fixture
def web_server(server_config):
    """The embedded configuration's server, with its page."""
    with running_web(server_config) as server:
        yield server


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Client:
    """An HTTP client with cookies that does not follow redirects."""

    def __init__(self, base):
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()),
            _NoRedirect,
        )

    def request(self, path, form=None):
        """(status, headers, body text) of a GET, or a POST of *form*."""
        data = urllib.parse.urlencode(form).encode() if form is not None else None
        try:
            with self.opener.open(self.base + path, data, timeout=10) as rsp:
                return rsp.status, rsp.headers, rsp.read().decode()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.headers, exc.read().decode()

    def token(self, path="/login"):
        """The CSRF token of the form on *path*."""
        _, _, body = self.request(path)
        return re.search(r'name="csrf_token" value="([^"]+)"', body).group(1)

    def login(self, password=PASSWORD):
        return self.request(
            "/login", {"csrf_token": self.token(), "password": password}
        )


@pytest.fixture
def client(web_server):
    return Client(web_server.url)
