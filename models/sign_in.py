"""One-time sign-in links, and the dashboard sessions they start.

A link carries a token signed with the deployment's secret key (so it cannot be forged or edited)
holding a random nonce and the Slack user id. The nonce is also stored in `sign_in_links`, which is
what makes the link single-use: redeeming marks the row used with a conditional UPDATE, so two
clicks racing each other cannot both win. Links expire ten minutes after they are issued.

A session lives in `dashboard_sessions`, and the cookie holds only a random token naming it (the
table keeps the token's SHA-256, so a copy of the database signs nobody in). Signing out deletes
the row, so a copied cookie stops working at once; `end_sessions_of` ends every session of a
person taken out of the network.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import String, delete, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from models.base import Base, UTCDateTime, utcnow
from models.errors import NotAllowed

LINK_LIFETIME = timedelta(minutes=10)
SESSION_LIFETIME = timedelta(hours=12)
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


class DashboardSession(Base):
    """A signed-in browser: whose it is and until when (the cookie holds the token, we its hash)."""

    __tablename__ = "dashboard_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    slack_user_id: Mapped[str] = mapped_column(String(32), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


def open_session(session: Session, slack_user_id: str, *, now: datetime | None = None) -> str:
    """Start a dashboard session for this person and return its token for the cookie; the caller commits."""
    now = now or utcnow()
    session.execute(delete(DashboardSession).where(DashboardSession.expires_at < now))
    token = secrets.token_urlsafe(32)
    session.add(
        DashboardSession(
            token_hash=_token_hash(token),
            slack_user_id=slack_user_id,
            created_at=now,
            expires_at=now + SESSION_LIFETIME,
        )
    )
    session.flush()
    return token


def session_user(session: Session, token: object, *, now: datetime | None = None) -> str | None:
    """The Slack user a live session token belongs to, or None (unknown, ended or expired)."""
    if not isinstance(token, str) or not token or len(token) > 200:
        return None
    row = session.scalar(select(DashboardSession).where(DashboardSession.token_hash == _token_hash(token)))
    if row is None or row.expires_at <= (now or utcnow()):
        return None
    return row.slack_user_id


def end_session(session: Session, token: object) -> None:
    """Sign out: the row goes, so its cookie (and any copy of it) signs nobody in; the caller commits."""
    if isinstance(token, str) and token:
        session.execute(delete(DashboardSession).where(DashboardSession.token_hash == _token_hash(token)))


def end_sessions_of(session: Session, slack_user_id: str) -> int:
    """End every dashboard session of this person (they left the network); how many. Caller commits."""
    ended = session.execute(
        delete(DashboardSession)
        .where(DashboardSession.slack_user_id == slack_user_id)
        .execution_options(synchronize_session=False)
    )
    return ended.rowcount or 0
