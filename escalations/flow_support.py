"""What every escalation flow shares: row locks, who may act, deadlines and small helpers.

Two people acting on one escalation at once are serialised: the row is locked (`SELECT … FOR
UPDATE` on PostgreSQL; the database write lock on SQLite) before its state is read, and the
version column turns any write that still raced into `MovedOn`. The loser is told the current
state and nothing happens twice.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import bindparam, select, text, update
from sqlalchemy.orm import Session, joinedload, selectinload
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.exc import StaleDataError

from escalations.by_email import card_emails
from escalations.errors import MovedOn
from escalations.lifecycle import tell_raiser
from escalations.messages import event, history_lines, post_card
from escalations.ports import Renderer
from escalations.views import state_in_words
from escalations.working_days import deadline, reminder_time
from models import email_links
from models.errors import NotAllowed, NotFound
from models.escalations import AWAITING_BOARD, LIVE_STATES, Escalation, EscalationState, NextStep, rungs_of
from models.fields import record_id
from models.issues import ISSUE_TRANSITIONS, Issue, IssueStatus, Urgency
from models.membership import find_member, is_officer
from models.network import Board, Member, MemberRole

ANSWER_MAX = 3000
REASON_MAX = 1000
FOLLOW_UP_MAX_DAYS = 366


def lock_database_for_write(session: Session) -> None:
    """On SQLite, take the database's write lock now, so what is read next cannot change under us.

    (PostgreSQL locks rows with FOR UPDATE instead; this is a no-op there.)
    """
    if session.get_bind().dialect.name == "sqlite":
        session.execute(text("UPDATE escalations SET version = version WHERE 1 = 0"))


def locked_escalation(session: Session, escalation_id: int) -> Escalation:
    """The escalation, freshly read and locked against concurrent changes until commit."""
    lock_database_for_write(session)
    statement = (
        select(Escalation)
        .where(Escalation.id == escalation_id)
        # Every action reads the issue, its theme and organisation and the board (for the card and
        # the notices): one statement instead of four lazy loads on each button press.
        .options(
            joinedload(Escalation.board),
            joinedload(Escalation.issue).joinedload(Issue.theme),
            joinedload(Escalation.issue).joinedload(Issue.organisation),
        )
        .execution_options(populate_existing=True)
    )
    if session.get_bind().dialect.name == "postgresql":
        statement = statement.with_for_update(of=Escalation)
    escalation = session.scalar(statement)
    if escalation is None:
        raise NotFound("That escalation no longer exists.")
    return escalation


def locked_for_board(session: Session, escalation_id: int, actor: str) -> Escalation:
    """The escalation locked for a board's action: the actor may act for its board and the board
    still has it (open or acknowledged); `NotAllowed` or `MovedOn` otherwise."""
    escalation = locked_escalation(session, escalation_id)
    require_board_actor(session, escalation, actor)
    if escalation.state not in AWAITING_BOARD:
        raise MovedOn(state_in_words(escalation))
    return escalation


def flush_or_moved_on(session: Session, escalation: Escalation) -> None:
    """Write the changes; if another transaction changed the row first, say where it stands now."""
    escalation_id = escalation.id
    try:
        session.flush()
    except StaleDataError:
        session.rollback()
        fresh = session.get(Escalation, escalation_id, populate_existing=True)
        raise MovedOn(state_in_words(fresh) if fresh else "That escalation no longer exists.") from None


def write_rows(session: Session, items: list[tuple[Escalation, dict]], *, now: datetime) -> None:
    """Save new column values ((row, {column: value}), all with the same columns) in one executemany.

    The ORM writes versioned rows one statement each, so a sweep batch of a thousand would be a
    thousand round trips. Each row is matched on its version (and the version bumped, so a stale
    modal sees the change); a row another transaction changed first raises StaleDataError. The
    values are then set on the objects as committed, without marking them changed.
    """
    if not items:
        return
    columns = tuple(items[0][1])
    if session.get_bind().dialect.name == "postgresql":
        # One statement for the batch: the new values travel as arrays and are joined on id + version.
        arrays = ", ".join(f"CAST(:{c} AS {COLUMN_TYPES[c]}[])" for c in columns)
        statement = text(
            f"UPDATE escalations AS e SET {', '.join(f'{c} = v.{c}' for c in columns)}, "
            "version = e.version + 1, updated_at = :now "
            f"FROM unnest(CAST(:row_id AS integer[]), CAST(:row_version AS integer[]), {arrays}) "
            f"AS v(row_id, row_version, {', '.join(columns)}) "
            "WHERE e.id = v.row_id AND e.version = v.row_version"
        )
        params = {
            "now": now,
            "row_id": [row.id for row, _ in items],
            "row_version": [row.version for row, _ in items],
            **{c: [_plain(values[c]) for _, values in items] for c in columns},
        }
        rowcount = session.connection().execute(statement, params).rowcount
        expected = len(items)
    else:
        table = Escalation.__table__
        statement = (
            update(table)
            .where(table.c.id == bindparam("row_id"), table.c.version == bindparam("row_version"))
            .values(
                **{column: bindparam(column) for column in columns},
                version=table.c.version + 1,
                updated_at=now,
            )
        )
        params = [{"row_id": row.id, "row_version": row.version, **values} for row, values in items]
        result = session.connection().execute(statement, params)
        rowcount = result.rowcount if session.get_bind().dialect.supports_sane_multi_rowcount else len(items)
        expected = len(params)
    if rowcount != expected:
        raise StaleDataError(f"updated {rowcount} of {expected} escalations: another change came first")
    for row, values in items:
        for column, value in values.items():
            set_committed_value(row, column, value)
        set_committed_value(row, "version", row.version + 1)
        set_committed_value(row, "updated_at", now)


COLUMN_TYPES = {
    "reminders_sent": "integer",
    "snoozed_until": "timestamptz",
    "next_step": "varchar",
    "next_step_at": "timestamptz",
    "officer_alerted_at": "timestamptz",
    "state": "varchar",
    "closed_at": "timestamptz",
}


def _plain(value):
    """An enum member as its stored string (the arrays are passed as plain SQL values)."""
    return value.value if isinstance(value, enum.Enum) else value


def may_act_for_board(session: Session, escalation: Escalation, slack_user_id: str) -> bool:
    """Board members, the board's chair and the officer may act on a board's escalation.

    A member outside Slack acts as `mail:<board member id>` (from an e-mail's link or an e-mail
    sign-in): they may act for any board their address is on."""
    if slack_user_id.startswith(email_links.ACTOR_PREFIX):
        rows = email_links.rows_of_person(session, slack_user_id)
        return any(m.board_id == escalation.board_id for m in rows)
    if is_officer(session, slack_user_id):
        return True
    if escalation.current_rung.chair == slack_user_id:
        return True
    board = escalation.board
    if board is None:
        return False
    if board.chair_slack_user_id == slack_user_id:
        return True
    return any(member.slack_user_id == slack_user_id for member in board.members)


def require_board_actor(session: Session, escalation: Escalation, slack_user_id: str) -> None:
    if not may_act_for_board(session, escalation, slack_user_id):
        raise NotAllowed(
            f"Only members of the {escalation.board_name}, its chair or the Linked-up officer can act on "
            f"{escalation.issue.reference}. If you should be able to, ask the officer to add you to the "
            "board in the network file."
        )


def require_organisation_member(session: Session, escalation: Escalation, slack_user_id: str) -> None:
    member = find_member(session, slack_user_id)
    issue = escalation.issue
    if slack_user_id == issue.raised_by:
        return
    if issue.sensitive:
        # Need-to-know: a safeguarding-sensitive item is the raiser's alone, whatever the button says.
        raise NotAllowed(
            f"Only the person who raised {issue.reference} can say whether its answer settles it: "
            "it is safeguarding-sensitive."
        )
    if member is None or member.organisation_id != issue.organisation_id:
        raise NotAllowed(
            f"Only {issue.organisation.name} can say whether the answer to {issue.reference} settles it."
        )


def require_officer(session: Session, slack_user_id: str, what: str) -> None:
    if not is_officer(session, slack_user_id):
        raise NotAllowed(f"Only the Linked-up officer can {what}.")


def set_issue_status(issue: Issue, status: IssueStatus, *, now: datetime) -> bool:
    """Move the issue along its lifecycle if that move is allowed; False (unchanged) otherwise."""
    if issue.status == status:
        return False
    if status not in ISSUE_TRANSITIONS.get(issue.status, frozenset()):
        return False
    issue.status = status
    issue.status_changed_at = now
    return True


def live_escalation(session: Session, issue_id: int) -> Escalation | None:
    return session.scalar(
        select(Escalation).where(Escalation.issue_id == issue_id, Escalation.state.in_(LIVE_STATES))
    )


def find_issue(session: Session, reference: str) -> Issue | None:
    return session.scalar(
        select(Issue)
        .options(selectinload(Issue.organisation), selectinload(Issue.theme))
        .where(Issue.reference == reference.strip().upper())
    )


def find_board(session: Session, value: str | int) -> Board | None:
    chosen = record_id(value)
    if chosen is not None:
        return session.get(Board, chosen)
    if not isinstance(value, str):
        return None
    value = value.strip()
    return session.scalar(select(Board).where((Board.slug == value.lower()) | (Board.name == value)))


def schedule_acknowledge(escalation: Escalation, now: datetime) -> None:
    remind = reminder_time(escalation.acknowledge_by, not_before=now)
    if now < remind < escalation.acknowledge_by:
        escalation.next_step, escalation.next_step_at = NextStep.REMIND_ACKNOWLEDGE, remind
    else:
        escalation.next_step, escalation.next_step_at = (
            NextStep.ACKNOWLEDGE_OVERDUE,
            escalation.acknowledge_by,
        )


def overdue_step(escalation: Escalation) -> NextStep:
    return NextStep.ALERT_OFFICER if escalation.at_top else NextStep.RESPOND_OVERDUE


def schedule_respond(escalation: Escalation, now: datetime) -> None:
    if escalation.officer_alerted_at is not None and escalation.respond_by <= now:
        escalation.next_step = escalation.next_step_at = None
        return
    remind = reminder_time(escalation.respond_by, not_before=now)
    if now < remind < escalation.respond_by:
        escalation.next_step, escalation.next_step_at = NextStep.REMIND_RESPOND, remind
    else:
        escalation.next_step, escalation.next_step_at = overdue_step(escalation), escalation.respond_by


def clear_schedule(escalation: Escalation) -> None:
    escalation.next_step = None
    escalation.next_step_at = None


def organisation_recipients(session: Session, issue: Issue) -> list[str]:
    """Who hears the answer: the person who raised it and, unless it is sensitive, the
    organisation's other members (a sensitive item goes back to the raiser only)."""
    recipients = [issue.raised_by]
    if not issue.sensitive:
        members = session.scalars(
            select(Member.slack_user_id)
            .where(Member.organisation_id == issue.organisation_id, Member.role == MemberRole.MEMBER)
            .order_by(Member.id)
        )
        recipients += [m for m in members if m not in recipients]
    return recipients


def clean_text(value: str | None) -> str:
    return (value or "").strip()


def new_escalation(
    issue: Issue, ladder: dict, rung: int, *, previous: Escalation | None, now: datetime
) -> Escalation:
    """The next board's turn, not yet saved: deadlines from its rung of the ladder, first step set."""
    step = rungs_of(ladder)[rung]
    urgent = issue.urgency == Urgency.URGENT
    acknowledge_by = deadline(now, step.acknowledge_days, urgent=urgent)
    respond_by = max(acknowledge_by, deadline(now, step.respond_days, urgent=urgent))
    escalation = Escalation(
        issue=issue,
        board_id=step.board_id,
        previous=previous,
        state=EscalationState.OPEN,
        rung=rung,
        ladder=ladder,
        urgent=urgent,
        started_at=now,
        acknowledge_by=acknowledge_by,
        respond_by=respond_by,
        reminders_sent=0,
    )
    schedule_acknowledge(escalation, now)
    return escalation


def announce(
    session: Session,
    started: list[tuple[Escalation, str, str, str]],
    *,
    now: datetime,
    render: Renderer,
    fresh: bool = False,
) -> list[dict]:
    """For saved new escalations ((escalation, kind, actor, reason), …): their cards and history lines.

    Returns the outbox rows (the caller queues them with its others); one query for all histories.
    `fresh`: the issues were raised in this transaction (see `lifecycle.tell_raisers`).
    """
    histories = history_lines(session, [e for e, *_ in started])
    rows = []
    for escalation, kind, actor, reason in started:
        post = post_card(session, escalation, render, now=now, history=histories.get(escalation.id, ()))
        rows.append(post)
        mailed = card_emails(session, escalation, now=now)  # the board's members outside Slack
        rows.extend(mailed)
        previous = escalation.previous
        messages = [post["key"], *(row["key"] for row in mailed)]
        if kind == "routed":  # the raiser is told first, so the history line is written once, whole
            messages.append(
                tell_raiser(
                    session,
                    escalation.issue,
                    f"Sent to the {escalation.board_name} ({reason}).",
                    now=now,
                    render=render,
                    live=escalation,
                    fresh=fresh,
                )
            )
        event(
            session,
            issue=escalation.issue,
            escalation=escalation,
            kind=kind,
            actor=actor,
            at=now,
            from_board=previous.board_name if previous is not None else None,
            to_state=EscalationState.OPEN.value,
            to_board=escalation.board_name,
            detail={
                "reason": reason,
                "ladder": [r.name for r in escalation.rungs],
                "rung": escalation.rung,
                "acknowledge_by": escalation.acknowledge_by.isoformat(),
                "respond_by": escalation.respond_by.isoformat(),
                "urgent": escalation.urgent,
                "messages": messages,
            },
        )
    return rows
