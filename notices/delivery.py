"""Sending a notice: its recipients written and one DM each queued, in one transaction.

The audience is resolved again at the moment of sending (a scheduled notice reaches who is in the
network then, not who was when it was written). Every DM's outbox key names the notice and the person
(`models.notices.dm_key`), and the recipients' unique (notice, person) pair holds too, so a retried
confirmation, a second worker or a crash half-way through queues nobody twice; the outbox delivers
what was queued, respecting Slack's rate limits, and retries what failed.

A safeguarding update's details go only to its audience by DM: the optional channel post is a neutral
pointer naming no title, body or link.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from audience.selection import resolve
from escalations.messages import enqueue_rows
from models.errors import ValidationError
from models.notices import Notice, NoticeKind, NoticeRecipient, NoticeStatus, dm_key
from models.outbox import enqueue
from notices.compose import confirmable, spec_from_dict
from notices.ports import ChannelPointer, NoticeBodies, NoticeCard, SenderNote

CHUNK = 500  # rows a bulk insert carries
# A scheduled notice whose audience emptied before its time (the sender is not there to be asked).
UNSENT = (
    "was not sent: when its time came, nobody fitted its audience any more (its organisations had left "
    "or had no members). Start again with /linkedup notice to choose others."
)
NOBODY_NOW = (
    "Nobody fits this notice's audience any more (its organisations have left or have no members), "
    "so nothing was sent. Start again with /linkedup notice."
)


def card_view(notice: Notice, recipient: NoticeRecipient | None = None, waiting_position=None) -> NoticeCard:
    return NoticeCard(
        notice_id=notice.id,
        kind=notice.kind,
        title=notice.title,
        body=notice.body,
        link=notice.link,
        sender=notice.sender_slack_user_id,
        requires_acknowledgement=notice.requires_acknowledgement,
        deadline=notice.deadline,
        offers_places=notice.kind is NoticeKind.TRAINING,
        places=notice.places,
        acknowledged_at=recipient.acknowledged_at if recipient else None,
        place=recipient.place if recipient else None,
        waiting_position=waiting_position,
    )


def confirm(session: Session, notice_id: int, sender: str, bodies: NoticeBodies, *, now: datetime) -> Notice:
    """The sender confirmed: send now, or schedule for `send_at`. A second confirmation changes nothing."""
    notice = confirmable(session, notice_id, sender)
    if notice.status is not NoticeStatus.DRAFT:
        return notice
    if notice.deadline is not None and notice.deadline <= now:
        raise ValidationError({"deadline": "The deadline has passed while this was open. Start again."})
    if notice.send_at is not None and notice.send_at > now:
        notice.status = NoticeStatus.SCHEDULED
        session.flush()
        return notice
    send(session, notice, bodies, now=now, refuse_nobody=True)
    return notice


def send(
    session: Session, notice: Notice, bodies: NoticeBodies, *, now: datetime, refuse_nobody: bool = False
) -> int:
    """Write the recipients and queue one DM each (and the channel pointer); how many were queued.

    An audience that has become empty (everyone left) sends nothing. The sender confirming on the
    screen (`refuse_nobody`) is refused there, the draft kept, as the confirmation would otherwise say
    "Sent" for a notice that went nowhere; a scheduled notice's sender is told by DM.
    """
    try:
        audience = resolve(session, spec_from_dict(notice.audience))
    except ValidationError:
        if refuse_nobody:
            raise ValidationError({"audience": NOBODY_NOW}) from None
        notice.status = NoticeStatus.SENT
        notice.sent_at = now
        _tell_sender(session, notice, bodies, UNSENT, key="unsent")
        return 0
    notice.status = NoticeStatus.SENT
    notice.sent_at = now
    session.flush()
    already = set(
        session.scalars(select(NoticeRecipient.slack_user_id).where(NoticeRecipient.notice_id == notice.id))
    )
    fresh = [r for r in audience.recipients if r.slack_user_id not in already]
    rows = [
        {
            "notice_id": notice.id,
            "slack_user_id": r.slack_user_id,
            "organisation_id": r.organisation_id,
            "name": r.name[:120],
            "reminders": 0,
        }
        for r in fresh
    ]
    body = bodies.card(card_view(notice))
    # Recipients and their DMs are written in one transaction: someone not yet a recipient has no DM.
    # `enqueue_rows` is INSERT … ON CONFLICT DO NOTHING on the key, and hands the keys to the at-once
    # sender when the transaction commits.
    for start in range(0, len(rows), CHUNK):
        session.execute(insert(NoticeRecipient), rows[start : start + CHUNK])
    messages = [
        {
            "key": dm_key(notice.id, r.slack_user_id),
            "method": "dm",
            "payload": {"user": r.slack_user_id, **body},
        }
        for r in fresh
    ]
    for start in range(0, len(messages), CHUNK):
        enqueue_rows(session, messages[start : start + CHUNK])
    if notice.channel:
        pointer = ChannelPointer(
            notice_id=notice.id,
            kind=notice.kind,
            title=None if notice.kind is NoticeKind.SAFEGUARDING else notice.title,
            sender=notice.sender_slack_user_id,
            audience_summary=notice.audience_summary,
            link=None if notice.kind is NoticeKind.SAFEGUARDING else notice.link,
        )
        enqueue(
            session,
            key=f"notice:{notice.id}:channel",
            method="chat.postMessage",
            payload={"channel": notice.channel, **bodies.channel_post(pointer)},
        )
    reaches = notice.audience_summary or f"{audience.people} people"
    _tell_sender(session, notice, bodies, f"is on its way to {reaches}.", key="sent")
    session.flush()
    return len(messages)


def _tell_sender(session: Session, notice: Notice, bodies: NoticeBodies, text: str, *, key: str) -> None:
    if notice.simulated:
        return
    note = SenderNote(notice_id=notice.id, title=notice.title, text=text)
    enqueue(
        session,
        key=f"notice:{notice.id}:{key}",
        method="dm",
        payload={"user": notice.sender_slack_user_id, **bodies.sender_note(note)},
    )


def due_ids(session: Session, *, now: datetime) -> list[int]:
    return list(
        session.scalars(
            select(Notice.id)
            .where(Notice.status == NoticeStatus.SCHEDULED, Notice.send_at <= now)
            .order_by(Notice.send_at, Notice.id)
        )
    )


def send_scheduled(session: Session, notice_id: int, bodies: NoticeBodies, *, now: datetime) -> int:
    """Send one scheduled notice that is due; the claim (a conditional UPDATE) lets one worker only."""
    claimed = session.execute(
        update(Notice)
        .where(Notice.id == notice_id, Notice.status == NoticeStatus.SCHEDULED, Notice.send_at <= now)
        .values(status=NoticeStatus.SENT)
        .execution_options(synchronize_session=False)
    ).rowcount
    if not claimed:
        return 0
    notice = session.get(Notice, notice_id, populate_existing=True)
    return send(session, notice, bodies, now=now)
