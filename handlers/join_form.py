"""The join modal, the officer's application card, and the decline-reason modal."""

from __future__ import annotations

from slack_sdk.models.blocks import (
    ActionsBlock,
    ButtonElement,
    CheckboxesElement,
    ConfirmObject,
    ContextBlock,
    DividerBlock,
    EmailInputElement,
    ExternalDataSelectElement,
    InputBlock,
    MarkdownTextObject,
    PlainTextInputElement,
    SectionBlock,
    StaticSelectElement,
)
from slack_sdk.models.views import View

from handlers.blockkit import clip, escape, mention, option
from handlers.forms import encode_metadata
from handlers.ids import DecisionField, IntakeAction, IntakeCallback, JoinField
from intake.identifiers import SCHEMES
from intake.joining import NAME_MAX, REASON_MAX
from intake.service_entries import FIELDS, MAX_SERVICES_PER_FORM, field_id
from intake.service_entries import NAME_MAX as SERVICE_NAME_MAX
from models.joining import JoinRequest, RequestKind, RequestStatus

FIELD = IntakeAction.FIELD


def join_modal(categories: list[str], *, services: int = 1, typed: dict | None = None) -> View:
    """Join an existing organisation (type-ahead) or register a new one, in one form.

    `services` groups of service fields (at most MAX_SERVICES_PER_FORM), with "Add another service"
    while there is room; `typed` (block id → value) refills what was typed when the form grows.
    """
    services = max(1, min(services, MAX_SERVICES_PER_FORM))
    view = View(
        type="modal",
        callback_id=IntakeCallback.JOIN,
        title="Join Linked-up",
        submit="Send",
        close="Cancel",
        private_metadata=encode_metadata({"services": services}),
        blocks=[
            SectionBlock(
                text=MarkdownTextObject(
                    text="Register your organisation with the Linked-up network, or choose it below if it is "
                    "already registered. The development officer approves every application."
                )
            ),
            InputBlock(
                block_id=JoinField.EXISTING,
                label="Already registered? Choose your organisation",
                optional=True,
                hint="Leave the rest of the form empty to ask to join it.",
                element=ExternalDataSelectElement(
                    action_id=IntakeAction.PICK_ORGANISATION,
                    placeholder="Type part of its name",
                    min_query_length=0,
                ),
            ),
            DividerBlock(),
            SectionBlock(text=MarkdownTextObject(text="*Or register a new organisation*")),
            InputBlock(
                block_id=JoinField.NAME,
                label="Organisation name",
                optional=True,
                element=PlainTextInputElement(action_id=FIELD, max_length=NAME_MAX),
            ),
            InputBlock(
                block_id=JoinField.SCHEME,
                label="Registered with",
                optional=True,
                element=StaticSelectElement(
                    action_id=FIELD,
                    placeholder="Choose the register",
                    options=[option(scheme.label, code) for code, scheme in SCHEMES.items()],
                ),
            ),
            InputBlock(
                block_id=JoinField.IDENTIFIER,
                label="Charity or company number",
                optional=True,
                hint="e.g. 1234567, SC012345, NIC100002, 01234567, or an org-id such as GB-CHC-1234567. "
                "Leave empty if your group is not registered.",
                element=PlainTextInputElement(action_id=FIELD, max_length=40),
            ),
            InputBlock(
                block_id=JoinField.EMAIL,
                label="Contact email",
                optional=True,
                element=EmailInputElement(action_id=FIELD, placeholder="hello@example.org"),
            ),
            InputBlock(
                block_id=JoinField.CONSENT,
                label="Bulletin",
                optional=True,
                element=CheckboxesElement(
                    action_id=FIELD,
                    options=[option("Send the monthly Linked-up bulletin to this email", "yes")],
                ),
            ),
            *service_blocks(categories, services, typed or {}),
        ],
    )
    _refill(view.blocks, typed or {})
    return view


def _refill(blocks: list, typed: dict) -> None:
    """What was typed in the organisation's fields, back in them (the service fields refill themselves)."""
    for block in blocks:
        value = typed.get(getattr(block, "block_id", None))
        element = getattr(block, "element", None)
        if value in (None, "", []) or element is None:
            continue
        if isinstance(element, PlainTextInputElement | EmailInputElement) and element.initial_value is None:
            element.initial_value = str(value)
        elif isinstance(element, StaticSelectElement) and element.initial_option is None:
            element.initial_option = next((o for o in element.options if o.value == value), None)
        elif isinstance(element, CheckboxesElement) and isinstance(value, list):
            element.initial_options = [o for o in element.options if o.value in value] or None


def service_blocks(categories: list[str], count: int, typed: dict) -> list:
    """The services part of the join form: a group of fields per service, then "Add another service"."""
    blocks: list = [
        SectionBlock(
            text=MarkdownTextObject(
                text=f"*Your services* (up to {MAX_SERVICES_PER_FORM} here; the development officer can add "
                "more once you are approved). Leave a service's fields empty to skip it."
            )
        )
    ]
    options = [option(category, category) for category in categories]
    for number in range(1, count + 1):
        name, category, ages, places = (field_id(number, field) for field in FIELDS)
        chosen = next((o for o in options if o.value == typed.get(category)), None)
        blocks += [
            InputBlock(
                block_id=name,
                label=f"Service {number}: name",
                optional=True,
                element=PlainTextInputElement(
                    action_id=FIELD, max_length=SERVICE_NAME_MAX, initial_value=_typed(typed, name)
                ),
            ),
            InputBlock(
                block_id=category,
                label="Category",
                optional=True,
                element=StaticSelectElement(
                    action_id=FIELD, placeholder="Choose a category", options=options, initial_option=chosen
                ),
            ),
            InputBlock(
                block_id=ages,
                label="Ages",
                optional=True,
                hint="e.g. 8-18, 16+ or all ages",
                element=PlainTextInputElement(
                    action_id=FIELD, max_length=20, initial_value=_typed(typed, ages)
                ),
            ),
            InputBlock(
                block_id=places,
                label="Places available / maximum",
                optional=True,
                hint="e.g. 5/20; leave empty if places are not counted",
                element=PlainTextInputElement(
                    action_id=FIELD, max_length=20, initial_value=_typed(typed, places)
                ),
            ),
        ]
    if count < MAX_SERVICES_PER_FORM:
        blocks.append(
            ActionsBlock(
                block_id="add_service",
                elements=[ButtonElement(text="Add another service", action_id=IntakeAction.ADD_SERVICE)],
            )
        )
    else:
        blocks.append(
            ContextBlock(
                elements=[
                    MarkdownTextObject(
                        text=f"That is the most one form takes ({MAX_SERVICES_PER_FORM}); "
                        "the development officer can add the rest after approval."
                    )
                ]
            )
        )
    return blocks


def _typed(typed: dict, block_id: str) -> str | None:
    value = typed.get(block_id)
    return str(value) if value not in (None, "") else None


def request_summary(request: JoinRequest) -> str:
    """The application as the officer reads it (mrkdwn, ≤ 3000 characters)."""
    organisation = request.organisation
    if request.kind == RequestKind.JOIN:
        return (
            f"*Request to join an organisation* · `{request.reference}`\n"
            f"{mention(request.slack_user_id)} asks to join *{escape(clip(organisation.name, NAME_MAX))}* "
            f"({organisation.status.value})."
        )
    services = organisation.services
    listed = "; ".join(_service_text(service) for service in services[:10])
    more = f" …and {len(services) - 10} more" if len(services) > 10 else ""
    lines = [
        f"*New organisation to approve* · `{request.reference}`",
        f"*{escape(organisation.name)}* · {escape(organisation.org_identifier or 'no registration number')}",
        f"Contact: {escape(organisation.contact_email or '—')} · bulletin: "
        f"{'yes' if organisation.bulletin_consent else 'no'}",
        f"Services ({len(services)}): {listed or 'none yet'}{more}",
        f"Applied by {mention(request.slack_user_id)}",
    ]
    return clip("\n".join(lines), 3000)


def _service_text(service) -> str:
    places = ""
    if service.places_maximum is not None:
        places = f" ({service.places_available}/{service.places_maximum} places)"
    return escape(clip(service.name, 80)) + places


def decision_line(request: JoinRequest) -> str:
    if request.status == RequestStatus.APPROVED:
        return f":white_check_mark: Approved by {mention(request.decided_by)}."
    if request.status == RequestStatus.DECLINED:
        return f":x: Declined by {mention(request.decided_by)}: “{escape(request.reason or '')}”"
    return ":hourglass_flowing_sand: Waiting for a decision."


def request_blocks(request: JoinRequest, *, origin: str = "message") -> list:
    """The card: the application, then Approve/Decline while pending, or the decision."""
    blocks: list = [SectionBlock(text=MarkdownTextObject(text=request_summary(request)))]
    if request.status != RequestStatus.PENDING:
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=clip(decision_line(request), 2000))]))
        return blocks
    value = f"{request.id}:{origin}"
    blocks.append(
        ActionsBlock(
            block_id=f"request-{request.id}",
            elements=[
                ButtonElement(
                    text="Approve",
                    action_id=IntakeAction.APPROVE_REQUEST,
                    value=value,
                    style="primary",
                    confirm=ConfirmObject(
                        title="Approve?",
                        text=clip(
                            f"Approve {escape(request.organisation.name)}'s application {request.reference}?",
                            300,
                        ),
                        confirm="Approve",
                        deny="Not yet",
                    ),
                ),
                ButtonElement(
                    text="Decline…", action_id=IntakeAction.DECLINE_REQUEST, value=value, style="danger"
                ),
            ],
        )
    )
    return blocks


def decline_modal(request: JoinRequest, *, channel: str | None, ts: str | None, from_home: bool) -> View:
    return View(
        type="modal",
        callback_id=IntakeCallback.DECLINE_REASON,
        title="Decline application",
        submit="Decline",
        close="Cancel",
        private_metadata=encode_metadata(
            {"request": request.id, "channel": channel, "ts": ts, "home": 1 if from_home else None}
        ),
        blocks=[
            SectionBlock(text=MarkdownTextObject(text=request_summary(request))),
            InputBlock(
                block_id=DecisionField.REASON,
                label="Reason (sent to the applicant)",
                element=PlainTextInputElement(action_id=FIELD, multiline=True, max_length=REASON_MAX),
            ),
        ],
    )


def applicant_message(request: JoinRequest) -> str:
    """What the applicant is told about the decision."""
    name = escape(clip(request.organisation.name, NAME_MAX))
    if request.status == RequestStatus.APPROVED and request.kind == RequestKind.REGISTER:
        return (
            f":white_check_mark: *{name}* is approved as a member of the Linked-up network "
            f"({request.reference}). Issues raised while you waited now go to the boards. "
            "Type `/linkedup help` to see everything you can do."
        )
    if request.status == RequestStatus.APPROVED:
        return (
            f":white_check_mark: You are now a member of *{name}* on Linked-up ({request.reference}). "
            "Type `/linkedup help` to see everything you can do."
        )
    return (
        f"Your application {request.reference} ({name}) was not approved. The development officer said: "
        f"“{escape(clip(request.reason, REASON_MAX))}”. Reply to the officer, or type `/linkedup join` to "
        "apply again."
    )
