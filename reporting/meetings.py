"""The network's co-ordinated meeting schedule as the dashboard lists it, soonest first; and the
meetings boards have held, with whether the sector's representative attended (as recorded with
`linkedup meeting attendance`), for recording it and for the board report."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload

from models.attendance import MeetingAttendance
from models.network import Board, Meeting
from reporting.paging import Page, paginate
from reporting.periods import LONDON


def meetings(session: Session, *, start: datetime, page: int = 1, per_page: int = 25) -> Page[Meeting]:
    """The co-ordinated schedule from `start` on, soonest first."""
    statement = (
        select(Meeting)
        .options(joinedload(Meeting.board))
        .where(Meeting.starts_at >= start)
        .order_by(Meeting.starts_at, Meeting.id)
    )
    return paginate(session, statement, page=page, per_page=per_page)


@dataclass(frozen=True)
class HeldMeeting:
    """A board meeting that has taken place, with the representative's attendance as recorded."""

    meeting: Meeting
    attended: bool | None  # None: not recorded


def find_board(session: Session, text: str) -> Board | None:
    """A board by its slug, short name or name, as the officer types it (any case)."""
    wanted = text.strip().lower()
    return session.scalar(
        select(Board).where(
            (func.lower(Board.slug) == wanted)
            | (func.lower(Board.short_name) == wanted)
            | (func.lower(Board.name) == wanted)
        )
    )


def held_meetings(session: Session, board: Board, *, since: datetime, until: datetime) -> list[HeldMeeting]:
    """The board's meetings that started in [since, until), oldest first, with attendance."""
    rows = session.execute(
        select(Meeting, MeetingAttendance.attended)
        .outerjoin(MeetingAttendance, MeetingAttendance.meeting_id == Meeting.id)
        .where(Meeting.board_id == board.id, Meeting.starts_at >= since, Meeting.starts_at < until)
        .order_by(Meeting.starts_at, Meeting.id)
    ).all()
    return [HeldMeeting(meeting, attended) for meeting, attended in rows]


def meetings_on(session: Session, board: Board, day: date) -> list[Meeting]:
    """The board's meetings on one London date (usually one)."""
    start = datetime.combine(day, datetime.min.time(), LONDON).astimezone(UTC)
    end = datetime.combine(day + timedelta(days=1), datetime.min.time(), LONDON).astimezone(UTC)
    return [held.meeting for held in held_meetings(session, board, since=start, until=end)]


def represented_meetings(session: Session, *, since: datetime, until: datetime) -> list[HeldMeeting]:
    """The meetings held in [since, until) by the boards the sector has a representative on (those
    the board report's representation section counts), oldest first, with attendance."""
    rows = session.execute(
        select(Meeting, MeetingAttendance.attended)
        .join(Board, Board.id == Meeting.board_id)
        .outerjoin(MeetingAttendance, MeetingAttendance.meeting_id == Meeting.id)
        .options(joinedload(Meeting.board))
        .where(
            Board.representative_slack_user_id.is_not(None),
            Meeting.starts_at >= since,
            Meeting.starts_at < until,
        )
        .order_by(Meeting.starts_at, Board.name, Meeting.id)
    ).all()
    return [HeldMeeting(meeting, attended) for meeting, attended in rows]
