"""Starting an escalation: routing a new issue to its board, the officer's triage and routing by hand.

Each function takes a session and plain values, changes the rows, queues its Slack messages in the
outbox and writes its history line, all in the caller's transaction (the caller commits).
"""

from __future__ import annotations

from contextlib import nullcontext
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import exists, select
from sqlalchemy.orm import Session, selectinload

from escalations import routing
from escalations.board_actions import reassign
from escalations.flow_support import (
    announce,
    clean_text,
    find_board,
    find_issue,
    live_escalation,
    new_escalation,
    require_officer,
)
from escalations.history import quote
from escalations.ladder import snapshot
from escalations.messages import (
    SYSTEM,
    dm_row,
    enqueue_rows,
    event,
)
from escalations.ports import Renderer
from escalations.views import Notice, NoticeKind
from models.errors import NotAllowed, NotFound, ValidationError
from models.escalations import (
    LIVE_STATES,
    Escalation,
    EscalationEvent,
    EscalationState,
)
from models.issues import OPEN_STATUSES, Issue
from models.membership import officer_ids
from models.network import Board, Network, Organisation, OrganisationStatus, Theme


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
    fresh: bool = False,
) -> Escalation:
    """Put the issue in front of a board with a fresh ladder: card queued, history written.

    `fresh`: the issue was raised in this transaction (nothing told about it yet: reads saved)."""
    ladder = snapshot(board, sensitive=issue.sensitive, taken_at=now)
    escalation = new_escalation(issue, ladder, 0, previous=None, now=now)
    session.add(escalation)
    session.flush()
    rows = announce(session, [(escalation, kind, actor, reason)], now=now, render=render, fresh=fresh)
    enqueue_rows(session, rows)
    return escalation


def route_received_issue(
    session: Session, issue: Issue, *, now: datetime, render: Renderer, just_raised: bool = False
) -> RoutingDecision:
    """Route a newly stored issue to the board that owns it (call right after intake stores it).

    Safe to call again: an issue already in front of a board, or already held or in triage, is
    not routed twice. Issues of organisations awaiting approval are held (see
    `route_pending_issues_of`). `just_raised`: the caller stored the issue in this transaction, so
    no escalation can exist yet and the look-up for one is skipped (a statement fewer per issue).
    """
    base = {"issue_id": issue.id, "reference": issue.reference}
    live = None if just_raised else live_escalation(session, issue.id)
    if live is not None:
        return _already_routed(issue, live)
    if issue.status not in OPEN_STATUSES:
        return RoutingDecision(**base, kind="not_open", reason=f"the issue is {issue.status.value}")
    if issue.organisation.status != OrganisationStatus.APPROVED:
        reason = f"{issue.organisation.name} awaits approval; routed once approved"
        if not _has_event(session, issue.id, "held"):
            event(session, issue=issue, kind="held", actor=SYSTEM, at=now, detail={"reason": reason})
        return RoutingDecision(**base, kind="held", reason=reason)
    # Every board stays referenced while routing, so the chosen board and the parents on its ladder
    # come from the session's identity map instead of a query each (four fewer per issue).
    with session.no_autoflush if just_raised and not _network_pending(session) else nullcontext():
        boards = session.scalars(select(Board)).all()
        rules = routing.rules_from_network(session, boards)
    decision = routing.route(routing.IssueFacts(theme_id=issue.theme_id, sensitive=issue.sensitive), rules)
    if decision.kind == routing.RouteKind.TRIAGE:
        send_to_triage(session, issue, reason=decision.reason, now=now, render=render)
        return RoutingDecision(**base, kind="triage", reason=decision.reason)
    board = session.get(Board, decision.board_id)
    escalation = start_escalation(
        session,
        issue,
        board,
        now=now,
        render=render,
        actor=SYSTEM,
        reason=decision.reason,
        fresh=just_raised,
    )
    return RoutingDecision(
        **base,
        kind=decision.kind.value,
        reason=decision.reason,
        board_id=board.id,
        board_name=board.name,
        escalation_id=escalation.id,
    )


def _network_pending(session: Session) -> bool:
    """Whether the transaction holds unflushed boards, themes or network settings that routing's
    reads must see. A fresh submission holds only its issue's audit line, which would otherwise be
    flushed by the first read here, in a unit of work of its own: left pending, it goes with the
    escalation's flush (one flush fewer per issue)."""
    return any(
        isinstance(row, (Board, Theme, Network)) for row in (*session.new, *session.dirty, *session.deleted)
    )


def _already_routed(issue: Issue, live: Escalation) -> RoutingDecision:
    return RoutingDecision(
        issue_id=issue.id,
        reference=issue.reference,
        kind="already_routed",
        reason=f"already with the {live.board_name}",
        board_id=live.board_id,
        board_name=live.board_name,
        escalation_id=live.id,
    )


def current_routing(session: Session, issue: Issue) -> RoutingDecision | None:
    """Where an already-routed issue stands (for answering a retried submission the same way)."""
    base = {"issue_id": issue.id, "reference": issue.reference}
    live = live_escalation(session, issue.id)
    if live is not None:
        return _already_routed(issue, live)
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
    lines.append(quote(issue.description))
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
        [dm_row(f"issue:{issue.id}:triage:{officer}", officer, body) for officer in officer_ids(session)],
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
