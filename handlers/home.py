"""The App Home tab (published when opened, paged with buttons) and `/linkedup status`."""

from __future__ import annotations

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient

from handlers.commands import reply, subcommand
from handlers.home_view import home_view, parse_pages, status_message
from handlers.ids import IntakeAction
from intake.joining import submitting_organisation
from models.membership import find_member
from models.network import MemberRole
from models.returns import last_complete_month, london_today
from reporting.triage import officer_triage


def publish_home(event: dict, client: WebClient, context: BoltContext) -> None:
    """`app_home_opened`: publish the person's Home tab (the Messages tab needs nothing)."""
    if event.get("tab", "home") != "home":
        return
    client.views_publish(user_id=event["user"], view=home_view(context["db"], event["user"]))


def turn_page(ack: Ack, body: dict, client: WebClient, context: BoltContext) -> None:
    ack()
    pages = parse_pages(body["actions"][0].get("value") or "")
    user = body["user"]["id"]
    client.views_publish(
        user_id=user,
        view=home_view(context["db"], user, issues_page=pages["issues"], services_page=pages["services"]),
    )


@subcommand("status", usage="status", summary="what your organisation raised and where each item stands")
def status_command(ack: Ack, command: dict, context: BoltContext, **_) -> None:
    db = context["db"]
    user = command["user_id"]
    member = find_member(db, user)
    if member is not None and member.role == MemberRole.OFFICER and member.organisation is None:
        triage = officer_triage(db, period=last_complete_month(london_today()), limit=0)
        reply(
            ack,
            f"*Officer triage*: {triage.requests_total} applications to approve, {triage.unrouted_total} new "
            f"issues with no board yet, {triage.feedback_total} feedback awaiting a reply, "
            f"{triage.missing_total} organisations missing last month's return. "
            "Open the Linked-up *Home* tab to act on them.",
        )
        return
    organisation = submitting_organisation(db, user)
    text, blocks = status_message(db, user, organisation)
    reply(ack, text, blocks=[block.to_dict() for block in blocks])


def register(app: App) -> None:
    app.event("app_home_opened")(publish_home)
    app.action(IntakeAction.HOME_PAGE_PREVIOUS)(turn_page)
    app.action(IntakeAction.HOME_PAGE_NEXT)(turn_page)
