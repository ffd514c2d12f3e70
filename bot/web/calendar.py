"""`/calendar.ics`: the co-ordinated schedule of board meetings, to subscribe to in any calendar.

Public, like the schedule itself (`?board=<slug>` for one board's meetings); cached for five
minutes. An unknown board is a 404 with the reason.
"""

from __future__ import annotations

from flask import Blueprint, Response, current_app, request

from escalations.calendar import build_calendar
from models.base import utcnow

bp = Blueprint("calendar", __name__)


@bp.get("/calendar.ics")
def calendar_ics():
    board = (request.args.get("board") or "").strip() or None
    with current_app.extensions["linkedup"].session_factory() as session:
        try:
            data = build_calendar(session, now=utcnow(), board_slug=board)
        except LookupError:
            return Response(f"There is no board {board!r}.\n", status=404, mimetype="text/plain")
    filename = f"linkedup-{board or 'meetings'}.ics"
    return Response(
        data,
        mimetype="text/calendar",
        headers={
            "Content-Disposition": f'inline; filename="{filename}"',
            "Cache-Control": "public, max-age=300",
        },
    )
