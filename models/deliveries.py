"""Retry de-duplication: claim a Slack delivery key in the same transaction as its record."""

from __future__ import annotations

import functools
from collections.abc import Callable

from sqlalchemy import bindparam, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from models.base import utcnow
from models.db import compiled_once
from models.records import SlackDelivery

# Built once: every Slack request runs one of these, and building a statement costs about as much
# as running it through the ORM (values are bound at execution).
_FIND = select(SlackDelivery).where(SlackDelivery.key == bindparam("key"))


@functools.cache
def _claim_statement(dialect: str):
    """The claim, compiled once per dialect: SQLAlchemy would compile an ON CONFLICT insert on every
    request (`models.db.compiled_once`)."""
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    table = SlackDelivery.__table__
    return compiled_once(
        insert(table)
        .values(
            key=bindparam("key"),
            kind=bindparam("kind"),
            result=bindparam("result"),
            received_at=bindparam("received_at"),
        )
        .on_conflict_do_nothing(index_elements=[table.c.key])
        .returning(table.c.id),
        dialect,
    )


def find_delivery(session: Session, key: str) -> SlackDelivery | None:
    """The earlier delivery with this key, if Slack already sent it to us."""
    return session.scalar(_FIND, {"key": key})


def claim_delivery(session: Session, *, key: str, kind: str, result: str | None) -> bool:
    """Record the key; False if another transaction claimed it first (a concurrent retry).

    One `INSERT … ON CONFLICT (key) DO NOTHING RETURNING id` round trip (it used to be a savepoint,
    an insert and a release: four with the flush). A conflict is no error, so the caller's
    transaction stays usable; on PostgreSQL a claim by a transaction still in flight makes this
    wait for it, then answer False if it committed — the same outcome as catching the unique
    violation, without the savepoint.
    """
    statement = _claim_statement(session.get_bind().dialect.name)
    values = {"key": key, "kind": kind, "result": result, "received_at": utcnow()}
    return session.execute(statement, values).first() is not None


def act_once(session: Session, *, key: str, kind: str, act: Callable[[], None]) -> bool:
    """Run `act` (a call to Slack) unless `key` was acted on before; True if it ran. Commits the key.

    The key is claimed in the caller's transaction and committed after `act` succeeds, so a
    failing call leaves nothing claimed and a retry of the request tries again. On PostgreSQL
    the key is claimed first, in one statement: a concurrent retry waits on the key until this
    request ends, then finds it taken. On SQLite the claim comes after the call, behind a
    look-up: claiming first would hold the database's single write lock for the length of the
    call to Slack, stalling every other write.
    """
    if session.get_bind().dialect.name == "postgresql":
        if not claim_delivery(session, key=key, kind=kind, result=None):
            return False
        act()
        session.commit()
        return True
    if find_delivery(session, key) is not None:
        return False
    act()
    if claim_delivery(session, key=key, kind=kind, result=None):
        session.commit()
    return True
