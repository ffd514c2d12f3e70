"""What the simulated world is made of: its rates and limits, each organisation's habits, the
event queue's entries, and small helpers the simulation's parts share."""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from sqlalchemy.orm import sessionmaker

from models.errors import NotAllowed
from models.issues import IssueStatus
from models.network import (
    OrganisationStatus,
)

LONDON = ZoneInfo("Europe/London")
MAX_MONTHS = 36
SWEEP_TIMES = (time(9, 5), time(18, 5))
# Events after which new escalations may exist (routing, approval, the sweep's climb, a board's move).
ACTIVE_STATUSES = (IssueStatus.RECEIVED, IssueStatus.ACKNOWLEDGED, IssueStatus.ANSWERED)
STARTS_ESCALATIONS = frozenset({"raise", "decide", "officer_route", "sweep", "reassign", "escalate"})
ISSUES_PER_ORGANISATION_DAY = 0.04
ARTICLES_PER_DAY = 0.5
FEEDBACK_PER_DAY = 0.08
ARTICLE_LAST_DAY = 20
SIM_USER_PREFIX = "U0SIM"

Remind = Callable[[sessionmaker, date], int]


class SimulationRefused(NotAllowed):
    """The database is not one a simulation may write to; the message says why and what to do."""


@dataclass
class OrganisationState:
    id: int
    name: str
    members: list[str]
    themes: tuple[str, ...]
    status: OrganisationStatus
    return_habit: float
    issue_rate: float
    waiting: dict[int, float] = field(default_factory=dict)
    colleague_expected: bool = False  # a second member will ask to join


@dataclass(order=True)
class Event:
    at: datetime
    sequence: int
    name: str = field(compare=False)
    args: tuple = field(compare=False, default=())


def poisson(rng: random.Random, mean: float) -> int:
    """Knuth's method: small means only (a day's issues, articles)."""
    limit, k, product = math.exp(-mean), 0, rng.random()
    while product > limit:
        k += 1
        product *= rng.random()
    return k


def slug(text: str) -> str:
    return "-".join("".join(c if c.isalnum() else " " for c in text.lower()).split())[:60]


def default_start(months: int, *, today: date | None = None) -> date:
    """The day `months` months before today, so that the simulated period ends now."""
    today = today or datetime.now(UTC).astimezone(LONDON).date()
    index = today.year * 12 + today.month - 1 - months
    year, month = index // 12, index % 12 + 1
    return date(year, month, min(today.day, 28))


def months_after(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, min(day.day, 28))
