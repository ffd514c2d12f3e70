"""After the answer: the organisation says it is not satisfied (the item reopens) or satisfied,
and the chair snoozes a reminder.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from escalations.errors import MovedOn
from escalations.flow_support import (
    REASON_MAX,
    clean_text,
    clear_schedule,
    flush_or_moved_on,
    locked_escalation,
    locked_for_board,
    overdue_step,
    require_organisation_member,
    schedule_respond,
    set_issue_status,
)
from escalations.history import card_history, quote
from escalations.lifecycle import tell_raiser, who_did
from escalations.messages import (
    card_update_row,
    channel_row,
    enqueue_rows,
    event,
)
from escalations.ports import Renderer
from escalations.views import Notice, NoticeKind, state_in_words
from escalations.working_days import (
    deadline,
    describe,
    start_of_next_working_day,
)
from models.errors import ValidationError
from models.escalations import (
    Escalation,
    EscalationState,
    NextStep,
)
from models.issues import IssueStatus


def not_satisfied(
    session: Session, *, escalation_id: int, actor: str, note: str, now: datetime, render: Renderer
) -> Escalation:
    """The organisation says the answer does not settle it: reopened, with its note to the board."""
    escalation = locked_escalation(session, escalation_id)
    require_organisation_member(session, escalation, actor)
    if escalation.state != EscalationState.RESPONDED:
        raise MovedOn(state_in_words(escalation))
    note = clean_text(note)
    if not note:
        raise ValidationError({"note": "Tell the board what is still missing."})
    if len(note) > REASON_MAX:
        raise ValidationError({"note": f"Keep the note under {REASON_MAX} characters."})
    issue = escalation.issue
    previous = {
        "answer": escalation.answer,
        "outcome": escalation.outcome.value if escalation.outcome else None,
        "responded_by": escalation.responded_by,
    }
    escalation.state = EscalationState.ACKNOWLEDGED
    escalation.responded_at = escalation.responded_by = None
    escalation.outcome = None
    escalation.answer = escalation.decline_reason = None
    escalation.follow_up_date = None
    escalation.officer_alerted_at = None
    escalation.respond_by = deadline(now, escalation.current_rung.respond_days, urgent=escalation.urgent)
    schedule_respond(escalation, now)
    set_issue_status(issue, IssueStatus.ACKNOWLEDGED, now=now)
    issue.answer_text = None
    issue.answered_at = None
    flush_or_moved_on(session, escalation)
    notice = Notice(
        kind=NoticeKind.NOT_SATISFIED,
        reference=issue.reference,
        title=issue.title,
        heading=f"{issue.reference}: the organisation is not satisfied with the answer",
        lines=(quote(note), f"It is open again; a new answer is due by {describe(escalation.respond_by)}."),
        escalation_id=escalation.id,
    )
    rows = [
        card_update_row(session, escalation, render, now=now, history=card_history(session, escalation)),
        channel_row(
            f"escalation:{escalation.id}:not_satisfied:v{escalation.version}",
            escalation.card_channel or escalation.current_rung.channel,
            render.notice(notice),
            thread_ts=escalation.card_ts,
        ),
    ]
    keys = enqueue_rows(session, rows)
    keys.append(
        tell_raiser(
            session,
            issue,
            f"Reopened: {who_did(session, issue, actor)} told the {escalation.board_name} the answer "
            f"does not settle it. A new answer is due by {describe(escalation.respond_by)}.",
            now=now,
            render=render,
        )
    )
    event(
        session,
        issue=issue,
        escalation=escalation,
        kind="not_satisfied",
        actor=actor,
        at=now,
        from_state=EscalationState.RESPONDED.value,
        to_state=EscalationState.ACKNOWLEDGED.value,
        from_board=escalation.board_name,
        detail={
            "note": note,
            "previous": previous,
            "respond_by": escalation.respond_by.isoformat(),
            "messages": keys,
        },
    )
    return escalation


def satisfied(
    session: Session, *, escalation_id: int, actor: str, now: datetime, render: Renderer
) -> Escalation:
    """The organisation accepts the answer: the item is closed."""
    escalation = locked_escalation(session, escalation_id)
    require_organisation_member(session, escalation, actor)
    if escalation.state != EscalationState.RESPONDED:
        raise MovedOn(state_in_words(escalation))
    escalation.state = EscalationState.CLOSED
    escalation.closed_at = now
    clear_schedule(escalation)
    set_issue_status(escalation.issue, IssueStatus.CLOSED, now=now)
    flush_or_moved_on(session, escalation)
    keys = enqueue_rows(
        session,
        [card_update_row(session, escalation, render, now=now, history=card_history(session, escalation))],
    )
    issue = escalation.issue
    keys.append(
        tell_raiser(
            session,
            issue,
            f"Closed: {who_did(session, issue, actor)} accepted the {escalation.board_name}'s answer.",
            now=now,
            render=render,
        )
    )
    event(
        session,
        issue=escalation.issue,
        escalation=escalation,
        kind="closed",
        actor=actor,
        at=now,
        from_state=EscalationState.RESPONDED.value,
        to_state=EscalationState.CLOSED.value,
        from_board=escalation.board_name,
        detail={"messages": keys},
    )
    return escalation


def snooze(session: Session, *, escalation_id: int, actor: str, now: datetime) -> Escalation:
    """Remind again at the start of the next working day (deadlines themselves do not move)."""
    escalation = locked_for_board(session, escalation_id, actor)
    until = start_of_next_working_day(now)
    escalation.snoozed_until = until
    if escalation.state == EscalationState.OPEN and escalation.acknowledge_by > now:
        due, remind, overdue = (
            escalation.acknowledge_by,
            NextStep.REMIND_ACKNOWLEDGE,
            NextStep.ACKNOWLEDGE_OVERDUE,
        )
    else:
        due, remind, overdue = escalation.respond_by, NextStep.REMIND_RESPOND, overdue_step(escalation)
    if until < due:
        escalation.next_step, escalation.next_step_at = remind, until
    elif escalation.officer_alerted_at is None or due > now:
        escalation.next_step, escalation.next_step_at = overdue, due
    flush_or_moved_on(session, escalation)
    event(
        session,
        issue=escalation.issue,
        escalation=escalation,
        kind="snoozed",
        actor=actor,
        at=now,
        from_board=escalation.board_name,
        detail={"until": until.isoformat(), "deadline": due.isoformat()},
    )
    return escalation
