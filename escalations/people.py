"""People's names for what people read: status notes, histories and the dashboard.

A Slack mention (`<@U…>`) only reads as a name inside Slack; in a note's fallback text, an e-mail or a
web page it is a code. Members who joined have a display name (`Member.display_name`); board people
from the network file have the name Slack gave once (`models.people.SlackName`, kept by the
`learn_names` job). Both are read from the database, once per message for everyone it mentions, never
from Slack while someone waits.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.email_links import ACTOR_PREFIX
from models.network import BoardMember, Member, MemberRole
from models.people import cached_names

SYSTEM_ACTORS = frozenset({"", "system"})
AUTOMATIC = "Linked-up (automatic)"


def names_of(session: Session, slack_user_ids: Iterable[str | None]) -> dict[str, str]:
    """Each known person's name by Slack id (one query); unknown ids are left out."""
    wanted = {value for value in slack_user_ids if value and value not in SYSTEM_ACTORS}
    if not wanted:
        return {}
    rows = session.execute(
        select(Member.slack_user_id, Member.display_name, Member.role).where(
            Member.slack_user_id.in_(sorted(wanted))
        )
    ).all()
    names = cached_names(session, wanted)
    for slack_user_id, display_name, role in rows:
        if display_name and display_name.strip():
            names[slack_user_id] = display_name.strip()
        elif role == MemberRole.OFFICER and slack_user_id not in names:
            names[slack_user_id] = "the Linked-up officer"
    ids = {value: value.removeprefix(ACTOR_PREFIX) for value in wanted if value.startswith(ACTOR_PREFIX)}
    by_email = {int(number): value for value, number in ids.items() if number.isdigit()}
    if by_email:  # board members outside Slack, named as the network file names them
        for member_id, member_name in session.execute(
            select(BoardMember.id, BoardMember.name).where(BoardMember.id.in_(sorted(by_email)))
        ):
            names[by_email[member_id]] = member_name or "a board member"
    return names


def name(names: dict[str, str], slack_user_id: str | None) -> str:
    """A person as words: their name, the bot for automatic steps, or "someone" if nobody knows them."""
    if not slack_user_id or slack_user_id in SYSTEM_ACTORS:
        return AUTOMATIC
    return names.get(slack_user_id) or "someone whose name Linked-up does not know yet"
