"""The job that asks Slack, once, for the names of people the network file lists only by Slack id.

Board members and chairs act on escalations, and their names belong in the raiser's notes, the
histories and the dashboard. Slack's `users.info` gives the name; it is kept (`models.people`) so no
one waits for Slack to read a page, and each person is asked about once (a person Slack does not
know is remembered as such). A batch at a time, so a large network file fills in over a few runs.
"""

from __future__ import annotations

import logging

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import select, union
from sqlalchemy.orm import Session

from bot.runtime import Context
from models.base import utcnow
from models.db import transaction
from models.escalations import EscalationEvent
from models.network import Board, BoardMember, Member
from models.people import SlackName, remember_name

log = logging.getLogger(__name__)

BATCH = 50
NOT_A_PERSON = frozenset({"", "system"})


def nameless(session: Session, *, limit: int = BATCH) -> list[str]:
    """Slack ids that act or may act on items, with no name from a member row or an earlier look-up."""
    people = union(
        select(BoardMember.slack_user_id),
        select(Board.chair_slack_user_id).where(Board.chair_slack_user_id.is_not(None)),
        select(EscalationEvent.actor),
    ).subquery()
    named = select(Member.slack_user_id).where(Member.display_name.is_not(None), Member.display_name != "")
    asked = select(SlackName.slack_user_id)
    ids = session.scalars(
        select(people.c[0])
        .where(people.c[0].not_in(named), people.c[0].not_in(asked), people.c[0].not_in(NOT_A_PERSON))
        .order_by(people.c[0])
        .limit(limit)
    )
    return [value for value in ids if value and value[:1] in ("U", "W")]


def name_from(user: dict) -> str | None:
    """The name Slack shows for a person: their display name, else their full name."""
    profile = user.get("profile") or {}
    for value in (profile.get("display_name"), profile.get("real_name"), user.get("real_name")):
        if value and value.strip():
            return value.strip()[:120]
    return None


def learn_names(session_factory, client: WebClient, *, limit: int = BATCH) -> int:
    """Ask Slack for up to `limit` unknown names and keep the answers; how many were asked."""
    with transaction(session_factory) as session:
        ids = nameless(session, limit=limit)
    asked = 0
    for slack_user_id in ids:
        try:
            user = client.users_info(user=slack_user_id)["user"]
        except SlackApiError as error:
            if error.response is None or error.response.get("error") != "user_not_found":
                log.warning("users.info for a board person failed (%s); asked again next run", error)
                break
            user = {}
        with transaction(session_factory) as session:
            remember_name(session, slack_user_id, name_from(user), now=utcnow())
        asked += 1
    return asked


def learn_board_people_names(ctx: Context | None = None) -> int:
    """Job: names for the network file's board people (a no-op without Slack credentials)."""
    from bot.slack import web_client
    from bot.worker import context

    ctx = ctx or context()
    if not ctx.settings.slack_enabled:
        return 0
    asked = learn_names(ctx.session_factory, web_client(ctx.settings))
    if asked:
        log.info("asked Slack for %d people's names", asked)
    return asked
