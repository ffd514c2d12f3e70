"""`/bulletins/<month>/preview`: the compiled bulletin as the recipients will see it.

The dashboard login arrives with issue 6; until then the preview is reached only through a link
signed with SECRET_KEY (itsdangerous, as Flask uses for its own sessions) that names the month and
expires after PREVIEW_MAX_AGE. The officer gets that link in the Slack preview message.
"""

from __future__ import annotations

from flask import Blueprint, Response, abort, current_app, request
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import select

from bot.web.hardening import DOCUMENT_POLICY
from bulletins.config import MONTH_RE
from bulletins.render import preview_html
from models.bulletins import Bulletin

bp = Blueprint("bulletins", __name__)

PREVIEW_SALT = "linkedup.bulletin-preview"
PREVIEW_MAX_AGE = 14 * 24 * 3600


def _serializer(secret_key: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret_key, salt=PREVIEW_SALT)


def preview_token(secret_key: str, month: str) -> str:
    return _serializer(secret_key).dumps({"month": month})


def preview_url(settings, month: str) -> str | None:
    """The signed preview link, or None when SECRET_KEY is not set (then there is no preview page)."""
    if settings.secret_key is None:
        return None
    token = preview_token(settings.secret_key.get_secret_value(), month)
    return f"{settings.public_base_url}/bulletins/{month}/preview?token={token}"


@bp.get("/bulletins/<month>/preview")
def preview(month: str):
    runtime = current_app.extensions["linkedup"]
    if runtime.settings.secret_key is None:
        abort(503, "Set SECRET_KEY to enable bulletin previews.")
    if not MONTH_RE.match(month):
        abort(404)
    try:
        claims = _serializer(runtime.settings.secret_key.get_secret_value()).loads(
            request.args.get("token", ""), max_age=PREVIEW_MAX_AGE
        )
    except SignatureExpired:
        abort(403, "This preview link has expired; ask for a new one with `/linkedup bulletin`.")
    except BadSignature:
        abort(404)
    if claims.get("month") != month:
        abort(404)
    with runtime.session_factory() as session:
        bulletin = session.scalar(select(Bulletin).where(Bulletin.month == month))
        if bulletin is None:
            abort(404)
        if request.args.get("format") == "text":
            return Response(bulletin.text, content_type="text/plain; charset=utf-8")
        html = preview_html(bulletin.html)
    response = Response(html, content_type="text/html; charset=utf-8")
    response.headers["X-Robots-Tag"] = "noindex"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Content-Security-Policy"] = DOCUMENT_POLICY  # an e-mail: inline styles, no script
    response.headers["Cache-Control"] = "private, no-store"
    return response
