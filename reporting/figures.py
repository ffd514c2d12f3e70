"""The network's figures, each defined once: the dashboard, the board report and `linkedup simulate` call
these, so a number reads the same wherever the officer puts it in front of a board.

Every denominator is what was due in that period, as the network stood then: an organisation counts
from the day the officer approved it (organisations in the network file, from when they were loaded),
never while it is only applying and never once declined. A month's waiting-list return falls due in
the month after it, so a service is due one if it existed, and its organisation was a member, by the
end of that following month. A return counts only from a service that was due, so coverage cannot
pass 100%.

Figures kept where their domain computes them, which this module's callers use as they are: each
board's escalations due and answered within its timeframe, and the network's sum of them
(`reporting.timeliness.board_timeliness`, `network_timeliness`),
the bulletin open rate with and without machine opens and its verdict against the benchmark
(`bulletins.performance.snapshot_figures`), and clicks per unique open by category
(`bulletins.performance.category_clicks_per_open`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import ColumnElement, Select, and_, case, func, select
from sqlalchemy.orm import Session

from models.escalations import EscalationEvent
from models.issues import Issue
from models.joining import JoinRequest, RequestKind, RequestStatus
from models.network import Organisation, OrganisationStatus, Service
from models.returns import WaitingListReturn
from reporting.periods import LONDON, Period, Window

SYSTEM = "system"  # the actor of what the rules did by themselves


def month_end_utc(month: date) -> datetime:
    """The instant a calendar month (given by its first day) ends, Europe/London."""
    following = date(month.year + (month.month == 12), month.month % 12 + 1, 1)
    return datetime.combine(following, datetime.min.time(), LONDON).astimezone(UTC)


def member_since() -> ColumnElement:
    """When an organisation became a member: the officer's approval of its registration, or, for one
    in the network file (no registration), when it was loaded."""
    approved = (
        select(func.min(JoinRequest.decided_at))
        .where(
            JoinRequest.organisation_id == Organisation.id,
            JoinRequest.kind == RequestKind.REGISTER,
            JoinRequest.status == RequestStatus.APPROVED,
        )
        .correlate(Organisation)
        .scalar_subquery()
    )
    return func.coalesce(approved, Organisation.created_at)


def members_at(moment: datetime, *, simulated: bool | None = None) -> Select:
    """The ids of the member organisations at `moment`."""
    query = select(Organisation.id).where(
        Organisation.status == OrganisationStatus.APPROVED, member_since() < moment
    )
    if simulated is not None:
        query = query.where(Organisation.simulated.is_(simulated))
    return query


def member_organisations(session: Session, moment: datetime) -> int:
    """How many organisations were members at `moment`."""
    return int(session.scalar(select(func.count()).select_from(members_at(moment).subquery())) or 0)


def organisations_joined(session: Session, period: Period) -> int:
    """How many organisations became members within the period."""
    joined = members_at(period.end_utc).where(member_since() >= period.start_utc)
    return int(session.scalar(select(func.count()).select_from(joined.subquery())) or 0)


def services_due(month: date, *, simulated: bool | None = None) -> Select:
    """The ids of the services expected to send a waiting-list return for `month` (due by the end of
    the month after it)."""
    end = month_end_utc(month_end_utc(month).astimezone(LONDON).date())
    return select(Service.id).where(
        Service.created_at < end, Service.organisation_id.in_(members_at(end, simulated=simulated))
    )


@dataclass(frozen=True)
class MonthCoverage:
    """Waiting-list returns for one month: received from the services that were due, of those due."""

    period: date  # the month the returns are for
    due: int
    received: int

    @property
    def coverage(self) -> float | None:
        return self.received / self.due if self.due else None


def returns_coverage(
    session: Session, months: list[date], *, simulated: bool | None = None
) -> list[MonthCoverage]:
    """For each month, the services due a return and how many of them sent one."""
    coverage = []
    for month in months:
        due = services_due(month, simulated=simulated)
        expected = session.scalar(select(func.count()).select_from(due.subquery())) or 0
        received = session.scalar(
            select(func.count(WaitingListReturn.id)).where(
                WaitingListReturn.period == month, WaitingListReturn.service_id.in_(due)
            )
        )
        coverage.append(MonthCoverage(month, int(expected), int(received or 0)))
    return coverage


def issues_raised(session: Session, period: Period) -> int:
    return int(
        session.scalar(
            select(func.count(Issue.id)).where(
                Issue.created_at >= period.start_utc, Issue.created_at < period.end_utc
            )
        )
        or 0
    )


def answers_given(session: Session, period: Period) -> int:
    """Answers given back to organisations within the period."""
    return int(
        session.scalar(
            select(func.count(Issue.id)).where(
                Issue.answered_at >= period.start_utc, Issue.answered_at < period.end_utc
            )
        )
        or 0
    )


@dataclass(frozen=True)
class FirstRoutings:
    """Issues raised in a window that went somewhere (to a board, or to the officer's triage), and those
    of them the rules sent straight to a board: "routed without the officer"."""

    automatic: int
    routed: int


def first_routings(session: Session, window: Window, *, simulated: bool | None = None) -> FirstRoutings:
    """Of the issues raised in `window` that were routed or sent to triage, those whose first routing was
    the rules' own. An item the officer routed from triage, or re-routed before the rules could, counts
    against; a later correction does not undo a first routing that went straight to its board.

    `simulated` narrows to what a simulation made (True) or to real records (False)."""
    raised = [Issue.created_at >= window.start_utc, Issue.created_at < window.end_utc]
    if simulated is not None:
        raised.append(Issue.simulated.is_(simulated))
    order = func.row_number().over(
        partition_by=EscalationEvent.issue_id, order_by=(EscalationEvent.at, EscalationEvent.id)
    )
    ranked = (
        select(EscalationEvent.kind, EscalationEvent.actor, order.label("position"))
        .join(Issue, Issue.id == EscalationEvent.issue_id)
        .where(*raised, EscalationEvent.kind.in_(("routed", "triaged")))
        .subquery()
    )
    by_the_rules = and_(ranked.c.kind == "routed", ranked.c.actor == SYSTEM)
    routed, automatic = session.execute(
        select(func.count(), func.sum(case((by_the_rules, 1), else_=0))).where(ranked.c.position == 1)
    ).one()
    return FirstRoutings(automatic=int(automatic or 0), routed=int(routed or 0))


@dataclass(frozen=True)
class CategoryMonth:
    """One service category in one month: the returns of the services due, summed."""

    period: date
    category: str
    services: int
    number_waiting: int
    new_referrals: int
    longest_wait_weeks: int | None


def waiting_by_month(session: Session, months: list[date]) -> list[CategoryMonth]:
    """Per month and category, the returns received from the services due that month."""
    rows: list[CategoryMonth] = []
    for month in months:
        for category, services, waiting, referrals, longest in session.execute(
            select(
                Service.category,
                func.count(WaitingListReturn.id),
                func.sum(WaitingListReturn.number_waiting),
                func.sum(WaitingListReturn.new_referrals),
                func.max(WaitingListReturn.longest_wait_weeks),
            )
            .join(Service, Service.id == WaitingListReturn.service_id)
            .where(WaitingListReturn.period == month, WaitingListReturn.service_id.in_(services_due(month)))
            .group_by(Service.category)
            .order_by(Service.category)
        ):
            rows.append(
                CategoryMonth(month, category, services, int(waiting or 0), int(referrals or 0), longest)
            )
    return rows


@dataclass(frozen=True)
class CategoryWaiting:
    """The number waiting in one service category: each service's latest return within the period."""

    category: str
    number_waiting: int
    services: int  # the services whose returns it covers


def number_waiting(session: Session, months: list[date]) -> list[CategoryWaiting]:
    """Per category, the sum over services of each one's latest return within `months` (from a month it
    was due), most waiting first."""
    latest: dict[int, tuple[date, str, int]] = {}
    for month in months:
        for service_id, category, waiting in session.execute(
            select(WaitingListReturn.service_id, Service.category, WaitingListReturn.number_waiting)
            .join(Service, Service.id == WaitingListReturn.service_id)
            .where(WaitingListReturn.period == month, WaitingListReturn.service_id.in_(services_due(month)))
        ):
            if service_id not in latest or latest[service_id][0] < month:
                latest[service_id] = (month, category, waiting)
    totals: dict[str, list[int]] = {}
    for _, category, waiting in latest.values():
        total = totals.setdefault(category, [0, 0])
        total[0] += waiting
        total[1] += 1
    return sorted(
        (CategoryWaiting(category, waiting, services) for category, (waiting, services) in totals.items()),
        key=lambda row: (-row.number_waiting, row.category),
    )
