"""The officer adding a person to an organisation or taking one out (a leaver), by Slack id.

Joining normally goes through `/linkedup join` and the officer's approval (`intake.joining`); this is
the officer's direct door, for the person who joined or left by e-mail, from `/linkedup member add|remove`
or `linkedup org member add|remove`. Removing someone does what every removal does
(`models.leavers`): their sessions end at once, their Home tab says they are no longer a member, the
messages still waiting for them are not sent, and what they raised stays with the organisation.
An officer is never added or removed here — officers come from the network file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import audit, fields
from models.errors import NotAllowed, NotFound, ValidationError
from models.leavers import remove_member
from models.membership import find_member, is_officer
from models.network import Member, MemberRole, Organisation, OrganisationStatus

# A Slack user id, typed bare (U0123ABCD) or as Slack sends a mention (<@U0123ABCD|sam>).
_SLACK_ID = re.compile(r"^(?:<@)?([UW][A-Z0-9]{2,31})(?:\|[^>]*)?>?$")


@dataclass(frozen=True)
class MembershipChange:
    slack_user_id: str
    organisation: str
    changed: bool  # False when it was already so (adding a member twice, a retried command)
    sessions_ended: int = 0


def find_organisation(session: Session, key: object) -> Organisation:
    """The organisation a person names by its number or its slug (as `network show` lists them)."""
    text = str(key or "").strip()
    chosen = fields.record_id(text)
    organisation = session.get(Organisation, chosen) if chosen is not None else None
    if organisation is None and text:
        organisation = session.scalar(select(Organisation).where(Organisation.slug == text.lower()))
    if organisation is None:
        raise NotFound(f"No organisation has the id or slug {text[:80]!r}.")
    return organisation


def slack_user_id(value: object) -> str:
    """The Slack id in what the officer typed, or a ValidationError saying what is expected."""
    found = _SLACK_ID.match(str(value or "").strip())
    if not found:
        raise ValidationError({"slack_user_id": "Give the person's Slack member id (U…), or @-mention them."})
    return found.group(1)


def _require_officer(session: Session, actor: str | None) -> None:
    """`actor` None is the command line, run by whoever runs the deployment."""
    if actor is not None and not is_officer(session, actor):
        raise NotAllowed("Only the development officer can add or remove an organisation's members.")


def _change_asked(
    session: Session, organisation: object, person: object, actor: str | None
) -> tuple[Organisation, str, Member | None]:
    """What adding and removing both check first: the officer asks, the organisation and the Slack id
    are real, and the person is not an officer. The organisation, the id, and their member row if any."""
    _require_officer(session, actor)
    org = find_organisation(session, organisation)
    user = slack_user_id(person)
    member = find_member(session, user)
    if member is not None and member.role == MemberRole.OFFICER:
        raise NotAllowed(f"{user} is an officer; officers come from the network file.")
    return org, user, member


def add_member(
    session: Session, *, organisation: object, person: object, actor: str | None
) -> MembershipChange:
    """Make `person` a member of the organisation; the caller commits."""
    org, user, member = _change_asked(session, organisation, person, actor)
    if org.status == OrganisationStatus.DECLINED:
        raise NotAllowed(f"{org.name} was declined; approve it before adding members.")
    if member is not None and member.organisation_id == org.id:
        return MembershipChange(user, org.name, changed=False)
    if member is not None and member.organisation is not None:
        raise NotAllowed(
            f"{user} is a member of {member.organisation.name}; remove them there first "
            "(a person speaks for one organisation)."
        )
    if member is None:
        member = Member(slack_user_id=user, role=MemberRole.MEMBER)
        session.add(member)
    member.organisation = org
    session.flush()
    audit.record(
        session,
        actor=actor or "linkedup org member",
        action="member.added",
        entity="organisation",
        entity_id=org.id,
        after={"member": user, "organisation": org.name},
    )
    return MembershipChange(user, org.name, changed=True)


def remove_from_organisation(
    session: Session, *, organisation: object, person: object, actor: str | None
) -> MembershipChange:
    """Take `person` out of the organisation (a leaver); the caller commits."""
    org, user, member = _change_asked(session, organisation, person, actor)
    if member is None or member.organisation_id != org.id:
        return MembershipChange(user, org.name, changed=False)
    ended = remove_member(session, member, actor=actor or "linkedup org member", why="removed by the officer")
    return MembershipChange(user, org.name, changed=True, sessions_ended=ended)
