"""The notices' delivery reports: `/dashboard/notices` (the list), `/dashboard/notices/<id>` (a notice by
organisation and by person: sent, failed, acknowledged, places) and `/dashboard/notices/<id>.csv`.

The officer sees every notice; a sender sees their own. The figures are `reporting.notices`'s, the same
the CSV command and the quarterly report use.
"""

from __future__ import annotations

from flask import Response, current_app, render_template

from bot.web.dashboard import bp
from bot.web.dashboard.web import db, signed_in
from models.errors import NotAllowed, NotFound
from models.notices import Notice
from reporting.access import Viewer
from reporting.notices import delivery_report, notices_of, report_csv

LISTED = 100


def _may_see(viewer: Viewer, notice: Notice) -> None:
    if not (viewer.officer or notice.sender_slack_user_id == viewer.slack_user_id):
        raise NotFound("There is no such notice among yours.")


@bp.get("/notices")
@signed_in
def notices(viewer: Viewer):
    sender = None if viewer.officer else viewer.slack_user_id
    listed = notices_of(db(), sender, limit=LISTED)
    if not viewer.officer and not listed:
        raise NotAllowed("Delivery reports are for the officer and for those who have sent notices.")
    rows = [(n, delivery_report(db(), n.id) if n.sent_at else None) for n in listed]
    return render_template("dashboard/notices.html", viewer=viewer, rows=rows)


@bp.get("/notices/<int:notice_id>")
@signed_in
def notice(viewer: Viewer, notice_id: int):
    report = delivery_report(db(), notice_id)
    _may_see(viewer, report.notice)
    return render_template("dashboard/notice.html", viewer=viewer, report=report)


@bp.get("/notices/<int:notice_id>.csv")
@signed_in
def notice_csv(viewer: Viewer, notice_id: int):
    report = delivery_report(db(), notice_id)
    _may_see(viewer, report.notice)
    body = report_csv(report, tz=current_app.extensions["linkedup"].settings.tz)
    name = f"notice-{notice_id}-delivery.csv"
    return Response(
        body, mimetype="text/csv", headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )
