"""The shapes every section of the board report is laid out in (tables of typed columns, shares), and
the small query helpers the sections share (counts within the period)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import ColumnElement, Select, and_
from sqlalchemy.orm import Session

from reporting.periods import Period


@dataclass
class Column:
    title: str
    kind: str = "text"  # text | int | percent | weeks | hours | ratio


@dataclass(frozen=True)
class Measure:
    """A cell whose kind is its own, for a table that mixes figures of several kinds (the key figures):
    the page shows it formatted with `note` after it; a CSV gives the number, its unit and the note in
    separate columns, so a spreadsheet gets numbers."""

    value: float | int | None
    kind: str = "int"  # as Column.kind
    note: str = ""


@dataclass
class Table:
    """One table of the report; also written out as `<slug>.csv`."""

    slug: str
    title: str
    columns: list[Column]
    rows: list[list] = field(default_factory=list)
    note: str = ""


@dataclass
class Share:
    label: str
    part: int
    whole: int

    @property
    def value(self) -> float | None:
        return self.part / self.whole if self.whole else None


def period_months(period: Period) -> list[date]:
    """The first day of each month in the period."""
    months, current = [], period.start
    while current < period.end:
        months.append(current)
        current = date(current.year + (current.month == 12), current.month % 12 + 1, 1)
    return months


def within(column, period: Period) -> ColumnElement[bool]:
    return and_(column >= period.start_utc, column < period.end_utc)


def count(session: Session, statement: Select) -> int:
    return int(session.scalar(statement) or 0)
