"""Engine and session set-up for SQLite (embedded default) and PostgreSQL (production)."""

from __future__ import annotations

import functools
import logging
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine, TextClause, bindparam, create_engine, event, make_url, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.sql.dml import Insert

from models.sqlite_writer import GatedConnection, gated_connection_factory, is_write


class _WithholdRows(logging.Filter):
    """SQLAlchemy at DEBUG logs every row it fetches, i.e. people's words: keep the line, not the values."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno <= logging.DEBUG and record.msg == "Row %r":
            record.msg, record.args = "Row (values withheld)", ()
        return True


_engine_log = logging.getLogger("sqlalchemy.engine.Engine")
if not any(isinstance(f, _WithholdRows) for f in _engine_log.filters):
    _engine_log.addFilter(_WithholdRows())


# Connections one process keeps: as many as it uses at once — 8 request threads (waitress or gunicorn's
# gthread), the at-once sender's 4, the embedded scheduler's 4. A smaller pool closes the connections
# beyond it as they come back and opens them again at the next burst of requests: on PostgreSQL a
# backend forked and signed in each time, which took a trivial transaction's p50 from 8 to 20 ms when
# 12 threads shared a pool of 5. The pool opens connections only as they are needed.
POOL_SIZE = 16


def make_engine(url: str, **kwargs) -> Engine:
    """An engine that survives a database restart (pre-ping) and keeps SQLite honest.

    Statement parameters are people's words (an issue's text): `hide_parameters` keeps them out of
    SQLAlchemy's logs and out of the error messages our handlers log.
    """
    kwargs.setdefault("hide_parameters", True)
    if url.startswith("sqlite"):
        kwargs.setdefault("connect_args", {}).setdefault("timeout", 30)
        database = make_url(url).database
        file_backed = bool(database) and database != ":memory:" and not database.startswith("file:")
        if file_backed:
            kwargs["connect_args"].setdefault("factory", gated_connection_factory(database))
            kwargs.setdefault("pool_size", POOL_SIZE)
        engine = create_engine(url, **kwargs)
        if file_backed:
            _queue_writers(engine)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record):
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            if ":memory:" not in url and url not in ("sqlite://", "sqlite:///"):
                cursor.execute("PRAGMA journal_mode=WAL")
                # WAL makes NORMAL durable against application crashes; saves a sync per commit.
                cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()

        return engine
    kwargs.setdefault("pool_pre_ping", True)
    kwargs.setdefault("pool_size", POOL_SIZE)
    kwargs.setdefault("max_overflow", 10)
    return create_engine(url, **kwargs)


def _queue_writers(engine: Engine) -> None:
    """Writers on an SQLite file queue on its writer gate (see models.sqlite_writer for why)."""

    def dbapi(conn):
        raw = conn.connection.dbapi_connection
        return raw if isinstance(raw, GatedConnection) else None

    @event.listens_for(engine, "before_cursor_execute")
    def _take(conn, _cursor, statement, _parameters, _context, _executemany):
        if (raw := dbapi(conn)) is not None and is_write(statement):
            raw.take_gate()

    @event.listens_for(engine, "after_cursor_execute")
    def _autocommitted(conn, _cursor, _statement, _parameters, _context, _executemany):
        if (raw := dbapi(conn)) is not None and not raw.in_transaction:
            raw.give_gate_back()  # DDL or autocommit: nothing left open to protect

    @event.listens_for(engine, "handle_error")
    def _failed(context):
        raw = context.connection and dbapi(context.connection)
        if raw is not None and not raw.in_transaction:
            raw.give_gate_back()


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False)


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One unit of work: commit on success, roll back on any error, always close."""
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def take_write_lock(session: Session) -> None:
    """On SQLite, take the database write lock now, so rows read next cannot change before commit.

    SQLite ignores `FOR UPDATE`; a write statement (even one matching no row) makes the transaction a
    writer, which serialises read-modify-write sequences. On PostgreSQL this is a no-op: callers lock
    the rows they read with `FOR UPDATE`.
    """
    if session.get_bind().dialect.name == "sqlite":
        session.execute(text("UPDATE reference_counters SET last = last WHERE 1 = 0"))


@functools.cache
def _named_dialect(name: str) -> Dialect:
    """A driver-neutral dialect writing `:name` parameters (no casts), the form `text()` reads."""
    dialect = postgresql.base.PGDialect if name == "postgresql" else sqlite.base.SQLiteDialect
    return dialect(paramstyle="named")


def compiled_once(statement: Insert, dialect: str) -> TextClause:
    """A fixed `INSERT … ON CONFLICT …` of one dialect, compiled once, as a statement SQLAlchemy caches.

    SQLAlchemy cannot cache the dialects' ON CONFLICT inserts (their cache key would not cover the
    clause, so they opt out: "[no key]" in the SQL log) and compiles them again on every execution,
    about 0.2 ms of CPU — as much as running the rest of the statement. The hot ones (a Slack delivery
    claimed, a reference counter bumped) run once or more per request. A statement built once with
    bound parameters compiles to the same SQL every time, so it is compiled here once and run as
    `text()` (cached by its string) with the same parameter types and returned columns.

    Values the statement leaves to a column's Python-side default would not be filled in by `text()`:
    such a statement is refused, so every value is given explicitly.
    """
    compiled = statement.compile(dialect=_named_dialect(dialect))
    if compiled.insert_prefetch:
        columns = ", ".join(column.name for column in compiled.insert_prefetch)
        raise ValueError(f"give {columns} explicitly: text() does not run column defaults")
    binds = [
        bindparam(name, bind.value, type_=bind.type, required=bind.required)
        for bind, name in compiled.bind_names.items()
    ]
    clause = text(compiled.string).bindparams(*binds)
    returning = compiled.effective_returning or ()
    return clause.columns(*returning) if returning else clause
