"""Feedback kept from anyone in the workspace: what it is about, its rating, and the officer's reply.

Giving feedback and answering it are `intake.feedback`.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, Timestamps, UTCDateTime, enum_column
from models.network import Board, Organisation


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
