"""The port through which intake speaks in Slack, without knowing Slack.

`intake.notices` decides who is told what (the officers about an application, the applicant about
the decision, an organisation's members about a missing waiting-list return) and queues it in the
outbox in the caller's transaction; an `IntakeRenderer` only turns it into a message body
(`{"text": ..., "blocks": [...]}`, blocks as plain dicts, no "blocks" key for a text-only message).
The Slack layer (`handlers.intake_views`) implements it with Block Kit, as
`handlers.escalation_views.SlackRenderer` does for `escalations.ports.Renderer`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Protocol

from models.joining import JoinRequest


@dataclass(frozen=True)
class MissingReturnReminder:
    """An organisation that has not sent a month's waiting-list return, and for which services."""

    organisation: str
    period: date  # the first day of the month the return is for
    services: list[str]


class IntakeRenderer(Protocol):
    def join_request(self, request: JoinRequest) -> dict:
        """An application for the officer, with Approve and Decline while it is pending."""
        ...

    def join_decision(self, request: JoinRequest) -> dict:
        """What the applicant is told once the officer has decided."""
        ...

    def return_reminder(self, reminder: MissingReturnReminder) -> dict:
        """The monthly reminder to an organisation's members, with a button to send the return."""
        ...

    def leaver_home(self, organisation: str) -> dict:
        """The Home tab (a view) of someone removed from `organisation` (`models.leavers.LeaverHome`)."""
        ...
