"""Notices' figures, computed once here for the dashboard page, the CSV export, the App Home and the
quarterly report, so the four always agree (a test holds it).

Per notice: each person it was sent to, whether their DM went (the outbox's status for the notice's
key of that person: sent, failed for good, or still queued), whether they acknowledged, and whether
they asked for a place or are on the waiting list; then the same by organisation, and the totals.
By kind over a period: how many notices were sent, to how many people, and the acknowledgement rate
(acknowledged ÷ people sent a notice that asked for acknowledgement).
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import ColumnElement, String, case, cast, func, literal, select
from sqlalchemy.orm import Session

from models.errors import NotFound
from models.network import Organisation
from models.notices import Notice, NoticeKind, NoticeRecipient, NoticeStatus, PlaceStatus, dm_key
from models.outbox import OutboxMessage, OutboxStatus
from reporting.periods import Window

NO_ORGANISATION = "(no organisation: board member)"
CHUNK = 500


@dataclass(frozen=True)
class PersonRow:
    name: str
    slack_user_id: str
    organisation: str
    delivery: str  # sent | failed | queued
    acknowledged_at: datetime | None
    place: str  # place | waiting | ""


@dataclass
class Tally:
    """Counts for a notice, an organisation or a kind."""

    people: int = 0
    sent: int = 0
    failed: int = 0
    queued: int = 0
    acknowledged: int = 0
    places: int = 0
    waiting: int = 0

    def add(self, row: PersonRow) -> None:
        self.people += 1
        self.sent += row.delivery == "sent"
        self.failed += row.delivery == "failed"
        self.queued += row.delivery == "queued"
        self.acknowledged += row.acknowledged_at is not None
        self.places += row.place == PlaceStatus.PLACE.value
        self.waiting += row.place == PlaceStatus.WAITING.value


@dataclass
class DeliveryReport:
    notice: Notice
    people: list[PersonRow]
    organisations: list[tuple[str, Tally]]
    totals: Tally

    @property
    def acknowledgement_rate(self) -> float | None:
        if not self.notice.requires_acknowledgement or not self.totals.people:
            return None
        return self.totals.acknowledged / self.totals.people


def _deliveries(session: Session, notice_id: int, people: list[str]) -> dict[str, OutboxStatus]:
    keys = {dm_key(notice_id, person): person for person in people}
    found: dict[str, OutboxStatus] = {}
    listed = list(keys)
    for start in range(0, len(listed), CHUNK):
        rows = session.execute(
            select(OutboxMessage.key, OutboxMessage.status).where(
                OutboxMessage.key.in_(listed[start : start + CHUNK])
            )
        )
        found.update({keys[key]: status for key, status in rows})
    return found


def totals_of(session: Session, notice_ids: Sequence[int]) -> dict[int, Tally]:
    """Each notice's totals, counted in the database: the App Home's figures for a sender's latest
    notices, which would otherwise load every recipient of each (thousands for a network-wide notice).

    The same counts as `delivery_report(...).totals` (a test holds it): a person's DM is the outbox
    row of the notice's key for them, sent, failed for good, or else (pending, or none) queued.
    """
    if not notice_ids:
        return {}
    outbox = OutboxMessage.__table__
    key = (
        literal("notice:")
        + cast(NoticeRecipient.notice_id, String)
        + literal(":to:")
        + NoticeRecipient.slack_user_id
    )

    def count_of(condition) -> ColumnElement[int]:
        return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)

    rows = session.execute(
        select(
            NoticeRecipient.notice_id,
            func.count(NoticeRecipient.id),
            count_of(outbox.c.status == OutboxStatus.SENT),
            count_of(outbox.c.status == OutboxStatus.FAILED),
            count_of(NoticeRecipient.acknowledged_at.is_not(None)),
            count_of(NoticeRecipient.place == PlaceStatus.PLACE),
            count_of(NoticeRecipient.place == PlaceStatus.WAITING),
        )
        .outerjoin(outbox, outbox.c.key == key)
        .where(NoticeRecipient.notice_id.in_(list(notice_ids)))
        .group_by(NoticeRecipient.notice_id)
    )
    totals = {notice_id: Tally() for notice_id in notice_ids}
    for notice_id, people, sent, failed, acknowledged, places, waiting in rows:
        totals[notice_id] = Tally(
            people=people,
            sent=sent,
            failed=failed,
            queued=people - sent - failed,
            acknowledged=acknowledged,
            places=places,
            waiting=waiting,
        )
    return totals


def delivery_report(session: Session, notice_id: int) -> DeliveryReport:
    notice = session.get(Notice, notice_id)
    if notice is None or notice.status is NoticeStatus.DRAFT:
        raise NotFound(f"There is no notice {notice_id}.")
    rows = session.execute(
        select(NoticeRecipient, Organisation.name)
        .outerjoin(Organisation, Organisation.id == NoticeRecipient.organisation_id)
        .where(NoticeRecipient.notice_id == notice_id)
        .order_by(Organisation.name, NoticeRecipient.name, NoticeRecipient.slack_user_id)
    ).all()
    deliveries = _deliveries(session, notice_id, [recipient.slack_user_id for recipient, _ in rows])
    people = []
    for recipient, organisation in rows:
        status = deliveries.get(recipient.slack_user_id)
        people.append(
            PersonRow(
                name=recipient.name,
                slack_user_id=recipient.slack_user_id,
                organisation=organisation or NO_ORGANISATION,
                delivery="sent"
                if status is OutboxStatus.SENT
                else "failed"
                if status is OutboxStatus.FAILED
                else "queued",
                acknowledged_at=recipient.acknowledged_at,
                place=recipient.place.value if recipient.place else "",
            )
        )
    by_org: dict[str, Tally] = defaultdict(Tally)
    totals = Tally()
    for row in people:
        by_org[row.organisation].add(row)
        totals.add(row)
    return DeliveryReport(notice, people, sorted(by_org.items()), totals)


CSV_COLUMNS = ["Organisation", "Person", "Slack id", "Delivery", "Acknowledged at", "Place"]


def report_csv(report: DeliveryReport, *, tz) -> str:
    """One row a person (the report's rows, in its order); Excel-safe (no formulas from typed names)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for row in report.people:
        writer.writerow(
            [
                _cell(row.organisation),
                _cell(row.name),
                row.slack_user_id,
                row.delivery,
                row.acknowledged_at.astimezone(tz).strftime("%Y-%m-%d %H:%M") if row.acknowledged_at else "",
                row.place,
            ]
        )
    return out.getvalue()


def _cell(text: str) -> str:
    """A name starting with = + - @ would run as a formula in a spreadsheet: shown as text instead."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


@dataclass
class KindFigures:
    kind: NoticeKind
    notices: int = 0
    tally: Tally = field(default_factory=Tally)
    asked_to_acknowledge: int = 0  # people sent a notice that asked for acknowledgement
    acknowledged: int = 0

    @property
    def acknowledgement_rate(self) -> float | None:
        return self.acknowledged / self.asked_to_acknowledge if self.asked_to_acknowledge else None


def sent_in(session: Session, window: Window, *, simulated: bool | None = None) -> list[int]:
    query = select(Notice.id).where(
        Notice.status == NoticeStatus.SENT,
        Notice.sent_at >= window.start_utc,
        Notice.sent_at < window.end_utc,
    )
    if simulated is not None:
        query = query.where(Notice.simulated.is_(simulated))
    return list(session.scalars(query.order_by(Notice.sent_at, Notice.id)))


def figures_by_kind(session: Session, window: Window, *, simulated: bool | None = None) -> list[KindFigures]:
    """The period's notices by kind, each counted through `delivery_report` (so they agree with it)."""
    figures = {kind: KindFigures(kind) for kind in NoticeKind}
    for notice_id in sent_in(session, window, simulated=simulated):
        report = delivery_report(session, notice_id)
        entry = figures[report.notice.kind]
        entry.notices += 1
        for row in report.people:
            entry.tally.add(row)
        if report.notice.requires_acknowledgement:
            entry.asked_to_acknowledge += report.totals.people
            entry.acknowledged += report.totals.acknowledged
    return list(figures.values())


def _unacknowledged(slack_user_id: str, now: datetime):
    """What this person has still to acknowledge: sent to them, asking for it, its deadline ahead."""
    return (
        NoticeRecipient.slack_user_id == slack_user_id,
        NoticeRecipient.acknowledged_at.is_(None),
        Notice.requires_acknowledgement.is_(True),
        Notice.status == NoticeStatus.SENT,
        (Notice.deadline.is_(None)) | (Notice.deadline > now),
    )


def unacknowledged_for(
    session: Session, slack_user_id: str, *, now: datetime, limit: int = 20
) -> list[Notice]:
    """Notices sent to this person that ask for acknowledgement and have none yet, soonest deadline first."""
    return list(
        session.scalars(
            select(Notice)
            .join(NoticeRecipient, NoticeRecipient.notice_id == Notice.id)
            .where(*_unacknowledged(slack_user_id, now))
            .order_by(Notice.deadline, Notice.id)
            .limit(limit)
        )
    )


def unacknowledged_count(session: Session, slack_user_id: str, *, now: datetime) -> int:
    """How many `unacknowledged_for` would list without its limit (the Home tab says the true number)."""
    return int(
        session.scalar(
            select(func.count(Notice.id))
            .join(NoticeRecipient, NoticeRecipient.notice_id == Notice.id)
            .where(*_unacknowledged(slack_user_id, now))
        )
        or 0
    )


def notices_of(session: Session, sender: str | None, *, limit: int = 10) -> list[Notice]:
    """A sender's latest notices (every sender's with None), drafts left out."""
    query = select(Notice).where(Notice.status != NoticeStatus.DRAFT)
    if sender is not None:
        query = query.where(Notice.sender_slack_user_id == sender)
    return list(session.scalars(query.order_by(Notice.created_at.desc(), Notice.id.desc()).limit(limit)))


def notice_count(session: Session) -> int:
    return int(session.scalar(select(func.count(Notice.id)).where(Notice.status != NoticeStatus.DRAFT)) or 0)
