"""Outbound Slack messages not yet delivered.

Anything the bot must say outside the HTTP response (a DM, a card in a board's channel, a card
update) is written here in the same transaction as the change that causes it, then delivered by
`bot.outbox.deliver_due`. A Slack failure leaves the row to be retried; the `key` makes enqueueing
idempotent, so a retried request never sends a message twice.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, Index, Integer, String, Text, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from models.base import Base, UTCDateTime, enum_column, utcnow


class OutboxStatus(enum.StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"  # gave up after MAX_ATTEMPTS; shown to the officer


class OutboxMessage(Base):
    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    method: Mapped[str] = mapped_column(String(40))
    payload: Mapped[dict] = mapped_column(JSON)
    status: Mapped[OutboxStatus] = mapped_column(
        enum_column(OutboxStatus, "outbox_status"), default=OutboxStatus.PENDING
    )
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_error: Mapped[str | None] = mapped_column(Text)
    result: Mapped[dict | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


SUPPORTED_METHODS = frozenset({"chat.postMessage", "chat.update", "dm", "files.upload", "views.publish"})


def enqueue(
    session: Session, *, key: str, method: str, payload: dict, new_key: bool = False
) -> OutboxMessage:
    """Queue one Slack call; the same key twice returns the first row and queues nothing new.

    `method` is a Web API method, or "dm" (payload has `user`; the channel is opened on delivery),
    or "files.upload" (a file for `user`'s DM, its bytes in `content_base64`).
    `new_key=True` skips the look-up when the key cannot exist yet (it names a record created in
    this very transaction); the unique key still refuses a second row.
    """
    if method not in SUPPORTED_METHODS:
        raise ValueError(f"unsupported outbox method {method!r}")
    if not new_key:
        existing = session.scalar(select(OutboxMessage).where(OutboxMessage.key == key))
        if existing is not None:
            return existing
    row = OutboxMessage(key=key, method=method, payload=payload)
    session.add(row)
    session.flush()
    return row
