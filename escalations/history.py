"""Reading an item's history: what happened to it, in words, for the people allowed to see it.

Each line is a `Wording` (`models.wording`): the people in it are real mentions and the reasons
and notes they typed stay typed, so the Slack layer escapes exactly those.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from escalations.flow_support import find_issue, live_escalation
from escalations.lifecycle import standing_of
from escalations.messages import (
    history_lines,
)
from escalations.working_days import (
    LONDON,
    describe,
)
from models.base import utcnow
from models.email_links import ACTOR_PREFIX
from models.errors import NotFound
from models.escalations import (
    Escalation,
    EscalationEvent,
)
from models.membership import find_member
from models.network import MemberRole
from models.wording import ChannelRef, Mention, Wording, quoted, said


@dataclass(frozen=True)
class HistoryLine:
    at: datetime
    text: Wording


@dataclass(frozen=True)
class ItemHistory:
    reference: str
    title: str
    status: str
    organisation: str
    board: str | None
    lines: tuple[HistoryLine, ...]
    standing: str = ""  # where it stands now, in words (escalations.lifecycle)


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
    mailed = mailed_names(session, events)
    return ItemHistory(
        reference=issue.reference,
        title=issue.title,
        status=issue.status.value,
        organisation=issue.organisation.name,
        board=live.board_name if live else None,
        standing=standing_of(session, issue, now=utcnow()).sentence(),
        lines=tuple(HistoryLine(e.at, describe_event(e, mailed)) for e in events),
    )


EVENT_WORDS = {
    "held": "held: {reason}",
    "triaged": "sent to the officer's triage queue ({reason})",
    "routed": "routed to the {to_board} ({reason})",
    "received": "now with the {to_board}",
    "acknowledged": "acknowledged by {who} for the {from_board}",
    "responded": "answered by {who} for the {from_board}: {outcome}",
    "reassigned": "re-assigned by {who} from the {from_board} to the {to_board}: “{reason}”",
    "escalated": "escalated from the {from_board} to the {to_board} {how}: {reason}",
    "not_satisfied": "{who} was not satisfied with the answer: “{note}”",
    "closed": "closed: {who} accepted the answer",
    "reminder_sent": "reminder sent to {to} about the {deadline} deadline",
    "reminder_capped": "no reminder: the cap of {cap} was reached",
    "acknowledge_overdue": "not acknowledged by the {from_board} in time; {to} told",
    "snoozed": "reminders snoozed by {who} until {until}",
    "officer_alerted": "overdue at the top of the ladder (the {from_board}): officer alerted",
    "follow_up_due": "follow-up date reached; {to} reminded",
    "digest_sent": "listed in the pre-meeting digest for the {from_board}",
    "theme_changed": "theme corrected from “{from_theme}” to “{to_theme}” by {who}",
}


def mailed_names(session: Session, events) -> dict[str, str]:
    """The names of the board members outside Slack these events name (`mail:<id>`, who acted or
    were told), which a mention would show as that key."""
    from escalations.people import names_of

    named = {value for e in events for value in (e.actor, (e.detail or {}).get("to"))}
    return names_of(session, {v for v in named if isinstance(v, str) and v.startswith(ACTOR_PREFIX)})


def _person(actor: str | None, mailed: dict[str, str]) -> Mention | str:
    return f"{mailed[actor]} (by e-mail)" if actor in mailed else Mention(actor)


def describe_event(row: EscalationEvent, mailed: dict[str, str] | None = None) -> Wording:
    """One history line in words (people as mentions, what they typed as typed); `mailed` names the
    board members outside Slack (`mailed_names`)."""
    detail = row.detail or {}
    mailed = mailed or {}
    who = _person(row.actor, mailed)
    template = EVENT_WORDS.get(row.kind)
    if template is None:
        return said("{kind}", kind=row.kind.replace("_", " "))
    return said(
        template,
        who=who,
        reason=detail.get("reason"),
        note=detail.get("note"),
        outcome=detail.get("outcome"),
        deadline=detail.get("deadline"),
        cap=detail.get("cap"),
        to=_person(detail.get("to"), mailed) if detail.get("to") in mailed else recipient(detail.get("to")),
        until=_when(detail.get("until")),
        from_board=row.from_board,
        to_board=row.to_board,
        from_theme=detail.get("from_theme") or "no theme",
        to_theme=detail.get("to_theme"),
        how=said("automatically") if detail.get("automatic") else said("by {who}", who=who),
    )


def recipient(value: str | None) -> Mention | ChannelRef:
    """A user mention or a channel link, for a message's addressee."""
    if value and value[:1] in ("C", "G"):
        return ChannelRef(value)
    return Mention(value)


def _when(value: str | None) -> str:
    if not value:
        return "later"
    return describe(datetime.fromisoformat(value))


def card_history(session: Session, escalation: Escalation) -> tuple[Wording, ...]:
    return history_lines(session, [escalation]).get(escalation.id, ())


def quote(value: str, limit: int = 1500) -> Wording:
    """What a person typed, as a block quote of its own in a message (escaped by the Slack layer)."""
    return quoted(value, limit)


def london_date(at: datetime) -> date:
    return at.astimezone(LONDON).date()
