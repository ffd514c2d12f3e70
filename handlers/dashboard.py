"""`/linkedup dashboard`: a one-time link that signs the Slack user in to the web dashboard.

The reply is ephemeral (only the person who typed the command sees the link). A Slack retry just
issues another link; each one works once and expires after ten minutes, so nothing accumulates.
The signing key comes in the listener's context (put there by `bot.slack` with the settings), so
this module needs nothing from `bot`.
"""

from __future__ import annotations

from slack_bolt import Ack, BoltContext
from slack_sdk.models.blocks import ContextBlock, MarkdownTextObject, SectionBlock

from handlers.commands import reply, subcommand
from models import sign_in
from reporting import access


@subcommand(
    "dashboard",
    usage="dashboard",
    summary="a sign-in link to the network dashboard (works once, for 10 minutes)",
)
def dashboard_link(ack: Ack, command: dict, context: BoltContext, **_: object) -> None:
    db = context["db"]
    settings = context["settings"]
    user_id = command["user_id"]
    viewer = access.viewer_for(db, user_id)
    url = sign_in.issue_sign_in_link(
        db, user_id, base_url=settings.public_base_url, secret=context["signing_key"]
    )
    db.commit()
    text = (
        f"<{url}|Sign in to the Linked-up dashboard> — this link is just for you: it works once "
        "and expires in 10 minutes."
    )
    blocks = [
        SectionBlock(text=MarkdownTextObject(text=f":bar_chart: {text}")),
        ContextBlock(elements=[MarkdownTextObject(text="You will see it as: " + "; ".join(viewer.roles))]),
    ]
    reply(ack, f"Sign in to the Linked-up dashboard: {url} (works once, expires in 10 minutes)", blocks)
