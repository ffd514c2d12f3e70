"""The port through which the escalation domain says things in Slack, without knowing Slack.

The domain builds plain views (`escalations.views`) and asks a `Renderer` for the message body
(`{"text": ..., "blocks": [...]}`); it then adds the address (channel, user, ts) and queues the
call in the outbox in the same transaction as the change that caused it. The Slack layer
(`handlers.escalation_views.SlackRenderer`) implements this with Block Kit via `slack_sdk.models`.

Board members outside Slack get the same news by e-mail through a `MailRenderer` (plain `MailView`
in, `{subject, text, html}` out), implemented in `mail.escalations`. The process installs it once at
start-up (`use_mail`): it holds the public address and the key that signs the e-mail's links, which
the domain never sees. Without one, nothing is e-mailed (a process that never sends, such as a test
of Slack alone).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from escalations.views import CardView, DigestView, Notice

if TYPE_CHECKING:
    from escalations.mail_views import MailView


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


class MailRenderer(Protocol):
    def message(self, view: MailView) -> dict:
        """`{"subject", "text", "html"}` for one e-mail to one board member."""
        ...


_mail: list[MailRenderer] = []


def use_mail(renderer: MailRenderer | None) -> None:
    """Install the process's e-mail renderer (None removes it)."""
    _mail[:] = [renderer] if renderer is not None else []


def mail_renderer() -> MailRenderer | None:
    return _mail[0] if _mail else None
