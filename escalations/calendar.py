"""The board calendar as iCalendar (RFC 5545), built with the maintained `icalendar` library.

One VEVENT per meeting. Its UID names the meeting row, never its time, and its SEQUENCE counts the
moves, so a subscribed calendar updates a moved meeting in place instead of deleting and re-adding it.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from icalendar import Calendar, Event
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from escalations.meetings import DEFAULT_LENGTH
from models.network import Board, Meeting, Network

PRODID = "-//Linked-up bot//Board meetings//EN"
HISTORY = timedelta(days=366)


def event_uid(meeting: Meeting, network_slug: str) -> str:
    """Stable for the meeting's life: the row (kept when the network file moves it), not its time."""
    return f"meeting-{meeting.id}@{network_slug}.linked-up"


def build_calendar(session: Session, *, now: datetime, board_slug: str | None = None) -> bytes:
    """Meetings from a year ago onwards (all boards, or one board's) as an .ics document."""
    query = (
        select(Meeting)
        .options(selectinload(Meeting.board))
        .where(Meeting.starts_at >= now - HISTORY)
        .order_by(Meeting.starts_at, Meeting.id)
    )
    name = "Linked-up board meetings"
    if board_slug:
        board = session.scalar(select(Board).where(Board.slug == board_slug))
        if board is None:
            raise LookupError(board_slug)
        query = query.where(Meeting.board_id == board.id)
        name = f"{board.name} meetings"
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", name)
    calendar.add("x-wr-timezone", "Europe/London")
    network_slug = _network_slug(session)
    for meeting in session.scalars(query):
        calendar.add_component(_event(meeting, network_slug, now))
    return calendar.to_ical()


def meeting_invitation(session: Session, meeting: Meeting, *, now: datetime) -> bytes:
    """One meeting as an .ics attachment (the digest e-mail's): the same UID and SEQUENCE as the feed,
    so adding it to a calendar that subscribes to the feed as well gives one event, not two."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add_component(_event(meeting, _network_slug(session), now))
    return calendar.to_ical()


def _network_slug(session: Session) -> str:
    return session.scalar(select(Network.slug).order_by(Network.id).limit(1)) or "network"


def _event(meeting: Meeting, network_slug: str, now: datetime) -> Event:
    event = Event()
    event.add("uid", event_uid(meeting, network_slug))
    event.add("sequence", meeting.sequence or 0)
    event.add("dtstamp", (meeting.updated_at or now).astimezone(UTC))
    event.add("dtstart", meeting.starts_at.astimezone(UTC))
    event.add("dtend", (meeting.ends_at or meeting.starts_at + DEFAULT_LENGTH).astimezone(UTC))
    event.add("summary", meeting.title)
    if meeting.location:
        event.add("location", meeting.location)
    board = meeting.board.name if meeting.board is not None else "Linked-up network"
    event.add("description", f"{board}. On the co-ordinated schedule of the Linked-up network.")
    event.add("categories", [board])
    return event
