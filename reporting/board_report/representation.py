"""The board report's representation section, which the 2016 report had: the boards the sector sits on,
who represents it there, the meetings each board held in the period (from the calendar) and how many
of them the sector's representative attended — as the officer recorded it once per meeting
(`models.attendance`, from `linkedup meeting attendance` or the dashboard's report page), or as one
report's edits file says (`reporting.board_report.edits`, which wins for that report). A meeting with
neither reads "not recorded"."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from models.attendance import MeetingAttendance
from models.network import Board, Meeting, Member
from reporting.board_report.tables import Column, Table
from reporting.periods import LONDON, Period


@dataclass
class BoardSeat:
    slug: str
    board: str
    representative: str
    meetings: list[date]  # held in the period, London dates
    attended: dict[date, bool] = field(default_factory=dict)  # as recorded, then as the edits file says

    @property
    def attendance(self) -> str:
        recorded = {day: went for day, went in self.attended.items() if day in self.meetings}
        if not recorded:
            return "not recorded"
        return f"{sum(recorded.values())} of {len(recorded)}"


def board_seats(session: Session, period: Period, *, now: datetime) -> list[BoardSeat]:
    """Each board with a sector representative, and the meetings it held in the period up to now."""
    end = min(now, period.end_utc)
    names = dict(session.execute(select(Member.slack_user_id, Member.display_name)).all())
    seats = []
    represented = or_(
        Board.representative_slack_user_id.is_not(None), Board.representative_email.is_not(None)
    )
    for board in session.scalars(select(Board).where(represented).order_by(Board.name)):
        held = session.execute(
            select(Meeting.starts_at, MeetingAttendance.attended)
            .outerjoin(MeetingAttendance, MeetingAttendance.meeting_id == Meeting.id)
            .where(
                Meeting.board_id == board.id, Meeting.starts_at >= period.start_utc, Meeting.starts_at < end
            )
            .order_by(Meeting.starts_at)
        ).all()
        days = [(moment.astimezone(LONDON).date(), attended) for moment, attended in held]
        seats.append(
            BoardSeat(
                slug=board.slug,
                board=board.name,
                representative=names.get(board.representative_slack_user_id)
                or _by_email(board)
                or "the network's representative",
                meetings=[day for day, _ in days],
                attended={day: attended for day, attended in days if attended is not None},
            )
        )
    return seats


def representation_table(seats: list[BoardSeat], period: Period) -> Table:
    return Table(
        "boards_represented",
        "Boards the sector is represented on",
        [
            Column("Board"),
            Column("Represented by"),
            Column(f"Meetings held in the {period.noun}", "int"),
            Column("Attended by the sector's representative"),
        ],
        [[seat.board, seat.representative, len(seat.meetings), seat.attendance] for seat in seats],
        note="Meetings from the network's calendar; attendance as the officer recorded it for each meeting.",
    )


def _by_email(board: Board) -> str | None:
    """A representative outside Slack, by the name the network file gives them (never the address)."""
    if board.representative_slack_user_id or not board.representative_email:
        return None
    return next((m.name for m in board.members if m.email == board.representative_email and m.name), None)
