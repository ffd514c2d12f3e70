"""The port through which the bulletin domain speaks in Slack, without knowing Slack.

The domain (`bulletins.notices`) decides who is told what and when, and queues each message in
the outbox in the same transaction as the change that caused it; a `BulletinRenderer` only turns
what is to be said into a message body (`{"text": ..., "blocks": [...]}`, blocks as plain dicts,
no "blocks" key for a text-only message). The Slack layer (`handlers.bulletin_views`) implements
it with Block Kit, as `handlers.escalation_views.SlackRenderer` does for `escalations.ports.Renderer`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from bulletins.performance import Performance
from models.bulletins import Article, Bulletin


@dataclass(frozen=True)
class Preview:
    """What the officer approves a compiled bulletin from: its contents and where to read it."""

    bulletin: Bulletin
    labels: dict[str, str]  # category slug → name
    counts: dict[str, int]  # category slug → approved articles
    preview_url: str | None  # a signed link to the email, when the deployment can sign one
    extras: dict[str, int] = field(default_factory=dict)  # answers, waiting, meetings
    mailchimp_missing: list[str] = field(default_factory=list)  # settings still to set


class BulletinRenderer(Protocol):
    def article_review(self, article: Article, *, label: str) -> dict:
        """An article waiting for the officer's decision, with Approve and Reject."""
        ...

    def article_outcome(self, article: Article, *, outcome: str, reason: str = "") -> dict:
        """To whoever sent the article: it was "approved", "rejected" (with the reason) or "published"."""
        ...

    def preview(self, preview: Preview) -> dict:
        """The compiled bulletin, with Approve and schedule and Send now."""
        ...

    def delivered(self, bulletin: Bulletin) -> dict:
        """Mailchimp has the bulletin: scheduled, or sent."""
        ...

    def failed(self, bulletin: Bulletin) -> dict:
        """Sending stopped at a step, with Retry (and Send now instead when it was scheduled)."""
        ...

    def not_configured(self, reason: str) -> dict:
        """An approved bulletin cannot go: Mailchimp is not configured."""
        ...

    def feed_skipped(self, error: str) -> dict:
        """The web-page feed could not be read today."""
        ...

    def performance(self, performance: Performance) -> str:
        """The monthly performance text that goes with the chart."""
        ...
