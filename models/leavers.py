"""A person leaving their organisation, whoever removes them (the officer in Slack or on the command
line, or a reload of the network file that no longer lists them).

It lives in `models` so every way of removing someone does the same things: the membership row
goes (so they can no longer raise issues, send returns, read the organisation's history or be given
a sign-in link), their dashboard sessions end at once and their unused sign-in links stop working,
and the removal is audited against the organisation. What they raised stays with the organisation:
issues, returns and feedback keep their organisation and the Slack id of who sent them, as text.

Slack keeps showing the last Home tab published for a person, so a leaver's Home is published again
saying they are no longer a member (through the outbox, in the same transaction); and the direct
messages still waiting for them (reminders, status notes, notices, survey invitations) are settled
as not sent, with the reason, so the record stays and nothing more about the organisation reaches
them. That Home message is also the mark of the leaving (`LEFT_TOPIC`) which delivery checks
(`withheld_from`): a private message for someone who left and has not come back is refused when it
comes to be sent, whether it was queued by a transaction that had not seen the removal or afterwards.
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from sqlalchemy import ColumnElement, bindparam, delete, exists, literal, or_, select, update
from sqlalchemy.orm import Session

from models import audit
from models.joining import JoinRequest
from models.network import Member
from models.outbox import OutboxMessage, OutboxStatus, enqueue
from models.sign_in import SignInLink, end_sessions_of

# Outbox methods that reach one person privately: their payload names the person as `user`.
DIRECT_METHODS = ("dm", "files.upload")
LEFT_TOPIC = "left:{}"  # the topic of the leaver's Home message: one indexed look-up at delivery


class LeaverHome(Protocol):
    """Port: the Home tab a person sees once they are no longer a member (a `views.publish` view)."""

    def leaver_home(self, organisation: str) -> dict: ...


_home: list[LeaverHome] = []


def use_leaver_home(renderer: LeaverHome | None) -> None:
    """Install the process's renderer of a leaver's Home tab (the Slack layer's, at start-up)."""
    _home[:] = [renderer] if renderer is not None else []


def remove_member(session: Session, member: Member, *, actor: str, why: str) -> int:
    """Take `member` out of their organisation (see the module docstring); how many dashboard sessions
    ended. The caller has checked who may do this; the caller commits."""
    if not _home:
        raise RuntimeError("no renderer for a leaver's Home tab: call models.leavers.use_leaver_home first")
    slack_user_id = member.slack_user_id
    organisation = member.organisation
    name = organisation.name if organisation else "your organisation"
    session.delete(member)
    session.flush()
    ended = end_sessions_of(session, slack_user_id)
    session.execute(
        delete(SignInLink)
        .where(SignInLink.slack_user_id == slack_user_id, SignInLink.used_at.is_(None))
        .execution_options(synchronize_session=False)
    )
    withheld = _settle_direct_messages(session, slack_user_id, _not_sent(name))
    removal = audit.record(
        session,
        actor=actor,
        action="member.removed",
        entity="organisation",
        entity_id=organisation.id if organisation else "",
        before={"member": slack_user_id, "organisation": organisation.name if organisation else None},
        after={"why": why, "dashboard_sessions_ended": ended, "messages_not_sent": withheld},
    )
    session.flush()
    home = enqueue(
        session,
        key=f"leaver-home:{slack_user_id}:{removal.id}",
        method="views.publish",
        payload={"user_id": slack_user_id, "view": _home[0].leaver_home(name)},
        new_key=True,
    )
    home.topic = LEFT_TOPIC.format(slack_user_id)
    session.flush()
    return ended


# When the person last left (their Home message's topic): asked before every private message is sent,
# so built once with a bound parameter.
_LEFT_AT = (
    select(OutboxMessage.created_at)
    .where(OutboxMessage.topic == bindparam("left_topic"))
    .order_by(OutboxMessage.id.desc())
    .limit(1)
)


def withheld_from(session: Session, slack_user_id: object, *, queued_at: datetime) -> str | None:
    """Why a private message queued at `queued_at` must not go to `slack_user_id`, or None: it may go.

    It must not go to someone who left and has not come back: not a member again, and no application
    to join made since they left (whose receipt and decision are theirs to read). That holds for a
    message queued before the removal committed and for one queued after it by code that did not ask
    who still belongs (a survey's or a notice's reminder, a status note on what they once raised).
    """
    if not isinstance(slack_user_id, str) or not slack_user_id:
        return None
    left_at = session.scalar(_LEFT_AT, {"left_topic": LEFT_TOPIC.format(slack_user_id)})
    if left_at is None:
        return None  # never removed: the common case, one indexed look-up
    if session.scalar(select(exists().where(Member.slack_user_id == slack_user_id))):
        return None  # a member again
    applied = exists().where(JoinRequest.slack_user_id == slack_user_id, JoinRequest.created_at >= left_at)
    if queued_at >= left_at and session.scalar(select(applied)):
        return None  # knocking again: what they are told about it is theirs
    return "Not sent: the person it was for is no longer a member of the network."


def still_in_network(slack_user_id: ColumnElement[str]) -> ColumnElement[bool]:
    """SQL: the person in `slack_user_id` has not left, or has come back as a member.

    For jobs that choose whom to remind (a survey's or a notice's reminders, their deadline counts):
    a leaver is neither reminded nor counted as outstanding, where `withheld_from` would only stop the
    message at delivery. Correlated on the outbox's indexed topic, so it costs one look-up a row.
    """
    left = exists().where(OutboxMessage.topic == literal(LEFT_TOPIC.format("")) + slack_user_id)
    member = exists().where(Member.slack_user_id == slack_user_id)
    return or_(~left, member)


def _not_sent(organisation: str) -> str:
    return f"Not sent: the person it was for is no longer a member of {organisation}."


def _settle_direct_messages(session: Session, slack_user_id: str, reason: str) -> int:
    """The leaver's private messages still waiting, marked not sent (kept, with the reason)."""
    return session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.status == OutboxStatus.PENDING,
            OutboxMessage.method.in_(DIRECT_METHODS),
            OutboxMessage.payload["user"].as_string() == slack_user_id,
        )
        .values(status=OutboxStatus.FAILED, last_error=reason)
        .execution_options(synchronize_session=False)
    ).rowcount
