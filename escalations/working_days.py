"""Working days in Europe/London: weekends and England-and-Wales bank holidays are not counted.

Boards promise to acknowledge and respond within so many *working* days, so a deadline is the end
of the working day (18:00 London) of the Nth working day after the day the item reached the board.
Bank holidays come from the maintained `holidays` library (England's list, which Wales shares),
never from a hand-typed list, so substitute days such as Boxing Day (observed) are right.
"""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

LONDON = ZoneInfo("Europe/London")
DAY_STARTS = time(9, 0)
DAY_ENDS = time(18, 0)
# No network needs a deadline further out than this; it bounds every loop below.
MAX_WORKING_DAYS = 365


@lru_cache(maxsize=64)
def _bank_holidays(year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays("GB", subdiv="ENG", years=year).keys())


def bank_holiday_name(day: date) -> str | None:
    """The bank holiday's name (e.g. "Boxing Day (observed)"), or None on an ordinary day."""
    return holidays.country_holidays("GB", subdiv="ENG", years=day.year).get(day)


def is_working_day(day: date) -> bool:
    """Monday to Friday and not an England-and-Wales bank holiday."""
    return day.weekday() < 5 and day not in _bank_holidays(day.year)


def add_working_days(day: date, days: int) -> date:
    """The `days`-th working day after `day` (day itself is not counted; 0 gives `day`)."""
    if days < 0 or days > MAX_WORKING_DAYS:
        raise ValueError(f"working days must be between 0 and {MAX_WORKING_DAYS}, not {days}")
    current = day
    remaining = days
    while remaining:
        current += timedelta(days=1)
        if is_working_day(current):
            remaining -= 1
    return current


def next_working_day(day: date) -> date:
    """The first working day after `day`."""
    return add_working_days(day, 1)


def previous_working_day(day: date) -> date:
    """The last working day before `day`."""
    current = day - timedelta(days=1)
    while not is_working_day(current):
        current -= timedelta(days=1)
    return current


def effective_days(days: int, *, urgent: bool) -> int:
    """A board's timeframe for one item: urgent items get half, rounded up, and never less than 1."""
    days = max(1, int(days))
    if urgent:
        days = math.ceil(days / 2)
    return max(1, days)


def london(at: datetime) -> datetime:
    """`at` (timezone-aware) as London wall-clock time."""
    if at.tzinfo is None:
        raise ValueError("times must be timezone-aware (UTC)")
    return at.astimezone(LONDON)


def at_london(day: date, clock: time) -> datetime:
    """London wall-clock `clock` on `day`, as an aware UTC datetime (DST handled by zoneinfo)."""
    return datetime.combine(day, clock, tzinfo=LONDON).astimezone(UTC)


def deadline(start: datetime, days: int, *, urgent: bool = False) -> datetime:
    """End of the working day (18:00 London) of the Nth working day after `start`'s London date."""
    return at_london(add_working_days(london(start).date(), effective_days(days, urgent=urgent)), DAY_ENDS)


def in_working_hours(at: datetime) -> bool:
    """09:00 ≤ London time < 18:00 on a working day: when people may be nudged."""
    local = london(at)
    return is_working_day(local.date()) and DAY_STARTS <= local.time() < DAY_ENDS


def next_working_start(at: datetime) -> datetime:
    """`at` itself if inside working hours, else 09:00 London on the next working day that allows."""
    if in_working_hours(at):
        return at
    local = london(at)
    day = local.date()
    if is_working_day(day) and local.time() < DAY_STARTS:
        return at_london(day, DAY_STARTS)
    return at_london(next_working_day(day), DAY_STARTS)


def start_of_next_working_day(at: datetime) -> datetime:
    """09:00 London on the working day after `at`'s London date (what "snooze" means)."""
    return at_london(next_working_day(london(at).date()), DAY_STARTS)


def reminder_time(due: datetime, *, not_before: datetime) -> datetime:
    """When to remind about a deadline: 09:00 on the working day before it.

    An item that reached the board after that moment is reminded at 09:00 on the deadline's own
    day instead (or at once in working hours, if that has passed too), never before it started.
    """
    due_day = london(due).date()
    candidate = at_london(previous_working_day(due_day), DAY_STARTS)
    if candidate > not_before:
        return candidate
    same_day = at_london(due_day, DAY_STARTS)
    if same_day > not_before:
        return same_day
    return next_working_start(not_before)


def describe(at: datetime) -> str:
    """A deadline as people read it: "Tue 29 Dec 2026, 18:00" in London time."""
    local = london(at)
    return local.strftime("%a %-d %b %Y, %H:%M")
