"""Outbound Slack messages not yet delivered.

Anything the bot must say outside the HTTP response (a DM, a card in a board's channel, a card
update) is written here in the same transaction as the change that causes it, then delivered by
`bot.outbox`. A Slack failure leaves the row to be retried; the `key` makes enqueueing
idempotent, so a retried request never sends a message twice.

Each session remembers the keys it queued in its open transaction (however they were inserted:
`enqueue`, or a bulk `INSERT` such as `escalations.messages.enqueue_rows`), so whoever runs the
process can deliver them the moment the transaction commits (`queued_keys`). On PostgreSQL the
transaction also sends `NOTIFY linkedup_outbox`, which reaches the scheduler's listener at commit.
The domain only records what was queued; threads and Slack stay in `bot/`.
"""

from __future__ import annotations

import enum
from datetime import UTC, datetime, timedelta

from sqlalchemy import JSON, Index, Integer, String, Text, event, select, text
from sqlalchemy.orm import Mapped, ORMExecuteState, Session, mapped_column, object_session

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
    # What the message is about when later news may fold into it before it goes (the raiser's status
    # note of one issue): found by equality on an index, where a LIKE on the key would scan the table.
    topic: Mapped[str | None] = mapped_column(String(120), index=True)
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


SUPPORTED_METHODS = frozenset(
    {"chat.postMessage", "chat.update", "dm", "files.upload", "views.publish", "email"}
)


def enqueue(
    session: Session,
    *,
    key: str,
    method: str,
    payload: dict,
    new_key: bool = False,
    topic: str | None = None,
) -> OutboxMessage:
    """Queue one Slack call; the same key twice returns the first row and queues nothing new.

    `method` is a Web API method, or "dm" (payload has `user`; posted with the user id as the channel),
    or "files.upload" (a file for `user`'s DM, its bytes in `content_base64`), or "email" (to a board
    member outside Slack: `to`, `subject`, `text`, `html`, optional `attachments` [{filename, mime_type,
    content_base64}] and Notify `personalisation`; delivered by `bot.email`).
    `new_key=True` skips the look-up when the key cannot exist yet (it names a record created in
    this very transaction); the unique key still refuses a second row.
    `topic` groups rows about one thing: every `chat.update` of one Slack message shares a
    `card_topic`, so a late older update is followed by the newest again (`resend_newest_update`).
    """
    if method not in SUPPORTED_METHODS:
        raise ValueError(f"unsupported outbox method {method!r}")
    if not new_key:
        existing = session.scalar(select(OutboxMessage).where(OutboxMessage.key == key))
        if existing is not None:
            return existing
    row = OutboxMessage(key=key, method=method, payload=payload, topic=topic)
    session.add(row)
    session.flush()
    return row


CARD_TOPIC = "card:"  # the topic prefix shared by the updates of one Slack message
_AGAIN = ":again:"


def card_topic(what: str) -> str:
    """The topic of every `chat.update` of one Slack message (`what` names it: a record, or channel:ts)."""
    return f"{CARD_TOPIC}{what}"[:120]


def is_card_update(method: str, topic: str | None) -> bool:
    """An update of a card whose updates share a topic (`card_topic`): `resend_newest_update` applies."""
    return method == "chat.update" and bool(topic) and topic.startswith(CARD_TOPIC)


def resend_newest_update(
    session: Session, message: OutboxMessage, *, lease: timedelta
) -> OutboxMessage | None:
    """After `message`, an update of a card, was delivered: if a newer update of the same message was
    delivered before it, the older card has just overwritten the newer one in Slack (it was retried
    late), so queue the newest card again, aimed at the same channel and ts; returns the copy.

    "Before it" is judged by Slack's calls, not by when each was recorded: a newer update counts only if
    its call began before Slack answered this one (its claim, `next_attempt_at - lease`, before
    `message.sent_at`). Otherwise the two went to Slack in order and only their recording crossed (this
    one's settling waited for the database), and sending the newest again would only repeat it.

    Updates are queued in the order the card changed, so a higher id is the newer card. The copy's key
    names the late update, so a retried settling never queues it twice; the copy is itself the newest
    afterwards (nothing newer was delivered), so delivering it queues nothing more. Slack's message is
    found by equality on the indexed topic.
    """
    if not is_card_update(message.method, message.topic):
        return None
    newest = session.execute(
        select(OutboxMessage.key, OutboxMessage.payload, OutboxMessage.result)
        .where(
            OutboxMessage.topic == message.topic,
            OutboxMessage.method == "chat.update",
            OutboxMessage.status == OutboxStatus.SENT,
            OutboxMessage.id > message.id,
            OutboxMessage.next_attempt_at < (message.sent_at or utcnow()) + lease,
        )
        .order_by(OutboxMessage.id.desc())
        .limit(1)
    ).first()
    if newest is None:
        return None
    payload = dict(newest.payload)
    payload.pop("ts_from", None)  # addressed now: the message both updates edited
    here, there = message.result or {}, newest.result or {}
    payload["channel"] = here.get("channel") or there.get("channel") or payload.get("channel")
    payload["ts"] = here.get("ts") or there.get("ts") or payload.get("ts")
    base = newest.key.split(_AGAIN, 1)[0]  # a copy of a copy keeps the original's name, not a longer one
    return enqueue(
        session,
        key=f"{base[:170]}{_AGAIN}{message.id}",
        method="chat.update",
        payload=payload,
        topic=message.topic,
    )


NOTIFY_CHANNEL = "linkedup_outbox"
_QUEUED = "linkedup_outbox_queued"  # session.info: keys queued in the open transaction, in order
_HELD = "linkedup_outbox_held"  # session.info: of those, the keys held for later → when they are due
_NOTIFIED = "linkedup_outbox_notified"  # session.info: the open transaction has sent its NOTIFY


def queued_keys(session: Session) -> list[str]:
    """The keys queued since the last commit or rollback, handed over once (then forgotten)."""
    return session.info.pop(_QUEUED, None) or []


def held_keys(session: Session) -> dict[str, datetime]:
    """Of the keys `queued_keys` hands over, those queued to go later (the raiser's note, held a minute
    for more news), with the moment each is due: a deliverer can wait for it instead of polling."""
    return session.info.pop(_HELD, None) or {}


def _remember(session: Session | None, keys: list[str], due: dict[str, datetime] | None = None) -> None:
    if session is not None and keys:
        session.info.setdefault(_QUEUED, []).extend(keys)
        now = datetime.now(UTC)  # the deliverers' clock (a test's frozen `utcnow` stays in its thread)
        held = {key: at for key, at in (due or {}).items() if at is not None and at > now}
        if held:
            session.info.setdefault(_HELD, {}).update(held)


@event.listens_for(OutboxMessage, "after_insert")
def _queued_by_flush(_mapper, connection, row: OutboxMessage) -> None:
    session = object_session(row)
    _remember(session, [row.key], {row.key: row.next_attempt_at})
    if connection.dialect.name == "postgresql" and not session.info.get(
        _NOTIFIED
    ):  # also in the commit's flush
        connection.execute(text("SELECT pg_notify(:channel, '')"), {"channel": NOTIFY_CHANNEL})
        # PostgreSQL folds a transaction's repeated NOTIFYs into one, so one round trip is enough — unless
        # this is a savepoint, whose rollback would take the NOTIFY with it.
        session.info[_NOTIFIED] = not session.in_nested_transaction()


@event.listens_for(Session, "do_orm_execute")
def _queued_by_statement(state: ORMExecuteState) -> None:
    """A bulk `INSERT INTO outbox` run through a session (`ON CONFLICT DO NOTHING` included)."""
    if not state.is_insert or getattr(state.statement, "table", None) is not OutboxMessage.__table__:
        return
    parameters = state.parameters
    rows = parameters if isinstance(parameters, list | tuple) else [parameters or {}]
    rows = [row for row in rows if isinstance(row, dict) and "key" in row]
    _remember(
        state.session, [row["key"] for row in rows], {row["key"]: row.get("next_attempt_at") for row in rows}
    )


@event.listens_for(Session, "before_commit")
def _notify(session: Session) -> None:
    """PostgreSQL delivers a NOTIFY only if its transaction commits: a rolled-back message wakes nobody."""
    if not session.info.get(_QUEUED) or session.info.get(_NOTIFIED):
        return
    if session.get_bind().dialect.name != "postgresql":
        return
    session.execute(text("SELECT pg_notify(:channel, '')"), {"channel": NOTIFY_CHANNEL})


@event.listens_for(Session, "after_transaction_end")
def _forget(session: Session, transaction) -> None:
    """Keys not handed over by the end of the outer transaction (a rollback, a close) are dropped."""
    if transaction.parent is None:
        session.info.pop(_QUEUED, None)
        session.info.pop(_HELD, None)
        session.info.pop(_NOTIFIED, None)
