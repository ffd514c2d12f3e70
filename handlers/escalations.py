"""Escalation buttons, the modals behind them, and the officer's commands: the listeners.

Each listener parses the payload, calls one domain flow, commits, and answers; the Block Kit it
answers with is built in `handlers.escalation_views`. A refusal (not a board member, a stale
button) is raised and told to the person alone by `handlers.errors`; a modal's bad input comes
back inline on its field. Card updates, DMs and notes to the board go through the outbox, queued
by the domain.
"""

from __future__ import annotations

from datetime import date

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient

from escalations import agenda as agenda_domain
from escalations import flows, meetings
from escalations.errors import MovedOn
from escalations.themes import all_themes, correct_theme, theme_names
from escalations.views import state_in_words
from escalations.working_days import describe
from handlers.blockkit import escape
from handlers.commands import reply, subcommand
from handlers.errors import whisper
from handlers.escalation_views import (
    RENDERER,
    agenda_message,
    board_options,
    escalate_modal,
    history_message,
    meetings_message,
    not_satisfied_modal,
    reassign_modal,
    respond_modal,
    route_modal,
    theme_modal,
    triage_message,
)
from handlers.forms import metadata
from handlers.ids import EscalationAction, EscalationCallback
from models.base import utcnow
from models.errors import NotAllowed, NotFound, ValidationError
from models.escalations import AWAITING_BOARD, Escalation, EscalationState
from models.fields import record_id
from models.issues import Issue

STALE_FORM = (
    "This form no longer matches an item Linked-up knows, so nothing was saved. "
    "Close it and use the buttons on the item's card again."
)


# ---------------------------------------------------------------------------------------------
# Reading a payload


def _user(body: dict) -> str:
    return body["user"]["id"]


def _channel(body: dict) -> str | None:
    container = body.get("container") or {}
    return (body.get("channel") or {}).get("id") or container.get("channel_id")


def _value(body: dict) -> str:
    """The pressed button's value."""
    return (body.get("actions") or [{}])[0].get("value") or ""


def _id_from(value: str) -> int:
    chosen = record_id(value)
    if chosen is None:
        raise NotFound("That button no longer points at anything.")
    return chosen


def _escalation_id(view: dict) -> int:
    """The escalation a submitted modal acts on, from the metadata the bot put in it when it opened.

    The metadata comes back from Slack; one that names no escalation (edited, or from a form of
    an older version) is refused with a message instead of failing the listener.
    """
    chosen = record_id(metadata(view).get("escalation_id"))
    if chosen is None:
        raise NotFound(STALE_FORM)
    return chosen


def _date(value: object, field: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise ValidationError({field: "Choose a date from the calendar."}) from None


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


def on_acknowledge(ack: Ack, body: dict, context: BoltContext, client: WebClient, **_: object) -> None:
    ack()
    db = context["db"]
    escalation = flows.acknowledge(
        db, escalation_id=_id_from(_value(body)), actor=_user(body), now=utcnow(), render=RENDERER
    )
    db.commit()
    whisper(
        client,
        body,
        f":white_check_mark: You acknowledged {escalation.issue.reference} "
        f"for the {escape(escalation.board_name)}; "
        f"the answer is due {describe(escalation.respond_by)}. The card updates in a moment.",
    )


def on_respond(ack: Ack, body: dict, context: BoltContext, client: WebClient, **_: object) -> None:
    ack()
    escalation = prepare(context["db"], _id_from(_value(body)), _user(body))
    client.views_open(trigger_id=body["trigger_id"], view=respond_modal(escalation, _channel(body)))


def on_reassign(ack: Ack, body: dict, context: BoltContext, client: WebClient, **_: object) -> None:
    ack()
    db = context["db"]
    escalation = prepare(db, _id_from(_value(body)), _user(body))
    options = board_options(db, exclude=escalation.board_id, private_only=escalation.issue.sensitive)
    if not options:
        raise NotAllowed("There is no other board this item could go to.")
    client.views_open(trigger_id=body["trigger_id"], view=reassign_modal(escalation, options, _channel(body)))


def on_change_theme(ack: Ack, body: dict, context: BoltContext, client: WebClient, **_: object) -> None:
    ack()
    db = context["db"]
    escalation = prepare(db, _id_from(_value(body)), _user(body))
    client.views_open(
        trigger_id=body["trigger_id"], view=theme_modal(escalation, all_themes(db), _channel(body))
    )


def on_escalate(ack: Ack, body: dict, context: BoltContext, client: WebClient, **_: object) -> None:
    ack()
    escalation = prepare(context["db"], _id_from(_value(body)), _user(body))
    if escalation.at_top:
        raise NotAllowed(
            f"The {escalation.board_name} is the top of the ladder for this item; "
            "the officer can re-route it."
        )
    parent = escalation.rungs[escalation.rung + 1].name
    client.views_open(trigger_id=body["trigger_id"], view=escalate_modal(escalation, parent, _channel(body)))


def on_snooze(ack: Ack, body: dict, context: BoltContext, client: WebClient, **_: object) -> None:
    ack()
    db = context["db"]
    escalation = flows.snooze(db, escalation_id=_id_from(_value(body)), actor=_user(body), now=utcnow())
    db.commit()
    capped = escalation.reminders_sent >= escalation.current_rung.max_reminders
    note = (
        " (the reminder cap is reached, so no more reminders will come; deadlines still apply)"
        if capped
        else ""
    )
    whisper(
        client,
        body,
        f":zzz: Snoozed {escalation.issue.reference} until {describe(escalation.snoozed_until)}{note}.",
    )


def on_satisfied(ack: Ack, body: dict, context: BoltContext, client: WebClient, **_: object) -> None:
    ack()
    db = context["db"]
    escalation = flows.satisfied(
        db, escalation_id=_id_from(_value(body)), actor=_user(body), now=utcnow(), render=RENDERER
    )
    db.commit()
    whisper(client, body, f":white_check_mark: Thank you — {escalation.issue.reference} is closed.")


def on_not_satisfied(ack: Ack, body: dict, context: BoltContext, client: WebClient, **_: object) -> None:
    ack()
    escalation = prepare(context["db"], _id_from(_value(body)), _user(body), for_organisation=True)
    client.views_open(trigger_id=body["trigger_id"], view=not_satisfied_modal(escalation, _channel(body)))


def on_route(ack: Ack, body: dict, context: BoltContext, client: WebClient, **_: object) -> None:
    ack()
    db = context["db"]
    flows.require_officer(db, _user(body), "route or re-route issues")
    issue = db.get(Issue, _id_from(_value(body)))
    if issue is None:
        raise NotFound("That issue no longer exists.")
    live = flows.live_escalation(db, issue.id)
    options = board_options(db, exclude=live.board_id if live else None, private_only=issue.sensitive)
    client.views_open(trigger_id=body["trigger_id"], view=route_modal(issue, live, options, _channel(body)))


# ---------------------------------------------------------------------------------------------
# Modal submissions (the form is parsed by `handlers.middleware`; a ValidationError goes back inline)


def on_respond_submit(ack: Ack, view: dict, body: dict, context: BoltContext, **_: object) -> None:
    db, form = context["db"], context["form"]
    flows.respond(
        db,
        escalation_id=_escalation_id(view),
        actor=_user(body),
        answer=str(form.get("answer") or ""),
        outcome=form.get("outcome"),
        decline_reason=str(form.get("decline_reason") or ""),
        follow_up_date=_date(form.get("follow_up_date"), "follow_up_date"),
        now=utcnow(),
        render=RENDERER,
    )
    db.commit()
    ack()


def on_reassign_submit(ack: Ack, view: dict, body: dict, context: BoltContext, **_: object) -> None:
    db, form = context["db"], context["form"]
    flows.reassign(
        db,
        escalation_id=_escalation_id(view),
        actor=_user(body),
        board_id=form.get("board"),
        reason=str(form.get("reason") or ""),
        now=utcnow(),
        render=RENDERER,
    )
    db.commit()
    ack()


def on_theme_submit(ack: Ack, view: dict, body: dict, context: BoltContext, **_: object) -> None:
    db, form = context["db"], context["form"]
    escalation = db.get(Escalation, _escalation_id(view))
    if escalation is None:
        raise NotFound(STALE_FORM)
    chosen = record_id(form.get("theme"))
    if chosen is None:
        raise ValidationError({"theme": "Choose the theme."})
    correct_theme(
        db,
        reference=escalation.issue.reference,
        theme=chosen,
        actor=_user(body),
        now=utcnow(),
        render=RENDERER,
    )
    db.commit()
    ack()


def on_escalate_submit(ack: Ack, view: dict, body: dict, context: BoltContext, **_: object) -> None:
    db, form = context["db"], context["form"]
    flows.escalate(
        db,
        escalation_id=_escalation_id(view),
        actor=_user(body),
        reason=str(form.get("reason") or ""),
        now=utcnow(),
        render=RENDERER,
    )
    db.commit()
    ack()


def on_not_satisfied_submit(ack: Ack, view: dict, body: dict, context: BoltContext, **_: object) -> None:
    db, form = context["db"], context["form"]
    flows.not_satisfied(
        db,
        escalation_id=_escalation_id(view),
        actor=_user(body),
        note=str(form.get("note") or ""),
        now=utcnow(),
        render=RENDERER,
    )
    db.commit()
    ack()


def on_route_submit(ack: Ack, view: dict, body: dict, context: BoltContext, **_: object) -> None:
    db, form = context["db"], context["form"]
    if not form.get("board"):
        raise ValidationError({"board": "Choose the board that should have it."})
    flows.route_by_officer(
        db,
        reference=str(metadata(view).get("reference") or ""),
        board=str(form["board"]),
        actor=_user(body),
        reason=str(form.get("reason") or ""),
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
def show_history(ack: Ack, text: str, command: dict, context: BoltContext, **_: object) -> None:
    reference = text.split()[0] if text.split() else ""
    if not reference:
        reply(ack, "Which item? Type `/linkedup history LU-2026-0042`.")
        return
    found = flows.history(context["db"], reference=reference, viewer=command["user_id"])
    payload = history_message(found)
    reply(ack, payload["text"], payload["blocks"])


@subcommand("agenda", usage="agenda", summary="draft the issues-and-challenges agenda (officer)")
def show_agenda(ack: Ack, command: dict, context: BoltContext, **_: object) -> None:
    db = context["db"]
    flows.require_officer(db, command["user_id"], "draft the meeting agenda")
    payload = agenda_message(agenda_domain.draft_agenda(db, now=utcnow()))
    reply(ack, payload["text"], payload["blocks"])


@subcommand("route", usage="route LU-YYYY-NNNN <board> [why]", summary="route or re-route an item (officer)")
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


@subcommand(
    "theme",
    usage="theme LU-YYYY-NNNN <theme>",
    summary="correct an item's theme; it moves to the board owning the new one (officer, or its board)",
)
def theme_command(ack: Ack, text: str, command: dict, context: BoltContext, **_: object) -> None:
    parts = text.split(maxsplit=1)
    db = context["db"]
    if len(parts) < 2:
        reply(ack, f"Type `/linkedup theme LU-2026-0042 <theme>`. Themes: {', '.join(theme_names(db))}.")
        return
    try:
        corrected = correct_theme(
            db, reference=parts[0], theme=parts[1], actor=command["user_id"], now=utcnow(), render=RENDERER
        )
    except ValidationError as error:
        raise NotAllowed(" ".join(error.errors.values())) from None
    db.commit()
    where = (
        f" It moved to the {corrected.moved_to}, which owns that theme."
        if corrected.moved_to
        else (f" It stays with the {corrected.board}." if corrected.board else "")
    )
    reply(ack, f":white_check_mark: {corrected.reference} now has the theme {corrected.new_theme}.{where}")


@subcommand("triage", usage="triage", summary="items no board has yet, with a Route button (officer)")
def show_triage(ack: Ack, command: dict, context: BoltContext, **_: object) -> None:
    db = context["db"]
    flows.require_officer(db, command["user_id"], "see the triage queue")
    payload = triage_message(flows.triage_queue(db))
    reply(ack, payload["text"], payload["blocks"])


@subcommand("meeting", usage=meetings.USAGE + " | meeting list", summary="the board calendar (officer adds)")
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
        where = f" at {escape(meeting.location)}" if meeting.location else ""
        reply(ack, f":calendar: Added the {escape(meeting.title)} on {describe(meeting.starts_at)}{where}.")
        return
    if action in ("", "list"):
        payload = meetings_message(meetings.upcoming_meetings(db, now=now))
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
    app.action(EscalationAction.CHANGE_THEME.value)(on_change_theme)
    app.view(EscalationCallback.RESPOND.value)(on_respond_submit)
    app.view(EscalationCallback.REASSIGN.value)(on_reassign_submit)
    app.view(EscalationCallback.ESCALATE.value)(on_escalate_submit)
    app.view(EscalationCallback.NOT_SATISFIED.value)(on_not_satisfied_submit)
    app.view(EscalationCallback.ROUTE.value)(on_route_submit)
    app.view(EscalationCallback.THEME.value)(on_theme_submit)
