"""Services with no waiting-list return for a month, and the one reminder each organisation gets.

The seeds ask for waiting-list data "captured and reported in a clear way": the missing returns
show on the officer's triage and in the reports, and the reminder keeps the series complete.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from models.network import Network, Organisation, OrganisationStatus, Service
from models.returns import ReturnReminder, WaitingListReturn, last_complete_month

DEFAULT_REMINDER_DAY = 5


@dataclass(frozen=True)
class MissingReturn:
    organisation: Organisation
    services: list[Service]


def missing_returns(session: Session, period: date) -> list[MissingReturn]:
    """Organisations (not declined) with at least one service that has no return for `period`."""
    sent = select(WaitingListReturn.service_id).where(WaitingListReturn.period == period)
    rows = session.execute(
        select(Organisation, Service)
        .join(Service, Service.organisation_id == Organisation.id)
        .where(Organisation.status != OrganisationStatus.DECLINED, Service.id.not_in(sent))
        .order_by(Organisation.name, Service.name)
    ).all()
    grouped: dict[int, MissingReturn] = {}
    for organisation, service in rows:
        grouped.setdefault(organisation.id, MissingReturn(organisation, [])).services.append(service)
    return list(grouped.values())


def reminder_day(session: Session) -> int:
    """The day of the month reminders go out: the network file's `returns.reminder_day` (default 5)."""
    network = session.scalar(select(Network).order_by(Network.id).limit(1))
    settings = (network.settings or {}) if network is not None else {}
    returns = settings.get("returns") if isinstance(settings.get("returns"), dict) else {}
    try:
        day = int(returns.get("reminder_day", DEFAULT_REMINDER_DAY))
    except (TypeError, ValueError):
        day = DEFAULT_REMINDER_DAY
    return min(max(day, 1), 28)


def due_reminders(session: Session, today: date) -> tuple[date, list[MissingReturn]]:
    """From the reminder day on, the organisations missing last month's return not yet reminded.

    Sending from the day on (not only on it) means a worker that was down that day still sends.
    """
    period = last_complete_month(today)
    if today.day < reminder_day(session):
        return period, []
    reminded = set(
        session.scalars(select(ReturnReminder.organisation_id).where(ReturnReminder.period == period))
    )
    return period, [item for item in missing_returns(session, period) if item.organisation.id not in reminded]


def claim_reminder(session: Session, *, organisation_id: int, period: date, recipients: list[str]) -> bool:
    """Record that this month's reminder went to the organisation; False if it already had one."""
    try:
        with session.begin_nested():
            session.add(ReturnReminder(organisation_id=organisation_id, period=period, recipients=recipients))
            session.flush()
    except IntegrityError:
        return False
    return True
