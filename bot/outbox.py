"""Delivering the outbox to Slack: each message claimed, sent, then settled; failures retried later.

A message is claimed by one conditional `UPDATE` (still pending, due, and not claimed by anyone
else: the claim moves `next_attempt_at` a lease ahead), committed before Slack is called, so two
deliverers — the at-once sender in a web process, the worker's poll, a second worker — never send
the same message, and no lock is held while Slack answers. A crash between the call and the
settling leaves the row to be retried when the lease runs out. A 429 honours Retry-After (and holds
the method in the process's `Pacing`), other failures back off exponentially, and after
MAX_ATTEMPTS the row is marked failed for the officer to see — never silently dropped.
"""

from __future__ import annotations

import base64
import enum
import logging
import time
from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import datetime, timedelta

from slack_sdk import WebClient
from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session, sessionmaker

from bot.slack_pacing import Pacing, channel_of
from models.base import utcnow
from models.leavers import DIRECT_METHODS, withheld_from
from models.outbox import OutboxMessage, OutboxStatus, is_card_update, resend_newest_update

_OUTBOX = OutboxMessage.__table__

# Every message sent pays for its claim and its settling, so both statements are built once, with
# bound parameters: SQLAlchemy then neither rebuilds them nor recomputes their cache key per message.
_CLAIM = (
    update(_OUTBOX)
    .where(
        _OUTBOX.c.key == bindparam("claimed_key"),
        _OUTBOX.c.status == OutboxStatus.PENDING,
        _OUTBOX.c.next_attempt_at <= bindparam("due_by", type_=_OUTBOX.c.next_attempt_at.type),
    )
    .values(
        next_attempt_at=bindparam("leased_until", type_=_OUTBOX.c.next_attempt_at.type),
        attempts=_OUTBOX.c.attempts + 1,
    )
    .returning(_OUTBOX.c.id, _OUTBOX.c.method, _OUTBOX.c.payload, _OUTBOX.c.created_at, _OUTBOX.c.topic)
)
_SETTLE_SENT = (
    update(_OUTBOX)
    .where(_OUTBOX.c.id == bindparam("settled_id"))
    .values(
        status=OutboxStatus.SENT,
        result=bindparam("answer", type_=_OUTBOX.c.result.type),
        sent_at=bindparam("settled_at", type_=_OUTBOX.c.sent_at.type),
        last_error=None,
    )
)

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
BATCH = 100
WAIT_FOR_POST = 5  # seconds an update waits for the post it edits
LEASE = timedelta(minutes=5)  # a claimed message is left alone this long (Slack calls time out well before)
BOOKED_GRACE = timedelta(seconds=5)  # a booked message is the booker's this long after its slot
MAX_PACING_WAIT = 2.0  # seconds a deliverer waits in place for Slack's allowance; longer, the row waits

OnSent = Callable[[Session, OutboxMessage], None]


class Outcome(enum.StrEnum):
    SENT = "sent"
    FAILED = "failed"  # this attempt failed (retried later) or the message failed for good
    WAITING = "waiting"  # a card update whose post is not delivered yet
    POSTPONED = "postponed"  # Slack's allowance is used up for now: left for later, no attempt used
    NOT_CLAIMED = "not claimed"  # sent already, not due, or another deliverer has it


@dataclass(frozen=True)
class Delivery:
    outcome: Outcome
    waits_for: str | None = None  # WAITING: the key of the post it updates
    retry_in: float | None = None  # POSTPONED, or FAILED on a 429: seconds until it may go again
    booked: bool = False  # POSTPONED: the slot at `retry_in` is booked for this message


@dataclass(frozen=True)
class _Claim:
    id: int
    key: str
    method: str
    payload: dict
    wait: float
    topic: str | None = None  # a card topic: `resend_newest_update` runs once it is delivered


def _backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(30 * 2 ** (attempts - 1), 3600))


def send(client: WebClient, method: str, payload: dict, pacing: Pacing | None = None) -> dict:
    """Make the Slack call for one outbox row; returns the useful part of Slack's answer.

    Method "email" is not Slack: an e-mail to a board member outside Slack (`bot.email`: Notify or
    SMTP), claimed, retried and failed for good exactly like a Slack message."""
    payload = dict(payload)
    if method == "email":
        from bot.email import send_email

        return send_email(payload)
    if method == "dm":
        # Posted with the user id as the channel: Slack delivers it to the app's DM with the person and
        # answers with that DM's id, so no `conversations.open` (a Tier 3 call) is needed per person.
        user = payload.pop("user")
        answer = client.chat_postMessage(channel=user, **payload)
        if pacing:
            pacing.remember_dm_channel(user, answer["channel"])
        return {"channel": answer["channel"], "ts": answer["ts"]}
    if method == "files.upload":  # a file shared in a person's DM: payload has `user`, `content_base64`
        user = payload.pop("user")
        channel = pacing.dm_channel(user) if pacing else None
        if channel is None:
            channel = client.conversations_open(users=user)["channel"]["id"]
            if pacing:
                pacing.remember_dm_channel(user, channel)
        content = base64.b64decode(payload.pop("content_base64"))
        client.files_upload_v2(channel=channel, content=content, **payload)
        return {"channel": channel}
    if method == "views.publish":
        client.views_publish(**payload)
        return {}
    answer = client.api_call(method, json=payload)
    return {"channel": answer.get("channel"), "ts": answer.get("ts")}


def deliver_due(
    session_factory: sessionmaker[Session],
    client: WebClient | None,
    *,
    on_sent: OnSent | None = None,
    limit: int = BATCH,
    pacing: Pacing | None = None,
    methods: Collection[str] | None = None,
) -> int:
    """Send what is due, oldest first; returns how many were sent. `on_sent` records results.

    `methods` keeps to those outbox methods: a process with e-mail but no Slack credentials delivers
    `{"email"}` alone (with `client` None), and Slack's messages wait for a process that has Slack."""
    sent = 0
    for _ in range(limit):
        with session_factory() as session:
            due = select(OutboxMessage.key).where(
                OutboxMessage.status == OutboxStatus.PENDING,
                OutboxMessage.next_attempt_at <= utcnow(),
            )
            if methods is not None:
                due = due.where(OutboxMessage.method.in_(sorted(methods)))
            key = session.scalar(due.order_by(OutboxMessage.id).limit(1))
        if key is None:
            return sent
        delivery = deliver(session_factory, client, key, on_sent=on_sent, pacing=pacing)
        sent += delivery.outcome is Outcome.SENT
    return sent


def deliver(
    session_factory: sessionmaker[Session],
    client: WebClient,
    key: str,
    *,
    due_by: datetime | None = None,
    on_sent: OnSent | None = None,
    pacing: Pacing | None = None,
    max_wait: float = MAX_PACING_WAIT,
    book: bool = False,
    booked: bool = False,
) -> Delivery:
    """Claim the message `key` (if pending and due by `due_by`, default now), send it and settle it.

    A wait for Slack's allowance up to `max_wait` seconds is slept here; a longer one postpones the
    message (`retry_in`) without using an attempt. With `book`, the slot at `retry_in` is booked for
    it (`Delivery.booked`), and the deliverer that comes back then passes `booked`.
    """
    claim = _claim(
        session_factory, key, due_by=due_by, pacing=pacing, max_wait=max_wait, book=book, booked=booked
    )
    if isinstance(claim, Delivery):
        return claim
    if claim.wait:
        time.sleep(claim.wait)
    try:
        result = send(client, claim.method, claim.payload, pacing)
    except Exception as exc:  # SlackApiError, network errors, time-outs: retried later
        if pacing is not None and (retry_after := retry_after_seconds(exc)):
            pacing.hold(claim.method, channel_of(claim.method, claim.payload), retry_after)
        return _settle(session_factory, claim, None, exc, on_sent)
    return _settle(session_factory, claim, result, None, on_sent, answered_at=utcnow())


def _claim(
    session_factory: sessionmaker[Session],
    key: str,
    *,
    due_by: datetime | None,
    pacing: Pacing | None,
    max_wait: float,
    book: bool = False,
    booked: bool = False,
) -> _Claim | Delivery:
    # One statement claims the row, counts the attempt and reads it (every message sent pays for this,
    # so no ORM load and flush); an attempt that does not happen (waiting, postponed) is given back.
    with session_factory() as session:
        now = utcnow()
        claimed = session.execute(
            _CLAIM, {"claimed_key": key, "due_by": due_by or now, "leased_until": now + LEASE}
        ).first()
        if claimed is None:
            session.rollback()
            return Delivery(Outcome.NOT_CLAIMED)
        message_id, method, stored, queued_at, topic = claimed
        payload = dict(stored)
        if method in DIRECT_METHODS and (
            withheld := withheld_from(session, payload.get("user"), queued_at=queued_at)
        ):  # its person left after it was queued (`models.leavers`): kept, never sent
            session.execute(
                update(_OUTBOX)
                .where(_OUTBOX.c.id == message_id)
                .values(status=OutboxStatus.FAILED, last_error=withheld, attempts=_OUTBOX.c.attempts - 1)
            )
            session.commit()
            return Delivery(Outcome.FAILED)
        source = payload.pop("ts_from", None)
        if method == "chat.update" and source and not payload.get("ts"):
            message = session.get(OutboxMessage, message_id)  # an update of a post another row makes
            payload = addressed_payload(session, message)
            if payload is None:
                message.attempts -= 1
                session.commit()
                if message.status == OutboxStatus.FAILED:
                    return Delivery(Outcome.FAILED)
                return Delivery(Outcome.WAITING, waits_for=message.payload.get("ts_from"))
        wait = 0.0
        if pacing is not None:
            channel = channel_of(method, payload)
            wait = pacing.reserve(method, channel, max_wait=max_wait, book=book, booked=booked)
            if wait > max_wait:
                # A booked slot is this deliverer's: the poll leaves the row alone until BOOKED_GRACE
                # after it (it would take a second slot for the same message), unless this one died.
                grace = BOOKED_GRACE if book and not booked else timedelta(0)
                session.execute(
                    update(_OUTBOX)
                    .where(_OUTBOX.c.id == message_id)
                    .values(
                        next_attempt_at=now + timedelta(seconds=wait) + grace,
                        attempts=_OUTBOX.c.attempts - 1,
                    )
                )
                session.commit()
                return Delivery(Outcome.POSTPONED, retry_in=wait, booked=book and not booked)
        session.commit()
        return _Claim(message_id, key, method, payload, wait, topic)


def _settle(
    session_factory: sessionmaker[Session],
    claim: _Claim,
    result: dict | None,
    error: Exception | None,
    on_sent: OnSent | None,
    *,
    answered_at: datetime | None = None,
) -> Delivery:
    """Record what Slack said; the message is in Slack already when it succeeded, so this must not fail it.

    `answered_at` is when Slack answered: the recorded `sent_at`, which the settling (it may wait for
    the database's writer) must not move later.
    """
    answered_at = answered_at or utcnow()
    with session_factory() as session:
        if error is None and on_sent is None:  # the usual case, in one statement (no ORM load and flush)
            settled = session.execute(
                _SETTLE_SENT, {"settled_id": claim.id, "answer": result, "settled_at": answered_at}
            ).rowcount
            if settled and (tells_domain(claim.key) or is_card_update(claim.method, claim.topic)):
                sent = OutboxMessage(
                    id=claim.id,
                    key=claim.key,
                    method=claim.method,
                    result=result,
                    topic=claim.topic,
                    sent_at=answered_at,
                )
                record_sent(session, sent)  # (not added to the session: only read)
            session.commit()
            return Delivery(Outcome.SENT)
        message = session.get(OutboxMessage, claim.id)
        if message is None:  # erased meanwhile (an organisation's data removed)
            return Delivery(Outcome.SENT if error is None else Outcome.FAILED)
        if error is not None:
            _failed(message, error)
            session.commit()
            # After a 429 the message is due again after Retry-After: a deliverer may come back then.
            return Delivery(Outcome.FAILED, retry_in=retry_after_seconds(error))
        message.result = result
        message.status = OutboxStatus.SENT
        message.sent_at = answered_at
        message.last_error = None
        record_sent(session, message)
        if on_sent is not None:
            on_sent(session, message)
        session.commit()
        return Delivery(Outcome.SENT)


def addressed_payload(session: Session, message: OutboxMessage) -> dict | None:
    """The payload to send, with a `chat.update` aimed at a message another outbox row posts.

    `ts_from` names that row's key: the update waits (None, retried shortly, no attempt used)
    until the post is delivered, then takes its channel and ts; if the post failed for good, so
    does the update, with the reason.
    """
    payload = dict(message.payload)
    source = payload.pop("ts_from", None)
    if message.method != "chat.update" or not source or payload.get("ts"):
        return payload
    post = session.scalar(select(OutboxMessage).where(OutboxMessage.key == source))
    if post is not None and post.status == OutboxStatus.SENT and (post.result or {}).get("ts"):
        payload["channel"] = post.result.get("channel") or payload.get("channel")
        payload["ts"] = post.result["ts"]
        return payload
    if post is None or post.status == OutboxStatus.FAILED:
        message.status = OutboxStatus.FAILED
        message.last_error = f"the message it updates ({source}) was never posted"
        return None
    message.next_attempt_at = utcnow() + timedelta(seconds=WAIT_FOR_POST)
    return None


def tells_domain(key: str) -> bool:
    """Whether a delivered message's result matters to the domain (`record_sent` has work to do)."""
    from escalations.messages import is_card_key

    return is_card_key(key)


def record_sent(session: Session, message: OutboxMessage) -> None:
    """What a delivered message tells the domain (an escalation card's channel and ts), and a card
    update delivered late followed by the newest card again (`resend_newest_update`).

    The message is already in Slack, so a failure here must not roll its delivery back (that
    would send it again): each step runs in a savepoint and is logged.
    """
    from escalations.messages import record_card_delivery

    try:
        with session.begin_nested():
            record_card_delivery(session, message)
    except Exception:
        log.exception("recording the delivery of outbox message %s failed", message.key)
    if not is_card_update(message.method, message.topic):
        return
    try:
        with session.begin_nested():
            again = resend_newest_update(session, message, lease=LEASE)
        if again is not None:
            log.info(
                "card update %s was delivered late: the newest card goes again (%s)", message.key, again.key
            )
    except Exception:
        log.exception("re-sending the newest card after outbox message %s failed", message.key)


def retry_after_seconds(exc: Exception) -> int | None:
    """Slack's Retry-After on a 429, however the SDK spelled the header."""
    response = getattr(exc, "response", None)
    if response is None or getattr(response, "status_code", None) != 429:
        return None
    for name, value in (response.headers or {}).items():
        if name.lower() == "retry-after":
            value = value[0] if isinstance(value, list) else value
            try:
                return max(1, int(value))
            except (TypeError, ValueError):
                return 1
    return 1


def _failed(message: OutboxMessage, exc: Exception) -> None:
    retry_after = retry_after_seconds(exc)
    message.last_error = f"{type(exc).__name__}: {str(exc)[:500]}"
    # Slack's 429 is "not now", not a fault of the message: it never makes a message fail for good,
    # so a notice to thousands that meets the workspace's limit again and again loses nobody.
    if message.attempts >= MAX_ATTEMPTS and not retry_after:
        message.status = OutboxStatus.FAILED
        log.error("outbox message %s failed for good: %s", message.key, message.last_error)
        return
    delay = timedelta(seconds=retry_after) if retry_after else _backoff(message.attempts)
    message.next_attempt_at = utcnow() + delay
    log.warning("outbox message %s will be retried in %s: %s", message.key, delay, message.last_error)
