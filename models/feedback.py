"""Feedback about a board, a service, the network, the bulletin or the Hive.

Anyone in the workspace may give feedback (board members and young people's workers included,
not only member organisations): being heard should not wait for a registration. Feedback that
asks for a reply waits in the officer's queue until the officer answers it.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, func, select
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from models import audit, fields
from models.base import Base, Timestamps, UTCDateTime, enum_column, utcnow
from models.errors import NotAllowed, NotFound, ValidationError
from models.membership import find_member, is_officer
from models.network import Board, Organisation
from models.references import next_reference
from models.submissions import Stored, store_once

COMMENT_MAX = 3000
SUBJECT_MAX = 200
REPLY_MAX = 3000


class FeedbackAbout(enum.StrEnum):
    NETWORK = "network"
    BULLETIN = "bulletin"
    HIVE = "hive"
    SERVICE = "service"
    BOARD = "board"


ABOUT_LABELS = {
    FeedbackAbout.NETWORK: "the Linked-up network",
    FeedbackAbout.BULLETIN: "the bulletin",
    FeedbackAbout.HIVE: "the Hive",
    FeedbackAbout.SERVICE: "a service",
    FeedbackAbout.BOARD: "a board",
}


class Feedback(Timestamps, Base):
    __tablename__ = "feedback"
    __table_args__ = (Index("ix_feedback_reply_queue", "reply_wanted", "replied_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(16), unique=True)
    slack_user_id: Mapped[str] = mapped_column(String(32), index=True)
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id", ondelete="SET NULL"))
    about: Mapped[FeedbackAbout] = mapped_column(enum_column(FeedbackAbout, "feedback_about"))
    board_id: Mapped[int | None] = mapped_column(ForeignKey("boards.id", ondelete="SET NULL"))
    subject: Mapped[str | None] = mapped_column(String(200))
    rating: Mapped[int] = mapped_column(Integer)
    comment: Mapped[str | None] = mapped_column(Text)
    reply_wanted: Mapped[bool] = mapped_column(Boolean, default=False)
    replied_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    replied_by: Mapped[str | None] = mapped_column(String(32))
    reply_text: Mapped[str | None] = mapped_column(Text)

    organisation: Mapped[Organisation | None] = relationship()
    board: Mapped[Board | None] = relationship()

    @property
    def about_text(self) -> str:
        if self.about == FeedbackAbout.BOARD and self.board is not None:
            return self.board.name
        if self.about == FeedbackAbout.SERVICE and self.subject:
            return f"the service “{self.subject}”"
        return ABOUT_LABELS[self.about]


@dataclass(frozen=True)
class Reply:
    feedback: Feedback
    changed: bool  # False when it had already been answered


def give_feedback(
    session: Session,
    *,
    slack_user_id: str,
    about: object,
    rating: object,
    subject: object = None,
    comment: object = None,
    reply_wanted: object = False,
    delivery_key: str | None = None,
) -> Stored[Feedback]:
    """Keep the feedback with a reference; `about` is a kind ("bulletin") or "board:<id>"."""
    return store_once(
        session,
        delivery_key,
        kind="feedback",
        find=lambda ref: session.scalar(select(Feedback).where(Feedback.reference == ref)),
        reference_of=lambda row: row.reference,
        create=lambda: _give(session, slack_user_id, about, rating, subject, comment, reply_wanted),
    )


def _give(session, slack_user_id, about, rating, subject, comment, reply_wanted) -> Feedback:
    errors: dict[str, str] = {}
    kind, board = _about(session, about, errors)
    score = fields.whole_number(rating, "rating", errors, label="a rating from 1 to 5", maximum=5)
    if score == 0:
        errors["rating"] = "Choose a rating from 1 to 5."
    clean_subject = fields.text(
        subject,
        "subject",
        errors,
        label="which service",
        required=kind == FeedbackAbout.SERVICE,
        max_length=SUBJECT_MAX,
    )
    clean_comment = fields.text(comment, "comment", errors, label="the comment", max_length=COMMENT_MAX)
    if errors:
        raise ValidationError(errors)
    member = find_member(session, slack_user_id)
    row = Feedback(
        reference=next_reference(session, at=utcnow()),
        slack_user_id=slack_user_id,
        organisation=member.organisation if member is not None else None,
        about=kind,
        board=board,
        subject=clean_subject,
        rating=score,
        comment=clean_comment,
        reply_wanted=fields.flag(reply_wanted),
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        actor=slack_user_id,
        action="feedback.given",
        entity="feedback",
        entity_id=row.reference,
        after={"about": row.about_text, "rating": score, "reply_wanted": row.reply_wanted},
    )
    return row


def _about(
    session: Session, about: object, errors: dict[str, str]
) -> tuple[FeedbackAbout | None, Board | None]:
    value = str(about or "").strip()
    if value.startswith("board:"):
        board_id = value.removeprefix("board:")
        chosen = fields.record_id(board_id)
        board = session.get(Board, chosen) if chosen is not None else None
        if board is None:
            errors["about"] = "That board is not in the network any more; choose again."
            return None, None
        return FeedbackAbout.BOARD, board
    if value in {kind.value for kind in FeedbackAbout} - {FeedbackAbout.BOARD.value}:
        return FeedbackAbout(value), None
    errors["about"] = "Choose what your feedback is about."
    return None, None


def awaiting_reply(session: Session, *, limit: int) -> tuple[int, list[Feedback]]:
    """Feedback that asked for a reply and has none yet, oldest first (the officer's queue)."""
    where = (Feedback.reply_wanted.is_(True), Feedback.replied_at.is_(None))
    total = session.scalar(select(func.count()).select_from(Feedback).where(*where)) or 0
    rows = session.scalars(select(Feedback).where(*where).order_by(Feedback.id).limit(limit)).all()
    return total, list(rows)


def reply_to_feedback(session: Session, *, feedback_id: object, officer: str, text: object) -> Reply:
    """The officer's answer; a second answer to the same feedback changes nothing."""
    if not is_officer(session, officer):
        raise NotAllowed("Only the development officer answers feedback.")
    chosen = fields.record_id(feedback_id)
    row = session.get(Feedback, chosen) if chosen is not None else None
    if row is None:
        raise NotFound("That feedback no longer exists.")
    if row.replied_at is not None:
        return Reply(row, changed=False)
    errors: dict[str, str] = {}
    answer = fields.text(text, "reply", errors, label="your reply", required=True, max_length=REPLY_MAX)
    if errors:
        raise ValidationError(errors)
    row.reply_text = answer
    row.replied_at = utcnow()
    row.replied_by = officer
    session.flush()
    audit.record(
        session,
        actor=officer,
        action="feedback.replied",
        entity="feedback",
        entity_id=row.reference,
        after={"reply": answer},
    )
    return Reply(row, changed=True)
