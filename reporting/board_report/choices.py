"""The periods a board report can be asked for: each year with records, whole, and each of its quarters
up to the present one. The dashboard offers them as `linkedup report --year` / `--quarter` take them, so
the officer can open last year's report (or any past quarter) without typing its key."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models.bulletins import Bulletin
from models.issues import Issue
from models.returns import WaitingListReturn
from reporting.periods import LONDON, Period, parse_period


@dataclass(frozen=True)
class YearChoice:
    """One year the officer can report on: the year, then its quarters (only those begun)."""

    year: Period
    quarters: list[Period]


def _first_record(session: Session) -> date | None:
    """The London date of the network's earliest issue, waiting-list return or sent bulletin (each an
    indexed minimum: no scan however long the history)."""
    firsts: list[date] = []
    for moment in (
        session.scalar(select(func.min(Issue.created_at))),
        session.scalar(select(func.min(Bulletin.sent_at))),
    ):
        if moment is not None:
            firsts.append(moment.astimezone(LONDON).date())
    first_return = session.scalar(select(func.min(WaitingListReturn.period)))
    if first_return is not None:
        firsts.append(first_return)
    return min(firsts) if firsts else None


def key(period: Period) -> str:
    """The period as `linkedup report` and the dashboard's address take it: 2026 or 2026Q3."""
    return period.label.replace(" ", "")


def report_choices(session: Session, *, now: datetime) -> list[YearChoice]:
    """Every year from the first record's to this one, newest first, each with its quarters so far
    (newest first). With no records yet, this year alone."""
    today = now.astimezone(LONDON).date()
    first = _first_record(session) or today
    first = min(first, today)
    choices = []
    for year in range(today.year, first.year - 1, -1):
        last_quarter = (today.month - 1) // 3 + 1 if year == today.year else 4
        first_quarter = (first.month - 1) // 3 + 1 if year == first.year else 1
        quarters = [parse_period(f"{year}Q{q}") for q in range(last_quarter, first_quarter - 1, -1)]
        choices.append(YearChoice(parse_period(str(year)), quarters))
    return choices
