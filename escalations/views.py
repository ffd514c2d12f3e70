"""What each message says, as plain values: built from the models here, rendered by the Slack layer.

Times are formatted for people (Europe/London) here, once, so every surface says the same thing.
The organisation's name is left out of a card when the item is safeguarding-sensitive and the
board's settings (copied onto the escalation) say to withhold it.

What people typed (titles, descriptions, answers, notes, names) is carried as plain data, and the
Slack layer escapes it; a sentence that names people or embeds typed text is a `Wording`
(`models.wording`), so the renderer escapes the typed parts only and makes the mentions real.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime

from escalations.working_days import describe
from models.escalations import AWAITING_BOARD, Escalation, EscalationState
from models.issues import Issue
from models.wording import Mention, Wording, said

DESCRIPTION_PREVIEW = 1200


class CardAction(enum.StrEnum):
    ACKNOWLEDGE = "acknowledge"
    RESPOND = "respond"
    REASSIGN = "reassign"
    ESCALATE = "escalate"
    THEME = "theme"  # correct the theme (escalations.themes): the item moves if another board owns it


class NoticeKind(enum.StrEnum):
    REMINDER = "reminder"
    ACKNOWLEDGE_OVERDUE = "acknowledge_overdue"
    OFFICER_ALERT = "officer_alert"
    TRIAGE = "triage"
    ACKNOWLEDGED = "acknowledged"
    ANSWER = "answer"
    NOT_SATISFIED = "not_satisfied"
    FOLLOW_UP = "follow_up"
    STATUS = "status"  # the raiser's note of a change (escalations.lifecycle)


@dataclass(frozen=True)
class CardView:
    escalation_id: int
    reference: str
    title: str
    description: str
    theme: str | None
    urgency: str
    organisation: str | None
    organisation_withheld: bool
    sensitive: bool
    board: str
    ladder: tuple[str, ...]
    rung: int
    state: str
    acknowledge_by: str
    respond_by: str
    acknowledge_overdue: bool
    respond_overdue: bool
    acknowledged: Wording | None = None
    responded: Wording | None = None
    outcome: str | None = None
    answer: str | None = None
    decline_reason: str | None = None
    follow_up: str | None = None
    officer_alerted: bool = False
    moved_on: Wording | None = None
    history: tuple[Wording, ...] = ()
    affected: str | None = None
    source_link: str | None = None
    actions: tuple[CardAction, ...] = ()


@dataclass(frozen=True)
class Notice:
    kind: NoticeKind
    reference: str
    title: str
    heading: Wording | str  # a plain string is all typed: the renderer escapes it whole
    lines: tuple[Wording | str, ...] = ()
    escalation_id: int | None = None
    issue_id: int | None = None


@dataclass(frozen=True)
class DigestItem:
    reference: str
    title: str
    state: str
    respond_by: str
    overdue: bool


@dataclass(frozen=True)
class DigestView:
    board: str
    meeting: str
    when: str
    items: tuple[DigestItem, ...] = field(default_factory=tuple)


MAIL_ACTOR = "mail:"  # models.email_links.ACTOR_PREFIX: a board member outside Slack


def person(escalation: Escalation, actor: str | None) -> Mention | str:
    """Who acted, as a mention — or, for a board member outside Slack (`mail:<row id>`, who has no
    Slack id to mention), their name from the board's members (plain text, escaped as typed)."""
    if not actor or not actor.startswith(MAIL_ACTOR):
        return Mention(actor)
    board = escalation.board
    found = next((m.name for m in (board.members if board else []) if f"{MAIL_ACTOR}{m.id}" == actor), None)
    return f"{found or 'a board member'} (by e-mail)"


def withhold_organisation(escalation: Escalation) -> bool:
    rung = escalation.current_rung
    return bool(escalation.issue.sensitive and rung.withhold_organisation)


def affected_of(issue: Issue) -> str | None:
    parts = [getattr(issue, "affected_age_range", None), getattr(issue, "affected_group", None)]
    parts = [str(p) for p in parts if p]
    return ", ".join(parts) or None


def available_actions(escalation: Escalation) -> tuple[CardAction, ...]:
    if escalation.state == EscalationState.OPEN:
        actions = [CardAction.ACKNOWLEDGE, CardAction.RESPOND, CardAction.REASSIGN]
    elif escalation.state == EscalationState.ACKNOWLEDGED:
        actions = [CardAction.RESPOND, CardAction.REASSIGN]
    else:
        return ()
    if not escalation.at_top:
        actions.append(CardAction.ESCALATE)
    actions.append(CardAction.THEME)
    return tuple(actions)


def card_view(
    escalation: Escalation,
    *,
    now: datetime,
    history: tuple[Wording, ...] = (),
    moved_on: Wording | None = None,
) -> CardView:
    issue = escalation.issue
    withheld = withhold_organisation(escalation)
    awaiting = escalation.state in AWAITING_BOARD
    acknowledged = None
    if escalation.acknowledged_at is not None:
        acknowledged = said(
            "{who}, {when}",
            who=person(escalation, escalation.acknowledged_by),
            when=describe(escalation.acknowledged_at),
        )
    responded = None
    if escalation.responded_at is not None:
        responded = said(
            "{who}, {when}",
            who=person(escalation, escalation.responded_by),
            when=describe(escalation.responded_at),
        )
    description = issue.description
    if len(description) > DESCRIPTION_PREVIEW:
        description = description[: DESCRIPTION_PREVIEW - 1].rstrip() + "…"
    return CardView(
        escalation_id=escalation.id,
        reference=issue.reference,
        title=issue.title,
        description=description,
        theme=issue.theme.name if issue.theme is not None else None,
        urgency=issue.urgency.value,
        organisation=None if withheld else issue.organisation.name,
        organisation_withheld=withheld,
        sensitive=issue.sensitive,
        board=escalation.board_name,
        ladder=tuple(r.name for r in escalation.rungs),
        rung=escalation.rung,
        state=escalation.state.value,
        acknowledge_by=describe(escalation.acknowledge_by),
        respond_by=describe(escalation.respond_by),
        acknowledge_overdue=escalation.state == EscalationState.OPEN and escalation.acknowledge_by <= now,
        respond_overdue=awaiting and escalation.respond_by <= now,
        acknowledged=acknowledged,
        responded=responded,
        outcome=escalation.outcome.value if escalation.outcome else None,
        answer=escalation.answer,
        decline_reason=escalation.decline_reason,
        follow_up=escalation.follow_up_date.strftime("%a %-d %b %Y") if escalation.follow_up_date else None,
        officer_alerted=escalation.officer_alerted_at is not None and awaiting,
        moved_on=moved_on,
        history=history,
        affected=affected_of(issue),
        source_link=getattr(issue, "source_link", None),
        actions=available_actions(escalation),
    )


def state_in_words(escalation: Escalation) -> Wording:
    """What a stale button is answered with: where the item stands now (the people as mentions)."""
    state = escalation.state
    values = {"ref": escalation.issue.reference, "board": escalation.board_name}
    if state == EscalationState.OPEN:
        return said("{ref} is waiting for {board} to acknowledge it.", **values)
    if state == EscalationState.ACKNOWLEDGED:
        return said(
            "{ref} was acknowledged by {who} and awaits {board}'s response (due {due}).",
            who=person(escalation, escalation.acknowledged_by),
            due=describe(escalation.respond_by),
            **values,
        )
    if state == EscalationState.RESPONDED:
        return said(
            "{ref} was already answered by {who} on {when} ({outcome}).",
            who=person(escalation, escalation.responded_by),
            when=describe(escalation.responded_at) if escalation.responded_at else "earlier",
            outcome=escalation.outcome.value if escalation.outcome else "answered",
            **values,
        )
    if state == EscalationState.ESCALATED:
        return said("{ref} has moved up the ladder from {board}; it is no longer theirs.", **values)
    if state == EscalationState.REASSIGNED:
        return said("{ref} was re-assigned away from {board}.", **values)
    return said("{ref} is closed.", **values)
