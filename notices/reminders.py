"""Reminders to the people who have not acknowledged a notice, and the summary at its deadline.

Reminders: at most `MAX_REMINDERS` a person, only in working hours (09:00–18:00 London on working
days, `escalations.working_days`), only before the deadline, and spaced evenly across the time the
notice gives (at least `MIN_GAP` apart, at most a working day's worth), so a notice due in a week
nudges twice and one due tomorrow afternoon still nudges once in the morning. Each reminder's outbox
key names the notice, the person and its number: a job run twice reminds once. Someone who has left
the network is not reminded (`models.leavers.still_in_network`).

At the deadline the sender is told who acknowledged and who is still outstanding (by name and
organisation), and so are the officers when the sender is not one: it is the officer's job to follow up.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from escalations.working_days import in_working_hours
from models.leavers import still_in_network
from models.membership import find_member
from models.network import Member, MemberRole, Organisation
from models.notices import Notice, NoticeRecipient, NoticeStatus
from models.outbox import enqueue
from notices.ports import NoticeBodies, Outstanding, ReminderView, SummaryView

MAX_REMINDERS = 2
MIN_GAP = timedelta(hours=2)
MAX_GAP = timedelta(days=1)
OUTSTANDING_LISTED = 200  # names in a summary; the report has them all


def gap(notice: Notice) -> timedelta:
    """How long after sending (or the last reminder) the next reminder may go."""
    span = notice.deadline - (notice.sent_at or notice.deadline)
    return max(MIN_GAP, min(MAX_GAP, span / (MAX_REMINDERS + 1)))


def remind_due(session: Session, bodies: NoticeBodies, *, now: datetime) -> int:
    """Queue the reminders that are due now; how many."""
    if not in_working_hours(now):
        return 0
    notices = session.scalars(
        select(Notice).where(
            Notice.status == NoticeStatus.SENT,
            Notice.requires_acknowledgement.is_(True),
            Notice.deadline > now,
        )
    ).all()
    queued = 0
    for notice in notices:
        since = now - gap(notice)
        if notice.sent_at is None or notice.sent_at > since:
            continue
        due = session.scalars(
            select(NoticeRecipient)
            .where(
                NoticeRecipient.notice_id == notice.id,
                NoticeRecipient.acknowledged_at.is_(None),
                NoticeRecipient.reminders < MAX_REMINDERS,
                still_in_network(NoticeRecipient.slack_user_id),
                (NoticeRecipient.last_reminded_at.is_(None)) | (NoticeRecipient.last_reminded_at <= since),
            )
            .order_by(NoticeRecipient.id)
        ).all()
        for recipient in due:
            number = recipient.reminders + 1
            view = ReminderView(notice.id, notice.kind, notice.title, notice.deadline, number, MAX_REMINDERS)
            enqueue(
                session,
                key=f"notice:{notice.id}:reminder:{recipient.slack_user_id}:{number}",
                method="dm",
                payload={"user": recipient.slack_user_id, **bodies.reminder(view)},
            )
            recipient.reminders = number
            recipient.last_reminded_at = now
            queued += 1
    session.flush()
    return queued


def summarise_due(session: Session, bodies: NoticeBodies, *, now: datetime) -> int:
    """At each passed deadline, tell the sender (and the officers) who is still outstanding; how many."""
    ids = session.scalars(
        select(Notice.id).where(
            Notice.status == NoticeStatus.SENT,
            Notice.requires_acknowledgement.is_(True),
            Notice.deadline <= now,
            Notice.summary_sent_at.is_(None),
        )
    ).all()
    told = 0
    for notice_id in ids:
        claimed = session.execute(
            update(Notice)
            .where(Notice.id == notice_id, Notice.summary_sent_at.is_(None))
            .values(summary_sent_at=now)
            .execution_options(synchronize_session=False)
        ).rowcount
        if not claimed:
            continue
        notice = session.get(Notice, notice_id, populate_existing=True)
        if notice.simulated:
            continue
        body = bodies.summary(summary_view(session, notice))
        for person in _told(session, notice):
            enqueue(
                session,
                key=f"notice:{notice.id}:summary:{person}",
                method="dm",
                payload={"user": person, **body},
            )
        told += 1
    session.flush()
    return told


def summary_view(session: Session, notice: Notice) -> SummaryView:
    rows = session.execute(
        select(NoticeRecipient.name, Organisation.name, NoticeRecipient.acknowledged_at)
        .outerjoin(Organisation, Organisation.id == NoticeRecipient.organisation_id)
        .where(NoticeRecipient.notice_id == notice.id)
        .order_by(Organisation.name, NoticeRecipient.name)
    ).all()
    outstanding = [Outstanding(name, organisation) for name, organisation, acked in rows if acked is None]
    return SummaryView(
        notice_id=notice.id,
        kind=notice.kind,
        title=notice.title,
        deadline=notice.deadline,
        sent=len(rows),
        acknowledged=sum(1 for *_, acked in rows if acked is not None),
        outstanding=tuple(outstanding[:OUTSTANDING_LISTED]),
    )


def _told(session: Session, notice: Notice) -> list[str]:
    people = [notice.sender_slack_user_id]
    sender = find_member(session, notice.sender_slack_user_id)
    if sender is None or sender.role is not MemberRole.OFFICER:
        people += list(
            session.scalars(
                select(Member.slack_user_id).where(Member.role == MemberRole.OFFICER).order_by(Member.id)
            )
        )
    return list(dict.fromkeys(people))
