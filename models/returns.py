"""Monthly waiting-list returns: one per service and month, sent again = updated, history audited.

The seeds ask for waiting-list data to be "captured and reported in a clear way": the counts
here feed the bulletin's snapshot and the dashboard; the reminder keeps the series complete.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import JSON, Date, ForeignKey, Integer, String, Text, UniqueConstraint, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from models import audit, fields
from models.base import Base, Timestamps, UTCDateTime, enum_column, utcnow
from models.db import take_write_lock
from models.errors import ValidationError
from models.joining import submitting_organisation
from models.network import Network, Organisation, OrganisationStatus, Service
from models.references import next_reference
from models.submissions import store_once

LONDON = ZoneInfo("Europe/London")
MAX_WAIT_WEEKS = 520
MAX_COUNT = 1_000_000
NOTES_MAX = 1000
EARLIEST_PERIOD = date(2000, 1, 1)
DEFAULT_REMINDER_DAY = 5


class CapacityStatus(enum.StrEnum):
    HAS_CAPACITY = "has_capacity"
    NO_CAPACITY = "no_capacity"
    WAITLIST_ONLY = "waitlist_only"
    ASSESSMENT_REQUIRED = "assessment_required"

    @property
    def label(self) -> str:
        return CAPACITY_LABELS[self]


CAPACITY_LABELS = {
    CapacityStatus.HAS_CAPACITY: "Has capacity",
    CapacityStatus.NO_CAPACITY: "No capacity",
    CapacityStatus.WAITLIST_ONLY: "Waiting list only",
    CapacityStatus.ASSESSMENT_REQUIRED: "Assessment required",
}


class WaitingListReturn(Timestamps, Base):
    __tablename__ = "waiting_list_returns"
    __table_args__ = (UniqueConstraint("service_id", "period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(16), unique=True)
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id", ondelete="CASCADE"))
    period: Mapped[date] = mapped_column(Date, index=True)  # the first day of the month
    number_waiting: Mapped[int] = mapped_column(Integer)
    new_referrals: Mapped[int] = mapped_column(Integer)
    median_wait_weeks: Mapped[int] = mapped_column(Integer)
    longest_wait_weeks: Mapped[int] = mapped_column(Integer)
    capacity_status: Mapped[CapacityStatus] = mapped_column(enum_column(CapacityStatus, "capacity_status"))
    notes: Mapped[str | None] = mapped_column(Text)
    submitted_by: Mapped[str] = mapped_column(String(32))
    revision: Mapped[int] = mapped_column(Integer, default=1)

    service: Mapped[Service] = relationship()


class ReturnReminder(Base):
    """A reminder sent to an organisation for a month's missing return: at most one, ever."""

    __tablename__ = "return_reminders"
    __table_args__ = (UniqueConstraint("organisation_id", "period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    period: Mapped[date] = mapped_column(Date)
    recipients: Mapped[list] = mapped_column(JSON, default=list)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


@dataclass(frozen=True)
class RecordedReturn:
    waiting_return: WaitingListReturn
    updated: bool  # True when it replaced an earlier return for the same service and month
    duplicate_delivery: bool = False


@dataclass(frozen=True)
class MissingReturn:
    organisation: Organisation
    services: list[Service]


RETURN_FIELDS = (
    "number_waiting",
    "new_referrals",
    "median_wait_weeks",
    "longest_wait_weeks",
    "capacity_status",
    "notes",
)


def london_today(now: datetime | None = None) -> date:
    return (now or utcnow()).astimezone(LONDON).date()


def last_complete_month(today: date) -> date:
    """The first day of the month before `today`'s (the default period for a return)."""
    return (today.replace(day=1) - timedelta(days=1)).replace(day=1)


def period_label(period: date) -> str:
    return period.strftime("%B %Y")


def period_value(period: date) -> str:
    return period.strftime("%Y-%m")


def parse_period(value: object, errors: dict[str, str], *, today: date) -> date | None:
    """ "2026-01" (or a date) → 2026-01-01; a month not yet started is refused."""
    if isinstance(value, date):
        period = value.replace(day=1)
    else:
        cleaned = str(value or "").strip()
        try:
            year, month = cleaned.split("-")
            period = date(int(year), int(month), 1)
        except ValueError:
            errors["period"] = "Choose the month the return is for."
            return None
    if period > today.replace(day=1):
        errors["period"] = f"{period_label(period)} has not started yet: choose a month up to this one."
        return None
    if period < EARLIEST_PERIOD:
        errors["period"] = "That month is too far back: choose a month from 2000 onwards."
        return None
    return period


def record_return(
    session: Session,
    *,
    slack_user_id: str,
    service: object,
    period: object,
    number_waiting: object,
    new_referrals: object,
    median_wait_weeks: object,
    longest_wait_weeks: object,
    capacity_status: object,
    notes: object = None,
    delivery_key: str | None = None,
    today: date | None = None,
) -> RecordedReturn:
    """Store (or replace) a service's return for a month; the replaced values go to the audit log."""
    stored = store_once(
        session,
        delivery_key,
        kind="waiting_return",
        find=lambda ref: _find(session, ref),
        reference_of=lambda recorded: recorded.waiting_return.reference,
        create=lambda: _record(
            session,
            slack_user_id=slack_user_id,
            service=service,
            period=period,
            values={
                "number_waiting": number_waiting,
                "new_referrals": new_referrals,
                "median_wait_weeks": median_wait_weeks,
                "longest_wait_weeks": longest_wait_weeks,
                "capacity_status": capacity_status,
                "notes": notes,
            },
            today=today or london_today(),
        ),
    )
    if stored.duplicate_delivery:
        return RecordedReturn(stored.record.waiting_return, stored.record.updated, duplicate_delivery=True)
    return stored.record


def _find(session: Session, reference: str) -> RecordedReturn | None:
    found = session.scalar(select(WaitingListReturn).where(WaitingListReturn.reference == reference))
    return RecordedReturn(found, updated=found.revision > 1) if found is not None else None


def validate_return(values: dict, errors: dict[str, str]) -> dict:
    """The numbers of a return, checked together (a median cannot exceed the longest wait)."""
    clean = {
        "number_waiting": fields.whole_number(
            values["number_waiting"], "number_waiting", errors, label="the number waiting", maximum=MAX_COUNT
        ),
        "new_referrals": fields.whole_number(
            values["new_referrals"], "new_referrals", errors, label="the new referrals", maximum=MAX_COUNT
        ),
        "median_wait_weeks": fields.whole_number(
            values["median_wait_weeks"],
            "median_wait_weeks",
            errors,
            label="the median wait in weeks",
            maximum=MAX_WAIT_WEEKS,
        ),
        "longest_wait_weeks": fields.whole_number(
            values["longest_wait_weeks"],
            "longest_wait_weeks",
            errors,
            label="the longest wait in weeks",
            maximum=MAX_WAIT_WEEKS,
        ),
        "capacity_status": fields.choice(
            values["capacity_status"],
            "capacity_status",
            errors,
            allowed=[status.value for status in CapacityStatus],
            label="the capacity status",
        ),
        "notes": fields.text(values.get("notes"), "notes", errors, label="the notes", max_length=NOTES_MAX),
    }
    median, longest = clean["median_wait_weeks"], clean["longest_wait_weeks"]
    if median is not None and longest is not None and median > longest:
        errors["median_wait_weeks"] = (
            f"The median wait ({median} weeks) cannot be longer than the longest wait ({longest} weeks)."
        )
    return clean


def _record(
    session: Session, *, slack_user_id: str, service: object, period: object, values: dict, today: date
) -> RecordedReturn:
    organisation = submitting_organisation(session, slack_user_id)
    errors: dict[str, str] = {}
    chosen = _service_of(session, organisation, service, errors)
    month = parse_period(period, errors, today=today)
    clean = validate_return(values, errors)
    if errors:
        raise ValidationError(errors)
    clean["capacity_status"] = CapacityStatus(clean["capacity_status"])
    existing = _existing(session, chosen.id, month)
    if existing is None:
        try:
            with session.begin_nested():
                created = WaitingListReturn(
                    reference=next_reference(session, at=utcnow()),
                    service=chosen,
                    period=month,
                    submitted_by=slack_user_id,
                    **clean,
                )
                session.add(created)
                session.flush()
        except IntegrityError:
            existing = _existing(session, chosen.id, month)  # someone sent the same month meanwhile
        else:
            _audit(session, slack_user_id, created, None)
            return RecordedReturn(created, updated=False)
    before = _snapshot(existing)
    for name, value in clean.items():
        setattr(existing, name, value)
    existing.submitted_by = slack_user_id
    existing.revision += 1
    session.flush()
    _audit(session, slack_user_id, existing, before)
    return RecordedReturn(existing, updated=True)


def _service_of(session: Session, organisation: Organisation, service: object, errors: dict) -> Service:
    chosen = fields.record_id(service)
    found = session.get(Service, chosen) if chosen is not None else None
    if found is None:
        errors["service"] = "Choose one of your organisation's services."
    elif found.organisation_id != organisation.id:
        errors["service"] = (
            f"That service belongs to another organisation; choose one of {organisation.name}'s."
        )
    return found


def _existing(session: Session, service_id: int, period: date) -> WaitingListReturn | None:
    """The month's return, locked until commit so two resubmissions cannot both take revision N+1."""
    take_write_lock(session)
    return session.scalar(
        select(WaitingListReturn)
        .where(WaitingListReturn.service_id == service_id, WaitingListReturn.period == period)
        .with_for_update()
        .execution_options(populate_existing=True)
    )


def _snapshot(row: WaitingListReturn) -> dict:
    values = {name: getattr(row, name) for name in RETURN_FIELDS}
    values["capacity_status"] = row.capacity_status.value
    values["submitted_by"] = row.submitted_by
    values["revision"] = row.revision
    return values


def _audit(session: Session, actor: str, row: WaitingListReturn, before: dict | None) -> None:
    audit.record(
        session,
        actor=actor,
        action="waiting_return.updated" if before else "waiting_return.recorded",
        entity="waiting_list_return",
        entity_id=row.reference,
        before=before,
        after={**_snapshot(row), "service": row.service.name, "period": period_value(row.period)},
    )


def latest_returns(session: Session, service_ids: list[int]) -> dict[int, WaitingListReturn]:
    """Each service's most recent return (by month), for the status views."""
    if not service_ids:
        return {}
    latest = (
        select(WaitingListReturn.service_id, func.max(WaitingListReturn.period).label("period"))
        .where(WaitingListReturn.service_id.in_(service_ids))
        .group_by(WaitingListReturn.service_id)
        .subquery()
    )
    rows = session.scalars(
        select(WaitingListReturn).join(
            latest,
            (WaitingListReturn.service_id == latest.c.service_id)
            & (WaitingListReturn.period == latest.c.period),
        )
    )
    return {row.service_id: row for row in rows}


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
