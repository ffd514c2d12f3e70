"""The board report's waiting lists: how many services sent their monthly return, and the numbers
waiting by service category month by month (the quarter's last reported month feeds the chart)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models.network import Organisation, OrganisationStatus, Service
from models.returns import WaitingListReturn
from reporting.board_report.tables import Column, Table, count
from reporting.periods import Period


@dataclass
class QuarterWaiting:
    coverage: Table
    waiting: Table
    latest: list[tuple[str, int]]  # (category, number waiting) in the last month reported, most first

    @property
    def returns_received(self) -> int:
        return sum(row[2] for row in self.coverage.rows)


def returns_coverage(session: Session, quarter: Period, months: list[date]) -> Table:
    """Returns received each month against the services expected to send one."""
    # The services counted are those of approved organisations at the end of the quarter, the same
    # number for every month, so it is counted once.
    services = count(
        session,
        select(func.count(Service.id))
        .join(Organisation, Organisation.id == Service.organisation_id)
        .where(Organisation.status == OrganisationStatus.APPROVED, Service.created_at < quarter.end_utc),
    )
    coverage = Table(
        "returns_coverage",
        "Waiting-list returns received per month",
        [
            Column("Month"),
            Column("Services", "int"),
            Column("Returns received", "int"),
            Column("Coverage", "percent"),
        ],
    )
    for month in months:
        received = count(
            session, select(func.count(WaitingListReturn.id)).where(WaitingListReturn.period == month)
        )
        coverage.rows.append(
            [month.strftime("%B %Y"), services, received, (received / services) if services else None]
        )
    return coverage


def quarter_waiting(session: Session, quarter: Period, months: list[date]) -> QuarterWaiting:
    waiting = Table(
        "waiting_lists",
        "Waiting lists by service category, month by month",
        [
            Column("Month"),
            Column("Service category"),
            Column("Services reporting", "int"),
            Column("Number waiting", "int"),
            Column("New referrals", "int"),
            Column("Longest wait reported (weeks)", "weeks"),
        ],
    )
    rows = session.execute(
        select(
            WaitingListReturn.period,
            Service.category,
            func.count(WaitingListReturn.id),
            func.sum(WaitingListReturn.number_waiting),
            func.sum(WaitingListReturn.new_referrals),
            func.max(WaitingListReturn.longest_wait_weeks),
        )
        .join(Service, Service.id == WaitingListReturn.service_id)
        .where(WaitingListReturn.period.in_(months))
        .group_by(WaitingListReturn.period, Service.category)
        .order_by(WaitingListReturn.period, Service.category)
    ).all()
    for period, category, reporting, total, referrals, longest in rows:
        waiting.rows.append(
            [period.strftime("%B %Y"), category, reporting, int(total or 0), int(referrals or 0), longest]
        )
    last_month = max((row[0] for row in rows), default=None)
    latest = sorted(
        ((category, int(total or 0)) for period, category, _, total, _, _ in rows if period == last_month),
        key=lambda item: (-item[1], item[0]),
    )
    return QuarterWaiting(returns_coverage(session, quarter, months), waiting, latest)
