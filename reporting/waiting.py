"""Waiting-list figures for the dashboard and the board report: by service category over time, and
capacity now, within what the viewer may see.

The officer and board members see the whole network (waiting lists are network intelligence, not
anyone's case); an organisation member sees only their own organisation's services.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import ColumnElement, and_, func, select, true
from sqlalchemy.orm import Session, joinedload

from intake.return_reminders import MissingReturn, missing_returns
from models.network import Organisation, OrganisationStatus, Service
from models.returns import (
    CAPACITY_LABELS,
    CapacityStatus,
    WaitingListReturn,
    last_complete_month,
    london_today,
    period_label,
)
from reporting.access import Viewer
from reporting.figures import services_due
from reporting.paging import Page, paginate


def service_scope(viewer: Viewer) -> ColumnElement[bool]:
    """The services whose returns the viewer may see."""
    if viewer.officer or viewer.board_ids:
        return true()
    if viewer.organisation_id is not None:
        return Service.organisation_id == viewer.organisation_id
    return Service.id.is_(None)


def _shift(month: date, months: int) -> date:
    index = month.year * 12 + month.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


@dataclass(frozen=True)
class CategoryMonth:
    category: str
    period: date
    services: int
    number_waiting: int
    median_wait_weeks: float | None
    new_referrals: int

    @property
    def label(self) -> str:
        return period_label(self.period)


def _median(values: list[int]) -> float | None:
    if not values:
        return None
    values = sorted(values)
    middle = len(values) // 2
    return float(values[middle]) if len(values) % 2 else (values[middle - 1] + values[middle]) / 2


def waiting_by_category(
    session: Session, viewer: Viewer, *, months: int = 12, until: date | None = None
) -> tuple[list[date], dict[str, list[CategoryMonth | None]]]:
    """For each service category, month by month: total waiting, the median of the services' median
    waits, and new referrals, from the services due a return that month (`reporting.figures`, as the
    board report counts them). Months with no return for a category are None (a gap, not a zero)."""
    last = until or last_complete_month(london_today())
    first = _shift(last, -(months - 1))
    periods = [_shift(first, i) for i in range(months)]
    due = {period: set(session.scalars(services_due(period))) for period in periods}
    rows = session.execute(
        select(
            WaitingListReturn.service_id,
            Service.category,
            WaitingListReturn.period,
            WaitingListReturn.number_waiting,
            WaitingListReturn.median_wait_weeks,
            WaitingListReturn.new_referrals,
        )
        .join(Service, Service.id == WaitingListReturn.service_id)
        .where(service_scope(viewer), WaitingListReturn.period >= first, WaitingListReturn.period <= last)
    ).all()
    cells: dict[tuple[str, date], list] = {}
    for service_id, category, period, waiting, median_wait, referrals in rows:
        if service_id not in due[period]:
            continue
        cells.setdefault((category, period), []).append((waiting, median_wait, referrals))
    categories = sorted({category for category, _ in cells})
    series: dict[str, list[CategoryMonth | None]] = {}
    for category in categories:
        series[category] = []
        for period in periods:
            values = cells.get((category, period))
            if not values:
                series[category].append(None)
                continue
            series[category].append(
                CategoryMonth(
                    category=category,
                    period=period,
                    services=len(values),
                    number_waiting=sum(v[0] for v in values),
                    median_wait_weeks=_median([v[1] for v in values]),
                    new_referrals=sum(v[2] for v in values),
                )
            )
    return periods, series


@dataclass(frozen=True)
class CapacityRow:
    category: str
    counts: dict[CapacityStatus, int]
    no_return: int

    @property
    def services(self) -> int:
        return sum(self.counts.values()) + self.no_return


def capacity_now(session: Session, viewer: Viewer) -> list[CapacityRow]:
    """Per category, how many services of member organisations report each capacity status in their
    latest return (an applicant's services wait for the officer's approval)."""
    latest = (
        select(WaitingListReturn.service_id, func.max(WaitingListReturn.period).label("period"))
        .group_by(WaitingListReturn.service_id)
        .subquery()
    )
    rows = session.execute(
        select(Service.category, WaitingListReturn.capacity_status, func.count(Service.id))
        .select_from(Service)
        .join(Organisation, Organisation.id == Service.organisation_id)
        .outerjoin(latest, latest.c.service_id == Service.id)
        .outerjoin(
            WaitingListReturn,
            and_(WaitingListReturn.service_id == Service.id, WaitingListReturn.period == latest.c.period),
        )
        .where(service_scope(viewer), Organisation.status == OrganisationStatus.APPROVED)
        .group_by(Service.category, WaitingListReturn.capacity_status)
    ).all()
    table: dict[str, CapacityRow] = {}
    for category, status, count in rows:
        row = table.setdefault(category, CapacityRow(category, {s: 0 for s in CapacityStatus}, 0))
        if status is None:
            table[category] = CapacityRow(category, row.counts, row.no_return + count)
        else:
            row.counts[CapacityStatus(status)] += count
    return [table[key] for key in sorted(table)]


CAPACITY_COLUMNS = [(status, CAPACITY_LABELS[status]) for status in CapacityStatus]


@dataclass(frozen=True)
class MissingSummary:
    period: date
    organisations: int
    services: int
    items: list[MissingReturn]  # empty unless the viewer may see who is missing

    @property
    def label(self) -> str:
        return period_label(self.period)


def returns_missing(session: Session, viewer: Viewer, *, today: date | None = None) -> MissingSummary:
    """Returns not yet in for the month now due (last month's): who (officer; an organisation sees
    its own) and how many (everyone)."""
    period = last_complete_month(today or london_today())
    if viewer.officer:
        missing = missing_returns(session, period)
        return MissingSummary(period, len(missing), sum(len(m.services) for m in missing), missing)
    own: list[MissingReturn] = []
    if viewer.organisation_id is not None:
        own = [m for m in missing_returns(session, period) if m.organisation.id == viewer.organisation_id]
    if not viewer.board_ids:
        return MissingSummary(period, len(own), sum(len(m.services) for m in own), own)
    # A board member sees how many across the network, not who: counted in the database rather than
    # by loading every late organisation and service (the rows of return_reminders.missing_returns).
    sent = select(WaitingListReturn.service_id).where(WaitingListReturn.period == period)
    organisations, services = session.execute(
        select(func.count(func.distinct(Service.organisation_id)), func.count(Service.id))
        .join(Organisation, Organisation.id == Service.organisation_id)
        .where(Organisation.status != OrganisationStatus.DECLINED, Service.id.not_in(sent))
    ).one()
    return MissingSummary(period, organisations, services, own)


def recent_returns(
    session: Session, viewer: Viewer, *, page: int = 1, per_page: int = 25
) -> Page[WaitingListReturn]:
    """The latest returns received, newest month first (the table under the charts)."""
    statement = (
        select(WaitingListReturn)
        .join(Service, Service.id == WaitingListReturn.service_id)
        .options(joinedload(WaitingListReturn.service).joinedload(Service.organisation))
        .where(service_scope(viewer))
        .order_by(WaitingListReturn.period.desc(), Service.category, Service.name, WaitingListReturn.id)
    )
    return paginate(session, statement, page=page, per_page=per_page)
