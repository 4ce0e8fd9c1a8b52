"""The Flask application: login, CSRF protection, the pages, ``/metrics``.

Sessions are Flask's signed cookies (HttpOnly, SameSite=Strict), signed
with a key kept in the data root so that a restart keeps people logged
in.  Flask-WTF checks a CSRF token on every POST, the login included.
"""

import logging
import os
import secrets
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from flask import Flask, Response, redirect, render_template, request, session
from flask_wtf.csrf import CSRFError, CSRFProtect

from printserver.metrics import CONTENT_TYPE
from printserver.password import verify_password
from printserver.web._context import EXTENSION, WebContext
from printserver.web._views import SHOWN_JOBS, views

logger = logging.getLogger(__name__)

#: File of the session signing key, in the data root.
SECRET_FILE = "web-secret.key"


def session_key(data_root: Path) -> bytes:
    """The key that signs session cookies, made once (mode 0600)."""
    path = data_root / SECRET_FILE
    try:
        key = path.read_bytes()
        if len(key) >= 32:
            return key
    except FileNotFoundError:
        pass
    data_root.mkdir(parents=True, exist_ok=True)
    key = secrets.token_bytes(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(key)
    return key


def shown_time(value: str) -> str:
    """``2026-12-04T11:55:01.123Z`` as ``2026-12-04 11:55:01 UTC``."""
    try:
        when = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except (ValueError, AttributeError):
        return str(value)
    return f"{when.astimezone(UTC):%Y-%m-%d %H:%M:%S} UTC"


def create_app(ctx: WebContext) -> Flask:
    """The web admin application over the server's parts *ctx*."""
    app = Flask(__name__)
    web = ctx.config.web
    app.config.update(
        SECRET_KEY=session_key(ctx.config.data_root),
        SESSION_COOKIE_NAME="printserver_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Strict",
        PERMANENT_SESSION_LIFETIME=timedelta(minutes=web.session_minutes),
        # A token lasts as long as the login; the refresh renews the forms.
        WTF_CSRF_TIME_LIMIT=None,
    )
    app.extensions[EXTENSION] = ctx
    CSRFProtect(app)
    app.add_template_filter(shown_time, "time")
    app.jinja_env.globals["config_ae"] = ctx.config.server.ae_title
    app.jinja_env.globals["shown_jobs"] = SHOWN_JOBS
    app.register_blueprint(views)
    _add_login(app, web.password_hash)

    @app.route("/metrics")
    def metrics() -> Response:
        """Prometheus text format; no login, as scrapers have none."""
        data = ctx.metrics.exposition() if ctx.metrics is not None else b""
        return Response(data, content_type=CONTENT_TYPE)

    @app.errorhandler(CSRFError)
    def csrf_refused(exc: CSRFError) -> tuple[str, int]:
        logger.warning(
            "web request refused from %s: %s %s: %s",
            request.remote_addr, request.method, request.path, exc.description,
        )  # fmt: skip
        return render_template("error.html", message=exc.description), 400

    return app


def _add_login(app: Flask, password_hash: str) -> None:
    """The login form and logout."""

    @app.route("/login", methods=["GET", "POST"])
    def login() -> Any:
        target = request.values.get("next", "")
        if not target.startswith("/") or target.startswith("//"):
            target = "/queue"
        if request.method == "GET":
            return render_template("login.html", next=target, unset=not password_hash)
        if verify_password(password_hash, request.form.get("password", "")):
            session.clear()
            session["admin"] = True
            session.permanent = True
            logger.info("web login from %s", request.remote_addr)
            return redirect(target, code=303)
        logger.warning("web login refused from %s", request.remote_addr)
        page = render_template(
            "login.html", next=target, unset=not password_hash, refused=True
        )
        return page, 401

    @app.route("/logout", methods=["POST"])
    def logout() -> Any:
        session.clear()
        return redirect("/login", code=303)
