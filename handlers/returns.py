"""`/linkedup waiting`: the monthly waiting-list return for one of the organisation's services."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient
from slack_sdk.models.blocks import (
    ExternalDataSelectElement,
    InputBlock,
    NumberInputElement,
    PlainTextInputElement,
    RadioButtonsElement,
    StaticSelectElement,
)
from slack_sdk.models.views import View
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from handlers.blockkit import OPTION_VALUE_MAX, escape, filled, option, option_label
from handlers.commands import subcommand
from handlers.errors import refuse_in_modal
from handlers.forms import (
    open_modal,
    receipt_view,
    send_receipt,
    submission_key,
)
from handlers.ids import IntakeAction, IntakeCallback, ReturnField
from intake.joining import submitting_organisation
from intake.returns import MAX_WAIT_WEEKS, NOTES_MAX, RecordedReturn, record_return
from models.errors import NotAllowed
from models.network import Organisation, Service
from models.returns import CAPACITY_LABELS, last_complete_month, london_today, period_label, period_value

FIELD = IntakeAction.FIELD
MONTHS_OFFERED = 24
STATIC_SERVICES_MAX = 100
SERVICE_NAME_MAX = 200  # services.name is a String(200)


def months_before(period: date, count: int) -> list[date]:
    months = []
    for _ in range(count):
        months.append(period)
        period = (period.replace(day=1) - date.resolution).replace(day=1)
    return months


def return_modal(services: list[Service], today: date) -> View:
    """The return form built with `slack_sdk.models` (validated when serialised)."""
    texts = _return_texts(services, today)
    return _return_view(len(services), texts)


def return_modal_dict(services: list[Service], today: date) -> dict:
    """`return_modal(...).to_dict()`, filled from a template validated once per shape (the fast path)."""
    texts = _return_texts(services, today)
    shape = ("waiting_return", len(services) if len(services) <= STATIC_SERVICES_MAX else "external")
    return filled(shape, lambda slots: _return_view(len(services), slots), texts)


def _return_texts(services: list[Service], today: date) -> list[str]:
    """The texts that change: each month's label and value, then each service's (for a static select)."""
    texts = []
    for month in months_before(last_complete_month(today), MONTHS_OFFERED):
        texts += [option_label(period_label(month)), period_value(month)]
    if len(services) <= STATIC_SERVICES_MAX:
        for service in services:
            texts += [option_label(service.name), str(service.id)[:OPTION_VALUE_MAX]]
    return texts


def _return_view(service_count: int, texts: Sequence[str]) -> View:
    text = iter(texts)
    months = [option(next(text), next(text)) for _ in range(MONTHS_OFFERED)]
    if service_count <= STATIC_SERVICES_MAX:
        choices = [option(next(text), next(text)) for _ in range(service_count)]
        service_element = StaticSelectElement(
            action_id=FIELD,
            placeholder="Choose the service",
            options=choices,
            initial_option=choices[0] if len(choices) == 1 else None,
        )
    else:
        service_element = ExternalDataSelectElement(
            action_id=IntakeAction.PICK_SERVICE,
            placeholder="Type part of the service's name",
            min_query_length=0,
        )

    def count(block_id: str, label: str, hint: str | None = None, maximum: int | None = None) -> InputBlock:
        return InputBlock(
            block_id=block_id,
            label=label,
            hint=hint,
            element=NumberInputElement(
                action_id=FIELD, is_decimal_allowed=False, min_value=0, max_value=maximum
            ),
        )

    return View(
        type="modal",
        callback_id=IntakeCallback.WAITING_RETURN,
        title="Waiting-list return",
        submit="Send",
        close="Cancel",
        blocks=[
            InputBlock(block_id=ReturnField.SERVICE, label="Service", element=service_element),
            InputBlock(
                block_id=ReturnField.PERIOD,
                label="Month",
                hint="Sending again for the same month replaces that return "
                "(the earlier figures are kept in the history).",
                element=StaticSelectElement(action_id=FIELD, options=months, initial_option=months[0]),
            ),
            count(ReturnField.NUMBER_WAITING, "Number waiting at the end of the month"),
            count(ReturnField.NEW_REFERRALS, "New referrals in the month"),
            count(ReturnField.MEDIAN_WAIT, "Median wait (weeks)", maximum=MAX_WAIT_WEEKS),
            count(ReturnField.LONGEST_WAIT, "Longest wait (weeks)", maximum=MAX_WAIT_WEEKS),
            InputBlock(
                block_id=ReturnField.CAPACITY,
                label="Capacity",
                element=RadioButtonsElement(
                    action_id=FIELD,
                    options=[option(label, status.value) for status, label in CAPACITY_LABELS.items()],
                ),
            ),
            InputBlock(
                block_id=ReturnField.NOTES,
                label="Notes",
                optional=True,
                element=PlainTextInputElement(action_id=FIELD, multiline=True, max_length=NOTES_MAX),
            ),
        ],
    )


def open_return_form(client: WebClient, db: Session, *, user: str, trigger_id: str) -> None:
    organisation = submitting_organisation(db, user)
    services = list(organisation.services)
    if not services:
        raise NotAllowed(
            f"{organisation.name} has no services registered yet, so there is no waiting list to report. "
            "Ask the development officer to add your services."
        )
    open_modal(client, db, trigger_id, return_modal_dict(services, london_today()))


@subcommand(
    "waiting", usage="waiting", summary="send the monthly waiting-list return for one of your services"
)
def waiting_command(ack: Ack, command: dict, context: BoltContext, client: WebClient, **_) -> None:
    open_return_form(client, context["db"], user=command["user_id"], trigger_id=command["trigger_id"])
    ack()


def open_from_home(ack: Ack, body: dict, client: WebClient, context: BoltContext) -> None:
    ack()
    db = context["db"]
    open_return_form(client, db, user=body["user"]["id"], trigger_id=body["trigger_id"])


def service_options(ack: Ack, body: dict, context: BoltContext) -> None:
    """Type-ahead for organisations with more services than a static select can hold."""
    db = context["db"]
    organisation: Organisation = submitting_organisation(db, body["user"]["id"])
    query = (body.get("value") or "").strip().lower()
    if len(query) > SERVICE_NAME_MAX:
        ack(options=[])  # longer than any service name (and a huge LIKE pattern fails on SQLite)
        return
    statement = select(Service).where(Service.organisation_id == organisation.id)
    if query:
        statement = statement.where(func.lower(Service.name).contains(query, autoescape=True))
    services = db.scalars(statement.order_by(Service.name).limit(STATIC_SERVICES_MAX))
    ack(options=[option(service.name, str(service.id)).to_dict() for service in services])


def submit_return(ack: Ack, body: dict, view: dict, context: BoltContext) -> None:
    db = context["db"]
    user = body["user"]["id"]
    values = context["form"]
    recorded = record_return(
        db,
        slack_user_id=user,
        service=values.get(ReturnField.SERVICE),
        period=values.get(ReturnField.PERIOD),
        number_waiting=values.get(ReturnField.NUMBER_WAITING),
        new_referrals=values.get(ReturnField.NEW_REFERRALS),
        median_wait_weeks=values.get(ReturnField.MEDIAN_WAIT),
        longest_wait_weeks=values.get(ReturnField.LONGEST_WAIT),
        capacity_status=values.get(ReturnField.CAPACITY),
        notes=values.get(ReturnField.NOTES),
        delivery_key=submission_key(view),
    )
    headline, details = return_receipt(recorded)
    row = recorded.waiting_return
    send_receipt(
        db,
        user=user,
        reference=f"{row.reference}/{row.revision}",
        headline=headline,
        details=details,
        new=not recorded.duplicate_delivery,
    )
    db.commit()
    ack(response_action="update", view=receipt_view("Return received", headline, details))


def return_receipt(recorded: RecordedReturn) -> tuple[str, list[str]]:
    row = recorded.waiting_return
    headline = (
        f":white_check_mark: Thanks — your waiting-list return is *{row.reference}*: "
        f"{escape(row.service.name)}, {period_label(row.period)}: {row.number_waiting} waiting, "
        f"{row.new_referrals} new referrals, median {row.median_wait_weeks} / "
        f"longest {row.longest_wait_weeks} weeks."
    )
    details = [f"Capacity: {row.capacity_status.label.lower()}."]
    if recorded.updated:
        details.append(
            f"This replaces the earlier return for {period_label(row.period)} (version {row.revision}); "
            "the earlier figures are kept in the history."
        )
    return headline, details


def register(app: App) -> None:
    app.options(IntakeAction.PICK_SERVICE)(service_options)
    app.action(IntakeAction.OPEN_RETURN_FORM, middleware=[refuse_in_modal])(open_from_home)
    app.view(IntakeCallback.WAITING_RETURN)(submit_return)
