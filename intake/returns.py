"""Recording a monthly waiting-list return: one per service and month, sent again = updated, history audited.

The seeds ask for waiting-list data to be "captured and reported in a clear way": the counts
recorded here feed the bulletin's snapshot and the dashboard; `intake.return_reminders` finds the
months still missing and reminds once, so the series stays complete.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import bindparam, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from intake.joining import submitting_organisation
from intake.references import next_reference
from intake.submissions import store_once
from models import audit, fields
from models.base import utcnow
from models.db import take_write_lock
from models.errors import ValidationError
from models.network import Organisation, Service
from models.returns import CapacityStatus, WaitingListReturn, london_today, period_label, period_value

MAX_WAIT_WEEKS = 520
MAX_COUNT = 1_000_000
NOTES_MAX = 1000
EARLIEST_PERIOD = date(2000, 1, 1)


@dataclass(frozen=True)
class RecordedReturn:
    waiting_return: WaitingListReturn
    updated: bool  # True when it replaced an earlier return for the same service and month
    duplicate_delivery: bool = False


RETURN_FIELDS = (
    "number_waiting",
    "new_referrals",
    "median_wait_weeks",
    "longest_wait_weeks",
    "capacity_status",
    "notes",
)


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


# Built once (values bound at execution): building it cost about as much CPU as running it.
_MONTHS_RETURN = (
    select(WaitingListReturn)
    .where(
        WaitingListReturn.service_id == bindparam("service_id"),
        WaitingListReturn.period == bindparam("period"),
    )
    .with_for_update()
    .execution_options(populate_existing=True)
)


def _existing(session: Session, service_id: int, period: date) -> WaitingListReturn | None:
    """The month's return, locked until commit so two resubmissions cannot both take revision N+1."""
    take_write_lock(session)
    return session.scalar(_MONTHS_RETURN, {"service_id": service_id, "period": period})


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
