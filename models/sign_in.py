"""One-time sign-in links: how a Slack identity becomes a dashboard session.

A link carries a token signed with the deployment's secret key (so it cannot be forged or edited)
holding a random nonce and the Slack user id. The nonce is also stored in `sign_in_links`, which is
what makes the link single-use: redeeming marks the row used with a conditional UPDATE, so two
clicks racing each other cannot both win. Links expire ten minutes after they are issued.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import String, delete, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from models.base import Base, UTCDateTime, utcnow
from models.errors import NotAllowed

LINK_LIFETIME = timedelta(minutes=10)
SIGN_IN_PATH = "/dashboard/sign-in"
_SALT = "linkedup.dashboard.sign-in"
# Used and expired rows are kept a day (to tell "already used" from "never issued"), then pruned.
_KEEP = timedelta(days=1)


class SignInLink(Base):
    """A sign-in link handed out in Slack (or printed by `serve --demo`), and whether it was used."""

    __tablename__ = "sign_in_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    nonce: Mapped[str] = mapped_column(String(64), unique=True)
    slack_user_id: Mapped[str] = mapped_column(String(32), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class LinkRefused(NotAllowed):
    """The link cannot start a session; the message tells the person how to get a new one."""


AGAIN = "Type `/linkedup dashboard` in Slack for a new link."


def _serializer(secret: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret, salt=_SALT)


def issue_sign_in_link(
    session: Session, slack_user_id: str, *, base_url: str, secret: str, now: datetime | None = None
) -> str:
    """Store a new single-use nonce for this Slack user and return the full sign-in URL.

    The caller commits. Whether the person may see anything is decided when the link is redeemed
    (roles can change in the ten minutes between), but a link is only worth issuing to someone the
    network knows, so the handler checks `access.viewer_for` first.
    """
    now = now or utcnow()
    session.execute(delete(SignInLink).where(SignInLink.expires_at < now - _KEEP))
    nonce = secrets.token_urlsafe(24)
    session.add(
        SignInLink(nonce=nonce, slack_user_id=slack_user_id, created_at=now, expires_at=now + LINK_LIFETIME)
    )
    session.flush()
    token = _serializer(secret).dumps({"n": nonce, "u": slack_user_id})
    return f"{base_url.rstrip('/')}{SIGN_IN_PATH}?token={token}"


def check_sign_in_token(
    session: Session, token: str, *, secret: str, now: datetime | None = None
) -> SignInLink:
    """The stored link a token names, if it is genuine, unused and unexpired; LinkRefused otherwise.

    Reads only: showing the sign-in page must not spend the link (chat clients and mail scanners
    fetch links to preview them).
    """
    now = now or utcnow()
    try:
        data = _serializer(secret).loads(token, max_age=int(LINK_LIFETIME.total_seconds()))
    except SignatureExpired:
        raise LinkRefused(f"This sign-in link has expired (links last 10 minutes). {AGAIN}") from None
    except BadSignature:
        raise LinkRefused(f"This sign-in link is not valid. {AGAIN}") from None
    if not isinstance(data, dict) or not isinstance(data.get("n"), str) or not isinstance(data.get("u"), str):
        raise LinkRefused(f"This sign-in link is not valid. {AGAIN}")
    link = session.scalar(select(SignInLink).where(SignInLink.nonce == data["n"]))
    if link is None or link.slack_user_id != data["u"]:
        raise LinkRefused(f"This sign-in link is not valid. {AGAIN}")
    if link.used_at is not None:
        raise LinkRefused(f"This sign-in link has already been used; each link works once. {AGAIN}")
    if link.expires_at <= now:
        raise LinkRefused(f"This sign-in link has expired (links last 10 minutes). {AGAIN}")
    return link


def redeem_sign_in_link(session: Session, token: str, *, secret: str, now: datetime | None = None) -> str:
    """Spend the link and return the Slack user id it signs in; the caller commits.

    The UPDATE only matches an unused row, so of two concurrent redemptions exactly one succeeds.
    """
    now = now or utcnow()
    link = check_sign_in_token(session, token, secret=secret, now=now)
    spent = session.execute(
        update(SignInLink)
        .where(SignInLink.id == link.id, SignInLink.used_at.is_(None), SignInLink.expires_at > now)
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    if spent.rowcount != 1:
        raise LinkRefused(f"This sign-in link has already been used; each link works once. {AGAIN}")
    return link.slack_user_id
