"""The dashboard overview's figures: open issues by theme and by board, the viewer's totals, and the
escalations past a deadline, each within what the viewer may see.

Aggregates are computed in the database with GROUP BY, so the overview stays quick however many
issues there are.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.orm import Session, joinedload

from escalations.lifecycle import overdue_reason
from models.escalations import AWAITING_BOARD, LIVE_STATES, Escalation, EscalationState
from models.issues import OPEN_STATUSES, Issue, IssueStatus
from models.network import Board, Theme
from reporting.access import Viewer
from reporting.issues import organisation_shown
from reporting.scope import for_viewer, visible, visible_escalations

NO_THEME = "No theme (officer's triage)"
NO_BOARD = "No board (officer's triage)"


def open_issues_by_theme_and_board(
    session: Session, viewer: Viewer
) -> tuple[list[tuple[str, int]], list[tuple[str, int]]]:
    """Open issues (received or acknowledged) counted per theme and per board that has them now
    (unrouted ones under the officer's triage), each largest first.

    One GROUP BY theme × board gives both charts: the viewer's open issues are found once, not twice.
    An issue has at most one live escalation (uq_escalations_live_issue), so the board join never
    counts an issue twice.
    """
    statement = (
        select(Theme.name, Board.name, func.count(Issue.id))
        .select_from(Issue)
        .outerjoin(Theme, Theme.id == Issue.theme_id)
        .outerjoin(Escalation, and_(Escalation.issue_id == Issue.id, Escalation.state.in_(LIVE_STATES)))
        .outerjoin(Board, Board.id == Escalation.board_id)
        .where(Issue.status.in_(OPEN_STATUSES), visible(viewer))
        .group_by(Theme.name, Board.name)
    )
    with for_viewer(session, viewer):
        rows = session.execute(statement).all()
    by_theme: dict[str, int] = {}
    by_board: dict[str, int] = {}
    for theme, board, count in rows:
        by_theme[theme or NO_THEME] = by_theme.get(theme or NO_THEME, 0) + count
        by_board[board or NO_BOARD] = by_board.get(board or NO_BOARD, 0) + count

    def largest_first(counts: dict[str, int]) -> list[tuple[str, int]]:
        return sorted(counts.items(), key=lambda r: (-r[1], r[0]))

    return largest_first(by_theme), largest_first(by_board)


def open_issues_by_theme(session: Session, viewer: Viewer) -> list[tuple[str, int]]:
    """Open issues (received or acknowledged) counted per theme, largest first."""
    return open_issues_by_theme_and_board(session, viewer)[0]


def open_issues_by_board(session: Session, viewer: Viewer) -> list[tuple[str, int]]:
    """Open issues counted by the board that has them now; unrouted ones under the officer's triage."""
    return open_issues_by_theme_and_board(session, viewer)[1]


def issue_totals(session: Session, viewer: Viewer) -> dict[str, int]:
    """How many of the viewer's issues are open, answered and all-time."""
    statement = select(Issue.status, func.count(Issue.id)).where(visible(viewer)).group_by(Issue.status)
    with for_viewer(session, viewer):  # the officer's is one index scan, which workers share well
        rows = session.execute(statement).all()
    by_status = {IssueStatus(status): count for status, count in rows}
    return {
        "open": sum(by_status.get(s, 0) for s in OPEN_STATUSES),
        "answered": by_status.get(IssueStatus.ANSWERED, 0) + by_status.get(IssueStatus.CLOSED, 0),
        "total": sum(by_status.values()),
    }


def _overdue(now: datetime) -> ColumnElement[bool]:
    # The leading state test is implied by the rest; it is spelled out so that PostgreSQL matches the
    # partial index ix_escalations_awaiting_due (count and longest-overdue from the index alone).
    return and_(
        Escalation.state.in_(AWAITING_BOARD),
        or_(
            and_(Escalation.state == EscalationState.OPEN, Escalation.acknowledge_by < now),
            and_(Escalation.state.in_(AWAITING_BOARD), Escalation.respond_by < now),
        ),
    )


@dataclass(frozen=True)
class OverdueEscalation:
    escalation: Escalation
    what: str  # "acknowledgement" or "response"
    due: datetime
    organisation_shown: bool
    reason: str = ""  # why it still waits, in a sentence (escalations.lifecycle.overdue_reason)


def overdue_escalations(
    session: Session, viewer: Viewer, *, now: datetime, limit: int = 10
) -> tuple[int, list[OverdueEscalation]]:
    """How many live escalations the viewer can see are past a deadline, and the longest overdue."""
    counted = visible_escalations(select(func.count(Escalation.id)), viewer).where(_overdue(now))
    listed = (
        visible_escalations(select(Escalation), viewer)
        .options(joinedload(Escalation.board), joinedload(Escalation.issue).joinedload(Issue.organisation))
        .where(_overdue(now))
    )
    with for_viewer(session, viewer):
        total = session.scalar(counted) or 0
        rows = session.scalars(listed.order_by(Escalation.acknowledge_by, Escalation.id).limit(limit)).all()
    items = []
    for row in rows:
        if row.state == EscalationState.OPEN and row.acknowledge_by < now:
            what, when = "acknowledgement", row.acknowledge_by
        else:
            what, when = "response", row.respond_by
        shown = organisation_shown(viewer, row.issue)
        items.append(OverdueEscalation(row, what, when, shown, overdue_reason(row, now=now)))
    items.sort(key=lambda item: item.due)
    return total, items
