"""What the boards a person sits on hold: their open items with what is due and by when.

A board member's App Home lists these (not "Register your organisation"): each item waiting for
their board — to acknowledge or to answer — with its deadline, nearest first, so the people who can
act see their work where Slack opens, not only in the board's channel.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, joinedload

from models.escalations import AWAITING_BOARD, Escalation, EscalationState
from models.network import Board, BoardMember


@dataclass(frozen=True)
class BoardItem:
    escalation_id: int
    reference: str
    title: str
    board: str
    waiting_for: str  # "acknowledgement" or "an answer"
    due: datetime  # the acknowledge-by date until acknowledged, then the respond-by date
    overdue: bool
    can_acknowledge: bool


@dataclass(frozen=True)
class BoardItems:
    boards: tuple[str, ...]  # the boards the person sits on, by name
    items: tuple[BoardItem, ...]  # the nearest deadlines first, at most `limit`
    total: int  # how many items wait for those boards in all


def boards_of(session: Session, user: str) -> list[Board]:
    """The boards the person chairs or is a member of."""
    member_of = select(BoardMember.board_id).where(BoardMember.slack_user_id == user)
    return list(
        session.scalars(
            select(Board)
            .where(or_(Board.chair_slack_user_id == user, Board.id.in_(member_of)))
            .order_by(Board.name)
        )
    )


def open_items(session: Session, user: str, *, now: datetime, limit: int = 10) -> BoardItems | None:
    """The open items of the person's boards, or None when they sit on no board."""
    boards = boards_of(session, user)
    if not boards:
        return None
    ids = [board.id for board in boards]
    waiting = (Escalation.board_id.in_(ids), Escalation.state.in_(AWAITING_BOARD))
    total = session.scalar(select(func.count(Escalation.id)).where(*waiting)) or 0
    rows = session.scalars(
        select(Escalation)
        .where(*waiting)
        .options(joinedload(Escalation.issue))
        .order_by(Escalation.respond_by, Escalation.id)
        .limit(limit)
    )
    items = []
    for row in rows:
        acknowledging = row.state == EscalationState.OPEN
        deadline = row.acknowledge_by if acknowledging else row.respond_by
        items.append(
            BoardItem(
                escalation_id=row.id,
                reference=row.issue.reference,
                title=row.issue.title,
                board=row.board_name,
                waiting_for="acknowledgement" if acknowledging else "an answer",
                due=deadline,
                overdue=deadline <= now,
                can_acknowledge=row.state == EscalationState.OPEN,
            )
        )
    return BoardItems(tuple(board.name for board in boards), tuple(items), total)
