"""What an organisation sees of its own items (status command, App Home), page by page.

Each open item comes with where it stands (`escalations.lifecycle.Standing`): the board it is with,
what it waits for and by when, so `/linkedup status` and the Home tab say the same as the raiser's
notes.

Pages keep a large organisation (hundreds of open issues, dozens of services) within Slack's
limits. A safeguarding-sensitive issue is shown only to the person who raised it, as on the
dashboard: a concern is shared on a need-to-know basis, even inside an organisation.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, joinedload

from escalations.lifecycle import Standing, standings
from intake.returns import latest_returns
from models.base import utcnow
from models.issues import Issue, IssueStatus
from models.network import Service
from models.returns import WaitingListReturn

# Items still in progress for the organisation: "answered" waits for it to accept or reopen.
ACTIVE_STATUSES = (IssueStatus.RECEIVED, IssueStatus.ACKNOWLEDGED, IssueStatus.ANSWERED)


@dataclass(frozen=True)
class Page:
    number: int  # 1-based, clamped to the pages that exist
    pages: int
    total: int


@dataclass(frozen=True)
class IssuePage:
    issues: list[Issue]
    page: Page
    standings: dict[int, Standing]  # by issue id


@dataclass(frozen=True)
class ServiceReturns:
    service: Service
    latest: WaitingListReturn | None


@dataclass(frozen=True)
class ServicePage:
    services: list[ServiceReturns]
    page: Page
    missing_for: date | None  # the month asked for
    missing: int  # services without a return for `missing_for`


def _page(total: int, number: int, per_page: int) -> Page:
    pages = max(1, math.ceil(total / per_page))
    return Page(number=min(max(1, number), pages), pages=pages, total=total)


def open_issues(
    session: Session,
    *,
    organisation_id: int,
    viewer: str,
    page: int = 1,
    per_page: int = 20,
    now: datetime | None = None,
) -> IssuePage:
    """The organisation's issues still in progress, newest first."""
    where = (
        Issue.organisation_id == organisation_id,
        Issue.status.in_(ACTIVE_STATUSES),
        or_(Issue.sensitive.is_(False), Issue.raised_by == viewer),
    )
    total = session.scalar(select(func.count()).select_from(Issue).where(*where)) or 0
    current = _page(total, page, per_page)
    rows = session.scalars(
        select(Issue)
        .options(joinedload(Issue.theme))
        .where(*where)
        .order_by(Issue.created_at.desc(), Issue.id.desc())
        .offset((current.number - 1) * per_page)
        .limit(per_page)
    ).all()
    return IssuePage(list(rows), current, standings(session, list(rows), now=now or utcnow()))


def service_returns(
    session: Session, *, organisation_id: int, period: date, page: int = 1, per_page: int = 20
) -> ServicePage:
    """The organisation's services with their latest return, and how many miss `period`'s."""
    where = Service.organisation_id == organisation_id
    total = session.scalar(select(func.count()).select_from(Service).where(where)) or 0
    current = _page(total, page, per_page)
    services = session.scalars(
        select(Service)
        .where(where)
        .order_by(Service.name)
        .offset((current.number - 1) * per_page)
        .limit(per_page)
    ).all()
    latest = latest_returns(session, [service.id for service in services])
    sent = select(WaitingListReturn.service_id).where(WaitingListReturn.period == period)
    missing = (
        session.scalar(select(func.count()).select_from(Service).where(where, Service.id.not_in(sent))) or 0
    )
    return ServicePage(
        [ServiceReturns(service, latest.get(service.id)) for service in services], current, period, missing
    )
