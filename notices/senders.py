"""Who may send a notice: the network's officers, and the members (and chairs) of the boards the
network file names as senders (`sends_notices: true`), e.g. the safeguarding board for its updates."""

from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from models.errors import NotAllowed
from models.membership import is_officer
from models.network import Board, BoardMember

NOT_A_SENDER = (
    "Only the development officer and members of the boards that send notices (named in the network "
    "file) can send notices. Ask the officer to send this for you."
)


def may_send(session: Session, slack_user_id: str) -> bool:
    if is_officer(session, slack_user_id):
        return True
    on_a_sending_board = (
        select(Board.id)
        .outerjoin(BoardMember, BoardMember.board_id == Board.id)
        .where(
            Board.sends_notices.is_(True),
            or_(BoardMember.slack_user_id == slack_user_id, Board.chair_slack_user_id == slack_user_id),
        )
        .limit(1)
    )
    return session.scalar(on_a_sending_board) is not None


def check_sender(session: Session, slack_user_id: str) -> None:
    if not may_send(session, slack_user_id):
        raise NotAllowed(NOT_A_SENDER)
