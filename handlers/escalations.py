"""Escalation cards and their buttons, the modals behind them, and the officer's commands.

The Slack side of `escalations`: `SlackRenderer` turns the domain's plain views into Block Kit
(built with `slack_sdk.models`, inside Slack's limits), and the listeners parse a payload, call
one domain flow, commit, and answer. A refusal (not a board member, a stale button) is told to
the person alone with an ephemeral message; a modal's bad input comes back inline on its field.
Card updates, DMs and notes to the board go through the outbox, queued by the domain.
"""

from __future__ import annotations

import enum
import functools
import json
import logging
from datetime import date

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient
from slack_sdk.models.blocks import (
    Block,
    ContextBlock,
    DatePickerElement,
    InputBlock,
    MarkdownTextObject,
    Option,
    PlainTextInputElement,
    PlainTextObject,
    RadioButtonsElement,
    SectionBlock,
    StaticSelectElement,
)
from slack_sdk.models.views import View
from sqlalchemy import select

from escalations import agenda as agenda_domain
from escalations import flows, meetings
from escalations.errors import MovedOn
from escalations.views import CardAction, CardView, DigestView, Notice, NoticeKind, state_in_words
from escalations.working_days import describe
from handlers import escalation_blocks as kit
from handlers.commands import reply, subcommand
from handlers.escalation_blocks import clip
from models.base import utcnow
from models.errors import DomainError, NotAllowed, NotFound, ValidationError
from models.escalations import AWAITING_BOARD, Escalation, EscalationState, Outcome
from models.fields import record_id
from models.network import Board

log = logging.getLogger(__name__)

MESSAGE_BLOCKS_MAX = 50
MODAL_BLOCKS_MAX = 100
SECTION_MAX = 3000
FIELD_MAX = 2000
HEADER_MAX = 150
OPTION_MAX = 75
OPTIONS_MAX = 100
FALLBACK_MAX = 3000


class EscalationAction(enum.StrEnum):
    """Button action ids on cards, reminders, answers and the triage queue."""

    ACKNOWLEDGE = "escalation_acknowledge"
    RESPOND = "escalation_respond"
    REASSIGN = "escalation_reassign"
    ESCALATE = "escalation_escalate"
    SNOOZE = "escalation_snooze"
    SATISFIED = "escalation_satisfied"
    NOT_SATISFIED = "escalation_not_satisfied"
    ROUTE = "escalation_route"


class EscalationCallback(enum.StrEnum):
    """Modal callback ids."""

    RESPOND = "escalation_respond_modal"
    REASSIGN = "escalation_reassign_modal"
    ESCALATE = "escalation_escalate_modal"
    NOT_SATISFIED = "escalation_not_satisfied_modal"
    ROUTE = "escalation_route_modal"


CARD_BUTTONS = {
    CardAction.ACKNOWLEDGE: (EscalationAction.ACKNOWLEDGE, "Acknowledge", "primary"),
    CardAction.RESPOND: (EscalationAction.RESPOND, "Respond", None),
    CardAction.REASSIGN: (EscalationAction.REASSIGN, "Re-assign", None),
    CardAction.ESCALATE: (EscalationAction.ESCALATE, "Escalate", "danger"),
}
STATE_BADGES = {
    "open": ":large_blue_circle: Waiting for acknowledgement",
    "acknowledged": ":hourglass_flowing_sand: Acknowledged — response due",
    "responded": ":white_check_mark: Answered",
    "reassigned": ":arrow_right: Re-assigned",
    "escalated": ":arrow_up: Escalated",
    "closed": ":lock: Closed",
}
OUTCOME_LABELS = {
    Outcome.ACCEPTED.value: "Accepted",
    Outcome.PARTLY.value: "Partly accepted",
    Outcome.DECLINED.value: "Declined",
}


# ---------------------------------------------------------------------------------------------
# Text that fits


def escape(text: str | None) -> str:
    """Text a person typed, safe inside mrkdwn (no accidental @channel, links or markup)."""
    return (text or "").replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def packed(lines: list[str], *, limit: int = SECTION_MAX) -> list[kit.Spec]:
    """Lines packed into as few sections as fit, never cutting a line in two (over-long ones clipped)."""
    blocks, current = [], ""
    for line in lines:
        line = clip(line, limit)
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) > limit:
            blocks.append(kit.section(current))
            candidate = line
        current = candidate
    if current:
        blocks.append(kit.section(current))
    return blocks


def button(action: EscalationAction, label: str, value: str, style: str | None = None) -> kit.Button:
    return kit.Button(action.value, label, value, style)


def body(text: str, blocks: list[kit.Spec]) -> dict:
    """A message body: fallback text and at most 50 blocks (the last says what was left out)."""
    if len(blocks) > MESSAGE_BLOCKS_MAX:
        dropped = len(blocks) - (MESSAGE_BLOCKS_MAX - 1)
        blocks = [*blocks[: MESSAGE_BLOCKS_MAX - 1], kit.context(f"_…and {dropped} more blocks not shown._")]
    return {"text": clip(text, FALLBACK_MAX), "blocks": kit.render(blocks)}


def modal_section(text: str) -> SectionBlock:
    return SectionBlock(text=MarkdownTextObject(text=clip(text, SECTION_MAX)))


def quote(text: str) -> str:
    return "\n".join("> " + line for line in escape(text).splitlines() or [""])


# ---------------------------------------------------------------------------------------------
# The renderer the domain calls


class SlackRenderer:
    """Block Kit for the escalation domain's views (`escalations.ports.Renderer`)."""

    def card(self, view: CardView) -> dict:
        return body(*self.card_blocks(view))

    def card_blocks(self, view: CardView) -> tuple[str, list[kit.Spec]]:
        title = f"{view.reference} · {view.title}"
        organisation = (
            view.organisation if not view.organisation_withheld else "_withheld (safeguarding-sensitive)_"
        )
        fields = [
            f"*Board*\n{escape(view.board)}",
            f"*Status*\n{STATE_BADGES.get(view.state, view.state)}",
            f"*Acknowledge by*\n{view.acknowledge_by}"
            + (" :warning: overdue" if view.acknowledge_overdue else ""),
            f"*Respond by*\n{view.respond_by}"
            + (" :rotating_light: overdue" if view.respond_overdue else ""),
            f"*From*\n{escape(organisation) if not view.organisation_withheld else organisation}",
            f"*Theme*\n{escape(view.theme) if view.theme else '—'}",
            f"*Urgency*\n{view.urgency}" + (" · :lock: safeguarding-sensitive" if view.sensitive else ""),
        ]
        if view.affected:
            fields.append(f"*Who is affected*\n{escape(view.affected)}")
        blocks: list[kit.Spec] = [kit.header(title), kit.fields(fields), kit.section(quote(view.description))]
        ladder = " → ".join(
            f"*{escape(name)}*" if index == view.rung else escape(name)
            for index, name in enumerate(view.ladder)
        )
        blocks.append(kit.context(f"Ladder: {ladder}"))
        if view.source_link:
            blocks.append(kit.context(f"<{view.source_link}|Original message>"))
        if view.history:
            blocks.append(
                kit.context("*Before this board:*\n" + "\n".join(escape(line) for line in view.history))
            )
        if view.acknowledged:
            blocks.append(kit.context(f"Acknowledged by {view.acknowledged}"))
        if view.responded:
            lines = [f"*Answer* ({OUTCOME_LABELS.get(view.outcome or '', view.outcome)}) — {view.responded}"]
            lines.append(quote(view.answer or ""))
            if view.decline_reason:
                lines.append(f"*Why declined:* {escape(view.decline_reason)}")
            if view.follow_up:
                lines.append(f"*Follow-up by:* {view.follow_up}")
            blocks.extend(packed(lines))
        if view.officer_alerted:
            blocks.append(
                kit.context(
                    ":rotating_light: Overdue at the top of the ladder — the officer has been alerted."
                )
            )
        if view.moved_on:
            blocks.append(kit.section(f":arrow_right: {escape(view.moved_on)}"))
        if view.actions:
            value = str(view.escalation_id)
            elements = []
            for action in view.actions:
                action_id, label, style = CARD_BUTTONS[action]
                elements.append(button(action_id, label, value, style))
            blocks.append(kit.actions(f"escalation:{view.escalation_id}", elements))
        text = f"{view.reference}: {view.title} — {view.board} ({view.state})"
        return text, blocks

    def notice(self, view: Notice) -> dict:
        return body(*self.notice_blocks(view))

    def notice_blocks(self, view: Notice) -> tuple[str, list[kit.Spec]]:
        blocks: list[kit.Spec] = [kit.header(view.heading), *packed(list(view.lines))]
        elements = []
        if view.kind in (NoticeKind.REMINDER, NoticeKind.ACKNOWLEDGE_OVERDUE) and view.escalation_id:
            elements.append(
                button(EscalationAction.SNOOZE, "Snooze to next working day", str(view.escalation_id))
            )
        if view.kind == NoticeKind.ANSWER and view.escalation_id:
            elements += [
                button(EscalationAction.SATISFIED, "Satisfied", str(view.escalation_id), "primary"),
                button(EscalationAction.NOT_SATISFIED, "Not satisfied", str(view.escalation_id)),
            ]
        if view.kind in (NoticeKind.TRIAGE, NoticeKind.OFFICER_ALERT) and view.issue_id:
            label = "Route to a board" if view.kind == NoticeKind.TRIAGE else "Re-route"
            elements.append(button(EscalationAction.ROUTE, label, str(view.issue_id), "primary"))
        if elements:
            blocks.append(kit.actions(f"notice:{view.kind.value}", elements))
        return view.heading, blocks

    def digest(self, view: DigestView) -> dict:
        return body(*self.digest_blocks(view))

    def digest_blocks(self, view: DigestView) -> tuple[str, list[kit.Spec]]:
        blocks: list[kit.Spec] = [
            kit.header(f"Before the {view.meeting}"),
            kit.context(f"{escape(view.board)} meets {view.when}. Pending escalations for the board:"),
        ]
        if not view.items:
            blocks.append(kit.section("Nothing is pending for this board. :tada:"))
        lines = []
        for item in view.items:
            flag = " :rotating_light: *overdue*" if item.overdue else ""
            lines.append(
                f"• *{item.reference}* {escape(item.title)} — {item.state}, "
                f"respond by {item.respond_by}{flag}"
            )
        blocks.extend(packed(lines))
        return f"Pending escalations before the {view.meeting}: {len(view.items)}", blocks


RENDERER = SlackRenderer()


# ---------------------------------------------------------------------------------------------
# Listener helpers


def _user(body_: dict) -> str:
    return body_["user"]["id"]


def _channel(body_: dict) -> str | None:
    container = body_.get("container") or {}
    return (body_.get("channel") or {}).get("id") or container.get("channel_id")


def _value(body_: dict) -> str:
    return (body_.get("actions") or [{}])[0].get("value") or ""


def _id_from(value: str) -> int:
    chosen = record_id(value)
    if chosen is None:
        raise NotFound("That button no longer points at anything.")
    return chosen


def tell(client: WebClient, body_: dict, text: str) -> None:
    """Say something to the person who pressed a button, and to nobody else."""
    channel = _channel(body_)
    user = _user(body_)
    try:
        if channel:
            client.chat_postEphemeral(channel=channel, user=user, text=text)
        else:
            client.chat_postMessage(channel=user, text=text)
    except Exception:  # the action itself is done; a lost notice must not undo it
        log.warning("could not tell %s: %s", user, text, exc_info=True)


def releasing_session(func):
    """Close the request's session when the listener is done.

    Bolt runs a listener only after every global middleware has returned, so the session the
    middleware opened is still in use afterwards; closing it here hands its connection back to
    the pool at once instead of leaving it idle in a transaction until garbage collection.
    """

    @functools.wraps(func)
    def listener(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        finally:
            context = kwargs.get("context")
            db = context.get("db") if context is not None else None
            if db is not None:
                db.close()

    return listener


def acting(func):
    """Run a button listener; a domain refusal becomes an ephemeral "why not" and changes nothing."""

    def listener(ack: Ack, body: dict, context: BoltContext, client: WebClient, **_: object) -> None:
        ack()
        db = context["db"]
        try:
            func(body=body, db=db, client=client)
        except DomainError as error:
            db.rollback()
            tell(client, body, f":no_entry: {error}")
        finally:
            db.close()

    listener.__name__ = func.__name__
    return listener


def _metadata(view: dict) -> dict:
    try:
        data = json.loads(view.get("private_metadata") or "{}")
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


STALE_FORM = (
    "This form no longer matches an item Linked-up knows, so nothing was saved. "
    "Close it and use the buttons on the item's card again."
)


def _escalation_id(view: dict) -> int:
    """The escalation a submitted modal acts on, from the metadata the bot put in it when it opened.

    The metadata comes back from Slack; one that names no escalation (edited, or from a form of
    an older version) is refused with a message instead of failing the listener.
    """
    chosen = record_id(_metadata(view).get("escalation_id"))
    if chosen is None:
        raise NotFound(STALE_FORM)
    return chosen


def form_values(view: dict) -> dict[str, object]:
    """Each input block's submitted value, by block id (text, selected option, or date)."""
    values: dict[str, object] = {}
    for block_id, actions in ((view.get("state") or {}).get("values") or {}).items():
        for element in actions.values():
            if "selected_option" in element:
                chosen = element.get("selected_option")
                values[block_id] = chosen.get("value") if chosen else None
            elif "selected_date" in element:
                values[block_id] = element.get("selected_date")
            else:
                values[block_id] = element.get("value")
            break
    return values


def _date(value: object, field: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise ValidationError({field: "Choose a date from the calendar."}) from None


def _modal(
    callback: EscalationCallback, title: str, submit: str, blocks: list[Block], metadata: dict
) -> View:
    return View(
        type="modal",
        callback_id=callback.value,
        title=PlainTextObject(text=clip(title, 24)),
        submit=PlainTextObject(text=clip(submit, 24)),
        close=PlainTextObject(text="Cancel"),
        private_metadata=json.dumps(metadata),
        blocks=blocks[:MODAL_BLOCKS_MAX],
    )


def text_input(
    block_id: str,
    label: str,
    *,
    multiline: bool = True,
    optional: bool = False,
    hint: str | None = None,
    max_length: int = 3000,
) -> InputBlock:
    return InputBlock(
        block_id=block_id,
        label=PlainTextObject(text=label),
        element=PlainTextInputElement(action_id="value", multiline=multiline, max_length=max_length),
        optional=optional,
        hint=PlainTextObject(text=hint) if hint else None,
    )


def board_options(db, *, exclude: int | None, private_only: bool) -> list[Option]:
    query = select(Board).order_by(Board.name)
    options = []
    for board in db.scalars(query):
        if board.id == exclude or (private_only and not board.private):
            continue
        label = board.name + (" (private)" if board.private else "")
        options.append(Option(value=str(board.id), text=PlainTextObject(text=clip(label, OPTION_MAX))))
    return options[:OPTIONS_MAX]


def board_select(options: list[Option]) -> InputBlock:
    return InputBlock(
        block_id="board",
        label=PlainTextObject(text="Board"),
        element=StaticSelectElement(
            action_id="value", placeholder=PlainTextObject(text="Choose a board"), options=options
        ),
    )


def _summary_block(escalation: Escalation) -> SectionBlock:
    issue = escalation.issue
    return modal_section(
        f"*{issue.reference}* · {escape(issue.title)}\nWith the {escape(escalation.board_name)}."
    )


def prepare(db, escalation_id: int, user: str, *, for_organisation: bool = False) -> Escalation:
    """The escalation a modal is about to act on, refusing early (before the modal opens)."""
    escalation = db.get(Escalation, escalation_id)
    if escalation is None:
        raise NotFound("That escalation no longer exists.")
    if for_organisation:
        flows.require_organisation_member(db, escalation, user)
        if escalation.state != EscalationState.RESPONDED:
            raise MovedOn(state_in_words(escalation))
        return escalation
    flows.require_board_actor(db, escalation, user)
    if escalation.state not in AWAITING_BOARD:
        raise MovedOn(state_in_words(escalation))
    return escalation


# ---------------------------------------------------------------------------------------------
# Buttons


@acting
def on_acknowledge(body: dict, db, client: WebClient) -> None:
    escalation = flows.acknowledge(
        db, escalation_id=_id_from(_value(body)), actor=_user(body), now=utcnow(), render=RENDERER
    )
    db.commit()
    tell(
        client,
        body,
        f":white_check_mark: You acknowledged {escalation.issue.reference} for the {escalation.board_name}; "
        f"the answer is due {describe(escalation.respond_by)}. The card updates in a moment.",
    )


@acting
def on_respond(body: dict, db, client: WebClient) -> None:
    escalation = prepare(db, _id_from(_value(body)), _user(body))
    client.views_open(trigger_id=body["trigger_id"], view=respond_modal(escalation, _channel(body)))


def respond_modal(escalation: Escalation, channel: str | None) -> View:
    outcomes = [
        Option(value=value, text=PlainTextObject(text=label)) for value, label in OUTCOME_LABELS.items()
    ]
    blocks: list[Block] = [
        _summary_block(escalation),
        text_input("answer", "The board's answer", hint="Sent to the organisation with the reference."),
        InputBlock(
            block_id="outcome",
            label=PlainTextObject(text="Outcome"),
            element=RadioButtonsElement(action_id="value", options=outcomes),
        ),
        text_input(
            "decline_reason",
            "Why declined",
            optional=True,
            hint="Required when the outcome is declined.",
            max_length=1000,
        ),
        InputBlock(
            block_id="follow_up_date",
            label=PlainTextObject(text="Follow-up date"),
            element=DatePickerElement(action_id="value"),
            optional=True,
            hint=PlainTextObject(text="If the board will come back to it; the chair is reminded that day."),
        ),
    ]
    metadata = {"escalation_id": escalation.id, "channel": channel}
    return _modal(EscalationCallback.RESPOND, "Respond", "Send answer", blocks, metadata)


@acting
def on_reassign(body: dict, db, client: WebClient) -> None:
    escalation = prepare(db, _id_from(_value(body)), _user(body))
    options = board_options(db, exclude=escalation.board_id, private_only=escalation.issue.sensitive)
    if not options:
        raise NotAllowed("There is no other board this item could go to.")
    blocks: list[Block] = [
        _summary_block(escalation),
        board_select(options),
        text_input("reason", "Why it belongs there", max_length=1000),
    ]
    if escalation.issue.sensitive:
        blocks.insert(
            1,
            ContextBlock(
                elements=[
                    MarkdownTextObject(text=":lock: Safeguarding-sensitive: only private boards are offered.")
                ]
            ),
        )
    metadata = {"escalation_id": escalation.id, "channel": _channel(body)}
    view = _modal(EscalationCallback.REASSIGN, "Re-assign", "Re-assign", blocks, metadata)
    client.views_open(trigger_id=body["trigger_id"], view=view)


@acting
def on_escalate(body: dict, db, client: WebClient) -> None:
    escalation = prepare(db, _id_from(_value(body)), _user(body))
    if escalation.at_top:
        raise NotAllowed(
            f"The {escalation.board_name} is the top of the ladder for this item; "
            "the officer can re-route it."
        )
    parent = escalation.rungs[escalation.rung + 1]["name"]
    blocks: list[Block] = [
        _summary_block(escalation),
        modal_section(f"It goes up to the *{escape(parent)}*, with its history."),
        text_input("reason", "Why it needs the next board up", max_length=1000),
    ]
    metadata = {"escalation_id": escalation.id, "channel": _channel(body)}
    client.views_open(
        trigger_id=body["trigger_id"],
        view=_modal(EscalationCallback.ESCALATE, "Escalate", "Escalate", blocks, metadata),
    )


@acting
def on_snooze(body: dict, db, client: WebClient) -> None:
    escalation = flows.snooze(db, escalation_id=_id_from(_value(body)), actor=_user(body), now=utcnow())
    db.commit()
    capped = escalation.reminders_sent >= int(escalation.current_rung.get("max_reminders", 3))
    note = (
        " (the reminder cap is reached, so no more reminders will come; deadlines still apply)"
        if capped
        else ""
    )
    tell(
        client,
        body,
        f":zzz: Snoozed {escalation.issue.reference} until {describe(escalation.snoozed_until)}{note}.",
    )


@acting
def on_satisfied(body: dict, db, client: WebClient) -> None:
    escalation = flows.satisfied(
        db, escalation_id=_id_from(_value(body)), actor=_user(body), now=utcnow(), render=RENDERER
    )
    db.commit()
    tell(client, body, f":white_check_mark: Thank you — {escalation.issue.reference} is closed.")


@acting
def on_not_satisfied(body: dict, db, client: WebClient) -> None:
    escalation = prepare(db, _id_from(_value(body)), _user(body), for_organisation=True)
    blocks: list[Block] = [
        _summary_block(escalation),
        text_input(
            "note",
            "What is still missing?",
            hint="Goes to the board with the item, which reopens.",
            max_length=1000,
        ),
    ]
    metadata = {"escalation_id": escalation.id, "channel": _channel(body)}
    client.views_open(
        trigger_id=body["trigger_id"],
        view=_modal(EscalationCallback.NOT_SATISFIED, "Not satisfied", "Send to the board", blocks, metadata),
    )


@acting
def on_route(body: dict, db, client: WebClient) -> None:
    user = _user(body)
    flows.require_officer(db, user, "route or re-route issues")
    from models.issues import Issue

    issue = db.get(Issue, _id_from(_value(body)))
    if issue is None:
        raise NotFound("That issue no longer exists.")
    live = flows.live_escalation(db, issue.id)
    options = board_options(db, exclude=live.board_id if live else None, private_only=issue.sensitive)
    blocks: list[Block] = [
        modal_section(
            f"*{issue.reference}* · {escape(issue.title)}"
            + (f"\nNow with the {escape(live.board_name)}." if live else "\nNo board has it yet.")
        ),
        board_select(options),
        text_input("reason", "Note (optional)", optional=True, max_length=1000),
    ]
    metadata = {"reference": issue.reference, "channel": _channel(body)}
    client.views_open(
        trigger_id=body["trigger_id"],
        view=_modal(EscalationCallback.ROUTE, "Route to a board", "Route", blocks, metadata),
    )


# ---------------------------------------------------------------------------------------------
# Modal submissions (a ValidationError goes back inline; a refusal shows on the first field)


@releasing_session
def on_respond_submit(ack: Ack, view: dict, body: dict, context: BoltContext, **_: object) -> None:
    db = context["db"]
    values = form_values(view)
    flows.respond(
        db,
        escalation_id=_escalation_id(view),
        actor=_user(body),
        answer=str(values.get("answer") or ""),
        outcome=values.get("outcome"),
        decline_reason=str(values.get("decline_reason") or ""),
        follow_up_date=_date(values.get("follow_up_date"), "follow_up_date"),
        now=utcnow(),
        render=RENDERER,
    )
    db.commit()
    ack()


@releasing_session
def on_reassign_submit(ack: Ack, view: dict, body: dict, context: BoltContext, **_: object) -> None:
    db = context["db"]
    values = form_values(view)
    flows.reassign(
        db,
        escalation_id=_escalation_id(view),
        actor=_user(body),
        board_id=values.get("board"),
        reason=str(values.get("reason") or ""),
        now=utcnow(),
        render=RENDERER,
    )
    db.commit()
    ack()


@releasing_session
def on_escalate_submit(ack: Ack, view: dict, body: dict, context: BoltContext, **_: object) -> None:
    db = context["db"]
    values = form_values(view)
    flows.escalate(
        db,
        escalation_id=_escalation_id(view),
        actor=_user(body),
        reason=str(values.get("reason") or ""),
        now=utcnow(),
        render=RENDERER,
    )
    db.commit()
    ack()


@releasing_session
def on_not_satisfied_submit(ack: Ack, view: dict, body: dict, context: BoltContext, **_: object) -> None:
    db = context["db"]
    values = form_values(view)
    flows.not_satisfied(
        db,
        escalation_id=_escalation_id(view),
        actor=_user(body),
        note=str(values.get("note") or ""),
        now=utcnow(),
        render=RENDERER,
    )
    db.commit()
    ack()


@releasing_session
def on_route_submit(ack: Ack, view: dict, body: dict, context: BoltContext, **_: object) -> None:
    db = context["db"]
    values = form_values(view)
    if not values.get("board"):
        raise ValidationError({"board": "Choose the board that should have it."})
    flows.route_by_officer(
        db,
        reference=str(_metadata(view).get("reference") or ""),
        board=str(values["board"]),
        actor=_user(body),
        reason=str(values.get("reason") or ""),
        now=utcnow(),
        render=RENDERER,
    )
    db.commit()
    ack()


# ---------------------------------------------------------------------------------------------
# /linkedup sub-commands


@subcommand(
    "history",
    usage="history LU-YYYY-NNNN",
    summary="an item's full history (its organisation and the officer)",
)
@releasing_session
def show_history(ack: Ack, text: str, command: dict, context: BoltContext, **_: object) -> None:
    reference = text.split()[0] if text.split() else ""
    if not reference:
        reply(ack, "Which item? Type `/linkedup history LU-2026-0042`.")
        return
    found = flows.history(context["db"], reference=reference, viewer=command["user_id"])
    blocks: list[kit.Spec] = [
        kit.header(f"History of {found.reference}"),
        kit.section(
            f"*{escape(found.title)}*\nFrom {escape(found.organisation)} · status *{found.status}*"
            + (f" · with the {escape(found.board)}" if found.board else "")
        ),
    ]
    lines = [f"• {describe(line.at)} — {escape(line.text)}" for line in found.lines] or ["No history yet."]
    blocks.extend(packed(lines))
    payload = body(f"History of {found.reference}", blocks)
    reply(ack, payload["text"], payload["blocks"])


@subcommand("agenda", usage="agenda", summary="draft the issues-and-challenges agenda (officer)")
@releasing_session
def show_agenda(ack: Ack, command: dict, context: BoltContext, **_: object) -> None:
    db = context["db"]
    flows.require_officer(db, command["user_id"], "draft the meeting agenda")
    draft = agenda_domain.draft_agenda(db, now=utcnow())
    payload = body(agenda_domain.render_text(draft), agenda_blocks(draft))
    reply(ack, payload["text"], payload["blocks"])


def agenda_blocks(draft: agenda_domain.Agenda) -> list[kit.Spec]:
    blocks: list[kit.Spec] = [kit.header("Issues and challenges — draft")]
    facts = f"Raised since {describe(draft.since)}: *{draft.items}* items, *{draft.overdue}* overdue"
    if draft.meeting:
        facts = f"For the {escape(draft.meeting)}\n" + facts
    blocks.append(kit.context(facts))
    if draft.themes:
        blocks.extend(
            packed([f"*{escape(t.theme)}*: {escape(agenda_domain.theme_summary(t))}" for t in draft.themes])
        )
    else:
        blocks.append(kit.section("No issues were raised in this period."))
    blocks.append(kit.divider())
    if draft.systemic:
        lines = ["*Systemic issues* (3+ organisations in 90 days)"]
        lines += [
            f":warning: *{escape(s.theme)}*: {escape(agenda_domain.systemic_summary(s))}"
            for s in draft.systemic
        ]
        blocks.extend(packed(lines))
    else:
        blocks.append(kit.context("No theme was raised by 3 or more organisations in the last 90 days."))
    return blocks


@subcommand("route", usage="route LU-YYYY-NNNN <board> [why]", summary="route or re-route an item (officer)")
@releasing_session
def route_command(ack: Ack, text: str, command: dict, context: BoltContext, **_: object) -> None:
    parts = text.split(maxsplit=2)
    if len(parts) < 2:
        reply(ack, "Type `/linkedup route LU-2026-0042 <board slug>` and, if you like, why.")
        return
    db = context["db"]
    try:
        decision = flows.route_by_officer(
            db,
            reference=parts[0],
            board=parts[1],
            actor=command["user_id"],
            reason=parts[2] if len(parts) > 2 else "",
            now=utcnow(),
            render=RENDERER,
        )
    except ValidationError as error:
        raise NotAllowed(" ".join(error.errors.values())) from None
    db.commit()
    reply(ack, f":white_check_mark: {decision.reference} is now with the {decision.board_name}.")


@subcommand("triage", usage="triage", summary="items no board has yet, with a Route button (officer)")
@releasing_session
def show_triage(ack: Ack, command: dict, context: BoltContext, **_: object) -> None:
    db = context["db"]
    flows.require_officer(db, command["user_id"], "see the triage queue")
    queue = flows.triage_queue(db)
    blocks: list[kit.Spec] = [
        kit.header(f"Triage: {len(queue)} item{'s' if len(queue) != 1 else ''} without a board")
    ]
    for issue in queue[:20]:
        blocks.append(
            kit.section_with_button(
                f"*{issue.reference}* · {escape(issue.title)}\n{escape(issue.organisation.name)}",
                button(EscalationAction.ROUTE, "Route", str(issue.id), "primary"),
            )
        )
    if len(queue) > 20:
        blocks.append(kit.context(f"…and {len(queue) - 20} more; route these first."))
    if not queue:
        blocks.append(kit.section("Nothing waits for a board. :tada:"))
    payload = body(f"Triage: {len(queue)} items", blocks)
    reply(ack, payload["text"], payload["blocks"])


@subcommand("meeting", usage=meetings.USAGE + " | meeting list", summary="the board calendar (officer adds)")
@releasing_session
def meeting_command(ack: Ack, text: str, command: dict, context: BoltContext, **_: object) -> None:
    db = context["db"]
    action, _, rest = text.partition(" ")
    now = utcnow()
    if action == "add":
        try:
            meeting = meetings.add_meeting(db, actor=command["user_id"], text=rest, now=now)
        except ValidationError as error:
            raise NotAllowed(" ".join(error.errors.values())) from None
        db.commit()
        where = f" at {meeting.location}" if meeting.location else ""
        reply(ack, f":calendar: Added the {meeting.title} on {describe(meeting.starts_at)}{where}.")
        return
    if action in ("", "list"):
        upcoming = meetings.upcoming_meetings(db, now=now)
        lines = [
            f"• {describe(m.starts_at)} — {escape(m.title)}"
            + (f" ({escape(m.location)})" if m.location else "")
            for m in upcoming
        ] or ["No meetings are on the calendar yet."]
        payload = body("Coming meetings", [kit.header("Coming meetings"), *packed(lines)])
        reply(ack, payload["text"], payload["blocks"])
        return
    reply(ack, f"Type `/linkedup {meetings.USAGE}` or `/linkedup meeting list`.")


def register(app: App) -> None:
    """Attach the escalation buttons and modals (the sub-commands register on import)."""
    app.action(EscalationAction.ACKNOWLEDGE.value)(on_acknowledge)
    app.action(EscalationAction.RESPOND.value)(on_respond)
    app.action(EscalationAction.REASSIGN.value)(on_reassign)
    app.action(EscalationAction.ESCALATE.value)(on_escalate)
    app.action(EscalationAction.SNOOZE.value)(on_snooze)
    app.action(EscalationAction.SATISFIED.value)(on_satisfied)
    app.action(EscalationAction.NOT_SATISFIED.value)(on_not_satisfied)
    app.action(EscalationAction.ROUTE.value)(on_route)
    app.view(EscalationCallback.RESPOND.value)(on_respond_submit)
    app.view(EscalationCallback.REASSIGN.value)(on_reassign_submit)
    app.view(EscalationCallback.ESCALATE.value)(on_escalate_submit)
    app.view(EscalationCallback.NOT_SATISFIED.value)(on_not_satisfied_submit)
    app.view(EscalationCallback.ROUTE.value)(on_route_submit)


__all__ = ["RENDERER", "SlackRenderer", "register"]
