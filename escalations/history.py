"""Reading an item's history: what happened to it, in words, for the people allowed to see it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from escalations.flow_support import find_issue, live_escalation
from escalations.messages import (
    history_lines,
)
from escalations.views import person
from escalations.working_days import (
    LONDON,
    describe,
)
from models.errors import NotFound
from models.escalations import (
    Escalation,
    EscalationEvent,
)
from models.membership import find_member
from models.network import MemberRole


@dataclass(frozen=True)
class HistoryLine:
    at: datetime
    text: str


@dataclass(frozen=True)
class ItemHistory:
    reference: str
    title: str
    status: str
    organisation: str
    board: str | None
    lines: tuple[HistoryLine, ...]


def history(session: Session, *, reference: str, viewer: str) -> ItemHistory:
    """An item's whole history, for its own organisation and the officer (the audit the
    memorandum opens to members); anyone else is told there is no such item they can see.

    A safeguarding-sensitive item is need-to-know even inside its organisation: only the person
    who raised it (and the officer) see it here, as on the dashboard (`reporting.access`).
    """
    issue = find_issue(session, reference)
    hidden = NotFound(
        f"There is no item {reference.strip().upper()} that you can see: "
        "an item's history is open to its organisation and the officer."
    )
    if issue is None:
        raise hidden
    member = find_member(session, viewer)
    officer = member is not None and member.role == MemberRole.OFFICER
    if not officer and (member is None or member.organisation_id != issue.organisation_id):
        raise hidden
    if issue.sensitive and not officer and viewer != issue.raised_by:
        raise hidden
    events = session.scalars(
        select(EscalationEvent)
        .where(EscalationEvent.issue_id == issue.id)
        .order_by(EscalationEvent.at, EscalationEvent.id)
    ).all()
    live = live_escalation(session, issue.id)
    return ItemHistory(
        reference=issue.reference,
        title=issue.title,
        status=issue.status.value,
        organisation=issue.organisation.name,
        board=live.board_name if live else None,
        lines=tuple(HistoryLine(e.at, describe_event(e)) for e in events),
    )


def describe_event(row: EscalationEvent) -> str:
    """One history line in words."""
    who = person(row.actor)
    detail = row.detail or {}
    reason = detail.get("reason")
    to = recipient(detail.get("to"))
    how = "automatically" if detail.get("automatic") else f"by {who}"
    texts = {
        "held": f"held: {reason}",
        "triaged": f"sent to the officer's triage queue ({reason})",
        "routed": f"routed to the {row.to_board} ({reason})",
        "received": f"now with the {row.to_board}",
        "acknowledged": f"acknowledged by {who} for the {row.from_board}",
        "responded": f"answered by {who} for the {row.from_board}: {detail.get('outcome')}",
        "reassigned": f"re-assigned by {who} from the {row.from_board} to the {row.to_board}: “{reason}”",
        "escalated": f"escalated from the {row.from_board} to the {row.to_board} {how}: {reason}",
        "not_satisfied": f"{who} was not satisfied with the answer: “{detail.get('note')}”",
        "closed": f"closed: {who} accepted the answer",
        "reminder_sent": f"reminder sent to {to} about the {detail.get('deadline')} deadline",
        "reminder_capped": f"no reminder: the cap of {detail.get('cap')} was reached",
        "acknowledge_overdue": f"not acknowledged by the {row.from_board} in time; {to} told",
        "snoozed": f"reminders snoozed by {who} until {_when(detail.get('until'))}",
        "officer_alerted": f"overdue at the top of the ladder (the {row.from_board}): officer alerted",
        "follow_up_due": f"follow-up date reached; {to} reminded",
        "digest_sent": f"listed in the pre-meeting digest for the {row.from_board}",
    }
    return texts.get(row.kind, row.kind.replace("_", " "))


def recipient(value: str | None) -> str:
    """A user mention or a channel link, for a message's addressee."""
    if value and value[:1] in ("C", "G"):
        return f"<#{value}>"
    return person(value)


def _when(value: str | None) -> str:
    if not value:
        return "later"
    return describe(datetime.fromisoformat(value))


def card_history(session: Session, escalation: Escalation) -> tuple[str, ...]:
    return history_lines(session, [escalation]).get(escalation.id, ())


def quote(value: str, limit: int = 1500) -> str:
    value = value.strip()
    if len(value) > limit:
        value = value[: limit - 1].rstrip() + "…"
    return "\n".join("> " + line for line in value.splitlines() or [""])


def london_date(at: datetime) -> date:
    return at.astimezone(LONDON).date()
