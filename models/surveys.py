"""Surveys to the network ("Have your say"): the survey, who it went to, the answers, pages in progress.

Anonymity is held by the shape of the tables, not by a flag someone must remember to check:

- `survey_recipients` says who a survey reached and only whether they have answered (`answered`, a
  boolean with no time), so reminders skip them and the response rate can be counted;
- `survey_responses` of an anonymous survey carry no Slack id, no organisation and no time: nothing in
  the row, nor its order against the recipients' marks (which are updates, not inserts), links an
  answer to a person. A named survey's response names its person and organisation (the officer alone
  sees who said what);
- `survey_drafts` hold the earlier pages of one open answer modal, keyed by a random token carried in
  the modal, never by a person, and are deleted when the last page is sent.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, Timestamps, UTCDateTime, enum_column, utcnow


class SurveyState(enum.StrEnum):
    DRAFT = "draft"  # created, previewable, not yet sent
    OPEN = "open"  # sent; answers accepted until it closes
    CLOSED = "closed"  # no more answers; results final


class Survey(Timestamps, Base):
    __tablename__ = "surveys"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(150))
    introduction: Mapped[str | None] = mapped_column(Text)
    # [{"id": "q1", "kind": "rating", "text": ..., "options": [...], "required": true}, ...] in order.
    questions: Mapped[list] = mapped_column(JSON, default=list)
    anonymous: Mapped[bool] = mapped_column(Boolean, default=False)
    # One answer per organisation: any of its members answers for it, the others see it is done.
    per_organisation: Mapped[bool] = mapped_column(Boolean, default=False)
    audience: Mapped[dict] = mapped_column(JSON, default=dict)  # the AudienceSpec's fields
    audience_text: Mapped[str | None] = mapped_column(String(300))  # as described when it was sent
    reminder_days: Mapped[list] = mapped_column(JSON, default=list)  # working days before the close
    closes_at: Mapped[datetime] = mapped_column(UTCDateTime())
    state: Mapped[SurveyState] = mapped_column(
        enum_column(SurveyState, "survey_state"), default=SurveyState.DRAFT
    )
    created_by: Mapped[str] = mapped_column(String(32))
    source: Mapped[str] = mapped_column(String(20), default="slack")  # slack, file, simulation
    opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    simulated: Mapped[bool] = mapped_column(Boolean, default=False)

    recipients: Mapped[list[SurveyRecipient]] = relationship(
        back_populates="survey", cascade="all, delete-orphan", order_by="SurveyRecipient.id"
    )


class SurveyRecipient(Base):
    """One person the survey reached: the DM, the reminders, and whether they have answered (no more)."""

    __tablename__ = "survey_recipients"
    # Not unique: erasing an organisation turns its people's ids into "erased" on every row (and keeps
    # the rows, so response rates do not change); opening a survey inserts each person once.
    __table_args__ = (Index("ix_survey_recipients_survey_person", "survey_id", "slack_user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id", ondelete="CASCADE"))
    slack_user_id: Mapped[str] = mapped_column(String(32))
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisations.id", ondelete="SET NULL"), index=True
    )
    answered: Mapped[bool] = mapped_column(Boolean, default=False)
    reminders_sent: Mapped[int] = mapped_column(Integer, default=0)

    survey: Mapped[Survey] = relationship(back_populates="recipients")


class SurveyResponse(Base):
    """One answer to a survey. Anonymous: every identifying column is NULL (see the module docstring)."""

    __tablename__ = "survey_responses"
    __table_args__ = (
        UniqueConstraint("survey_id", "slack_user_id"),
        UniqueConstraint("survey_id", "for_organisation_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id", ondelete="CASCADE"), index=True)
    slack_user_id: Mapped[str | None] = mapped_column(String(32))  # named surveys: who answered
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisations.id", ondelete="SET NULL")
    )  # named surveys: the answerer's organisation (for the breakdown by service category)
    for_organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisations.id", ondelete="SET NULL")
    )  # named one-per-organisation surveys: the one answer of this organisation
    answers: Mapped[dict] = mapped_column(JSON, default=dict)  # question id -> value
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # named only
    revision: Mapped[int] = mapped_column(Integer, default=1)


class SurveyDraft(Base):
    """The earlier pages of one multi-page answer modal, until its last page is sent."""

    __tablename__ = "survey_drafts"

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id", ondelete="CASCADE"), index=True)
    answers: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
