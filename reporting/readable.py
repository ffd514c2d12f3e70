"""People and events in words, for where a person reads an item's history (the dashboard).

The records keep what machines need — Slack user ids as actors, event keys such as `issue.raised` or
`not_satisfied` — and a reader needs names: "Jo Bloggs", "Marked not satisfied". Unknown ids (a member
since erased or removed) are said so rather than shown as ids.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.email_links import ACTOR_PREFIX
from models.network import BoardMember, Member
from models.people import cached_names

BOT = "Linked-up bot"
FORMER_MEMBER = "a former member"
SYSTEM_ACTORS = frozenset({"system", "scheduler", "sweep", "worker", "cli", "simulation"})
SLACK_ID = re.compile(r"[UWB][A-Z0-9]{6,}")

EVENT_WORDS = {
    "raised": "Raised",
    "routed": "Routed to the board",
    "triage": "Put in the officer's triage queue",
    "triaged": "Routed from the officer's triage queue",
    "officer": "Routed by the officer",
    "held": "Held",
    "acknowledged": "Acknowledged by the board",
    "responded": "Answered by the board",
    "answered": "Answered by the board",
    "escalated": "Escalated up the ladder",
    "reminder": "Reminder sent to the board",
    "reminded": "Reminder sent to the board",
    "not_satisfied": "Marked not satisfied",
    "satisfied": "Marked satisfied",
    "closed": "Closed",
    "snoozed": "Reminders paused",
    "reassigned": "Passed to another board",
    "theme_changed": "Theme changed",
    "digest_sent": "Listed in a meeting digest",
    "delivered": "Answer delivered to the organisation",
}


def event_words(key: str) -> str:
    """`issue.raised` → "Raised"; a key not listed still reads as words ("answer_sent" → "Answer sent")."""
    last = key.rpartition(".")[2]
    return EVENT_WORDS.get(last) or last.replace("_", " ").capitalize()


def people_names(session: Session, actors: Iterable[str]) -> dict[str, str]:
    """Each actor as a reader should see them: a member's name, the bot, or "a former member"."""
    ids = {actor for actor in actors if actor}
    names = dict(
        session.execute(
            select(Member.slack_user_id, Member.display_name).where(Member.slack_user_id.in_(ids))
        ).all()
    )
    slack_given = cached_names(session, ids)  # board people, named by Slack once (models.people)
    out = {}
    for actor in ids:
        if names.get(actor):
            out[actor] = names[actor]
        elif slack_given.get(actor):
            out[actor] = slack_given[actor]
        elif actor in names:
            out[actor] = "a member"  # in the network, with no name given
        elif actor.lower() in SYSTEM_ACTORS:
            out[actor] = BOT
        elif SLACK_ID.fullmatch(actor):
            out[actor] = FORMER_MEMBER
        else:
            out[actor] = actor
    out |= _outside_slack(session, ids)
    return out


def _outside_slack(session: Session, actors: set[str]) -> dict[str, str]:
    """Board members outside Slack (`mail:<board member id>`) by the name the network gives them."""
    numbers = {actor: actor.removeprefix(ACTOR_PREFIX) for actor in actors if actor.startswith(ACTOR_PREFIX)}
    wanted = {int(n): actor for actor, n in numbers.items() if n.isascii() and n.isdigit() and len(n) < 12}
    if not wanted:
        return {}
    rows = session.execute(select(BoardMember.id, BoardMember.name).where(BoardMember.id.in_(sorted(wanted))))
    found = {wanted[member_id]: f"{name or 'a board member'} (by e-mail)" for member_id, name in rows}
    return {actor: found.get(actor, "a former board member") for actor in wanted.values()}


def members_of(session: Session, organisation_id: int, actors: Iterable[str]) -> set[str]:
    """Which of the actors belong to the organisation (to withhold a sensitive item's raisers)."""
    return set(
        session.scalars(
            select(Member.slack_user_id).where(
                Member.organisation_id == organisation_id, Member.slack_user_id.in_(set(actors))
            )
        )
    )
