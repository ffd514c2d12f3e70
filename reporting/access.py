"""Who may see what on the dashboard: roles come from the database, never from the session cookie.

A person can hold several roles at once (a board member who also works for a member organisation);
what they may see is the union. The rules:

- the officer sees everything;
- a board member sees the items held by their boards; safeguarding-sensitive items only when the
  board holding them is private (the safeguarding board);
- an organisation member sees their own organisation's items; a sensitive one only if they raised it
  themselves (a safeguarding concern is shared on a need-to-know basis, even inside an organisation);
- anybody else sees nothing and is not given a session.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, false, or_, select, true
from sqlalchemy.orm import Session

from models import email_links
from models.errors import NotAllowed
from models.issues import Issue
from models.network import Board, BoardMember, Member, MemberRole, Organisation


class NoDashboardRole(NotAllowed):
    def __init__(self) -> None:
        super().__init__(
            "The dashboard is for the network's officer, board members and member organisations, "
            "and this Slack account is none of those yet. Type `/linkedup join` to register your "
            "organisation, or ask the officer to add you to your board in the network file."
        )


@dataclass(frozen=True)
class Viewer:
    """A signed-in person and the roles the database gives them right now."""

    slack_user_id: str
    display_name: str | None
    officer: bool
    board_ids: frozenset[int]
    private_board_ids: frozenset[int]
    board_names: tuple[str, ...]
    organisation_id: int | None
    organisation_name: str | None
    # A safeguarding board can choose to see which organisation raised a sensitive item.
    sees_sensitive_organisations: bool = False

    @property
    def roles(self) -> tuple[str, ...]:
        """Human names of the roles, for the page header."""
        names = []
        if self.officer:
            names.append("officer")
        if self.board_ids:
            names.append("board member (" + ", ".join(self.board_names) + ")")
        if self.organisation_id is not None:
            names.append(f"member of {self.organisation_name}")
        return tuple(names)

    @property
    def name(self) -> str:
        return self.display_name or self.slack_user_id

    @property
    def sees_everything(self) -> bool:
        return self.officer


def viewer_for(session: Session, slack_user_id: str) -> Viewer:
    """The roles of this Slack user now; NoDashboardRole if the network does not know them."""
    member = session.scalar(select(Member).where(Member.slack_user_id == slack_user_id))
    # A board member outside Slack signs in by e-mail as `mail:<row id>`: their boards are every row
    # with the same address.
    by_email = email_links.rows_of_person(session, slack_user_id)
    held = (
        BoardMember.id.in_([row.id for row in by_email])
        if by_email
        else BoardMember.slack_user_id == slack_user_id
    )
    boards = session.execute(
        select(
            Board.id, Board.name, Board.short_name, Board.private, Board.withhold_organisation_when_sensitive
        )
        .join(BoardMember, BoardMember.board_id == Board.id)
        .where(held)
        .order_by(Board.name)
    ).all()
    organisation = None
    if member is not None and member.organisation_id is not None:
        organisation = session.get(Organisation, member.organisation_id)
    officer = member is not None and member.role == MemberRole.OFFICER
    if not officer and not boards and organisation is None:
        raise NoDashboardRole()
    return Viewer(
        slack_user_id=slack_user_id,
        display_name=member.display_name if member else (by_email[0].name if by_email else None),
        officer=officer,
        board_ids=frozenset(row.id for row in boards),
        private_board_ids=frozenset(row.id for row in boards if row.private),
        board_names=tuple(row.short_name or row.name for row in boards),
        organisation_id=organisation.id if organisation else None,
        organisation_name=organisation.name if organisation else None,
        sees_sensitive_organisations=any(
            row.private and not row.withhold_organisation_when_sensitive for row in boards
        ),
    )


HeldBy = Callable[[Collection[int]], ColumnElement[bool]]


def issue_visibility(viewer: Viewer, held_by: HeldBy) -> ColumnElement[bool]:
    """A WHERE clause over `Issue` matching exactly the issues this viewer may see.

    `held_by(board_ids)` is the clause "the issue is (or was) with one of these boards"; it is passed
    in so that the access rules do not depend on how routing is stored (see `reporting.held_by`).
    """
    if viewer.officer:
        return true()
    clauses = []
    if viewer.organisation_id is not None:
        clauses.append(
            and_(
                Issue.organisation_id == viewer.organisation_id,
                or_(Issue.sensitive.is_(False), Issue.raised_by == viewer.slack_user_id),
            )
        )
    if viewer.board_ids:
        clauses.append(and_(held_by(viewer.board_ids), Issue.sensitive.is_(False)))
    if viewer.private_board_ids:
        clauses.append(held_by(viewer.private_board_ids))
    if not clauses:
        return false()
    return or_(*clauses)
