"""The officer's meetings page: the co-ordinated calendar of every board's meetings and the network's
own, a warning wherever two boards meet within the same half day (people sit on several boards, and
the sector's representative cannot be in two places), and adding or removing meetings.

Meetings go into the network's document like any other change, so the calendar feed (`/calendar.ics`)
and the pre-meeting digests see them at once; meetings added in Slack are shown but changed there.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flask import redirect, render_template, request, url_for
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from bot.web.dashboard import bp
from bot.web.dashboard.admin_support import board_names, make_change, messages, officer_only, optional
from bot.web.dashboard.web import db, now
from models.network import Meeting
from network_file.document import DEFAULT_TIMEZONE
from network_file.editing import AddMeeting, ChangeRefused, RemoveMeeting, clashes
from network_file.export import export_data
from network_file.loader import MEETING_SOURCE
from reporting.access import Viewer
from reporting.periods import start_of_today

NETWORK = "network"  # the board field's value for the Linked-up network's own meetings
SHOWN = 200


@bp.get("/network/meetings", endpoint="admin_meetings")
@officer_only
def meetings(viewer: Viewer):
    notices, warnings = messages()
    return _page(viewer, [], notices=notices, warnings=warnings)


@bp.post("/network/meetings", endpoint="admin_meeting_new")
@officer_only
def new_meeting(viewer: Viewer):
    form = request.form

    def build() -> AddMeeting:
        board = (form.get("board") or "").strip()
        if not board:
            raise ChangeRefused(["Choose whose meeting it is: a board, or the Linked-up network"])
        starts_at = _local_time(form.get("starts_at"), "The start")
        ends_at = _local_time(form.get("ends_at"), "The end") if (form.get("ends_at") or "").strip() else None
        return AddMeeting(
            starts_at=starts_at,
            board=None if board == NETWORK else board,
            ends_at=ends_at,
            location=optional(form.get("location")),
        )

    problems = make_change(viewer, build)
    if problems:
        return _page(viewer, problems, typed=dict(form)), 400
    return redirect(url_for("dashboard.admin_meetings"))


@bp.post("/network/meetings/remove", endpoint="admin_meeting_remove")
@officer_only
def remove_meeting(viewer: Viewer):
    def build() -> RemoveMeeting:
        try:
            starts_at = datetime.fromisoformat(request.form.get("starts_at", ""))
        except ValueError:
            raise ChangeRefused(["That meeting is not on the schedule any more"]) from None
        board = (request.form.get("board") or "").strip()
        return RemoveMeeting(starts_at=starts_at, board=None if board in ("", NETWORK) else board)

    problems = make_change(viewer, build)
    if problems:
        return _page(viewer, problems), 400
    return redirect(url_for("dashboard.admin_meetings"))


def _local_time(raw: str | None, label: str) -> str:
    """A date-and-time field's value (`2027-01-13T10:00`), checked here so the sentence names it."""
    text = (raw or "").strip().replace(" ", "T")
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise ChangeRefused([f"{label} must be a date and time, e.g. 2027-01-13 10:00"]) from None
    if moment.tzinfo is not None:
        raise ChangeRefused([f"{label} must be a local date and time, without an offset"])
    return f"{moment:%Y-%m-%dT%H:%M}"


def _page(viewer, problems, *, notices=(), warnings=(), typed=None):
    session = db()
    document = export_data(session)
    zone = ZoneInfo(document["network"].get("timezone") or DEFAULT_TIMEZONE)
    coming = session.scalars(
        select(Meeting)
        .options(selectinload(Meeting.board))
        .where(Meeting.starts_at >= start_of_today(now()))
        .order_by(Meeting.starts_at, Meeting.id)
        .limit(SHOWN + 1)
    ).all()
    return render_template(
        "dashboard/network/meetings.html",
        viewer=viewer,
        meetings=coming[:SHOWN],
        more=len(coming) > SHOWN,
        clashes=clashes(session, now=now(), zone=zone),
        boards=sorted(board_names(document).items(), key=lambda item: item[1].casefold()),
        network_value=NETWORK,
        file_source=MEETING_SOURCE,
        problems=problems,
        notices=notices,
        warnings=warnings,
        typed=typed or {},
    )
