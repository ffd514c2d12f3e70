"""Multi-step escalation processes: route, acknowledge, respond, re-assign, escalate, reopen.

Each flow takes a session and plain values, checks who may act and that the escalation is still
in the state the button was made for, changes the rows, queues its Slack messages in the outbox
and writes its history line — all in the caller's transaction, which the caller commits.

Two people acting on one escalation at once are serialised: the row is locked (`SELECT … FOR
UPDATE` on PostgreSQL; the database write lock on SQLite) before its state is read, and the
version column turns any write that still raced into `MovedOn`. The loser is told the current
state and nothing happens twice.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import bindparam, exists, select, text, update
from sqlalchemy.orm import Session, joinedload, selectinload
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.exc import StaleDataError

from escalations import routing
from escalations.errors import MovedOn
from escalations.ladder import snapshot
from escalations.messages import (
    SYSTEM,
    card_update_row,
    channel_row,
    dm_row,
    enqueue_rows,
    event,
    history_lines,
    officers,
    post_card,
)
from escalations.ports import Renderer
from escalations.views import Notice, NoticeKind, person, state_in_words
from escalations.working_days import (
    DAY_STARTS,
    LONDON,
    at_london,
    deadline,
    describe,
    london,
    reminder_time,
    start_of_next_working_day,
)
from models.errors import NotAllowed, NotFound, ValidationError
from models.escalations import (
    AWAITING_BOARD,
    LIVE_STATES,
    Escalation,
    EscalationEvent,
    EscalationState,
    NextStep,
    Outcome,
)
from models.fields import record_id
from models.issues import ISSUE_TRANSITIONS, OPEN_STATUSES, Issue, IssueStatus, Urgency
from models.membership import find_member, is_officer
from models.network import Board, Member, MemberRole, Organisation, OrganisationStatus

ANSWER_MAX = 3000
REASON_MAX = 1000
FOLLOW_UP_MAX_DAYS = 366


@dataclass(frozen=True)
class RoutingDecision:
    """Where an issue went: a board (by theme or as safeguarding), triage, or held for approval."""

    issue_id: int
    reference: str
    kind: str
    reason: str
    board_id: int | None = None
    board_name: str | None = None
    escalation_id: int | None = None


# ---------------------------------------------------------------------------------------------
# Locking, authority and small helpers


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
    """Board members, the board's chair and the officer may act on a board's escalation."""
    if is_officer(session, slack_user_id):
        return True
    if escalation.current_rung.get("chair") == slack_user_id:
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


# ---------------------------------------------------------------------------------------------
# Starting an escalation and routing


def new_escalation(
    issue: Issue, ladder: dict, rung: int, *, previous: Escalation | None, now: datetime
) -> Escalation:
    """The next board's turn, not yet saved: deadlines from its rung of the ladder, first step set."""
    step = ladder["rungs"][rung]
    urgent = issue.urgency == Urgency.URGENT
    acknowledge_by = deadline(now, step["acknowledge_days"], urgent=urgent)
    respond_by = max(acknowledge_by, deadline(now, step["respond_days"], urgent=urgent))
    escalation = Escalation(
        issue=issue,
        board_id=step["board_id"],
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
) -> list[dict]:
    """For saved new escalations ((escalation, kind, actor, reason), …): their cards and history lines.

    Returns the outbox rows (the caller queues them with its others); one query for all histories.
    """
    histories = history_lines(session, [e for e, *_ in started])
    rows = []
    for escalation, kind, actor, reason in started:
        post = post_card(session, escalation, render, now=now, history=histories.get(escalation.id, ()))
        rows.append(post)
        previous = escalation.previous
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
                "ladder": [r["name"] for r in escalation.rungs],
                "rung": escalation.rung,
                "acknowledge_by": escalation.acknowledge_by.isoformat(),
                "respond_by": escalation.respond_by.isoformat(),
                "urgent": escalation.urgent,
                "messages": [post["key"]],
            },
        )
    return rows


def start_escalation(
    session: Session,
    issue: Issue,
    board: Board,
    *,
    now: datetime,
    render: Renderer,
    actor: str,
    reason: str,
    kind: str = "routed",
) -> Escalation:
    """Put the issue in front of a board with a fresh ladder: card queued, history written."""
    ladder = snapshot(board, sensitive=issue.sensitive, taken_at=now)
    escalation = new_escalation(issue, ladder, 0, previous=None, now=now)
    session.add(escalation)
    session.flush()
    enqueue_rows(session, announce(session, [(escalation, kind, actor, reason)], now=now, render=render))
    return escalation


def route_received_issue(
    session: Session, issue: Issue, *, now: datetime, render: Renderer
) -> RoutingDecision:
    """Route a newly stored issue to the board that owns it (call right after intake stores it).

    Safe to call again: an issue already in front of a board, or already held or in triage, is
    not routed twice. Issues of organisations awaiting approval are held (see
    `route_pending_issues_of`).
    """
    base = {"issue_id": issue.id, "reference": issue.reference}
    live = live_escalation(session, issue.id)
    if live is not None:
        return RoutingDecision(
            **base,
            kind="already_routed",
            reason=f"already with the {live.board_name}",
            board_id=live.board_id,
            board_name=live.board_name,
            escalation_id=live.id,
        )
    if issue.status not in OPEN_STATUSES:
        return RoutingDecision(**base, kind="not_open", reason=f"the issue is {issue.status.value}")
    if issue.organisation.status != OrganisationStatus.APPROVED:
        reason = f"{issue.organisation.name} awaits approval; routed once approved"
        if not _has_event(session, issue.id, "held"):
            event(session, issue=issue, kind="held", actor=SYSTEM, at=now, detail={"reason": reason})
        return RoutingDecision(**base, kind="held", reason=reason)
    # Every board stays referenced while routing, so the chosen board and the parents on its ladder
    # come from the session's identity map instead of a query each (four fewer per issue).
    boards = session.scalars(select(Board)).all()
    decision = routing.route(
        routing.IssueFacts(theme_id=issue.theme_id, sensitive=issue.sensitive),
        routing.rules_from_network(session, boards),
    )
    if decision.kind == routing.RouteKind.TRIAGE:
        send_to_triage(session, issue, reason=decision.reason, now=now, render=render)
        return RoutingDecision(**base, kind="triage", reason=decision.reason)
    board = session.get(Board, decision.board_id)
    escalation = start_escalation(
        session, issue, board, now=now, render=render, actor=SYSTEM, reason=decision.reason
    )
    return RoutingDecision(
        **base,
        kind=decision.kind.value,
        reason=decision.reason,
        board_id=board.id,
        board_name=board.name,
        escalation_id=escalation.id,
    )


def current_routing(session: Session, issue: Issue) -> RoutingDecision | None:
    """Where an already-routed issue stands (for answering a retried submission the same way)."""
    base = {"issue_id": issue.id, "reference": issue.reference}
    live = live_escalation(session, issue.id)
    if live is not None:
        return RoutingDecision(
            **base,
            kind="already_routed",
            reason=f"already with the {live.board_name}",
            board_id=live.board_id,
            board_name=live.board_name,
            escalation_id=live.id,
        )
    if _has_event(session, issue.id, "triaged"):
        return RoutingDecision(**base, kind="triage", reason="in the officer's triage queue")
    return None


def route_pending_issues_of(
    session: Session, organisation: Organisation, *, now: datetime, render: Renderer
) -> list[RoutingDecision]:
    """Route the issues an organisation raised while it awaited approval (call at approval)."""
    issues = session.scalars(
        select(Issue)
        .where(Issue.organisation_id == organisation.id, Issue.status.in_(OPEN_STATUSES))
        .where(~exists().where(Escalation.issue_id == Issue.id, Escalation.state.in_(LIVE_STATES)))
        .order_by(Issue.id)
    ).all()
    return [route_received_issue(session, issue, now=now, render=render) for issue in issues]


def _has_event(session: Session, issue_id: int, kind: str) -> bool:
    return (
        session.scalar(
            select(EscalationEvent.id)
            .where(EscalationEvent.issue_id == issue_id, EscalationEvent.kind == kind)
            .limit(1)
        )
        is not None
    )


def send_to_triage(
    session: Session, issue: Issue, *, reason: str, now: datetime, render: Renderer
) -> list[str]:
    """Tell the officer(s) an issue needs a board; they route it with one action."""
    lines = [f"*Why it is here:* {reason}", f"*From:* {issue.organisation.name}"]
    if issue.theme is not None:
        lines.append(f"*Theme:* {issue.theme.name}")
    lines.append(
        f"*Urgency:* {issue.urgency.value}" + (" · safeguarding-sensitive" if issue.sensitive else "")
    )
    lines.append(_quote(issue.description))
    notice = Notice(
        kind=NoticeKind.TRIAGE,
        reference=issue.reference,
        title=issue.title,
        heading=f"{issue.reference} needs a board",
        lines=tuple(lines),
        issue_id=issue.id,
    )
    body = render.notice(notice)
    keys = enqueue_rows(
        session,
        [dm_row(f"issue:{issue.id}:triage:{officer}", officer, body) for officer in officers(session)],
    )
    event(
        session,
        issue=issue,
        kind="triaged",
        actor=SYSTEM,
        at=now,
        detail={"reason": reason, "messages": keys},
    )
    return keys


def triage_queue(session: Session) -> list[Issue]:
    """Open issues of approved organisations that no board has: the officer's triage queue."""
    return list(
        session.scalars(
            select(Issue)
            .join(Organisation, Organisation.id == Issue.organisation_id)
            .options(selectinload(Issue.organisation), selectinload(Issue.theme))
            .where(
                Issue.status.in_(OPEN_STATUSES),
                Organisation.status == OrganisationStatus.APPROVED,
                ~exists().where(Escalation.issue_id == Issue.id, Escalation.state.in_(LIVE_STATES)),
            )
            .order_by(Issue.created_at, Issue.id)
        )
    )


def route_by_officer(
    session: Session,
    *,
    reference: str,
    board: str | int,
    actor: str,
    reason: str = "",
    now: datetime,
    render: Renderer,
) -> RoutingDecision:
    """The officer routes an issue from triage, or re-routes one a board has, in one action."""
    require_officer(session, actor, "route or re-route issues")
    issue = find_issue(session, reference)
    if issue is None:
        raise NotFound(f"There is no issue {reference.strip().upper()}.")
    target = find_board(session, board)
    if target is None:
        raise ValidationError({"board": f"There is no board “{board}”."})
    if issue.organisation.status != OrganisationStatus.APPROVED:
        raise NotAllowed(
            f"{issue.organisation.name} awaits approval; approve it first and its issues are routed."
        )
    if issue.status not in OPEN_STATUSES:
        raise NotAllowed(f"{issue.reference} is {issue.status.value}; only open issues can be routed.")
    reason = clean_text(reason) or "routed by the officer"
    live = live_escalation(session, issue.id)
    if live is not None:
        if live.state == EscalationState.RESPONDED:
            raise NotAllowed(
                f"{issue.reference} has been answered by the {live.board_name}; it can be re-routed if "
                "the organisation says it is not satisfied."
            )
        new = reassign(
            session,
            escalation_id=live.id,
            actor=actor,
            board_id=target.id,
            reason=reason,
            now=now,
            render=render,
        )
    else:
        _check_board_for(issue, target)
        new = start_escalation(session, issue, target, now=now, render=render, actor=actor, reason=reason)
    return RoutingDecision(
        issue_id=issue.id,
        reference=issue.reference,
        kind="officer",
        reason=reason,
        board_id=target.id,
        board_name=target.name,
        escalation_id=new.id,
    )


def _check_board_for(issue: Issue, board: Board) -> None:
    if issue.sensitive and not board.private:
        raise ValidationError(
            {"board": f"{issue.reference} is safeguarding-sensitive: it can only go to a private board."}
        )


# ---------------------------------------------------------------------------------------------
# What a board does with an escalation


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
    notice = Notice(
        kind=NoticeKind.ACKNOWLEDGED,
        reference=issue.reference,
        title=issue.title,
        heading=f"The {escalation.board_name} has acknowledged {issue.reference}",
        lines=(f"They aim to respond by {describe(escalation.respond_by)}.",),
        escalation_id=escalation.id,
    )
    rows = [
        card_update_row(session, escalation, render, now=now, history=_history(session, escalation)),
        dm_row(
            f"escalation:{escalation.id}:acknowledged:{issue.raised_by}",
            issue.raised_by,
            render.notice(notice),
        ),
    ]
    keys = enqueue_rows(session, rows)
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
    escalation = locked_escalation(session, escalation_id)
    require_board_actor(session, escalation, actor)
    if escalation.state not in AWAITING_BOARD:
        raise MovedOn(state_in_words(escalation))
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
    lines = [f"*Outcome:* {outcome_words[chosen]}", _quote(answer)]
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
    rows = [card_update_row(session, escalation, render, now=now, history=_history(session, escalation))]
    rows += [
        dm_row(f"escalation:{escalation.id}:answer:v{escalation.version}:{user}", user, body)
        for user in organisation_recipients(session, issue)
    ]
    keys = enqueue_rows(session, rows)
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
    escalation = locked_escalation(session, escalation_id)
    require_board_actor(session, escalation, actor)
    if escalation.state not in AWAITING_BOARD:
        raise MovedOn(state_in_words(escalation))
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
    escalation = locked_escalation(session, escalation_id)
    require_board_actor(session, escalation, actor)
    if escalation.state not in AWAITING_BOARD:
        raise MovedOn(state_in_words(escalation))
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
                to_board=ladder["rungs"][rung]["name"],
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
    for move, new, moved_event in zip(moves, news, moved_events, strict=True):
        if move.kind == "reassigned":
            moved = f"Re-assigned to the {new.board_name} by {person(move.actor)}: “{move.reason}”"
        else:
            who = "automatically" if move.actor == SYSTEM else f"by {person(move.actor)}"
            moved = f"Escalated to the {new.board_name} {who}: {move.reason}"
        card = card_update_row(
            session,
            move.escalation,
            render,
            now=now,
            history=histories.get(move.escalation.id, ()),
            moved_on=moved,
        )
        rows.append(card)
        moved_event.detail = {**moved_event.detail, "next_escalation": new.id, "messages": [card["key"]]}
    return rows, news


# ---------------------------------------------------------------------------------------------
# The organisation's reply, and the chair's snooze


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
    escalation.respond_by = deadline(now, escalation.current_rung["respond_days"], urgent=escalation.urgent)
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
        lines=(_quote(note), f"It is open again; a new answer is due by {describe(escalation.respond_by)}."),
        escalation_id=escalation.id,
    )
    rows = [
        card_update_row(session, escalation, render, now=now, history=_history(session, escalation)),
        channel_row(
            f"escalation:{escalation.id}:not_satisfied:v{escalation.version}",
            escalation.card_channel or escalation.current_rung["channel"],
            render.notice(notice),
            thread_ts=escalation.card_ts,
        ),
    ]
    keys = enqueue_rows(session, rows)
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
        [card_update_row(session, escalation, render, now=now, history=_history(session, escalation))],
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
    escalation = locked_escalation(session, escalation_id)
    require_board_actor(session, escalation, actor)
    if escalation.state not in AWAITING_BOARD:
        raise MovedOn(state_in_words(escalation))
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


# ---------------------------------------------------------------------------------------------
# Reading


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
    who raised it (and the officer) see it here, as on the dashboard (`models.access`).
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


def _history(session: Session, escalation: Escalation) -> tuple[str, ...]:
    return history_lines(session, [escalation]).get(escalation.id, ())


def _quote(value: str, limit: int = 1500) -> str:
    value = value.strip()
    if len(value) > limit:
        value = value[: limit - 1].rstrip() + "…"
    return "\n".join("> " + line for line in value.splitlines() or [""])


def london_date(at: datetime) -> date:
    return at.astimezone(LONDON).date()
