"""Sequential references per year (`LU-2026-0001`), unique even with concurrent submissions.

The counter row is bumped with one `INSERT … ON CONFLICT DO UPDATE … RETURNING` statement, which
both SQLite and PostgreSQL run atomically (PostgreSQL holds the row lock until the transaction
ends), so two submissions can never receive the same number.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from models.records import ReferenceCounter


def next_number(session: Session, *, prefix: str, year: int) -> int:
    """Reserve and return the next number for this prefix and year."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    table = ReferenceCounter.__table__
    statement = (
        insert(table)
        .values(prefix=prefix, year=year, last=1)
        .on_conflict_do_update(index_elements=[table.c.prefix, table.c.year], set_={"last": table.c.last + 1})
        .returning(table.c.last)
    )
    return session.execute(statement).scalar_one()


def next_reference(session: Session, *, at: datetime, prefix: str = "LU") -> str:
    """The next reference, e.g. LU-2026-0042 (four digits, more if a year ever needs them)."""
    number = next_number(session, prefix=prefix, year=at.year)
    return f"{prefix}-{at.year}-{number:04d}"
