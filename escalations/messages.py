"""Queueing what the escalation domain says in Slack, and recording what happened, in one place.

Every Slack call goes through the outbox in the same transaction as the change that causes it,
under a deterministic key, so re-running a flow or the sweep queues nothing twice:

- `escalation:{id}:card` — the card, posted once in the board's channel;
- `escalation:{id}:card:v{version}` — the card updated in place after the row reached `version`;
- `escalation:{id}:<what>:…` — reminders, alerts, answers (one key per recipient and occasion).

A card update must edit the message the card post created. Once the post is delivered,
`record_card_delivery` (called by `bot.outbox` for every delivered message) stores its channel and
ts on the escalation; an update queued before that names the post's key in `ts_from`, and the
outbox delivers it only after the post, with the post's channel and ts. If an older update is
delivered after a newer one (a 429 retried late), the newest card content is re-queued, so the
card always ends at the latest state.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import insert, select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from escalations.ports import Renderer
from escalations.views import CardView, card_view
from models.base import utcnow
from models.escalations import Escalation, EscalationEvent
from models.issues import Issue
from models.outbox import OutboxMessage, OutboxStatus, card_topic
from models.wording import Mention, Wording, said

SYSTEM = "system"
_CARD_KEY = re.compile(r"^escalation:(?P<id>\d+):card(?::(?P<rest>.*))?$")
HISTORY_KINDS = (
    "routed",
    "acknowledged",
    "responded",
    "not_satisfied",
    "escalated",
    "reassigned",
    "officer_alerted",
)
HISTORY_LINES = 8


def card_post_key(escalation_id: int) -> str:
    return f"escalation:{escalation_id}:card"


def card_update_key(escalation_id: int, version: int) -> str:
    return f"escalation:{escalation_id}:card:v{version}"


def enqueue_rows(session: Session, rows: Iterable[dict]) -> list[str]:
    """Queue outbox rows ({key, method, payload}); keys already queued are left as they are.

    `INSERT … ON CONFLICT (key) DO NOTHING`, executed for the lot at once: idempotent, safe against
    a concurrent writer of the same key, and fast for the sweep's batches.
    """
    rows = [dict(row) for row in rows]
    if not rows:
        return []
    now = utcnow()
    for row in rows:
        row.setdefault("status", OutboxStatus.PENDING)
        row.setdefault("attempts", 0)
        row.setdefault("next_attempt_at", now)
        row.setdefault("created_at", now)
        row.setdefault("topic", None)  # one statement for the lot: every row names the same columns
    insert_ = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    statement = insert_(OutboxMessage.__table__).on_conflict_do_nothing(index_elements=["key"])
    session.execute(statement, rows)
    return [row["key"] for row in rows]


def insert_events(session: Session, rows: list[dict]) -> None:
    """Add many history lines at once (as `unnest` arrays on PostgreSQL, executemany elsewhere)."""
    if not rows:
        return
    if session.get_bind().dialect.name != "postgresql":
        session.execute(insert(EscalationEvent.__table__), rows)
        return
    columns = (
        "issue_id",
        "escalation_id",
        "at",
        "actor",
        "kind",
        "from_state",
        "to_state",
        "from_board",
        "to_board",
    )
    types = (
        "integer",
        "integer",
        "timestamptz",
        "varchar",
        "varchar",
        "varchar",
        "varchar",
        "varchar",
        "varchar",
    )
    arrays = ", ".join(f"CAST(:{c} AS {t}[])" for c, t in zip(columns, types, strict=True))
    session.execute(
        text(
            f"INSERT INTO escalation_events ({', '.join(columns)}, detail) "
            f"SELECT {', '.join(columns)}, d::json "
            f"FROM unnest({arrays}, CAST(:detail AS text[])) AS r({', '.join(columns)}, d)"
        ),
        {
            **{column: [row[column] for row in rows] for column in columns},
            "detail": [json.dumps(row["detail"]) for row in rows],
        },
    )


def dm_row(key: str, user: str, body: dict) -> dict:
    return {"key": key, "method": "dm", "payload": {"user": user, **body}}


def channel_row(key: str, channel: str, body: dict, *, thread_ts: str | None = None) -> dict:
    payload = {"channel": channel, **body, "unfurl_links": False, "unfurl_media": False}
    if thread_ts:
        payload["thread_ts"] = thread_ts
    return {"key": key, "method": "chat.postMessage", "payload": payload}


def event(
    session: Session,
    *,
    issue: Issue,
    kind: str,
    actor: str,
    at: datetime,
    escalation: Escalation | None = None,
    from_state: str | None = None,
    to_state: str | None = None,
    from_board: str | None = None,
    to_board: str | None = None,
    detail: dict | None = None,
) -> EscalationEvent:
    """Add one history line; `detail["messages"]` lists the outbox keys it sent, if any."""
    row = EscalationEvent(
        issue_id=issue.id,
        escalation_id=escalation.id if escalation is not None else None,
        at=at,
        actor=actor,
        kind=kind,
        from_state=from_state,
        to_state=to_state,
        from_board=from_board,
        to_board=to_board,
        detail=detail or {},
    )
    session.add(row)
    return row


def history_lines(session: Session, escalations: list[Escalation]) -> dict[int, tuple[Wording, ...]]:
    """For each escalation, the item's history before this board had it (shown on its card): the
    people as real mentions, board names and reasons as typed (`models.wording`)."""
    from escalations.people import names_of
    from escalations.working_days import describe

    wanted = {e.issue_id: e for e in escalations if e.previous_id is not None}
    if not wanted:
        return {}
    rows = session.scalars(
        select(EscalationEvent)
        .where(EscalationEvent.issue_id.in_(list(wanted)), EscalationEvent.kind.in_(HISTORY_KINDS))
        .order_by(EscalationEvent.issue_id, EscalationEvent.at, EscalationEvent.id)
    ).all()
    lines: dict[int, list[Wording]] = {}
    templates = {
        "routed": "routed to {to}",
        "acknowledged": "acknowledged by {who} ({board})",
        "responded": "answered by {who} ({board})",
        "not_satisfied": "the organisation was not satisfied with the answer",
        "escalated": "escalated from {source} to {to} {how}",
        "reassigned": "re-assigned by {who} from {source} to {to}",
        "officer_alerted": "overdue at the top of the ladder: officer alerted",
    }
    mailed = names_of(session, {r.actor for r in rows if r.actor and r.actor.startswith("mail:")})
    for row in rows:
        escalation = wanted[row.issue_id]
        if row.escalation_id == escalation.id:
            continue
        who = (
            f"{mailed.get(row.actor, 'a board member')} (by e-mail)"
            if row.actor in mailed
            else Mention(row.actor)
        )
        board = row.to_board or row.from_board or ""
        automatic = (row.detail or {}).get("automatic")
        text = said(
            "{when}: " + templates[row.kind],
            when=describe(row.at),
            who=who,
            board=row.from_board or board,
            source=row.from_board,
            to=row.to_board,
            how=said("automatically") if automatic else said("by {who}", who=who),
        )
        reason = (row.detail or {}).get("reason")
        if reason and row.kind in ("escalated", "reassigned"):
            text += said(" — “{reason}”", reason=reason)
        lines.setdefault(row.issue_id, []).append(text)
    return {wanted[issue_id].id: tuple(found[-HISTORY_LINES:]) for issue_id, found in lines.items()}


def card_body(
    escalation: Escalation,
    render: Renderer,
    *,
    now: datetime,
    history: tuple[Wording, ...] = (),
    moved_on: Wording | None = None,
) -> tuple[CardView, dict]:
    view = card_view(escalation, now=now, history=history, moved_on=moved_on)
    return view, render.card(view)


def post_card(
    session: Session,
    escalation: Escalation,
    render: Renderer,
    *,
    now: datetime,
    history: tuple[Wording, ...] = (),
) -> dict:
    """The outbox row that posts the card in the board's channel (queue it with `enqueue_rows`)."""
    _, body = card_body(escalation, render, now=now, history=history)
    return channel_row(card_post_key(escalation.id), escalation.current_rung.channel, body)


def card_update_row(
    session: Session,
    escalation: Escalation,
    render: Renderer,
    *,
    now: datetime,
    history: tuple[Wording, ...] = (),
    moved_on: Wording | None = None,
) -> dict:
    """The outbox row that edits the card in place to show the row's current version.

    The card is addressed by the ts stored on the escalation once its post is delivered; until
    then by the post's outbox key (`ts_from`), which the outbox resolves after the post. A card
    whose post failed for good is posted afresh instead (and later updates follow that post).
    """
    _, body = card_body(escalation, render, now=now, history=history, moved_on=moved_on)
    key = card_update_key(escalation.id, escalation.version)
    topic = card_topic(f"escalation:{escalation.id}")  # a late update is followed by the newest again
    if escalation.card_ts and escalation.card_channel:
        return {
            "key": key,
            "method": "chat.update",
            "topic": topic,
            "payload": {"channel": escalation.card_channel, "ts": escalation.card_ts, **body},
        }
    post_key = current_post_key(session, escalation.id)
    post = session.scalar(select(OutboxMessage).where(OutboxMessage.key == post_key))
    channel = escalation.current_rung.channel
    if post is not None and post.status == OutboxStatus.SENT and (post.result or {}).get("ts"):
        return {
            "key": key,
            "method": "chat.update",
            "topic": topic,
            "payload": {"channel": post.result.get("channel") or channel, "ts": post.result["ts"], **body},
        }
    if post is None or post.status == OutboxStatus.FAILED:
        return channel_row(f"escalation:{escalation.id}:card:repost:v{escalation.version}", channel, body)
    payload = {"channel": channel, "ts_from": post_key, **body}
    return {"key": key, "method": "chat.update", "topic": topic, "payload": payload}


def current_post_key(session: Session, escalation_id: int) -> str:
    """The key of the newest post of this escalation's card (a re-post replaces a failed one)."""
    reposts = session.scalars(
        select(OutboxMessage.key)
        .where(OutboxMessage.key.like(f"escalation:{escalation_id}:card:repost:%"))
        .order_by(OutboxMessage.id.desc())
        .limit(1)
    ).first()
    return reposts or card_post_key(escalation_id)


def is_card_key(key: str) -> bool:
    """An escalation card's post or update: its delivery is recorded (`record_card_delivery`)."""
    return _CARD_KEY.match(key) is not None


def record_card_delivery(session: Session, message: OutboxMessage) -> None:
    """After the outbox delivered `message`: remember where a card's post is (its channel and ts).

    An update delivered late is followed by the newest card again by the outbox's general rule for
    updates of one message (`models.outbox.resend_newest_update`: card updates share a topic).
    Runs inside the delivery's transaction. The escalation row is updated with a plain UPDATE
    (no version bump): learning where the card is does not change the escalation's state.
    """
    match = _CARD_KEY.match(message.key)
    if match is None:
        return
    escalation_id = int(match["id"])
    rest = match["rest"] or ""
    result = message.result or {}
    posted = message.method == "chat.postMessage" and (rest == "" or rest.startswith("repost:"))
    if posted and result.get("ts"):
        session.execute(
            update(Escalation.__table__)
            .where(Escalation.__table__.c.id == escalation_id)
            .values(card_channel=result.get("channel"), card_ts=result["ts"])
        )
