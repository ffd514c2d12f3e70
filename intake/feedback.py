"""Feedback about a board, a service, the network, the bulletin or the Hive.

Anyone in the workspace may give feedback (board members and young people's workers included,
not only member organisations): being heard should not wait for a registration. Feedback that
asks for a reply waits in the officer's queue until the officer answers it.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from intake.references import next_reference
from intake.submissions import Stored, store_once
from models import audit, fields
from models.base import utcnow
from models.errors import NotAllowed, NotFound, ValidationError
from models.feedback import Feedback, FeedbackAbout
from models.membership import find_member, is_officer
from models.network import Board

COMMENT_MAX = 3000
SUBJECT_MAX = 200
REPLY_MAX = 3000


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
