"""The port through which surveys speak in Slack, without knowing Slack.

`surveys.lifecycle`, `surveys.answers` and `surveys.reminders` decide who is told what and queue it
in the outbox in the caller's transaction; a `SurveyRenderer` only turns it into a message body
(`{"text": ..., "blocks": [...]}`). `handlers.survey_views` implements it with Block Kit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True)
class Invitation:
    """What a recipient (or the officer, for a preview) is asked: the survey and its Answer button."""

    survey_id: int
    title: str
    introduction: str
    questions: int
    closes_at: datetime
    anonymous: bool
    per_organisation: bool
    organisation: str | None = None  # the organisation answered for, in one-per-organisation mode
    preview: bool = False


@dataclass(frozen=True)
class Draft:
    """For the officer: a survey created and not yet sent, with who it would reach."""

    survey_id: int
    title: str
    questions: int
    audience: str  # "41 people in 17 organisations serving ages 0–5"
    closes_at: datetime
    anonymous: bool


@dataclass(frozen=True)
class AnsweredFor:
    """A member's organisation has answered a one-per-organisation survey (by someone else)."""

    survey_id: int
    title: str
    organisation: str
    by: str  # the answerer's name
    closes_at: datetime


@dataclass(frozen=True)
class Closed:
    """For the officer: the survey closed, and its response rate."""

    survey_id: int
    title: str
    people: int
    answered: int
    organisations: int
    organisations_answered: int


class SurveyRenderer(Protocol):
    def invitation(self, invitation: Invitation) -> dict:
        """The DM that asks a person to answer (or shows the officer a preview), with Answer."""
        ...

    def reminder(self, invitation: Invitation, days_left: int) -> dict:
        """A reminder to someone who has not answered yet, with Answer."""
        ...

    def draft(self, draft: Draft) -> dict:
        """The officer's note of a new survey, with Preview and Open now."""
        ...

    def answered_for(self, notice: AnsweredFor) -> dict:
        """To the other members: their organisation's answer is in, and by whom."""
        ...

    def receipt(self, title: str, *, anonymous: bool, replaced: bool, closes_at: datetime) -> dict:
        """To the answerer: the answer is in (an anonymous one says nothing of what was answered)."""
        ...

    def closed(self, closed: Closed) -> dict:
        """To the officer: the survey has closed, with its response rate."""
        ...
