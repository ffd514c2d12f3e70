"""Links in e-mails to board members outside Slack: act on an item, or sign in to the dashboard.

A link carries a token signed with the deployment's secret (itsdangerous, so it cannot be forged or
edited) naming a random nonce and the board member it was sent to. The nonce is stored in
`email_links` with what the link may do, which is what makes it single-use: spending it marks the row
with a conditional UPDATE, so two presses racing each other cannot both win. A link to act lasts a
week (a board member may read their mail days later; the item's own deadlines are shorter), a
sign-in link ten minutes, like Slack's.

People outside Slack are named in the history and on the dashboard by `mail:<board member id>` (the
row the link was sent to): never by their address, which stays in `board_members` only. Someone on
several boards is one person — the boards whose members have the same address.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import ForeignKey, String, delete, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from models.base import Base, UTCDateTime, utcnow
from models.errors import NotAllowed
from models.network import BoardMember

ACT_LIFETIME = timedelta(days=7)
SIGN_IN_LIFETIME = timedelta(minutes=10)
_SALT = "linkedup.email-link"
_KEEP = timedelta(days=30)  # spent and expired rows are kept a while, to tell "used" from "never issued"
ACTOR_PREFIX = "mail:"
SIGN_IN = "sign_in"


class EmailLink(Base):
    """One link in one e-mail: whose it is, what it may do (an action on an escalation, or sign-in)."""

    __tablename__ = "email_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    nonce: Mapped[str] = mapped_column(String(64), unique=True)
    board_member_id: Mapped[int] = mapped_column(
        ForeignKey("board_members.id", ondelete="CASCADE"), index=True
    )
    escalation_id: Mapped[int | None] = mapped_column(ForeignKey("escalations.id", ondelete="CASCADE"))
    action: Mapped[str] = mapped_column(String(20))  # a CardAction value, or "sign_in"
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class EmailLinkRefused(NotAllowed):
    """The link cannot be used; the message is one sentence saying why (and what to do instead)."""


# --- people outside Slack -------------------------------------------------------------------------


def actor_of(member: BoardMember) -> str:
    """How an e-mail member is named where a Slack id would be (history, sessions, audit)."""
    return f"{ACTOR_PREFIX}{member.id}"


def member_of_actor(session: Session, actor: str | None) -> BoardMember | None:
    """The board member row an `mail:<id>` actor names (None for a Slack id or an unknown row)."""
    if not actor or not actor.startswith(ACTOR_PREFIX) or not actor[len(ACTOR_PREFIX) :].isdigit():
        return None
    return session.get(BoardMember, int(actor[len(ACTOR_PREFIX) :]))


def rows_of_person(session: Session, actor: str | None) -> list[BoardMember]:
    """Every board membership of the e-mail person `actor` names (same address, no Slack id)."""
    member = member_of_actor(session, actor)
    if member is None or member.email is None:
        return []
    return list(
        session.scalars(
            select(BoardMember)
            .where(BoardMember.email == member.email, BoardMember.slack_user_id.is_(None))
            .order_by(BoardMember.id)
        )
    )


# --- links ----------------------------------------------------------------------------------------


def _serializer(secret: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret, salt=_SALT)


def new_link(
    session: Session,
    member: BoardMember,
    action: str,
    *,
    escalation_id: int | None = None,
    now: datetime | None = None,
) -> str:
    """Store a new single-use link for this member and action; return its nonce (sign it with
    `sign_link` where the secret is known: the domain builds e-mails without it). Caller commits."""
    now = now or utcnow()
    lifetime = SIGN_IN_LIFETIME if action == SIGN_IN else ACT_LIFETIME
    nonce = secrets.token_urlsafe(24)
    session.add(
        EmailLink(
            nonce=nonce,
            board_member_id=member.id,
            escalation_id=escalation_id,
            action=action,
            created_at=now,
            expires_at=now + lifetime,
        )
    )
    return nonce


def sign_link(secret: str, nonce: str, member_id: int) -> str:
    """The token that goes in the link's address."""
    return _serializer(secret).dumps({"n": nonce, "m": member_id})


def prune(session: Session, *, now: datetime | None = None) -> None:
    now = now or utcnow()
    session.execute(delete(EmailLink).where(EmailLink.expires_at < now - _KEEP))


def check_link(
    session: Session, token: str, *, secret: str, action: str | None = None, now: datetime | None = None
) -> EmailLink:
    """The stored link a token names, if genuine, unused and unexpired; EmailLinkRefused otherwise.

    Reads only: opening a link (as mail scanners do) must not spend it.
    """
    now = now or utcnow()
    try:
        data = _serializer(secret).loads(token, max_age=int(ACT_LIFETIME.total_seconds()))
    except SignatureExpired:
        raise EmailLinkRefused("This link has expired; use the newest e-mail about the item.") from None
    except BadSignature:
        raise EmailLinkRefused("This link is not valid; use the link in the e-mail as it was sent.") from None
    if not isinstance(data, dict) or not isinstance(data.get("n"), str) or not isinstance(data.get("m"), int):
        raise EmailLinkRefused("This link is not valid; use the link in the e-mail as it was sent.")
    link = session.scalar(select(EmailLink).where(EmailLink.nonce == data["n"]))
    if link is None:
        raise EmailLinkRefused("This link is no longer valid; use the newest e-mail about the item.")
    if link.board_member_id != data["m"]:
        raise EmailLinkRefused("This link was sent to someone else; use the link in your own e-mail.")
    if action is not None and link.action != action:
        raise EmailLinkRefused("This link is for another action; use the button for what you want to do.")
    if link.used_at is not None:
        raise EmailLinkRefused("This link has already been used; each link works once.")
    if link.expires_at <= now:
        raise EmailLinkRefused("This link has expired; use the newest e-mail about the item.")
    return link


def spend_link(session: Session, link: EmailLink, *, now: datetime | None = None) -> None:
    """Mark the link used; of two concurrent presses exactly one gets here. Caller commits."""
    now = now or utcnow()
    spent = session.execute(
        update(EmailLink)
        .where(EmailLink.id == link.id, EmailLink.used_at.is_(None), EmailLink.expires_at > now)
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    if spent.rowcount != 1:
        raise EmailLinkRefused("This link has already been used; each link works once.")
