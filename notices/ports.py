"""The port through which notices speak in Slack, without knowing Slack.

The domain builds these plain views and asks `NoticeBodies` (implemented with Block Kit in
`handlers.notice_views`) for each message body (`{"text": ..., "blocks": [...]}`); it then adds the
address and queues the call in the outbox in the same transaction as the change that caused it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from models.notices import NoticeKind, PlaceStatus


@dataclass(frozen=True)
class NoticeCard:
    """The DM a person receives, as it stands for them (acknowledged, a place asked for)."""

    notice_id: int
    kind: NoticeKind
    title: str
    body: str
    link: str | None
    sender: str  # Slack id: the card mentions them
    requires_acknowledgement: bool
    deadline: datetime | None
    offers_places: bool
    places: int | None
    acknowledged_at: datetime | None = None
    place: PlaceStatus | None = None
    waiting_position: int | None = None  # on the waiting list: their number in it


@dataclass(frozen=True)
class ReminderView:
    notice_id: int
    kind: NoticeKind
    title: str
    deadline: datetime
    number: int  # this is reminder `number` of at most `of`
    of: int


@dataclass(frozen=True)
class Outstanding:
    name: str
    organisation: str | None


@dataclass(frozen=True)
class SummaryView:
    """At the deadline, to the sender (and the officers): who has and has not acknowledged."""

    notice_id: int
    kind: NoticeKind
    title: str
    deadline: datetime
    sent: int
    acknowledged: int
    outstanding: tuple[Outstanding, ...]


@dataclass(frozen=True)
class ChannelPointer:
    """The optional channel post. For a safeguarding update it names no title or detail at all."""

    notice_id: int
    kind: NoticeKind
    title: str | None  # None: a safeguarding update, whose details stay in the DMs
    sender: str
    audience_summary: str
    link: str | None


@dataclass(frozen=True)
class SenderNote:
    """A short DM to the sender about their notice (sent, or not sent and why)."""

    notice_id: int
    title: str
    text: str


class NoticeBodies(Protocol):
    def card(self, view: NoticeCard) -> dict: ...

    def reminder(self, view: ReminderView) -> dict: ...

    def summary(self, view: SummaryView) -> dict: ...

    def channel_post(self, view: ChannelPointer) -> dict: ...

    def sender_note(self, view: SenderNote) -> dict: ...
