"""The pages: the queue, a job, the printers, the archive, the configuration.

Every action calls the spool's and the printer states' own operations, the
ones ``printserver queue`` and ``printserver printers`` call, so the page
and the CLI cannot disagree; the running spooler notices the change on
disk as it does for the CLI.
"""

import dataclasses
import hashlib
import json
import logging
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    session,
    url_for,
)

from printserver import admin
from printserver.archive import Archive, contents, print_study
from printserver.errors import SpoolError
from printserver.spool import ALLOWED, JobNotFoundError
from printserver.web._context import context
from printserver.web._previews import preview_paths, thumbnail

logger = logging.getLogger(__name__)

views = Blueprint("views", __name__)

#: Who the spool's history names for an action taken on the page.
WHO = "web admin"
#: Endpoints answered with 401, not a redirect, without a login: the
#: refresh script and images cannot follow one to the login form.
NO_REDIRECT = ("views.queue_table", "views.film", "views.film_thumbnail")
#: Jobs the queue page shows, newest first (each refresh reads them all).
SHOWN_JOBS = 200
#: Studies the archive page shows, newest first.
SHOWN_STUDIES = 200
#: What a study prints on unless the form says otherwise.
PRINT_DEFAULTS = {"image_display_format": "STANDARD\\3,4", "film_size_id": "14INX17IN"}
#: Keys of the configuration never shown.
SECRET_WORDS = ("password", "secret")


@views.before_request
def require_login() -> Any:
    """Send anyone not logged in to the login form."""
    if session.get("admin"):
        return None
    if request.endpoint in NO_REDIRECT:
        abort(401)
    return redirect(url_for("login", next=request.full_path.rstrip("?")))


def job_actions(state: str) -> list[str]:
    """The queue verbs that apply to a job in *state*; reprint always does."""
    return [verb for verb, states in ALLOWED.items() if state in states] + ["reprint"]


def _jobs() -> list[dict[str, Any]]:
    """The newest jobs (``SHOWN_JOBS`` at most), newest first, with their
    previews and actions."""
    spool = context().spool
    jobs = []
    for job_id in reversed(spool.job_ids()[-SHOWN_JOBS:]):
        try:
            summary = spool.summary(job_id)
            films = len(preview_paths(spool, job_id))
        except (JobNotFoundError, FileNotFoundError):
            continue  # purged while we listed
        jobs.append(
            {**summary, "previews": films, "actions": job_actions(summary["state"])}
        )
    return jobs


def _printer_names() -> list[str]:
    return [p.name for p in context().config.printers]


@views.route("/")
def index() -> Any:
    """The queue is the home page."""
    return redirect(url_for("views.queue"))


def _version(jobs: list[dict[str, Any]]) -> str:
    """A digest of what the queue's table shows."""
    text = json.dumps(jobs, sort_keys=True, default=str)
    return hashlib.blake2b(text.encode(), digest_size=8).hexdigest()


@views.route("/queue")
def queue() -> str:
    """The queue, refreshed by a small script that fetches its table."""
    jobs = _jobs()
    return render_template(
        "queue.html",
        jobs=jobs,
        version=_version(jobs),
        printers=_printer_names(),
        refresh_ms=int(context().config.web.refresh_seconds * 1000),
    )


@views.route("/queue/table")
def queue_table() -> Any:
    """The queue's table alone, for the refresh script: 204 when it is
    still what the page shows (``?since=`` its version)."""
    jobs = _jobs()
    version = _version(jobs)
    if request.args.get("since") == version:
        return Response(status=204)
    return render_template(
        "_queue_table.html", jobs=jobs, version=version, printers=_printer_names()
    )


@views.route("/jobs/<job_id>")
def job(job_id: str) -> str:
    """One job: its films full size, its history, its outputs."""
    spool = context().spool
    try:
        summary = spool.summary(job_id)
        request_file = spool.read_job(job_id)
        history = spool.read_state(job_id)["history"]
        films = len(preview_paths(spool, job_id))
    except JobNotFoundError:
        abort(404)
    return render_template(
        "job.html",
        job={**summary, "previews": films, "actions": job_actions(summary["state"])},
        request_file=request_file,
        history=history,
        printers=_printer_names(),
        refresh_ms=int(context().config.web.refresh_seconds * 1000),
    )


def _preview(job_id: str, number: int) -> Any:
    try:
        paths = preview_paths(context().spool, job_id)
    except JobNotFoundError:
        abort(404)
    if not 1 <= number <= len(paths):
        abort(404)
    return paths[number - 1]


@views.route("/jobs/<job_id>/films/<int:number>.png")
def film(job_id: str, number: int) -> Any:
    """A film's full preview."""
    return send_file(_preview(job_id, number), mimetype="image/png", max_age=10)


@views.route("/jobs/<job_id>/films/<int:number>/thumbnail.png")
def film_thumbnail(job_id: str, number: int) -> Response:
    """A film's thumbnail."""
    data = thumbnail(_preview(job_id, number))
    rsp = Response(data, mimetype="image/png")
    rsp.cache_control.max_age = 10
    return rsp


def _back() -> Any:
    """Back where the form came from (a path of ours only)."""
    target = request.form.get("next", "")
    if not target.startswith("/") or target.startswith("//"):
        target = url_for("views.queue")
    return redirect(target, code=303)


@views.route("/jobs/<job_id>/<verb>", methods=["POST"])
def job_action(job_id: str, verb: str) -> Any:
    """Hold, release, cancel, retry, move or reprint a job."""
    ctx = context()
    spool = ctx.spool
    names = set(_printer_names())
    try:
        if verb in ("hold", "release", "cancel", "retry"):
            getattr(spool, verb)(job_id, who=WHO)
            flash(f"job {job_id}: {spool.summary(job_id)['state']}", "ok")
        elif verb == "move":
            printer = request.form.get("printer", "")
            admin.check_printer(printer, names)
            spool.move(job_id, printer, who=WHO)
            flash(f"job {job_id}: moved to {printer}", "ok")
        elif verb == "reprint":
            printer = request.form.get("printer", "")
            if printer:
                admin.check_printer(printer, names)
            layout = request.form.get("layout", "").strip()
            new_id = spool.reprint(job_id, printer or None, layout)
            flash(f"job {new_id}: reprint of {job_id}", "ok")
        else:
            abort(404)
    except JobNotFoundError:
        abort(404)
    except SpoolError as exc:
        flash(str(exc), "error")
    return _back()


@views.route("/printers")
def printers() -> str:
    """Each printer with its status, enabled and accepting."""
    ctx = context()
    listing = admin.printer_listing(ctx.config, ctx.printers)
    for printer in listing:
        printer["status_text"] = admin.status_text(printer)
    return render_template("printers.html", printers=listing)


@views.route("/printers/<name>/<verb>", methods=["POST"])
def printer_action(name: str, verb: str) -> Any:
    """Enable, disable, accept or reject, as ``printserver printers``."""
    if verb not in admin.PRINTER_CHANGES:
        abort(404)
    try:
        admin.check_printer(name, set(_printer_names()))
    except SpoolError:
        abort(404)
    reason = request.form.get("reason", "").strip()
    context().printers.set(name, reason, **admin.PRINTER_CHANGES[verb])
    flash(f"printer {name}: {verb}d", "ok")
    return redirect(url_for("views.printers"), code=303)


def _shown(section: Any) -> list[tuple[str, Any]]:
    """A configuration dataclass as (key, value) rows, secrets masked."""
    rows = []
    for field in dataclasses.fields(section):
        value = getattr(section, field.name)
        if any(word in field.name for word in SECRET_WORDS):
            value = "(set)" if value else "(not set)"
        rows.append((field.name, value))
    return rows


@views.route("/config")
def configuration() -> str:
    """The configuration as the server read it at start-up."""
    config = context().config
    sections: list[tuple[str, list[tuple[str, Any]]]] = [
        ("server", _shown(config.server)),
        ("spool", _shown(config.spool)),
        ("web", _shown(config.web)),
    ]
    sections += [(f"printers: {p.name}", _shown(p)) for p in config.printers]
    sections += [(f"hotfolders: {h.path}", _shown(h)) for h in config.hotfolders]
    sections += [(f"peers: {p.ae_title}", _shown(p)) for p in config.peers]
    return render_template("config.html", sections=sections, data_root=config.data_root)


def _open_archive() -> Archive | None:
    """The archive, opened as ``printserver archive`` opens it; None when
    it is off or holds nothing yet."""
    config = context().config
    if not config.archive.enabled:
        return None
    if not (config.data_root / "archive" / "index.sqlite").exists():
        return None
    return Archive(config.data_root)


def _matches(study: dict[str, Any], words: list[str]) -> bool:
    """Whether every word is in the study's patient, ID, description, date
    or UID (case does not matter)."""
    text = " ".join(
        str(study[key])
        for key in (
            "patient_name",
            "patient_id",
            "study_description",
            "study_date",
            "study_instance_uid",
        )
    ).casefold()
    return all(word in text for word in words)


@views.route("/archive")
def archive() -> str:
    """Studies in the archive, newest first, found by patient, ID,
    description or date; each can be printed on a layout."""
    config = context().config
    query = request.args.get("q", "").strip()
    words = query.casefold().split()
    opened = _open_archive()
    found: list[dict[str, Any]] = []
    total = 0
    if opened is not None:
        try:
            every = contents.studies(opened.index)
        finally:
            opened.close()
        total = len(every)
        found = [s for s in reversed(every) if _matches(s, words)][:SHOWN_STUDIES]
    for study in found:
        study["patient_name"] = study["patient_name"].replace("^", " ").strip()
    profile = config.profile(config.default_printer)
    return render_template(
        "archive.html",
        enabled=config.archive.enabled,
        query=query,
        studies=found,
        total=total,
        printers=_printer_names(),
        film_sizes=list(profile.film_size_ids),
        default_film_size=profile.default_film_size_id,
        default_layout=PRINT_DEFAULTS["image_display_format"],
    )


@views.route("/archive/print", methods=["POST"])
def archive_print() -> Any:
    """Queue an archived study on a layout, as ``printserver print
    --study``."""
    form = request.form
    printer = form.get("printer", "") or context().config.default_printer.name
    orientation = form.get("orientation", "PORTRAIT").upper()
    opened = _open_archive()
    if opened is None:
        abort(404)
    try:
        admin.check_printer(printer, set(_printer_names()))
        if orientation not in ("PORTRAIT", "LANDSCAPE"):
            raise SpoolError(f"no film orientation {orientation!r}")
        job_id = print_study(
            opened,
            context().spool,
            form.get("study", ""),
            image_display_format=form.get("layout", "").strip()
            or PRINT_DEFAULTS["image_display_format"],
            film_size_id=form.get("film_size", "").strip().upper()
            or PRINT_DEFAULTS["film_size_id"],
            film_orientation=orientation,
            printer=printer,
        )
    except SpoolError as exc:
        flash(str(exc), "error")
        return _back()
    finally:
        opened.close()
    logger.info("job=%s queued from the archive by the web admin", job_id)
    flash(f"job {job_id}: queued on {printer}", "ok")
    return redirect(url_for("views.queue"), code=303)
