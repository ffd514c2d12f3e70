"""Retry de-duplication: claim a Slack delivery key in the same transaction as its record."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from models.records import SlackDelivery


def find_delivery(session: Session, key: str) -> SlackDelivery | None:
    """The earlier delivery with this key, if Slack already sent it to us."""
    return session.scalar(select(SlackDelivery).where(SlackDelivery.key == key))


def claim_delivery(session: Session, *, key: str, kind: str, result: str | None) -> bool:
    """Record the key; False if another transaction claimed it first (a concurrent retry).

    Uses a savepoint, so a lost race leaves the caller's transaction usable for a rollback.
    """
    try:
        with session.begin_nested():
            session.add(SlackDelivery(key=key, kind=kind, result=result))
            session.flush()
    except IntegrityError:
        return False
    return True
