"""What every dashboard request shares: the database session, the signed cookie session, the signed-in
viewer, CSRF tokens, and turning domain errors into HTTP answers.

Sessions live in the database (`models.sign_in.DashboardSession`); Flask's signed cookie (HttpOnly,
SameSite=Lax, Secure when PUBLIC_URL is https or the request came over HTTPS) holds only the random
token naming the session, and the CSRF token. Signing out deletes the row, so a copied cookie stops
working at once. Roles are read from the database on every request, so removing someone from a
board takes effect at once.
"""

from __future__ import annotations

import functools
import hmac
import secrets
from collections.abc import Callable
from datetime import UTC, datetime
from urllib.parse import urlsplit

from flask import (
    Flask,
    abort,
    current_app,
    g,
    has_request_context,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.sessions import SecureCookieSessionInterface
from markupsafe import Markup
from sqlalchemy.orm import Session

from bot.charts import percent
from bot.signing import signing_key
from bot.web.dashboard import bp
from models import sign_in
from models.errors import NotAllowed, NotFound, ValidationError
from reporting.access import NoDashboardRole, Viewer, viewer_for

SESSION_LIFETIME = sign_in.SESSION_LIFETIME
COOKIE_NAME = "linkedup_session"


class DashboardSessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, marked Secure whenever the request itself came over HTTPS."""

    def get_cookie_secure(self, app: Flask) -> bool:
        return bool(app.config["SESSION_COOKIE_SECURE"]) or (has_request_context() and request.is_secure)


@bp.record_once
def _set_up(state) -> None:
    """Configure the app's sessions once, when the blueprint is registered."""
    app: Flask = state.app
    settings = app.extensions["linkedup"].settings
    if not app.secret_key:
        app.secret_key = signing_key(settings)
    app.session_interface = DashboardSessionInterface()
    app.config.update(
        SESSION_COOKIE_NAME=COOKIE_NAME,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.public_base_url.startswith("https://"),
        PERMANENT_SESSION_LIFETIME=SESSION_LIFETIME,
    )
    app.jinja_env.filters["london"] = london
    app.jinja_env.filters["percent"] = lambda value: "—" if value is None else percent(value)
    app.jinja_env.globals["csrf_field"] = csrf_field
    # The bare address leads to the dashboard (which sends a stranger to sign in).
    app.add_url_rule("/", endpoint="root", view_func=lambda: redirect(url_for("dashboard.overview")))


def london(moment: datetime | None, fmt: str = "%-d %b %Y %H:%M") -> str:
    """A stored UTC time as people in the borough read it."""
    if moment is None:
        return "—"
    tz = current_app.extensions["linkedup"].settings.tz
    return moment.astimezone(tz).strftime(fmt)


# ------------------------------------------------------------------------------------------- database
def db() -> Session:
    """This request's database session (made on first use, closed when the request ends)."""
    if "dashboard_db" not in g:
        g.dashboard_db = current_app.extensions["linkedup"].session_factory()
    return g.dashboard_db


@bp.teardown_request
def _close_db(_exc) -> None:
    session_ = g.pop("dashboard_db", None)
    if session_ is not None:
        session_.rollback()
        session_.close()


def secret() -> str:
    return current_app.secret_key


# ------------------------------------------------------------------------------------------- CSRF
def csrf_token() -> str:
    """The session's CSRF token (one per session; made on first use)."""
    token = session.get("csrf")
    if not token:
        token = session["csrf"] = secrets.token_urlsafe(32)
    return token


def csrf_field() -> Markup:
    return Markup('<input type="hidden" name="csrf_token" value="{}">').format(csrf_token())


@bp.before_request
def _check_csrf() -> None:
    """Every state-changing request must echo the session's token (SameSite is not enough on its own)."""
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return
    sent = request.form.get("csrf_token", "")
    expected = session.get("csrf", "")
    if not expected or not sent or not hmac.compare_digest(sent, expected):
        abort(
            400,
            description="The form had expired or did not come from this site. Go back, reload and try again.",
        )


# ------------------------------------------------------------------------------------------- who
def start_session(db_session: Session, slack_user_id: str) -> None:
    """A fresh session for this person, stored with `db_session` (the caller commits): nothing is
    carried over from before signing in."""
    token = sign_in.open_session(db_session, slack_user_id)
    session.clear()
    session.permanent = True
    session["sid"] = token
    session["csrf"] = secrets.token_urlsafe(32)


def end_session() -> None:
    """Sign out: the session's row goes (the caller commits) and the cookie is emptied."""
    sign_in.end_session(db(), session.get("sid"))
    session.clear()


def current_viewer() -> Viewer | None:
    """The signed-in person with their roles now, or None (and the session cleared) if there is none."""
    if "viewer" in g:
        return g.viewer
    viewer = None
    if "sid" in session:
        uid = sign_in.session_user(db(), session["sid"])
        if uid is not None:
            try:
                viewer = viewer_for(db(), uid)
            except NoDashboardRole:
                viewer = None
        if viewer is None:
            session.pop("sid", None)
    g.viewer = viewer
    return viewer


def safe_next(target: str | None) -> str | None:
    """Only a path inside the dashboard may be a redirect target (no open redirects)."""
    if not target or any(ord(char) < 32 or ord(char) == 127 for char in target):
        return None  # control characters (CR/LF) cannot go into a Location header
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not parts.path.startswith("/dashboard") or target.startswith("//"):
        return None
    return target


def signed_in(view: Callable) -> Callable:
    """Pages need a signed-in viewer; anyone else is sent to the sign-in page and brought back after."""

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        viewer = current_viewer()
        if viewer is None:
            target = request.full_path.rstrip("?") if request.query_string else request.path
            return redirect(url_for("dashboard.sign_in", next=target))
        return view(viewer, *args, **kwargs)

    return wrapper


def now() -> datetime:
    return datetime.now(UTC)


# ------------------------------------------------------------------------------------------- errors
def render_problem(status: int, title: str, messages: list[str]):
    return (
        render_template(
            "dashboard/problem.html", status=status, title=title, messages=messages, viewer=current_viewer()
        ),
        status,
    )


@bp.errorhandler(ValidationError)
def _bad_filter(error: ValidationError):
    return render_problem(
        400, "That request does not make sense", [f"{k}: {v}" for k, v in error.errors.items()]
    )


@bp.errorhandler(NotFound)
def _not_found(error: NotFound):
    return render_problem(404, "Not found", [str(error)])


@bp.errorhandler(NotAllowed)
def _not_allowed(error: NotAllowed):
    return render_problem(403, "Not allowed", [str(error)])


@bp.errorhandler(400)
def _http_400(error):
    return render_problem(400, "Bad request", [error.description])


@bp.errorhandler(404)
def _http_404(error):
    return render_problem(404, "Not found", ["There is no such page on the dashboard."])
