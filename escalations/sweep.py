"""The deadline sweep: reminders, overdue notices, automatic escalation, the officer's alert.

It only reads the database (like grafana/oncall's escalation snapshot, the ladder is on the row):
one index range scan on `next_step_at` finds what is due, a batch is claimed with
`FOR UPDATE SKIP LOCKED` on PostgreSQL (a second worker takes other rows or none; on SQLite the
database write lock is taken first), and each row's step is done and its next step scheduled in
the same transaction. A row's `next_step_at` always moves past `now` (or to NULL), and every
message has a deterministic outbox key, so running the sweep twice sends nothing twice.

People are only nudged (reminders, overdue notices, the officer's alert) between 09:00 and 18:00
on working days; outside those hours such steps wait for the next working morning. Moving an
item up the ladder happens when its deadline passes, whatever the hour: it is a card in a
channel, not a nudge. At most `max_reminders` (from the ladder) nudges are sent per item.

A reminder goes to the people of the board holding the item — its chair and its members, each by DM
(the chair's under the nudge's own key, the others' under that key and their id) — so a board whose
chair is away still hears. A board with nobody named reminds the officers, who look after the ladder;
only when there is no officer either does the reminder go in the card's thread in the board's channel.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import ARRAY, Integer, any_, cast, select
from sqlalchemy.dialects.postgresql import array
from sqlalchemy.orm import Session, joinedload

from escalations.by_email import email_members, follow_up_emails, nudge_emails
from escalations.flows import (
    lock_database_for_write,
    move_all,
    overdue_move,
    overdue_step,
    schedule_acknowledge,
    schedule_respond,
    write_rows,
)
from escalations.messages import (
    SYSTEM,
    card_update_row,
    channel_row,
    dm_row,
    enqueue_rows,
    history_lines,
    insert_events,
)
from escalations.ports import Renderer
from escalations.views import Notice, NoticeKind
from escalations.working_days import describe, in_working_hours, next_working_start
from models import membership
from models.escalations import AWAITING_BOARD, Escalation, EscalationEvent, EscalationState, NextStep
from models.issues import Issue
from models.network import BoardMember

BATCH = 500
NUDGES = frozenset(
    {
        NextStep.REMIND_ACKNOWLEDGE,
        NextStep.REMIND_RESPOND,
        NextStep.ACKNOWLEDGE_OVERDUE,
        NextStep.ALERT_OFFICER,
        NextStep.FOLLOW_UP,
    }
)


@dataclass
class SweepReport:
    claimed: int = 0
    reminders: int = 0
    acknowledge_overdue: int = 0
    escalated: int = 0
    officer_alerts: int = 0
    follow_ups: int = 0
    deferred: int = 0
    capped: int = 0
    idle: int = 0
    messages: list[str] = field(default_factory=list)

    def add(self, other: SweepReport) -> None:
        for name in (
            "claimed",
            "reminders",
            "acknowledge_overdue",
            "escalated",
            "officer_alerts",
            "follow_ups",
            "deferred",
            "capped",
            "idle",
        ):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.messages.extend(other.messages)

    def summary(self) -> str:
        return (
            f"{self.claimed} due: {self.reminders} reminders, {self.acknowledge_overdue} acknowledgement "
            f"overdue, {self.escalated} escalated, {self.officer_alerts} officer alerts, {self.follow_ups} "
            f"follow-ups, {self.deferred} deferred to working hours, {self.capped} over the reminder cap"
        )


def due_step(escalation: Escalation, now: datetime) -> NextStep | None:
    """What is due for this row now; a passed deadline outranks the reminder that preceded it."""
    if escalation.state in AWAITING_BOARD:
        if escalation.respond_by <= now:
            if escalation.at_top:
                return NextStep.ALERT_OFFICER if escalation.officer_alerted_at is None else None
            return NextStep.RESPOND_OVERDUE
        step = escalation.next_step
        if escalation.state == EscalationState.ACKNOWLEDGED and step in (
            NextStep.REMIND_ACKNOWLEDGE,
            NextStep.ACKNOWLEDGE_OVERDUE,
        ):
            return NextStep.REMIND_RESPOND
        if step == NextStep.REMIND_ACKNOWLEDGE and escalation.acknowledge_by <= now:
            return NextStep.ACKNOWLEDGE_OVERDUE
        if step in (NextStep.RESPOND_OVERDUE, NextStep.ALERT_OFFICER, NextStep.FOLLOW_UP):
            return None  # its time has not come (respond_by is still ahead)
        return step
    if escalation.state == EscalationState.RESPONDED and escalation.next_step == NextStep.FOLLOW_UP:
        return NextStep.FOLLOW_UP
    return None


def due_ids(session: Session, *, now: datetime, limit: int) -> list[int]:
    """Ids of due rows, without locking them (to retry them one by one)."""
    return list(
        session.scalars(
            select(Escalation.id)
            .where(Escalation.next_step_at.is_not(None), Escalation.next_step_at <= now)
            .order_by(Escalation.next_step_at, Escalation.id)
            .limit(limit)
        )
    )


def claim(session: Session, *, now: datetime, limit: int, only: list[int] | None = None) -> list[int]:
    """Ids of up to `limit` due rows, locked for this transaction (other workers skip them)."""
    statement = (
        select(Escalation.id)
        .where(Escalation.next_step_at.is_not(None), Escalation.next_step_at <= now)
        .order_by(Escalation.next_step_at, Escalation.id)
        .limit(limit)
    )
    if only is not None:
        statement = statement.where(Escalation.id.in_(only))
    if session.get_bind().dialect.name == "postgresql":
        statement = statement.with_for_update(skip_locked=True)
    else:
        lock_database_for_write(session)
    return list(session.scalars(statement))


def sweep_due(
    session: Session, *, now: datetime, render: Renderer, limit: int = BATCH, only: list[int] | None = None
) -> SweepReport:
    """Do one batch of due steps (the caller commits, then calls again while `claimed == limit`).

    `only` restricts the batch to those rows (to retry a failed batch one row at a time).
    """
    report = SweepReport()
    ids = claim(session, now=now, limit=limit, only=only)
    if not ids:
        return report
    if session.get_bind().dialect.name == "postgresql":
        chosen = Escalation.id == any_(cast(array(ids), ARRAY(Integer)))  # one parameter, not 500
    else:
        chosen = Escalation.id.in_(ids)
    rows = (
        session.scalars(
            select(Escalation)
            .where(chosen)
            .options(
                joinedload(Escalation.issue).joinedload(Issue.organisation),
                joinedload(Escalation.issue).joinedload(Issue.theme),
                joinedload(Escalation.board),
            )
            .order_by(Escalation.next_step_at, Escalation.id)
            .execution_options(populate_existing=True)
        )
        .unique()
        .all()
    )
    report.claimed = len(rows)
    officer_ids: list[str] | None = None
    outbox: list[dict] = []
    events: list[EscalationEvent] = []
    cards: list[tuple[Escalation, EscalationEvent]] = []
    moves = []
    needs_history = [
        r for r in rows if due_step(r, now) in (NextStep.ACKNOWLEDGE_OVERDUE, NextStep.ALERT_OFFICER)
    ]
    histories = history_lines(session, needs_history) if needs_history else {}
    working = in_working_hours(now)
    people = _board_people(session, {row.board_id for row in rows if row.board_id is not None})
    mailed = email_members(session, {row.board_id for row in rows})  # members outside Slack

    drafts: list[Draft] = []
    for row in rows:
        escalation = Draft(row)
        step = due_step(escalation, now)
        if step != NextStep.RESPOND_OVERDUE:
            drafts.append(escalation)
        if step is None:
            _reschedule(escalation, now)
            report.idle += 1
            continue
        if step in NUDGES and not working:
            escalation.next_step = step
            escalation.next_step_at = next_working_start(now)
            report.deferred += 1
            continue
        if step == NextStep.RESPOND_OVERDUE:
            moves.append(overdue_move(row))
            report.escalated += 1
            continue
        if step == NextStep.ALERT_OFFICER:
            if officer_ids is None:
                officer_ids = membership.officer_ids(session)
            _alert_officer(escalation, officer_ids, outbox, events, cards, now=now, render=render)
            report.officer_alerts += 1
            continue
        if step == NextStep.FOLLOW_UP:
            _follow_up(escalation, outbox, events, now=now, render=render)
            outbox.extend(follow_up_emails(session, escalation, now=now))  # a chair outside Slack
            report.follow_ups += 1
            continue
        # A nudge to the chair: a reminder before a deadline, or the acknowledgement overdue notice.
        cap = escalation.current_rung.max_reminders
        if escalation.reminders_sent >= cap:
            events.append(_event(escalation, "reminder_capped", now, {"cap": cap, "step": step.value}))
            report.capped += 1
        else:
            audience = _audience(escalation, people)
            by_email = mailed.get(escalation.board_id, [])
            if not audience and not by_email:
                if officer_ids is None:
                    officer_ids = membership.officer_ids(session)
                audience = list(officer_ids)
            _nudge_board(escalation, step, audience, outbox, events, now=now, render=render)
            emails = nudge_emails(session, escalation, by_email, step=step, now=now)
            outbox.extend(emails)
            if emails:
                detail = events[-1].detail
                events[-1].detail = {**detail, "messages": [*detail["messages"], *(e["key"] for e in emails)]}
            if step != NextStep.ACKNOWLEDGE_OVERDUE:
                report.reminders += 1
        if step == NextStep.ACKNOWLEDGE_OVERDUE:
            report.acknowledge_overdue += 1
            cards.append((row, events[-1]))
        _advance(escalation, step, now)

    write_schedules(session, drafts, now=now)
    # Up the ladder, all at once.
    moved_rows, _ = move_all(session, moves, now=now, render=render)
    outbox.extend(moved_rows)
    # Card updates are keyed by the version the row has now reached, so they are built after the write.
    for escalation, line in cards:
        card = card_update_row(session, escalation, render, now=now, history=histories.get(escalation.id, ()))
        outbox.append(card)
        line.detail = {**line.detail, "messages": [*line.detail.get("messages", []), card["key"]]}
    report.messages.extend(enqueue_rows(session, outbox))
    insert_events(session, [_event_row(e) for e in events])
    session.flush()
    return report


SCHEDULE_COLUMNS = ("reminders_sent", "snoozed_until", "next_step", "next_step_at", "officer_alerted_at")


class Draft:
    """An escalation's new schedule, kept beside it: reads fall through to the row, writes stay here.

    The sweep decides a whole batch first and then writes it with one statement; the rows
    themselves are never marked changed, so the ORM has nothing to flush for them.
    """

    __slots__ = ("changes", "row")

    def __init__(self, row: Escalation):
        object.__setattr__(self, "row", row)
        object.__setattr__(self, "changes", {})

    def __getattr__(self, name: str):
        changes = object.__getattribute__(self, "changes")
        if name in changes:
            return changes[name]
        return getattr(object.__getattribute__(self, "row"), name)

    def __setattr__(self, name: str, value) -> None:
        self.changes[name] = value

    def values(self) -> dict:
        return {column: getattr(self, column) for column in SCHEDULE_COLUMNS}


def write_schedules(session: Session, drafts: list[Draft], *, now: datetime) -> None:
    """Save the sweep's schedule changes to these (locked) rows in one executemany UPDATE."""
    write_rows(session, [(draft.row, draft.values()) for draft in drafts], now=now)


def _event_row(line: EscalationEvent) -> dict:
    return {
        "issue_id": line.issue_id,
        "escalation_id": line.escalation_id,
        "at": line.at,
        "actor": line.actor,
        "kind": line.kind,
        "from_state": line.from_state,
        "to_state": line.to_state,
        "from_board": line.from_board,
        "to_board": line.to_board,
        "detail": line.detail,
    }


def postpone(session: Session, escalation_id: int, *, until: datetime) -> None:
    """Move a row the sweep could not handle out of the way for a while (it is logged)."""
    row = session.get(Escalation, escalation_id)
    if row is not None and row.next_step_at is not None:
        row.next_step_at = until
        session.flush()


def sweep(session: Session, *, now: datetime, render: Renderer, limit: int = BATCH) -> SweepReport:
    """Every due step, batch after batch, in the caller's transaction (tests, one-off runs)."""
    total = SweepReport()
    while True:
        report = sweep_due(session, now=now, render=render, limit=limit)
        total.add(report)
        if report.claimed < limit:
            return total


def _advance(escalation: Escalation, step: NextStep, now: datetime) -> None:
    """Schedule what comes after a nudge (always later than `now`: `due_step` ran the passed
    deadlines first)."""
    if step == NextStep.REMIND_ACKNOWLEDGE:
        escalation.next_step, escalation.next_step_at = (
            NextStep.ACKNOWLEDGE_OVERDUE,
            escalation.acknowledge_by,
        )
    elif step == NextStep.ACKNOWLEDGE_OVERDUE:
        schedule_respond(escalation, now)
    else:  # REMIND_RESPOND
        escalation.next_step, escalation.next_step_at = overdue_step(escalation), escalation.respond_by


def _reschedule(escalation: Escalation, now: datetime) -> None:
    """A due row with nothing to do (already handled elsewhere): put it back on its true schedule."""
    if escalation.state in AWAITING_BOARD and escalation.respond_by > now:
        if escalation.state == EscalationState.OPEN and escalation.acknowledge_by > now:
            schedule_acknowledge(escalation, now)
        else:
            schedule_respond(escalation, now)
    else:
        escalation.next_step = None
        escalation.next_step_at = None


def _chair(escalation: Escalation) -> str | None:
    board = escalation.board
    if board is not None and board.chair_slack_user_id:
        return board.chair_slack_user_id
    return escalation.current_rung.chair


def _board_people(session: Session, board_ids: set[int]) -> dict[int, list[str]]:
    """Each board's members' Slack ids (one query for the batch), in the order they were added."""
    if not board_ids:
        return {}
    rows = session.execute(
        select(BoardMember.board_id, BoardMember.slack_user_id)
        .where(BoardMember.board_id.in_(sorted(board_ids)), BoardMember.slack_user_id.is_not(None))
        .order_by(BoardMember.id)
    )
    people: dict[int, list[str]] = {}
    for board_id, user in rows:
        people.setdefault(board_id, []).append(user)
    return people


def _audience(escalation: Escalation, people: dict[int, list[str]]) -> list[str]:
    """Who is reminded: the chair first, then the board's members, each once."""
    chair = _chair(escalation)
    named = ([chair] if chair else []) + people.get(escalation.board_id, [])
    return list(dict.fromkeys(named))


def _event(escalation: Escalation, kind: str, now: datetime, detail: dict) -> EscalationEvent:
    return EscalationEvent(
        issue_id=escalation.issue_id,
        escalation_id=escalation.id,
        at=now,
        actor=SYSTEM,
        kind=kind,
        from_board=escalation.board_name,
        detail=detail,
    )


def _nudge_board(
    escalation: Escalation,
    step: NextStep,
    audience: list[str],
    outbox: list[dict],
    events: list[EscalationEvent],
    *,
    now: datetime,
    render: Renderer,
) -> None:
    issue = escalation.issue
    number = escalation.reminders_sent + 1
    cap = escalation.current_rung.max_reminders
    if step == NextStep.REMIND_ACKNOWLEDGE:
        kind, what, due = NoticeKind.REMINDER, "acknowledge", escalation.acknowledge_by
        heading = f"Reminder: {issue.reference} needs acknowledging by {describe(due)}"
    elif step == NextStep.REMIND_RESPOND:
        kind, what, due = NoticeKind.REMINDER, "respond", escalation.respond_by
        heading = (
            f"Reminder: the {escalation.board_name}'s answer to {issue.reference} is due {describe(due)}"
        )
    else:
        kind, what, due = NoticeKind.ACKNOWLEDGE_OVERDUE, "acknowledge", escalation.acknowledge_by
        heading = f"{issue.reference} was not acknowledged by {describe(due)}"
    lines = (
        f"*{issue.title}*",
        f"Board: {escalation.board_name} · respond by {describe(escalation.respond_by)}",
        f"Reminder {number} of at most {cap} for this item.",
    )
    notice = Notice(
        kind=kind,
        reference=issue.reference,
        title=issue.title,
        heading=heading,
        lines=lines,
        escalation_id=escalation.id,
    )
    body = render.notice(notice)
    key = f"escalation:{escalation.id}:nudge:{number}"
    keys = [key if index == 0 else f"{key}:{user}" for index, user in enumerate(audience)]
    for user_key, user in zip(keys, audience, strict=True):
        outbox.append(dm_row(user_key, user, body))
    if not audience:  # no chair, no members, no officer: the card's thread is all that is left
        channel = escalation.card_channel or escalation.current_rung.channel
        outbox.append(channel_row(key, channel, body, thread_ts=escalation.card_ts))
        keys = [key]
    escalation.reminders_sent = number
    escalation.snoozed_until = None
    kind_name = "acknowledge_overdue" if step == NextStep.ACKNOWLEDGE_OVERDUE else "reminder_sent"
    events.append(
        _event(
            escalation,
            kind_name,
            now,
            {
                "to": audience[0] if audience else escalation.current_rung.channel,
                "reminded": len(audience),
                "deadline": what,
                "due": due.isoformat(),
                "number": number,
                "messages": keys,
            },
        )
    )


def _alert_officer(
    escalation: Escalation,
    officer_ids: list[str],
    outbox: list[dict],
    events: list[EscalationEvent],
    cards: list[tuple[Escalation, EscalationEvent]],
    *,
    now: datetime,
    render: Renderer,
) -> None:
    """Top of the ladder and still no response: the officer decides what happens next."""
    issue = escalation.issue
    notice = Notice(
        kind=NoticeKind.OFFICER_ALERT,
        reference=issue.reference,
        title=issue.title,
        heading=f"{issue.reference} is overdue at the top of its ladder",
        lines=(
            f"*{issue.title}*",
            f"The {escalation.board_name} (top of: {' → '.join(r.name for r in escalation.rungs)}) "
            f"has not responded; it was due {describe(escalation.respond_by)}.",
            "Re-route it, or chase the board: nothing more happens automatically.",
        ),
        escalation_id=escalation.id,
        issue_id=issue.id,
    )
    body = render.notice(notice)
    keys = []
    for officer in officer_ids:
        key = f"escalation:{escalation.id}:officer_alert:{officer}"
        outbox.append(dm_row(key, officer, body))
        keys.append(key)
    if not officer_ids:
        key = f"escalation:{escalation.id}:officer_alert:channel"
        channel = escalation.card_channel or escalation.current_rung.channel
        outbox.append(channel_row(key, channel, body, thread_ts=escalation.card_ts))
        keys.append(key)
    escalation.officer_alerted_at = now
    escalation.next_step = None
    escalation.next_step_at = None
    events.append(_event(escalation, "officer_alerted", now, {"officers": officer_ids, "messages": keys}))
    cards.append((escalation.row, events[-1]))


def _follow_up(
    escalation: Escalation,
    outbox: list[dict],
    events: list[EscalationEvent],
    *,
    now: datetime,
    render: Renderer,
) -> None:
    issue = escalation.issue
    notice = Notice(
        kind=NoticeKind.FOLLOW_UP,
        reference=issue.reference,
        title=issue.title,
        heading=f"Follow-up due today on {issue.reference}",
        lines=(
            f"*{issue.title}*",
            f"The {escalation.board_name} said it would follow up by today. "
            "Tell the organisation what has happened since the answer.",
        ),
        escalation_id=escalation.id,
    )
    body = render.notice(notice)
    chair = _chair(escalation)
    key = f"escalation:{escalation.id}:follow_up:{escalation.follow_up_date}"
    if chair:
        outbox.append(dm_row(key, chair, body))
    else:
        channel = escalation.card_channel or escalation.current_rung.channel
        outbox.append(channel_row(key, channel, body, thread_ts=escalation.card_ts))
    escalation.next_step = None
    escalation.next_step_at = None
    events.append(
        _event(
            escalation,
            "follow_up_due",
            now,
            {"to": chair or escalation.current_rung.channel, "messages": [key]},
        )
    )
