"""A person leaving their organisation, whoever removes them (the officer in Slack or on the command
line, or a reload of the network file that no longer lists them).

It lives in `models` so every way of removing someone does the same four things: the membership row
goes (so they can no longer raise issues, send returns, read the organisation's history or be given
a sign-in link), their dashboard sessions end at once and their unused sign-in links stop working,
and the removal is audited against the organisation. What they raised stays with the organisation:
issues, returns and feedback keep their organisation and the Slack id of who sent them, as text.
"""

from __future__ import annotations

from sqlalchemy import delete
from sqlalchemy.orm import Session

from models import audit
from models.network import Member
from models.sign_in import SignInLink, end_sessions_of


def remove_member(session: Session, member: Member, *, actor: str, why: str) -> int:
    """Take `member` out of their organisation (see the module docstring); how many dashboard sessions
    ended. The caller has checked who may do this; the caller commits."""
    slack_user_id = member.slack_user_id
    organisation = member.organisation
    session.delete(member)
    session.flush()
    ended = end_sessions_of(session, slack_user_id)
    session.execute(
        delete(SignInLink)
        .where(SignInLink.slack_user_id == slack_user_id, SignInLink.used_at.is_(None))
        .execution_options(synchronize_session=False)
    )
    audit.record(
        session,
        actor=actor,
        action="member.removed",
        entity="organisation",
        entity_id=organisation.id if organisation else "",
        before={"member": slack_user_id, "organisation": organisation.name if organisation else None},
        after={"why": why, "dashboard_sessions_ended": ended},
    )
    return ended
