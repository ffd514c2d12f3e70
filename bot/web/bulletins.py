"""`/bulletins/<month>/preview`: the compiled bulletin as the recipients will see it; and
`/bulletins/<month>/web/<key>`: its web version, the whole bulletin for when its articles did not all
fit in the e-mail's size budget (`bulletins.budget`), linked from the e-mail itself.

The dashboard login arrives with issue 6; until then the preview is reached only through a link
signed with SECRET_KEY (itsdangerous, as Flask uses for its own sessions) that names the month and
expires after PREVIEW_MAX_AGE. The officer gets that link in the Slack preview message. The web version
is for the e-mail's recipients, who have no sign-in: its key is a random token stored with the bulletin,
so only the e-mail's link finds it, and it does not expire (the e-mail is read weeks later).
"""

from __future__ import annotations

import hmac

from flask import Blueprint, Response, abort, current_app, request
from itsdangerous import BadSignature, SignatureExpired
from sqlalchemy import select

from bot.web.hardening import DOCUMENT_POLICY
from bulletins.config import MONTH_RE
from bulletins.preview import PREVIEW_MAX_AGE, preview_link, serializer
from bulletins.render import preview_html
from models.bulletins import Bulletin

bp = Blueprint("bulletins", __name__)


def preview_url(settings, month: str) -> str | None:
    """The signed preview link for this deployment, or None when SECRET_KEY is not set."""
    secret = settings.secret_key.get_secret_value() if settings.secret_key is not None else None
    return preview_link(settings.public_base_url, secret, month)


@bp.get("/bulletins/<month>/preview")
def preview(month: str):
    runtime = current_app.extensions["linkedup"]
    if runtime.settings.secret_key is None:
        abort(503, "Set SECRET_KEY to enable bulletin previews.")
    if not MONTH_RE.match(month):
        abort(404)
    try:
        claims = serializer(runtime.settings.secret_key.get_secret_value()).loads(
            request.args.get("token", ""), max_age=PREVIEW_MAX_AGE
        )
    except SignatureExpired:
        abort(403, "This preview link has expired; for a new one, use Compile again in `/linkedup bulletin`.")
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
    return _document(html)


@bp.get("/bulletins/<month>/web/<key>")
def web_version(month: str, key: str):
    """The whole bulletin, for readers of an e-mail that could not hold every article."""
    if not MONTH_RE.match(month):
        abort(404)
    runtime = current_app.extensions["linkedup"]
    with runtime.session_factory() as session:
        bulletin = session.scalar(select(Bulletin).where(Bulletin.month == month))
        if bulletin is None or not bulletin.web_key or not bulletin.web_html:
            abort(404)
        if not hmac.compare_digest(bulletin.web_key.encode(), key.encode()):
            abort(404)
        html = bulletin.web_html
    return _document(html)


def _document(html: str) -> Response:
    response = Response(html, content_type="text/html; charset=utf-8")
    response.headers["X-Robots-Tag"] = "noindex"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Content-Security-Policy"] = DOCUMENT_POLICY  # an e-mail: inline styles, no script
    response.headers["Cache-Control"] = "private, no-store"
    return response
