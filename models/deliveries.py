"""Retry de-duplication: claim a Slack delivery key in the same transaction as its record."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from models.records import SlackDelivery


def find_delivery(session: Session, key: str) -> SlackDelivery | None:
    """The earlier delivery with this key, if Slack already sent it to us."""
    return session.scalar(select(SlackDelivery).where(SlackDelivery.key == key))


def claim_delivery(session: Session, *, key: str, kind: str, result: str | None) -> bool:
    """Record the key; False if another transaction claimed it first (a concurrent retry).

    One `INSERT … ON CONFLICT (key) DO NOTHING RETURNING id` round trip (it used to be a savepoint,
    an insert and a release: four with the flush). A conflict is no error, so the caller's
    transaction stays usable; on PostgreSQL a claim by a transaction still in flight makes this
    wait for it, then answer False if it committed — the same outcome as catching the unique
    violation, without the savepoint.
    """
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    table = SlackDelivery.__table__
    statement = (
        insert(table)
        .values(key=key, kind=kind, result=result)
        .on_conflict_do_nothing(index_elements=[table.c.key])
        .returning(table.c.id)
    )
    return session.execute(statement).first() is not None
