"""`/linkedup join`, the officer's Approve / Decline, and the reason sent to a declined applicant."""

from __future__ import annotations

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient
from sqlalchemy.orm import Session

from handlers import intake_views
from handlers.blockkit import escape, option
from handlers.commands import subcommand
from handlers.errors import refuse_in_modal
from handlers.escalation_views import RENDERER
from handlers.forms import (
    metadata,
    open_modal,
    receipt_view,
    refresh_home,
    send_receipt,
    submission_key,
)
from handlers.home_view import home_view
from handlers.ids import DecisionField, IntakeAction, IntakeCallback, JoinField
from handlers.join_form import (
    decision_line,
    decline_modal,
    join_modal,
    request_blocks,
    request_summary,
)
from handlers.middleware import form_values
from intake.joining import (
    Decision,
    apply_to_network,
    approve_and_route_held,
    decide_request,
    ensure_may_apply,
    search_organisations,
)
from intake.notices import ask_officers_to_decide
from intake.service_entries import MAX_SERVICES_PER_FORM, service_categories
from models.base import utcnow
from models.errors import NotAllowed, NotFound
from models.fields import record_id
from models.joining import JoinRequest, RequestKind, RequestStatus
from models.membership import is_officer
from models.network import OrganisationStatus
from models.outbox import enqueue


@subcommand("join", usage="join", summary="register your organisation, or ask to join one already registered")
def join_command(ack: Ack, command: dict, context: BoltContext, client: WebClient, **_) -> None:
    db = context["db"]
    ensure_may_apply(db, command["user_id"])
    open_modal(client, db, command["trigger_id"], join_modal(service_categories(db)))
    ack()


def open_join_form(ack: Ack, body: dict, client: WebClient, context: BoltContext) -> None:
    """The "Register or join" button, on the Home tab or in a "you are not registered" notice."""
    ack()
    db = context["db"]
    view = body.get("view") or {}

    def opener() -> None:
        ensure_may_apply(db, body["user"]["id"])
        if view.get("type") == "modal":
            client.views_update(
                view_id=view["id"], hash=view.get("hash"), view=join_modal(service_categories(db))
            )
        else:
            open_modal(client, db, body["trigger_id"], join_modal(service_categories(db)))

    opener()


def add_service(ack: Ack, body: dict, client: WebClient, context: BoltContext) -> None:
    """ "Add another service": the same form with one more group of service fields, keeping what was typed.

    The view's hash makes Slack refuse the update if the form changed meanwhile (a double press).
    """
    ack()
    view = body.get("view") or {}
    if not view.get("id"):  # only ever pressed inside the join form
        return
    count = _service_count(view) + 1
    form = join_modal(service_categories(context["db"]), services=count, typed=form_values(view))
    context["db"].rollback()  # read only
    client.views_update(view_id=view["id"], hash=view.get("hash"), view=form)


def _service_count(view: dict) -> int:
    """How many service groups the form shows (its metadata, bounded: it comes back from Slack)."""
    count = metadata(view).get("services")
    return max(1, min(count, MAX_SERVICES_PER_FORM)) if isinstance(count, int) else 1


def organisation_options(ack: Ack, body: dict, context: BoltContext) -> None:
    """Type-ahead for "Already registered?": up to 100 organisations whose name matches."""
    organisations = search_organisations(context["db"], body.get("value") or "", limit=100)
    ack(
        options=[
            option(
                organisation.name,
                str(organisation.id),
                suffix=" (pending)" if organisation.status == OrganisationStatus.PENDING else "",
            ).to_dict()
            for organisation in organisations
        ]
    )


def submit_join(ack: Ack, body: dict, view: dict, context: BoltContext) -> None:
    db = context["db"]
    user = body["user"]["id"]
    values = context["form"]
    stored = apply_to_network(
        db,
        slack_user_id=user,
        existing_organisation=values.get(JoinField.EXISTING),
        name=values.get(JoinField.NAME),
        scheme=values.get(JoinField.SCHEME),
        identifier=values.get(JoinField.IDENTIFIER),
        contact_email=values.get(JoinField.EMAIL),
        bulletin_consent=values.get(JoinField.CONSENT),
        services={key: value for key, value in values.items() if key.startswith("service_")},
        service_count=_service_count(view),
        delivery_key=submission_key(view),
    )
    request = stored.record
    ask_officers_to_decide(db, request, render=intake_views.RENDERER)
    headline, details = join_receipt(request)
    send_receipt(db, user=user, reference=request.reference, headline=headline, details=details)
    db.commit()
    ack(response_action="update", view=receipt_view("Application sent", headline, details))


def join_receipt(request: JoinRequest) -> tuple[str, list[str]]:
    organisation = request.organisation
    if request.kind == RequestKind.JOIN:
        return (
            f":white_check_mark: Thanks — your request is *{request.reference}*: "
            f"join *{escape(organisation.name)}*.",
            ["The development officer will approve it; you will get a message as soon as it is decided."],
        )
    identifier = f" ({organisation.org_identifier})" if organisation.org_identifier else ""
    count = len(organisation.services)
    return (
        f":white_check_mark: Thanks — your application is *{request.reference}*: register "
        f"*{escape(organisation.name)}*{identifier} with {count} service{'s' if count != 1 else ''}.",
        [
            "The development officer will approve it. Meanwhile you can already raise issues, send "
            "waiting-list returns and feedback: they are kept, and issues go to the boards once approved."
        ],
    )


def _request_and_origin(body: dict) -> tuple[str, str | None, str | None, bool]:
    """The request id from the button, and where the button was: a message (channel, ts) or Home."""
    request_id = (body["actions"][0].get("value") or "").split(":", 1)[0]
    container = body.get("container") or {}
    if container.get("type") == "message":
        return request_id, container.get("channel_id"), container.get("message_ts"), False
    return request_id, None, None, (body.get("view") or {}).get("type") == "home"


def approve_request(ack: Ack, body: dict, client: WebClient, context: BoltContext) -> None:
    ack()
    db = context["db"]
    user = body["user"]["id"]
    request_id, channel, ts, from_home = _request_and_origin(body)
    # Approving a registration routes the issues held while it waited, in the same transaction.
    decision = approve_and_route_held(
        db, request_id=request_id, officer=user, now=utcnow(), render=RENDERER, tell=intake_views.RENDERER
    )
    after_decision(db, client, decision, officer=user, channel=channel, ts=ts, from_home=from_home)


def ask_decline_reason(ack: Ack, body: dict, client: WebClient, context: BoltContext) -> None:
    ack()
    db = context["db"]
    user = body["user"]["id"]
    request_id, channel, ts, from_home = _request_and_origin(body)

    def opener() -> None:
        if not is_officer(db, user):
            raise NotAllowed("Only the development officer can approve or decline organisations.")
        chosen = record_id(request_id)
        request = db.get(JoinRequest, chosen) if chosen is not None else None
        if request is None:
            raise NotFound("That application no longer exists.")
        if request.status != RequestStatus.PENDING:
            raise NotAllowed(f"{request.reference} is already decided. {decision_line(request)}")
        open_modal(
            client,
            db,
            body["trigger_id"],
            decline_modal(request, channel=channel, ts=ts, from_home=from_home),
        )

    opener()


def submit_decline(ack: Ack, body: dict, view: dict, client: WebClient, context: BoltContext) -> None:
    db = context["db"]
    user = body["user"]["id"]
    meta = metadata(view)
    decision = decide_request(
        db,
        request_id=meta.get("request"),
        officer=user,
        approve=False,
        reason=context["form"].get(DecisionField.REASON),
        tell=intake_views.RENDERER,
    )
    after_decision(
        db,
        client,
        decision,
        officer=user,
        channel=meta.get("channel"),
        ts=meta.get("ts"),
        from_home=bool(meta.get("home")),
    )
    ack()


def after_decision(
    db: Session,
    client: WebClient,
    decision: Decision,
    *,
    officer: str,
    channel: str | None,
    ts: str | None,
    from_home: bool,
) -> None:
    """Replace the buttons on the card clicked and refresh the Home tab (the applicant was told by the
    decision itself)."""
    request = decision.request
    if channel and ts:
        enqueue(
            db,
            key=f"join-card:{request.reference}:{request.status.value}:{channel}:{ts}",
            method="chat.update",
            payload={
                "channel": channel,
                "ts": ts,
                "text": request_summary(request)[:300],
                "blocks": [block.to_dict() for block in request_blocks(request)],
            },
        )
    db.commit()
    if from_home:
        refresh_home(client, officer, home_view(db, officer))


def register(app: App) -> None:
    app.options(IntakeAction.PICK_ORGANISATION)(organisation_options)
    app.action(IntakeAction.OPEN_JOIN_FORM, middleware=[refuse_in_modal])(open_join_form)
    app.view(IntakeCallback.JOIN)(submit_join)
    app.action(IntakeAction.ADD_SERVICE)(add_service)
    app.action(IntakeAction.APPROVE_REQUEST, middleware=[refuse_in_modal])(approve_request)
    app.action(IntakeAction.DECLINE_REQUEST, middleware=[refuse_in_modal])(ask_decline_reason)
    app.view(IntakeCallback.DECLINE_REASON)(submit_decline)
