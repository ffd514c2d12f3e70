"""The co-ordinated schedule of board meetings: read from the network file, added by the officer.

`/linkedup meeting add ctb 2026-07-14 10:00 Wallasey Town Hall` adds one (the board's slug, or
`linkedup` for the network's own meeting); times are London wall-clock time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from escalations.working_days import LONDON
from models.errors import NotAllowed, ValidationError
from models.membership import is_officer
from models.network import Board, Meeting

NETWORK_MEETING = "linkedup"
DEFAULT_LENGTH = timedelta(hours=2)
USAGE = "meeting add <board or linkedup> <YYYY-MM-DD> <HH:MM> [location]"


@dataclass(frozen=True)
class MeetingRequest:
    board: str
    starts_at: datetime
    location: str | None


def parse_meeting(text: str, *, now: datetime) -> MeetingRequest:
    """`<board> <YYYY-MM-DD> <HH:MM> [location]` → a meeting request (London time → UTC)."""
    parts = text.split(maxsplit=3)
    if len(parts) < 3:
        raise ValidationError({"meeting": f"Type `{USAGE}`."})
    board, day, clock = parts[:3]
    location = parts[3].strip() if len(parts) > 3 else None
    try:
        local = datetime.strptime(f"{day} {clock}", "%Y-%m-%d %H:%M").replace(tzinfo=LONDON)
    except ValueError:
        raise ValidationError(
            {"meeting": f"“{day} {clock}” is not a date and time like 2026-07-14 10:00."}
        ) from None
    starts_at = local.astimezone(now.tzinfo)
    if starts_at <= now:
        raise ValidationError({"meeting": "That time has passed: add meetings that are still to come."})
    if starts_at > now + timedelta(days=2 * 366):
        raise ValidationError({"meeting": "Add meetings up to two years ahead."})
    if location and len(location) > 200:
        raise ValidationError({"meeting": "Keep the location under 200 characters."})
    return MeetingRequest(board=board.lower(), starts_at=starts_at, location=location)


def add_meeting(session: Session, *, actor: str, text: str, now: datetime) -> Meeting:
    """The officer adds a meeting to the calendar (the same board and time twice is refused)."""
    if not is_officer(session, actor):
        raise NotAllowed("Only the Linked-up officer can add meetings to the calendar.")
    request = parse_meeting(text, now=now)
    board = None
    if request.board != NETWORK_MEETING:
        board = session.scalar(select(Board).where(Board.slug == request.board))
        if board is None:
            slugs = ", ".join(session.scalars(select(Board.slug).order_by(Board.slug)))
            raise ValidationError(
                {"meeting": f"There is no board “{request.board}”. Boards: {slugs or 'none'}, or linkedup."}
            )
    title = f"{board.name} meeting" if board is not None else "Linked-up network meeting"
    slug = board.slug if board is not None else NETWORK_MEETING
    meeting = Meeting(
        board=board,
        title=title,
        starts_at=request.starts_at,
        ends_at=request.starts_at + DEFAULT_LENGTH,
        location=request.location,
        source="slack",
        uid=f"{slug}-{request.starts_at:%Y%m%dT%H%MZ}@linkedup",
    )
    try:
        with session.begin_nested():
            session.add(meeting)
            session.flush()
    except IntegrityError:
        raise ValidationError({"meeting": f"The {title} at that time is already on the calendar."}) from None
    return meeting


def upcoming_meetings(session: Session, *, now: datetime, limit: int = 20) -> list[Meeting]:
    return list(
        session.scalars(
            select(Meeting)
            .options(selectinload(Meeting.board))
            .where(Meeting.starts_at > now)
            .order_by(Meeting.starts_at, Meeting.id)
            .limit(limit)
        )
    )
