"""Signing in with a one-time link from Slack, and signing out.

Opening the link shows a page with a **Sign in** button; only pressing it spends the link. Chat
clients and mail scanners fetch links to preview them, and a GET that signed people in would burn
the link (or sign the scanner in). The button's form carries a CSRF token like every other form.
"""

from __future__ import annotations

from flask import redirect, render_template, request, url_for

from bot.web.dashboard import bp
from bot.web.dashboard.web import current_viewer, db, end_session, safe_next, secret, start_session
from models import sign_in
from models.errors import NotAllowed
from reporting.access import viewer_for


@bp.get("/sign-in", endpoint="sign_in")
def sign_in_page():
    """With a token: check it and offer the button. Without: explain how to get a link."""
    token = request.args.get("token", "")
    next_url = safe_next(request.args.get("next"))
    if not token:
        viewer = current_viewer()
        if viewer is not None:
            return redirect(next_url or url_for("dashboard.overview"))
        signed_out = request.args.get("signed_out") == "1"
        return render_template(
            "dashboard/sign_in.html", token=None, next_url=next_url, signed_out=signed_out, viewer=None
        )
    try:
        link = sign_in.check_sign_in_token(db(), token, secret=secret())
        viewer_for(db(), link.slack_user_id)
    except NotAllowed as refused:
        return render_template("dashboard/sign_in.html", token=None, refused=str(refused), viewer=None), 403
    return render_template("dashboard/sign_in.html", token=token, next_url=next_url, viewer=None)


@bp.post("/sign-in")
def redeem():
    token = request.form.get("token", "")
    session_ = db()
    try:
        slack_user_id = sign_in.redeem_sign_in_link(session_, token, secret=secret())
        viewer_for(session_, slack_user_id)
    except NotAllowed as refused:
        session_.rollback()
        return render_template("dashboard/sign_in.html", token=None, refused=str(refused), viewer=None), 403
    start_session(session_, slack_user_id)
    session_.commit()
    return redirect(safe_next(request.form.get("next")) or url_for("dashboard.overview"))


@bp.post("/sign-out")
def sign_out():
    """End the session, here and in the database, so no copy of the cookie still works (the CSRF
    check before this view makes sure the person meant it)."""
    end_session()
    db().commit()
    return redirect(url_for("dashboard.sign_in", signed_out=1))
