"""What a person does with a notice sent to them: "Read and understood", and "I'd like a place".

Both answer only the people the notice was sent to, both are idempotent (a double click, a Slack
retry: the first answer stands), and both update the person's own card so it shows where they stand.
Places are given in the order asked, up to the number the sender set; after that a request goes on
the waiting list, and the person is told their number in it. The notice's row is locked while places
are counted, so two people pressing at once on PostgreSQL cannot both take the last place.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models.errors import NotAllowed, NotFound
from models.notices import Notice, NoticeKind, NoticeRecipient, NoticeStatus, PlaceStatus, dm_key
from models.outbox import card_topic, enqueue
from notices.delivery import card_view
from notices.ports import NoticeBodies

NOT_YOURS = "This notice was not sent to you, so there is nothing for you to acknowledge or ask for."


@dataclass(frozen=True)
class Answer:
    recipient: NoticeRecipient
    sentence: str  # what the person is told
    changed: bool


def _recipient(
    session: Session, notice_id: int, slack_user_id: str, *, lock: bool = False
) -> NoticeRecipient:
    notice = session.get(Notice, notice_id, with_for_update=lock)
    if notice is None or notice.status is not NoticeStatus.SENT:
        raise NotFound("That notice no longer exists.")
    recipient = session.scalar(
        select(NoticeRecipient).where(
            NoticeRecipient.notice_id == notice_id, NoticeRecipient.slack_user_id == slack_user_id
        )
    )
    if recipient is None:
        raise NotAllowed(NOT_YOURS)
    return recipient


def acknowledge(
    session: Session, notice_id: int, slack_user_id: str, bodies: NoticeBodies, *, now: datetime
) -> Answer:
    recipient = _recipient(session, notice_id, slack_user_id)
    notice = recipient.notice
    if not notice.requires_acknowledgement:
        raise NotAllowed("This notice does not ask to be acknowledged; there is nothing more to do.")
    if recipient.acknowledged_at is not None:
        return Answer(recipient, "You have already acknowledged this notice. Thank you.", False)
    recipient.acknowledged_at = now
    session.flush()
    _update_card(session, notice, recipient, bodies, "ack")
    return Answer(recipient, "Thank you: recorded as read and understood.", True)


def waiting_position(session: Session, recipient: NoticeRecipient) -> int | None:
    if recipient.place is not PlaceStatus.WAITING:
        return None
    ahead = session.scalar(
        select(func.count(NoticeRecipient.id)).where(
            NoticeRecipient.notice_id == recipient.notice_id,
            NoticeRecipient.place == PlaceStatus.WAITING,
            (NoticeRecipient.place_requested_at < recipient.place_requested_at)
            | (
                (NoticeRecipient.place_requested_at == recipient.place_requested_at)
                & (NoticeRecipient.id < recipient.id)
            ),
        )
    )
    return int(ahead or 0) + 1


def request_place(
    session: Session, notice_id: int, slack_user_id: str, bodies: NoticeBodies, *, now: datetime
) -> Answer:
    recipient = _recipient(session, notice_id, slack_user_id, lock=True)
    notice = recipient.notice
    if notice.kind is not NoticeKind.TRAINING:
        raise NotAllowed("Only training notices offer places.")
    if recipient.place is not None:
        return Answer(recipient, _place_sentence(session, notice, recipient, again=True), False)
    taken = session.scalar(
        select(func.count(NoticeRecipient.id)).where(
            NoticeRecipient.notice_id == notice_id, NoticeRecipient.place == PlaceStatus.PLACE
        )
    )
    full = notice.places is not None and int(taken or 0) >= notice.places
    recipient.place = PlaceStatus.WAITING if full else PlaceStatus.PLACE
    recipient.place_requested_at = now
    session.flush()
    _update_card(session, notice, recipient, bodies, "place")
    return Answer(recipient, _place_sentence(session, notice, recipient, again=False), True)


def _place_sentence(session: Session, notice: Notice, recipient: NoticeRecipient, *, again: bool) -> str:
    if recipient.place is PlaceStatus.PLACE:
        text = "You have a place" if again else "Your place is booked"
        return f"{text}; the sender will be in touch with the details."
    position = waiting_position(session, recipient)
    return (
        f"All {notice.places} places are taken, so you are on the waiting list (number {position}). "
        "You will hear from the sender if a place comes free."
    )


def _update_card(
    session: Session, notice: Notice, recipient: NoticeRecipient, bodies: NoticeBodies, what: str
) -> None:
    """The person's own DM card, redrawn as it now stands (after the post it edits is delivered).

    Its updates share a card topic: if an older one is retried after a newer one was delivered, the
    outbox sends the newest again, so the card never ends showing less than the person has done."""
    view = card_view(notice, recipient, waiting_position(session, recipient))
    enqueue(
        session,
        key=f"notice:{notice.id}:{what}:{recipient.slack_user_id}",
        method="chat.update",
        payload={"ts_from": dm_key(notice.id, recipient.slack_user_id), **bodies.card(view)},
        topic=card_topic(f"notice:{notice.id}:{recipient.slack_user_id}"),
    )
