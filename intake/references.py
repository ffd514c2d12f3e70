"""Sequential references per year (`LU-2026-0001`), unique even with concurrent submissions.

The counter row is bumped with one `INSERT … ON CONFLICT DO UPDATE … RETURNING` statement, which
both SQLite and PostgreSQL run atomically, so two submissions can never receive the same number.

**Where the number is taken.** Inside the submission's transaction the counter row stays locked
until that transaction ends — through the issue's insert, its audit line, the delivery claim, the
routing to a board and the commit's flush to disk — so on PostgreSQL every issue, return, join
request and feedback waited for the one before it. Under the load benchmark (10 clients) six of
eight busy database sessions were queued on that row and p99 reached 0.7–0.95 s. So on
PostgreSQL the number is taken in a transaction of its own (on another connection of the same
engine), committed at once: the row is locked for one statement. That commit is asynchronous
(`synchronous_commit off`): it cannot be lost while the submission using the number survives,
because the submission's own commit comes later in the write-ahead log and flushing it flushes
the counter too; if the server crashes before, neither survived and the number is simply handed
out again.

**Numbers are given back.** A number taken apart is already committed when the submission fails
(bad luck in routing, the database dropping the connection, a lost race with a retry of the same
form). So each number taken is remembered against the submission's connection, and when that
transaction — or the savepoint it was taken in — rolls back, the counter is stepped back if the
number is still the last one handed out: a failed submission uses up no number, as before. The
one difference from a number taken inside the transaction: if a later number was handed out
meanwhile (two submissions at once, the first failing), the failed number stays a gap rather than
stalling the second submission until the first one ends. References stay unique, increasing in
the order they are handed out, and `LU-YYYY-NNNN`.

SQLite keeps the number inside the transaction: it has a single writer at a time anyway, and a
second connection would wait for the very transaction asking it.
"""

from __future__ import annotations

import functools
import logging
import re
import threading
import weakref
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Connection, Engine, bindparam, delete, event, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from models.db import compiled_once
from models.records import ReferenceCounter

log = logging.getLogger(__name__)


def next_number(session: Session, *, prefix: str, year: int) -> int:
    """Reserve and return the next number for this prefix and year."""
    values = {"prefix": prefix, "year": year}
    if session.get_bind().dialect.name != "postgresql":
        return session.execute(_bump("sqlite"), values).scalar_one()
    connection = session.connection()
    with connection.engine.connect() as apart:
        apart.execute(_ASYNC_COMMIT)
        number = apart.execute(_bump("postgresql"), values).scalar_one()
        apart.commit()
    _remember(connection, _Taken(prefix, year, number))
    return number


def next_reference(session: Session, *, at: datetime, prefix: str = "LU") -> str:
    """The next reference, e.g. LU-2026-0042 (four digits, more if a year ever needs them)."""
    number = next_number(session, prefix=prefix, year=at.year)
    return f"{prefix}-{at.year}-{number:04d}"


_ASYNC_COMMIT = text("SET LOCAL synchronous_commit TO OFF")


@functools.cache
def _bump(dialect: str):
    """The counter's upsert, compiled once per dialect (values bound at execution; see `compiled_once`)."""
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    table = ReferenceCounter.__table__
    return compiled_once(
        insert(table)
        .values(prefix=bindparam("prefix"), year=bindparam("year"), last=1)
        .on_conflict_do_update(index_elements=[table.c.prefix, table.c.year], set_={"last": table.c.last + 1})
        .returning(table.c.last),
        dialect,
    )


# --- Giving numbers back when the submission's transaction (or savepoint) rolls back ----------------


@dataclass(frozen=True)
class _Taken:
    prefix: str
    year: int
    number: int
    savepoint: int = 0  # the savepoint open when it was taken (0: none)


@dataclass
class _Open:
    """What one connection's current transaction has taken, and its open savepoints (innermost last).

    Savepoints are numbered as SQLAlchemy names them (`sa_savepoint_1`, `_2`… per connection, in
    the order opened); its `savepoint` event does not pass the name, so they are counted here.
    """

    taken: list[_Taken] = field(default_factory=list)
    savepoints: list[int] = field(default_factory=list)
    opened: int = 0


_open: weakref.WeakKeyDictionary[Connection, _Open] = weakref.WeakKeyDictionary()
_lock = threading.Lock()
_SAVEPOINT_NUMBER = re.compile(r"(\d+)$")


def _state(connection: Connection, *, create: bool) -> _Open | None:
    with _lock:
        state = _open.get(connection)
        if state is None and create:
            state = _open[connection] = _Open()
        return state


def _remember(connection: Connection, taken: _Taken) -> None:
    state = _state(connection, create=True)
    depth = state.savepoints[-1] if state.savepoints else 0
    state.taken.append(_Taken(taken.prefix, taken.year, taken.number, depth))


def _savepoint_number(name: str) -> int:
    found = _SAVEPOINT_NUMBER.search(name or "")
    return int(found.group(1)) if found else 0


@event.listens_for(Engine, "savepoint")
def _on_savepoint(connection: Connection, name: str | None) -> None:
    if connection.dialect.name == "postgresql":
        state = _state(connection, create=True)
        state.opened += 1
        state.savepoints.append(state.opened)


@event.listens_for(Engine, "release_savepoint")
def _on_release_savepoint(connection: Connection, name: str, context) -> None:
    """Numbers taken inside a released savepoint now belong to the enclosing one (kept as taken)."""
    state = _state(connection, create=False)
    if state is not None:
        number = _savepoint_number(name)
        state.savepoints = [open_ for open_ in state.savepoints if open_ < number]


@event.listens_for(Engine, "rollback_savepoint")
def _on_rollback_savepoint(connection: Connection, name: str, context) -> None:
    state = _state(connection, create=False)
    if state is None:
        return
    number = _savepoint_number(name)
    back = [taken for taken in state.taken if taken.savepoint >= number]
    state.taken = [taken for taken in state.taken if taken.savepoint < number]
    state.savepoints = [open_ for open_ in state.savepoints if open_ < number]
    _give_back(connection.engine, back)


@event.listens_for(Engine, "commit")
def _on_commit(connection: Connection) -> None:
    """The numbers are used: forget them (even if the commit then fails, its outcome is unknown)."""
    state = _state(connection, create=False)
    if state is not None:
        state.taken, state.savepoints = [], []


@event.listens_for(Engine, "rollback")
def _on_rollback(connection: Connection) -> None:
    state = _state(connection, create=False)
    if state is not None:
        back, state.taken, state.savepoints = state.taken, [], []
        _give_back(connection.engine, back)


def _give_back(engine: Engine, numbers: list[_Taken]) -> None:
    """Step each counter back past numbers that are still the last ones handed out (newest first)."""
    if not numbers:
        return
    table = ReferenceCounter.__table__
    try:
        with engine.connect() as apart:
            for taken in sorted(numbers, key=lambda t: t.number, reverse=True):
                counter = (table.c.prefix == taken.prefix) & (table.c.year == taken.year)
                still_last = counter & (table.c.last == taken.number)
                apart.execute(update(table).where(still_last).values(last=taken.number - 1))
                apart.execute(delete(table).where(counter & (table.c.last == 0)))
            apart.commit()
    except Exception:  # the submission has failed already; an unreturned number is only a gap
        log.warning(
            "could not give back reference number(s) %s after a rolled-back submission; they stay unused",
            ", ".join(f"{t.prefix}-{t.year}-{t.number:04d}" for t in numbers),
            exc_info=True,
        )
