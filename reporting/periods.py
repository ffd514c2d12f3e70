"""The calendar spans reports are asked for (a year, a quarter, a month), in Europe/London time with
their UTC bounds, so a figure "for July" counts what happened in July as the network lived it."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from models.errors import ValidationError

LONDON = ZoneInfo("Europe/London")


@dataclass(frozen=True)
class Period:
    """A calendar span in Europe/London, e.g. 2026, 2026Q3 or 2026-07, with its UTC bounds."""

    label: str
    start: date
    end: date  # exclusive

    @property
    def noun(self) -> str:
        """What the period is called in a sentence: "year", "quarter" or "month"."""
        months = (self.end.year - self.start.year) * 12 + self.end.month - self.start.month
        return {12: "year", 3: "quarter"}.get(months, "month")

    @property
    def start_utc(self) -> datetime:
        return datetime.combine(self.start, datetime.min.time(), LONDON).astimezone(UTC)

    @property
    def end_utc(self) -> datetime:
        return datetime.combine(self.end, datetime.min.time(), LONDON).astimezone(UTC)


@dataclass(frozen=True)
class Span:
    """Any span between two instants, for figures asked over a window that is not a calendar period
    (`linkedup simulate`'s simulated months start on the day it was told). Figures that take a Period
    read only its UTC bounds, so they take a Span as well."""

    start_utc: datetime
    end_utc: datetime


Window = Period | Span

_YEAR = re.compile(r"^(\d{4})$")
_QUARTER = re.compile(r"^(\d{4})-?[Qq]([1-4])$")
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


def parse_period(text: str, *, field_name: str = "period") -> Period:
    """`2026`, `2026Q3` (or `2026-Q3`) or `2026-07`; anything else is a ValidationError."""
    text = text.strip()
    if m := _YEAR.match(text):
        year = int(m.group(1))
        if 2000 <= year <= 2100:
            return Period(text, date(year, 1, 1), date(year + 1, 1, 1))
    elif m := _QUARTER.match(text):
        year, quarter = int(m.group(1)), int(m.group(2))
        if 2000 <= year <= 2100:
            start = date(year, 3 * quarter - 2, 1)
            end = date(year + 1, 1, 1) if quarter == 4 else date(year, 3 * quarter + 1, 1)
            return Period(f"{year} Q{quarter}", start, end)
    elif m := _MONTH.match(text):
        year, month = int(m.group(1)), int(m.group(2))
        if 2000 <= year <= 2100 and 1 <= month <= 12:
            end = date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1)
            return Period(f"{calendar.month_name[month]} {year}", date(year, month, 1), end)
    raise ValidationError(
        {field_name: f"{text!r} is not a period: use a year (2026), a quarter (2026Q3) or a month (2026-07)."}
    )


def start_of_today(now: datetime | None = None) -> datetime:
    """Midnight today in Europe/London, as a UTC instant."""
    local = (now or datetime.now(UTC)).astimezone(LONDON)
    return datetime.combine(local.date(), datetime.min.time(), LONDON).astimezone(UTC)
