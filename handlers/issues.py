"""Raising an issue from Slack: `/linkedup issue`, the message shortcut, an @-mention, the Home tab.

Every way in opens the same modal at once (trigger ids expire in about 3 seconds); the
submission stores the issue once per modal and answers with its reference.
"""

from __future__ import annotations

import json

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient
from sqlalchemy.orm import Session

from handlers.blockkit import escape
from handlers.commands import subcommand
from handlers.errors import refuse_in_modal
from handlers.escalation_views import RENDERER
from handlers.forms import (
    metadata,
    open_modal,
    receipt_view,
    send_receipt,
    submission_key,
)
from handlers.ids import IntakeAction, IntakeCallback, IssueField, Shortcut
from handlers.issue_form import issue_modal_dict, mention_offer, message_link, plain_text_of, without_mention
from intake.issues import IssueSource, RaisedIssue, raise_and_route
from intake.joining import submitting_organisation
from intake.suggestions import ordered_themes, suggest_theme
from models.base import utcnow
from models.deliveries import act_once
from models.network import OrganisationStatus


def open_issue_form(
    client: WebClient,
    db: Session,
    *,
    user: str,
    trigger_id: str,
    text: str = "",
    source: IssueSource,
    link: str | None = None,
    channel: str | None = None,
) -> None:
    """Open the issue modal pre-filled with `text` and its suggested theme (raises if not a member)."""
    organisation = submitting_organisation(db, user)
    themes = ordered_themes(db)
    suggestion = suggest_theme(db, text, themes) if text else None
    view = issue_modal_dict(
        organisation=organisation,
        themes=themes,
        suggested=suggestion.theme if suggestion else None,
        description=text,
        source=source,
        link=link,
        channel=channel,
    )
    open_modal(client, db, trigger_id, view)


@subcommand(
    "issue",
    usage="issue [what is happening]",
    summary="raise an issue or challenge (opens the form, pre-filled with your text)",
)
def issue_command(ack: Ack, text: str, command: dict, context: BoltContext, client: WebClient, **_) -> None:
    open_issue_form(
        client,
        context["db"],
        user=command["user_id"],
        trigger_id=command["trigger_id"],
        text=text,
        source=IssueSource.COMMAND,
        channel=command.get("channel_id"),
    )
    ack()


def raise_from_message(ack: Ack, body: dict, client: WebClient, context: BoltContext) -> None:
    """The "Raise as Linked-up issue" message shortcut: the message becomes the description."""
    ack()
    message = body.get("message") or {}
    channel = (body.get("channel") or {}).get("id")
    ts = body.get("message_ts") or message.get("ts")
    link = message_link((body.get("team") or {}).get("domain"), channel, ts, message.get("thread_ts"))
    db = context["db"]
    open_issue_form(
        client,
        db,
        user=body["user"]["id"],
        trigger_id=body["trigger_id"],
        text=plain_text_of(message.get("text") or ""),
        source=IssueSource.MESSAGE,
        link=link,
        channel=channel,
    )


def offer_to_raise(event: dict, body: dict, client: WebClient, context: BoltContext) -> None:
    """An @-mention: answer the person (only them) with a button that opens the pre-filled form."""
    text = plain_text_of(without_mention(event.get("text") or "", context.bot_user_id))
    prompt, blocks = mention_offer(
        channel=event["channel"], ts=event["ts"], thread_ts=event.get("thread_ts"), text=text
    )

    def answer() -> None:
        client.chat_postEphemeral(
            channel=event["channel"],
            user=event["user"],
            text=prompt,
            blocks=blocks,
            thread_ts=event.get("thread_ts"),
        )

    # A Slack retry of an event already answered is not answered twice.
    act_once(context["db"], key=f"event:{body.get('event_id')}", kind="mention_offer", act=answer)


def raise_from_mention(ack: Ack, body: dict, client: WebClient, context: BoltContext) -> None:
    ack()
    try:
        value = json.loads(body["actions"][0].get("value") or "{}")
    except ValueError:
        value = {}
    # The button value is ours (see mention_offer) but comes back from Slack: keep only its strings.
    value = {k: v for k, v in value.items() if isinstance(v, str)} if isinstance(value, dict) else {}
    db = context["db"]
    link = message_link(
        (body.get("team") or {}).get("domain"), value.get("c"), value.get("ts"), value.get("th")
    )
    open_issue_form(
        client,
        db,
        user=body["user"]["id"],
        trigger_id=body["trigger_id"],
        text=str(value.get("t") or ""),
        source=IssueSource.MENTION,
        link=link,
        channel=value.get("c"),
    )


def open_from_home(ack: Ack, body: dict, client: WebClient, context: BoltContext) -> None:
    ack()
    db = context["db"]
    open_issue_form(
        client, db, user=body["user"]["id"], trigger_id=body["trigger_id"], source=IssueSource.HOME
    )


def submit_issue(ack: Ack, body: dict, view: dict, context: BoltContext) -> None:
    db = context["db"]
    user = body["user"]["id"]
    values = context["form"]
    meta = metadata(view)
    source = meta.get("source") if meta.get("source") in set(IssueSource) else IssueSource.COMMAND
    # Raise, then route, in one transaction: the issue and its escalation card are stored together.
    raised = raise_and_route(
        db,
        now=utcnow(),
        render=RENDERER,
        slack_user_id=user,
        title=values.get(IssueField.TITLE),
        description=values.get(IssueField.DESCRIPTION),
        theme_id=values.get(IssueField.THEME),
        urgency=values.get(IssueField.URGENCY),
        affected_age_range=values.get(IssueField.AGE_RANGE),
        affected_group=values.get(IssueField.GROUP),
        sensitive=values.get(IssueField.SENSITIVE),
        publish_allowed=values.get(IssueField.PUBLISH),
        source=source,
        source_link=meta.get("link"),
        delivery_key=submission_key(view),
    )
    headline, details = issue_receipt(raised)
    send_receipt(
        db,
        user=user,
        reference=raised.issue.reference,
        headline=headline,
        details=details,
        new=not raised.duplicate_delivery,
    )
    db.commit()
    ack(response_action="update", view=receipt_view("Issue received", headline, details))


def issue_receipt(raised: RaisedIssue) -> tuple[str, list[str]]:
    """The reference and a one-line summary, then what happens next."""
    issue, routed = raised.issue, raised.routed
    headline = f":white_check_mark: Thanks — your issue is *{issue.reference}*: “{escape(issue.title)}”."
    if issue.theme is not None:
        theme = f"Theme: {escape(issue.theme.name)}" + (
            " (suggested from your words)" if raised.theme_suggested else ""
        )
    else:
        theme = "Theme: none yet — the development officer will file it."
    details = [theme, f"Urgency: {issue.urgency.value}. Status: {issue.status.value}."]
    if issue.organisation.status == OrganisationStatus.PENDING:
        details.append(
            f"{escape(issue.organisation.name)} awaits the officer's approval: the issue is kept and goes "
            "to a board once the organisation is approved."
        )
    if issue.sensitive:
        details.append(
            "Safeguarding-sensitive: only the safeguarding board sees it, and it is never published."
        )
    if routed is not None and routed.board_name:
        details.append(f"Sent to the {escape(routed.board_name)}, who will acknowledge it.")
    elif routed is not None and routed.kind == "triage":
        details.append("The development officer will choose the board that takes it.")
    details.append("Quote the reference to follow it up; `/linkedup status` shows where it stands.")
    return headline, details


def register(app: App) -> None:
    app.shortcut(Shortcut.RAISE_ISSUE)(raise_from_message)
    app.event("app_mention")(offer_to_raise)
    app.action(IntakeAction.RAISE_FROM_MENTION, middleware=[refuse_in_modal])(raise_from_mention)
    app.action(IntakeAction.OPEN_ISSUE_FORM, middleware=[refuse_in_modal])(open_from_home)
    app.view(IntakeCallback.ISSUE)(submit_issue)
