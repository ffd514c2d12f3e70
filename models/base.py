"""The one declarative base, with a naming convention so Alembic and the models agree on names."""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime

from sqlalchemy import DateTime, Enum, MetaData
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


# The clock seam: `frozen_clock` makes `utcnow()` answer a chosen instant in the current context only
# (a thread or task of its own sees real time), so a simulation can play a year through the domain.
_FROZEN_NOW: ContextVar[datetime | None] = ContextVar("linkedup_frozen_now", default=None)


def utcnow() -> datetime:
    """Times are stored in UTC (timezone-aware) and shown in Europe/London."""
    frozen = _FROZEN_NOW.get()
    return frozen if frozen is not None else datetime.now(UTC)


@contextmanager
def frozen_clock(moment: datetime) -> Iterator[Callable[[datetime], None]]:
    """Inside the block `utcnow()` (and every column default built on it) answers `moment`; the
    yielded function moves the clock on. Used by `linkedup simulate`; real time is back on exit."""
    if moment.tzinfo is None:
        raise ValueError("the frozen clock needs a timezone-aware moment")
    token = _FROZEN_NOW.set(moment.astimezone(UTC))

    def move_to(later: datetime) -> None:
        if later.tzinfo is None:
            raise ValueError("the frozen clock needs a timezone-aware moment")
        _FROZEN_NOW.set(later.astimezone(UTC))

    try:
        yield move_to
    finally:
        _FROZEN_NOW.reset(token)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class UTCDateTime(TypeDecorator):
    """A timezone-aware timestamp, stored in UTC; SQLite hands back naive values, so they are read as UTC.

    A TypeDecorator (not a DateTime subclass): dialects swap a DateTime subclass for their own
    DATETIME type when compiling, which silently dropped the UTC handling on SQLite.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if isinstance(value, datetime):
            value = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
            if dialect.name == "sqlite":
                value = value.replace(tzinfo=None)
        return value

    def process_result_value(self, value, dialect):
        if isinstance(value, datetime) and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value


def enum_column(enum_cls: type[enum.Enum], name: str) -> Enum:
    """A portable enum: VARCHAR plus a CHECK, storing the member's value."""
    return Enum(
        enum_cls,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=max(len(m.value) for m in enum_cls),
        values_callable=lambda members: [m.value for m in members],
        validate_strings=True,
    )


class Timestamps:
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime(), default=utcnow, onupdate=utcnow, nullable=False
    )
