"""The port through which the escalation domain says things in Slack, without knowing Slack.

The domain builds plain views (`escalations.views`) and asks a `Renderer` for the message body
(`{"text": ..., "blocks": [...]}`); it then adds the address (channel, user, ts) and queues the
call in the outbox in the same transaction as the change that caused it. The Slack layer
(`handlers.escalation_views.SlackRenderer`) implements this with Block Kit via `slack_sdk.models`.
"""

from __future__ import annotations

from typing import Protocol

from escalations.views import CardView, DigestView, Notice


class Renderer(Protocol):
    def card(self, view: CardView) -> dict:
        """The body of an escalation card in the board's channel (posted once, then updated)."""
        ...

    def notice(self, view: Notice) -> dict:
        """The body of a direct message or a note: reminders, alerts, answers, triage."""
        ...

    def digest(self, view: DigestView) -> dict:
        """The body of the pre-meeting digest for a board's representative."""
        ...
