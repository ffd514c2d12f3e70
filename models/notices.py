"""Targeted notices: a safeguarding update, a training offer, a service change, sent as DMs to an audience
chosen from the registry, with who read it ("Read and understood") and who asked for a place.

A notice's recipients are written when it is sent (the audience resolved at that moment), one row
each, so the delivery report, the reminders and the deadline summary all read the same list, and a
leaver or a new member after sending changes nothing about who was sent it. Whether each DM went is
the outbox's to say (its row's key names the notice and the person: `dm_key`), never copied here.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, Timestamps, UTCDateTime, enum_column


class NoticeKind(enum.StrEnum):
    SAFEGUARDING = "safeguarding"
    TRAINING = "training"
    SERVICE_CHANGE = "service_change"
    GENERAL = "general"

    @property
    def label(self) -> str:
        return {
            NoticeKind.SAFEGUARDING: "Safeguarding update",
            NoticeKind.TRAINING: "Training",
            NoticeKind.SERVICE_CHANGE: "Service change",
            NoticeKind.GENERAL: "General notice",
        }[self]


class NoticeStatus(enum.StrEnum):
    DRAFT = "draft"  # composed, the audience shown, not yet confirmed by the sender
    SCHEDULED = "scheduled"  # confirmed, to go at `send_at`
    SENT = "sent"  # the DMs are queued (the outbox delivers them)


class PlaceStatus(enum.StrEnum):
    PLACE = "place"
    WAITING = "waiting"  # asked when every place was taken: on the waiting list, in order of asking


class Notice(Timestamps, Base):
    __tablename__ = "notices"
    __table_args__ = (Index("ix_notices_due", "status", "send_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[NoticeKind] = mapped_column(enum_column(NoticeKind, "notice_kind"))
    status: Mapped[NoticeStatus] = mapped_column(
        enum_column(NoticeStatus, "notice_status"), default=NoticeStatus.DRAFT
    )
    title: Mapped[str] = mapped_column(String(150))
    body: Mapped[str] = mapped_column(Text)
    link: Mapped[str | None] = mapped_column(String(500))
    sender_slack_user_id: Mapped[str] = mapped_column(String(32), index=True)
    # The criteria (`audience.selection.AudienceSpec` as a dict) and the sentence the sender confirmed.
    audience: Mapped[dict] = mapped_column(JSON, default=dict)
    audience_summary: Mapped[str] = mapped_column(String(300), default="")
    requires_acknowledgement: Mapped[bool] = mapped_column(Boolean, default=False)
    deadline: Mapped[datetime | None] = mapped_column(UTCDateTime())
    places: Mapped[int | None] = mapped_column(Integer)  # training: how many; None: no cap
    channel: Mapped[str | None] = mapped_column(String(32))  # also posted here (a neutral pointer)
    send_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    summary_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    simulated: Mapped[bool] = mapped_column(Boolean, default=False)

    recipients: Mapped[list[NoticeRecipient]] = relationship(
        back_populates="notice", cascade="all, delete-orphan", order_by="NoticeRecipient.id"
    )


class NoticeRecipient(Base):
    """One person a notice was sent to, and what they did with it."""

    __tablename__ = "notice_recipients"
    __table_args__ = (UniqueConstraint("notice_id", "slack_user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    notice_id: Mapped[int] = mapped_column(ForeignKey("notices.id", ondelete="CASCADE"), index=True)
    slack_user_id: Mapped[str] = mapped_column(String(32), index=True)
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisations.id", ondelete="SET NULL"), index=True
    )
    name: Mapped[str] = mapped_column(String(120))  # as it was when sent, for the report
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    reminders: Mapped[int] = mapped_column(Integer, default=0)
    last_reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    place: Mapped[PlaceStatus | None] = mapped_column(enum_column(PlaceStatus, "notice_place_status"))
    place_requested_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    notice: Mapped[Notice] = relationship(back_populates="recipients")


def dm_key(notice_id: int, slack_user_id: str) -> str:
    """The outbox key of a notice's DM to one person: a retry or a resumed sending queues it once."""
    return f"notice:{notice_id}:to:{slack_user_id}"
