"""Two working days before each board meeting, the board's Linked-up representative gets the
escalations that board has pending, so they arrive at the meeting knowing what is outstanding.

Idempotent by key (`meeting:{id}:digest`); sent only in working hours; a digest missed while the
worker was down is sent late rather than never, as long as the meeting is still ahead.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from escalations.by_email import digest_email, digest_recipient
from escalations.calendar import meeting_invitation
from escalations.messages import SYSTEM, dm_row, enqueue_rows
from escalations.ports import Renderer
from escalations.views import DigestItem, DigestView
from escalations.working_days import describe, in_working_hours, london, previous_working_day
from models.email_links import actor_of
from models.escalations import AWAITING_BOARD, Escalation, EscalationEvent
from models.membership import officer_ids
from models.network import Meeting
from models.outbox import OutboxMessage

LOOKAHEAD = timedelta(days=14)


def digest_day(meeting: Meeting):
    """The working day two working days before the meeting's (London) date."""
    return previous_working_day(previous_working_day(london(meeting.starts_at).date()))


def digest_key(meeting: Meeting) -> str:
    return f"meeting:{meeting.id}:digest"


def send_digests(session: Session, *, now: datetime, render: Renderer) -> int:
    """Queue every digest that is due now; returns how many were queued."""
    if not in_working_hours(now):
        return 0
    today = london(now).date()
    meetings = session.scalars(
        select(Meeting)
        .options(selectinload(Meeting.board))
        .where(Meeting.board_id.is_not(None), Meeting.starts_at > now, Meeting.starts_at <= now + LOOKAHEAD)
        .order_by(Meeting.starts_at)
    ).all()
    due = [m for m in meetings if digest_day(m) <= today]
    if not due:
        return 0
    sent_keys = set(
        session.scalars(select(OutboxMessage.key).where(OutboxMessage.key.in_([digest_key(m) for m in due])))
    )
    queued = 0
    for meeting in due:
        if digest_key(meeting) in sent_keys:
            continue
        board = meeting.board
        by_email = digest_recipient(board)  # a representative or chair outside Slack
        recipient = None if by_email else board.representative_slack_user_id or board.chair_slack_user_id
        if recipient is None and by_email is None:
            found = officer_ids(session)
            recipient = found[0] if found else None
        if recipient is None and by_email is None:
            continue
        pending = session.scalars(
            select(Escalation)
            .options(selectinload(Escalation.issue))
            .where(Escalation.board_id == board.id, Escalation.state.in_(AWAITING_BOARD))
            .order_by(Escalation.respond_by, Escalation.id)
        ).all()
        items = tuple(
            DigestItem(
                reference=e.issue.reference,
                title="Safeguarding-sensitive item (details in the board's channel)"
                if e.issue.sensitive
                else e.issue.title,
                state=e.state.value,
                respond_by=describe(e.respond_by),
                overdue=e.respond_by <= now,
            )
            for e in pending
        )
        view = DigestView(
            board=board.name, meeting=meeting.title, when=describe(meeting.starts_at), items=items
        )
        key = digest_key(meeting)
        if by_email is not None:
            lines = tuple(
                f"{i.reference}: {i.title} ({i.state}; respond by {i.respond_by}"
                + ("; overdue)" if i.overdue else ")")
                for i in items
            )
            ics = meeting_invitation(session, meeting, now=now)
            row = digest_email(session, meeting, by_email, lines, key=key, ics=ics)
            if row is None:  # no e-mail in this process: nothing queued, so it is tried again later
                continue
            enqueue_rows(session, [row])
            recipient = actor_of(by_email)
        else:
            enqueue_rows(session, [dm_row(key, recipient, render.digest(view))])
        session.add_all(
            EscalationEvent(
                issue_id=e.issue_id,
                escalation_id=e.id,
                at=now,
                actor=SYSTEM,
                kind="digest_sent",
                from_board=board.name,
                detail={"to": recipient, "meeting": meeting.uid, "messages": [key]},
            )
            for e in pending
        )
        queued += 1
    session.flush()
    return queued
