"""Delivering the outbox to Slack: each message in its own transaction, failures retried later.

Rows are claimed with `FOR UPDATE SKIP LOCKED` on PostgreSQL, so two workers never send the
same message; a 429 honours Retry-After, other failures back off exponentially, and after
MAX_ATTEMPTS the row is marked failed for the officer to see — never silently dropped.
"""

from __future__ import annotations

import base64
import logging
from collections.abc import Callable
from datetime import timedelta

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from models.base import utcnow
from models.outbox import OutboxMessage, OutboxStatus

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
BATCH = 100
WAIT_FOR_POST = 5  # seconds an update waits for the post it edits


def _backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(30 * 2 ** (attempts - 1), 3600))


def send(client: WebClient, message: OutboxMessage, payload: dict | None = None) -> dict:
    """Make the Slack call for one outbox row; returns the useful part of Slack's answer."""
    payload = dict(message.payload if payload is None else payload)
    if message.method == "dm":
        channel = client.conversations_open(users=payload.pop("user"))["channel"]["id"]
        answer = client.chat_postMessage(channel=channel, **payload)
        return {"channel": answer["channel"], "ts": answer["ts"]}
    if message.method == "files.upload":  # a file shared in a person's DM: payload has `user`, `content_base64`
        channel = client.conversations_open(users=payload.pop("user"))["channel"]["id"]
        content = base64.b64decode(payload.pop("content_base64"))
        client.files_upload_v2(channel=channel, content=content, **payload)
        return {"channel": channel}
    if message.method == "views.publish":
        client.views_publish(**payload)
        return {}
    answer = client.api_call(message.method, json=payload)
    return {"channel": answer.get("channel"), "ts": answer.get("ts")}


def deliver_due(
    session_factory: sessionmaker[Session],
    client: WebClient,
    *,
    on_sent: Callable[[Session, OutboxMessage], None] | None = None,
    limit: int = BATCH,
) -> int:
    """Send what is due; returns how many were sent. `on_sent` records results (e.g. a card's ts)."""
    sent = 0
    for _ in range(limit):
        with session_factory() as session:
            query = (
                select(OutboxMessage)
                .where(
                    OutboxMessage.status == OutboxStatus.PENDING,
                    OutboxMessage.next_attempt_at <= utcnow(),
                )
                .order_by(OutboxMessage.id)
                .limit(1)
            )
            if session.get_bind().dialect.name == "postgresql":
                query = query.with_for_update(skip_locked=True)
            message = session.scalar(query)
            if message is None:
                return sent
            payload = addressed_payload(session, message)
            if payload is None:
                session.commit()
                continue
            message.attempts += 1
            try:
                message.result = send(client, message, payload)
            except SlackApiError as exc:
                _failed(message, exc)
            except Exception as exc:  # network errors, time-outs: retry later
                _failed(message, exc)
            else:
                message.status = OutboxStatus.SENT
                message.sent_at = utcnow()
                message.last_error = None
                record_sent(session, message)
                if on_sent is not None:
                    on_sent(session, message)
                sent += 1
            session.commit()
    return sent


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


def record_sent(session: Session, message: OutboxMessage) -> None:
    """What a delivered message tells the domain (an escalation card's channel and ts).

    The message is already in Slack, so a failure here must not roll its delivery back (that
    would send it again): it runs in a savepoint and is logged.
    """
    from escalations.messages import record_card_delivery

    try:
        with session.begin_nested():
            record_card_delivery(session, message)
    except Exception:
        log.exception("recording the delivery of outbox message %s failed", message.key)


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
    if message.attempts >= MAX_ATTEMPTS:
        message.status = OutboxStatus.FAILED
        log.error("outbox message %s failed for good: %s", message.key, message.last_error)
        return
    delay = timedelta(seconds=retry_after) if retry_after else _backoff(message.attempts)
    message.next_attempt_at = utcnow() + delay
    log.warning("outbox message %s will be retried in %s: %s", message.key, delay, message.last_error)
