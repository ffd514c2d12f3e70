"""Who a Slack user is to the network: an organisation's member, a board's member or the officer."""

from __future__ import annotations

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session, joinedload

from models.network import BoardMember, Member, MemberRole

# Built once: nearly every Slack request asks who its sender is, and building this statement (with
# its eager-load option) per call cost more CPU than running it.
_BY_SLACK_ID = (
    select(Member)
    .options(joinedload(Member.organisation))
    .where(Member.slack_user_id == bindparam("slack_user_id"))
)


def find_member(session: Session, slack_user_id: str) -> Member | None:
    return session.scalar(_BY_SLACK_ID, {"slack_user_id": slack_user_id})


def officer_ids(session: Session) -> list[str]:
    """Slack ids of the network's officers, oldest first: who approve, triage and are alerted at the top."""
    return list(
        session.scalars(
            select(Member.slack_user_id).where(Member.role == MemberRole.OFFICER).order_by(Member.id)
        )
    )


def is_officer(session: Session, slack_user_id: str) -> bool:
    member = find_member(session, slack_user_id)
    return member is not None and member.role == MemberRole.OFFICER


def sits_on_a_board(session: Session, slack_user_id: str) -> bool:
    """Whether the user is named in a board's membership (chairs and representatives are too)."""
    found = select(BoardMember.id).where(BoardMember.slack_user_id == slack_user_id).limit(1)
    return session.scalar(found) is not None


def may_contribute(session: Session, slack_user_id: str) -> bool:
    """Whether the user may send the network things to publish: members, board members and officers."""
    return find_member(session, slack_user_id) is not None or sits_on_a_board(session, slack_user_id)
