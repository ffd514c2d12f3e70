"""The Slack side of a simulated year: a plain renderer for the escalation port, and delivery of the
outbox as Slack would answer it.

Everything the domain says in Slack is queued in the outbox in the same transaction as the change
that caused it. In a simulation nobody is on the other end, so `SimulatedSlack.deliver` plays the
part of `bot.outbox.deliver_due` and the Web API together: each due message is marked sent with the
channel and ts Slack would give it, card posts are recorded on their escalation (as the real
delivery does, so later card updates edit the right message), and a direct message to someone whose
Slack account has been deactivated fails for good with Slack's error — as it would after the real
outbox's retries. Leaving nothing pending also means a simulated demo never sends anything to a
real workspace later.
"""

from __future__ import annotations

import hashlib
import logging
from datetime import datetime, timedelta
from types import SimpleNamespace

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session

from escalations.messages import record_card_delivery
from escalations.views import CardView, DigestView, Notice
from intake.ports import MissingReturnReminder
from models.joining import JoinRequest
from models.outbox import OutboxMessage, OutboxStatus
from models.wording import as_text

log = logging.getLogger(__name__)

DELIVERY_DELAY = timedelta(seconds=2)  # the worker delivers within seconds of the queueing
MAX_ATTEMPTS = 8  # as bot.outbox: a message that keeps failing is given up after this many tries


class PlainRenderer:
    """`escalations.ports.Renderer` in plain text, for a simulation with no Slack layer to hand."""

    def card(self, view: CardView) -> dict:
        lines = [
            f"{view.reference}: {view.title}",
            f"{view.board} · {view.state} · acknowledge by {view.acknowledge_by}",
            f"respond by {view.respond_by}",
        ]
        if view.moved_on:
            lines.append(as_text(view.moved_on))
        return {"text": "\n".join(lines)}

    def notice(self, view: Notice) -> dict:
        return {"text": "\n".join(as_text(part) for part in (view.heading, *view.lines))}

    def digest(self, view: DigestView) -> dict:
        return {"text": f"Pending escalations for the {view.board}"}


class PlainIntakeRenderer:
    """`intake.ports.IntakeRenderer` in plain text: the return reminder the simulated year sends."""

    def join_request(self, request: JoinRequest) -> dict:
        return {"text": f"New application {request.reference}"}

    def join_decision(self, request: JoinRequest) -> dict:
        return {"text": f"Your application {request.reference} was {request.status.value}."}

    def return_reminder(self, reminder: MissingReturnReminder) -> dict:
        return {
            "text": f"Linked-up has not yet received {reminder.organisation}'s waiting-list return for "
            f"{reminder.period.strftime('%B %Y')} ({', '.join(reminder.services)}). "
            "Type `/linkedup waiting` to send it."
        }


PLAIN_INTAKE = PlainIntakeRenderer()


def _channel_id(name: str) -> str:
    """A stable Slack-looking channel id for a channel name (`#linkedup-cjcg` → `C…`)."""
    if name and name[:1] in ("C", "G", "D") and name[1:].isalnum():
        return name
    return "C" + hashlib.sha1(name.encode()).hexdigest()[:10].upper()


class SimulatedSlack:
    """Delivers the outbox as Slack would; `deactivate` makes a user's direct messages fail from then on."""

    def __init__(self) -> None:
        self.inactive: dict[str, datetime] = {}
        self.posts: dict[str, dict] = {}  # key → Slack's answer, for the posts delivered so far
        self._sequence = 0
        self.sent = 0
        self.failed = 0

    def deactivate(self, slack_user_id: str, *, since: datetime) -> None:
        self.inactive[slack_user_id] = since

    def is_inactive(self, slack_user_id: str | None, at: datetime) -> bool:
        since = self.inactive.get(slack_user_id or "")
        return since is not None and at >= since

    def _ts(self, at: datetime) -> str:
        self._sequence += 1
        return f"{int(at.timestamp())}.{self._sequence % 1_000_000:06d}"

    def deliver(self, session: Session, *, now: datetime) -> int:
        """Deliver every message queued by `now`, oldest first, each as if sent the moment it was queued
        (the real worker polls every few seconds); returns how many were handled."""
        table = OutboxMessage.__table__
        due = session.execute(
            select(
                table.c.id, table.c.key, table.c.method, table.c.payload, table.c.attempts, table.c.created_at
            )
            .where(table.c.status == OutboxStatus.PENDING.value, table.c.next_attempt_at <= now)
            .order_by(table.c.id)
        ).all()
        changes = []
        for row in due:
            change = self._outcome(session, row)
            if change is not None:
                changes.append(change)
        if changes:
            session.execute(
                update(table).where(table.c.id == bindparam("message_id")),
                [
                    {
                        "message_id": c["id"],
                        "status": c["status"],
                        "attempts": c["attempts"],
                        "result": c.get("result"),
                        "sent_at": c.get("sent_at"),
                        "last_error": c.get("last_error"),
                    }
                    for c in changes
                ],
            )
        for change in changes:
            if change["method"] == "chat.postMessage" and change["status"] == OutboxStatus.SENT.value:
                # As bot.outbox does after each delivery: a card post tells its escalation where it is.
                # (Updates need no such call here: they are delivered in order, so none overtakes another.)
                record_card_delivery(session, SimpleNamespace(**change))
        return len(due)

    def _outcome(self, session: Session, row) -> dict | None:
        at = row.created_at + DELIVERY_DELAY
        payload = dict(row.payload or {})
        change = {"id": row.id, "key": row.key, "method": row.method, "attempts": row.attempts + 1}
        if row.method == "dm":
            user = payload.get("user")
            if self.is_inactive(user, at):
                self.failed += 1
                return change | {
                    "attempts": MAX_ATTEMPTS,
                    "status": OutboxStatus.FAILED.value,
                    "last_error": "SlackApiError: account_inactive (the member's Slack account was "
                    "deactivated)",
                }
            result = {"channel": "D" + hashlib.sha1(str(user).encode()).hexdigest()[:10].upper()}
        elif row.method == "chat.update":
            source = payload.get("ts_from")
            if source and not payload.get("ts"):
                post = self.posts.get(source)
                if post is None:
                    found = session.execute(
                        select(OutboxMessage.status, OutboxMessage.result).where(OutboxMessage.key == source)
                    ).first()
                    if found is None or found.status == OutboxStatus.FAILED:
                        self.failed += 1
                        return change | {
                            "status": OutboxStatus.FAILED.value,
                            "attempts": row.attempts,
                            "last_error": f"the message it updates ({source}) was never posted",
                        }
                    if found.status != OutboxStatus.SENT:
                        return None  # waits for its post, as the real outbox does
                    post = found.result or {}
                payload["channel"], payload["ts"] = post.get("channel"), post.get("ts")
            result = {"channel": _channel_id(str(payload.get("channel") or "")), "ts": payload.get("ts")}
        elif row.method == "views.publish":
            result = {}
        else:
            result = {"channel": _channel_id(str(payload.get("channel") or "")), "ts": None}
        if result and row.method != "views.publish" and not result.get("ts"):
            result["ts"] = self._ts(at)
        if row.method == "chat.postMessage":
            self.posts[row.key] = result
        self.sent += 1
        return change | {
            "status": OutboxStatus.SENT.value,
            "result": result,
            "sent_at": at,
            "last_error": None,
        }
