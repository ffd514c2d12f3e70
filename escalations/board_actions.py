"""What a board does with an escalation: acknowledge, respond, re-assign, escalate; and the
sweep's moves up the ladder when a deadline passes.

Each takes a session and plain values, checks who may act and that the escalation is still in the
state the button was made for, changes the rows, queues its Slack messages in the outbox and writes
its history line, all in the caller's transaction (the caller commits).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from escalations.by_email import answered_emails, moved_emails
from escalations.errors import MovedOn
from escalations.flow_support import (
    ANSWER_MAX,
    FOLLOW_UP_MAX_DAYS,
    REASON_MAX,
    announce,
    clean_text,
    clear_schedule,
    find_board,
    flush_or_moved_on,
    locked_escalation,
    locked_for_board,
    new_escalation,
    organisation_recipients,
    require_board_actor,
    schedule_respond,
    set_issue_status,
    write_rows,
)
from escalations.history import card_history, quote
from escalations.ladder import snapshot
from escalations.lifecycle import by_whom, tell_raiser, tell_raisers
from escalations.messages import (
    SYSTEM,
    card_update_row,
    dm_row,
    enqueue_rows,
    event,
    history_lines,
)
from escalations.ports import Renderer
from escalations.views import Notice, NoticeKind, person, state_in_words
from escalations.working_days import (
    DAY_STARTS,
    at_london,
    describe,
    london,
)
from models.errors import NotAllowed, ValidationError
from models.escalations import (
    Escalation,
    EscalationState,
    NextStep,
    Outcome,
    rungs_of,
)
from models.issues import IssueStatus
from models.network import Board
from models.wording import said


def acknowledge(
    session: Session, *, escalation_id: int, actor: str, now: datetime, render: Renderer
) -> Escalation:
    """The board has seen the item and will answer by its respond-by date."""
    escalation = locked_escalation(session, escalation_id)
    require_board_actor(session, escalation, actor)
    if escalation.state != EscalationState.OPEN:
        raise MovedOn(state_in_words(escalation))
    issue = escalation.issue
    escalation.state = EscalationState.ACKNOWLEDGED
    escalation.acknowledged_at = now
    escalation.acknowledged_by = actor
    schedule_respond(escalation, now)
    set_issue_status(issue, IssueStatus.ACKNOWLEDGED, now=now)
    flush_or_moved_on(session, escalation)
    rows = [card_update_row(session, escalation, render, now=now, history=card_history(session, escalation))]
    keys = enqueue_rows(session, rows)
    told = tell_raiser(
        session,
        issue,
        f"The {escalation.board_name} acknowledged it ({by_whom(session, issue, actor)}) and aims to answer "
        f"by {describe(escalation.respond_by)}.",
        now=now,
        render=render,
        live=escalation,
    )
    keys.append(told)
    event(
        session,
        issue=issue,
        escalation=escalation,
        kind="acknowledged",
        actor=actor,
        at=now,
        from_state=EscalationState.OPEN.value,
        to_state=EscalationState.ACKNOWLEDGED.value,
        from_board=escalation.board_name,
        detail={"respond_by": escalation.respond_by.isoformat(), "messages": keys},
    )
    return escalation


def validate_response(
    *,
    answer: str,
    outcome: str | Outcome | None,
    decline_reason: str,
    follow_up_date: date | None,
    today: date,
) -> tuple[str, Outcome, str | None]:
    errors: dict[str, str] = {}
    answer = clean_text(answer)
    decline_reason = clean_text(decline_reason)
    if not answer:
        errors["answer"] = "Write the board's answer: it goes back to the organisation."
    elif len(answer) > ANSWER_MAX:
        errors["answer"] = f"Keep the answer under {ANSWER_MAX} characters ({len(answer)} now)."
    chosen: Outcome | None = None
    try:
        chosen = Outcome(outcome) if outcome else None
    except ValueError:
        chosen = None
    if chosen is None:
        errors["outcome"] = "Choose the outcome: accepted, partly accepted or declined."
    if chosen == Outcome.DECLINED and not decline_reason:
        errors["decline_reason"] = "Say why it is declined: the organisation is owed a reason."
    elif len(decline_reason) > REASON_MAX:
        errors["decline_reason"] = f"Keep the reason under {REASON_MAX} characters."
    if follow_up_date is not None:
        if follow_up_date <= today:
            errors["follow_up_date"] = "A follow-up date must be after today."
        elif follow_up_date > today + timedelta(days=FOLLOW_UP_MAX_DAYS):
            errors["follow_up_date"] = "Choose a follow-up date within a year."
    if errors:
        raise ValidationError(errors)
    return answer, chosen, decline_reason or None


def respond(
    session: Session,
    *,
    escalation_id: int,
    actor: str,
    answer: str,
    outcome: str | Outcome | None,
    decline_reason: str = "",
    follow_up_date: date | None = None,
    now: datetime,
    render: Renderer,
) -> Escalation:
    """The board answers: the answer goes back to the organisation and the issue is `answered`."""
    escalation = locked_for_board(session, escalation_id, actor)
    answer, chosen, reason = validate_response(
        answer=answer,
        outcome=outcome,
        decline_reason=decline_reason,
        follow_up_date=follow_up_date,
        today=london(now).date(),
    )
    issue = escalation.issue
    from_state = escalation.state
    escalation.state = EscalationState.RESPONDED
    escalation.responded_at = now
    escalation.responded_by = actor
    escalation.outcome = chosen
    escalation.answer = answer
    escalation.decline_reason = reason
    escalation.follow_up_date = follow_up_date
    if follow_up_date is not None:
        escalation.next_step, escalation.next_step_at = (
            NextStep.FOLLOW_UP,
            at_london(follow_up_date, DAY_STARTS),
        )
    else:
        clear_schedule(escalation)
    set_issue_status(issue, IssueStatus.ANSWERED, now=now)
    issue.answer_text = answer
    issue.answered_at = now
    flush_or_moved_on(session, escalation)

    outcome_words = {
        Outcome.ACCEPTED: "Accepted",
        Outcome.PARTLY: "Partly accepted",
        Outcome.DECLINED: "Declined",
    }
    lines = [f"*Outcome:* {outcome_words[chosen]}", quote(answer)]
    if reason:
        lines.append(f"*Why declined:* {reason}")
    if follow_up_date:
        lines.append(f"*The board will follow up by:* {follow_up_date.strftime('%a %-d %b %Y')}")
    lines.append("If this does not settle it, press *Not satisfied* and say why: it goes back to the board.")
    notice = Notice(
        kind=NoticeKind.ANSWER,
        reference=issue.reference,
        title=issue.title,
        heading=f"The {escalation.board_name} has answered {issue.reference}",
        lines=tuple(lines),
        escalation_id=escalation.id,
    )
    body = render.notice(notice)
    rows = [card_update_row(session, escalation, render, now=now, history=card_history(session, escalation))]
    rows += [
        dm_row(f"escalation:{escalation.id}:answer:v{escalation.version}:{user}", user, body)
        for user in organisation_recipients(session, issue)
    ]
    rows += answered_emails(session, escalation, now=now)  # the board's members outside Slack
    keys = enqueue_rows(session, rows)
    tell_raiser(session, issue, None, now=now, render=render)  # a note still waiting says it is answered
    event(
        session,
        issue=issue,
        escalation=escalation,
        kind="responded",
        actor=actor,
        at=now,
        from_state=from_state.value,
        to_state=EscalationState.RESPONDED.value,
        from_board=escalation.board_name,
        detail={
            "outcome": chosen.value,
            "answer": answer,
            "decline_reason": reason,
            "follow_up_date": follow_up_date.isoformat() if follow_up_date else None,
            "messages": keys,
        },
    )
    return escalation


def reassign(
    session: Session,
    *,
    escalation_id: int,
    actor: str,
    board_id: int | str | None,
    reason: str,
    now: datetime,
    render: Renderer,
) -> Escalation:
    """Hand the item to another board (with the reason); it starts a fresh ladder there."""
    escalation = locked_for_board(session, escalation_id, actor)
    errors = {}
    reason = clean_text(reason)
    target = find_board(session, board_id) if board_id not in (None, "") else None
    if target is None:
        errors["board"] = "Choose the board that should have it."
    elif target.id == escalation.board_id:
        errors["board"] = f"It is already with the {target.name}."
    elif escalation.issue.sensitive and not target.private:
        errors["board"] = "This item is safeguarding-sensitive: it can only go to a private board."
    if not reason:
        errors["reason"] = "Say why it belongs with that board."
    elif len(reason) > REASON_MAX:
        errors["reason"] = f"Keep the reason under {REASON_MAX} characters."
    if errors:
        raise ValidationError(errors)
    return _move(session, Move(escalation, "reassigned", actor, reason, target), now=now, render=render)


def escalate(
    session: Session, *, escalation_id: int, actor: str, reason: str, now: datetime, render: Renderer
) -> Escalation:
    """Send the item up to the next rung of its ladder (the parent board), with the reason."""
    escalation = locked_for_board(session, escalation_id, actor)
    if escalation.at_top:
        raise NotAllowed(
            f"The {escalation.board_name} is the top of the ladder for {escalation.issue.reference}; "
            "the officer can re-route it if it belongs elsewhere."
        )
    reason = clean_text(reason)
    if not reason:
        raise ValidationError({"reason": "Say why it needs the next board up."})
    if len(reason) > REASON_MAX:
        raise ValidationError({"reason": f"Keep the reason under {REASON_MAX} characters."})
    return _move(session, Move(escalation, "escalated", actor, reason), now=now, render=render)


@dataclass(frozen=True)
class Move:
    """One board's turn ending: re-assigned to `target`, or escalated to the next rung."""

    escalation: Escalation
    kind: str  # "reassigned" | "escalated"
    actor: str
    reason: str
    target: Board | None = None


MOVE_COLUMNS = ("state", "closed_at", "next_step", "next_step_at")


def overdue_move(escalation: Escalation) -> Move:
    """The sweep's move: no response by the deadline, so up to the parent board automatically."""
    return Move(escalation, "escalated", SYSTEM, f"no response by {describe(escalation.respond_by)}")


def _move(session: Session, move: Move, *, now: datetime, render: Renderer) -> Escalation:
    rows, (new,) = move_all(session, [move], now=now, render=render)
    enqueue_rows(session, rows)
    return new


def move_all(
    session: Session, moves: list[Move], *, now: datetime, render: Renderer
) -> tuple[list[dict], list[Escalation]]:
    """End these boards' turns and start the next boards' (the sweep moves a batch at once).

    Each move is written to the history before the next board's card is made, so the card
    carries it. Returns the outbox rows to queue and the new escalations, in order.
    """
    if not moves:
        return [], []
    froms = []
    for move in moves:
        escalation = move.escalation
        froms.append(escalation.state)
        escalation.state = (
            EscalationState.REASSIGNED if move.kind == "reassigned" else EscalationState.ESCALATED
        )
        escalation.closed_at = now
        clear_schedule(escalation)
    try:
        write_rows(
            session,
            [(m.escalation, {c: getattr(m.escalation, c) for c in MOVE_COLUMNS}) for m in moves],
            now=now,
        )
    except StaleDataError:
        first = moves[0].escalation.id
        session.rollback()
        fresh = session.get(Escalation, first, populate_existing=True)
        raise MovedOn(state_in_words(fresh) if fresh else "That escalation no longer exists.") from None
    moved_events = []
    news = []
    for move, from_state in zip(moves, froms, strict=True):
        escalation = move.escalation
        if move.kind == "reassigned":
            ladder, rung = snapshot(move.target, sensitive=escalation.issue.sensitive, taken_at=now), 0
        else:
            ladder, rung = escalation.ladder, escalation.rung + 1
        new = new_escalation(escalation.issue, ladder, rung, previous=escalation, now=now)
        news.append(new)
        moved_events.append(
            event(
                session,
                issue=escalation.issue,
                escalation=escalation,
                kind=move.kind,
                actor=move.actor,
                at=now,
                from_state=from_state.value,
                to_state=escalation.state.value,
                from_board=escalation.board_name,
                to_board=rungs_of(ladder)[rung].name,
                detail={"reason": move.reason, "automatic": move.actor == SYSTEM},
            )
        )
    session.add_all(news)
    session.flush()
    rows = announce(
        session,
        [(new, "received", m.actor, m.reason) for m, new in zip(moves, news, strict=True)],
        now=now,
        render=render,
    )
    olds = [m.escalation for m in moves]
    histories = history_lines(session, olds)
    cards: list[str] = []
    for move, new in zip(moves, news, strict=True):
        if move.kind == "reassigned":
            moved = said(
                "Re-assigned to the {board} by {who}: “{reason}”",
                board=new.board_name,
                who=person(move.escalation, move.actor),
                reason=move.reason,
            )
        else:
            who = (
                said("automatically")
                if move.actor == SYSTEM
                else said("by {p}", p=person(move.escalation, move.actor))
            )
            moved = said(
                "Escalated to the {board} {who}: {reason}", board=new.board_name, who=who, reason=move.reason
            )
        card = card_update_row(
            session,
            move.escalation,
            render,
            now=now,
            history=histories.get(move.escalation.id, ()),
            moved_on=moved,
        )
        rows.append(card)
        cards.append(card["key"])
        rows += moved_emails(session, move.escalation, new, now=now)  # the old board's members outside Slack
    told = tell_raisers(
        session,
        [(new.issue, _move_words(session, move, new)) for move, new in zip(moves, news, strict=True)],
        now=now,
        render=render,
        live={new.issue_id: new for new in news},
    )
    for new, moved_event, card_key, note_key in zip(news, moved_events, cards, told, strict=True):
        moved_event.detail = {
            **moved_event.detail,
            "next_escalation": new.id,
            "messages": [card_key, note_key],
        }
    return rows, news


def _move_words(session: Session, move: Move, new: Escalation) -> str:
    """The raiser's sentence for a move: from which board to which, who, why, and the new deadlines."""
    issue = new.issue
    how = by_whom(session, issue, move.actor)
    boards = f"from the {move.escalation.board_name} to the {new.board_name} {how}"
    if move.kind == "reassigned":
        sentence = f"Re-assigned {boards}: “{move.reason}”."
    else:
        sentence = f"Escalated {boards}: {move.reason}."
    return sentence + f" An answer is now due by {describe(new.respond_by)}."
