"""Block Kit for escalations: the renderer the domain calls, the modals behind the buttons, the replies.

`SlackRenderer` implements `escalations.ports.Renderer`: it turns the domain's plain views (a card,
a notice, a meeting digest) into messages inside Slack's limits, filled from validated templates
(`handlers.blockkit`). The listeners in `handlers.escalations` build their modals and command
replies here, so that module only parses, calls one flow and answers.
"""

from __future__ import annotations

import json

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
from escalations.views import CardAction, CardView, DigestView, Notice, NoticeKind
from escalations.working_days import describe
from handlers import blockkit as kit
from handlers.blockkit import (
    MODAL_BLOCKS_MAX,
    MODAL_TITLE_MAX,
    OPTION_TEXT_MAX,
    OPTIONS_MAX,
    clip,
    escape,
    mrkdwn,
    packed,
    plain,
    quote,
    section_block,
)
from handlers.ids import ESCALATION_FIELD, EscalationAction, EscalationCallback
from models.escalations import Escalation, Outcome
from models.network import Board

CARD_BUTTONS = {
    CardAction.ACKNOWLEDGE: (EscalationAction.ACKNOWLEDGE, "Acknowledge", "primary"),
    CardAction.RESPOND: (EscalationAction.RESPOND, "Respond", None),
    CardAction.REASSIGN: (EscalationAction.REASSIGN, "Re-assign", None),
    CardAction.ESCALATE: (EscalationAction.ESCALATE, "Escalate", "danger"),
    CardAction.THEME: (EscalationAction.CHANGE_THEME, "Change theme", None),
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
TRIAGE_SHOWN = 20


def button(action: EscalationAction, label: str, value: str, style: str | None = None) -> kit.Button:
    return kit.Button(action.value, label, value, style)


# ---------------------------------------------------------------------------------------------
# The renderer the domain calls


class SlackRenderer:
    """Block Kit for the escalation domain's views (`escalations.ports.Renderer`)."""

    def card(self, view: CardView) -> dict:
        return kit.message(*self.card_blocks(view))

    def card_blocks(self, view: CardView) -> tuple[str, list[kit.Spec]]:
        title = f"{view.reference} · {view.title}"
        organisation = (
            escape(view.organisation)
            if not view.organisation_withheld
            else "_withheld (safeguarding-sensitive)_"
        )
        fields = [
            f"*Board*\n{escape(view.board)}",
            f"*Status*\n{STATE_BADGES.get(view.state, view.state)}",
            f"*Acknowledge by*\n{view.acknowledge_by}"
            + (" :warning: overdue" if view.acknowledge_overdue else ""),
            f"*Respond by*\n{view.respond_by}"
            + (" :rotating_light: overdue" if view.respond_overdue else ""),
            f"*From*\n{organisation}",
            f"*Theme*\n{escape(view.theme) if view.theme else '—'}",
            f"*Urgency*\n{view.urgency.capitalize()}"
            + (" · :lock: safeguarding-sensitive" if view.sensitive else ""),
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
            blocks.append(kit.context(kit.link(view.source_link, "Original message")))
        if view.history:
            blocks.append(
                kit.context("*Before this board:*\n" + "\n".join(mrkdwn(line) for line in view.history))
            )
        if view.acknowledged:
            blocks.append(kit.context(f"Acknowledged by {mrkdwn(view.acknowledged)}"))
        if view.responded:
            outcome = escape(OUTCOME_LABELS.get(view.outcome or "", view.outcome))
            lines = [f"*Answer* ({outcome}) — {mrkdwn(view.responded)}"]
            lines.append(quote(view.answer or ""))
            if view.decline_reason:
                lines.append(f"*Why declined:* {escape(view.decline_reason)}")
            if view.follow_up:
                lines.append(f"*Follow-up by:* {escape(view.follow_up)}")
            blocks.extend(packed(lines))
        if view.officer_alerted:
            blocks.append(
                kit.context(
                    ":rotating_light: Overdue at the top of the ladder — the officer has been alerted."
                )
            )
        if view.moved_on:
            blocks.append(kit.section(f":arrow_right: {mrkdwn(view.moved_on)}"))
        if view.actions:
            value = str(view.escalation_id)
            elements = []
            for action in view.actions:
                action_id, label, style = CARD_BUTTONS[action]
                elements.append(button(action_id, label, value, style))
            blocks.append(kit.actions(f"escalation:{view.escalation_id}", elements))
        text = f"{view.reference}: {escape(view.title)} — {escape(view.board)} ({view.state})"
        return text, blocks

    def notice(self, view: Notice) -> dict:
        return kit.message(*self.notice_blocks(view))

    def notice_blocks(self, view: Notice) -> tuple[str, list[kit.Spec]]:
        blocks: list[kit.Spec] = [
            kit.header(plain(view.heading)),
            *packed([mrkdwn(line) for line in view.lines]),
        ]
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
        return mrkdwn(view.heading), blocks

    def digest(self, view: DigestView) -> dict:
        return kit.message(*self.digest_blocks(view))

    def digest_blocks(self, view: DigestView) -> tuple[str, list[kit.Spec]]:
        blocks: list[kit.Spec] = [
            kit.header(f"Before the {view.meeting}"),
            kit.context(
                f"{escape(view.board)} meets {escape(view.when)}. Pending escalations for the board:"
            ),
        ]
        if not view.items:
            blocks.append(kit.section("Nothing is pending for this board. :tada:"))
        lines = []
        for item in view.items:
            flag = " :rotating_light: *overdue*" if item.overdue else ""
            lines.append(
                f"• *{escape(item.reference)}* {escape(item.title)} — {escape(item.state)}, "
                f"respond by {escape(item.respond_by)}{flag}"
            )
        blocks.extend(packed(lines))
        return f"Pending escalations before the {escape(view.meeting)}: {len(view.items)}", blocks


RENDERER = SlackRenderer()


# ---------------------------------------------------------------------------------------------
# Modals behind the buttons


def modal(callback: EscalationCallback, title: str, submit: str, blocks: list[Block], metadata: dict) -> View:
    return View(
        type="modal",
        callback_id=callback.value,
        title=PlainTextObject(text=clip(title, MODAL_TITLE_MAX)),
        submit=PlainTextObject(text=clip(submit, MODAL_TITLE_MAX)),
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
        element=PlainTextInputElement(action_id=ESCALATION_FIELD, multiline=multiline, max_length=max_length),
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
        options.append(Option(value=str(board.id), text=PlainTextObject(text=clip(label, OPTION_TEXT_MAX))))
    return options[:OPTIONS_MAX]


def board_select(options: list[Option]) -> InputBlock:
    return InputBlock(
        block_id="board",
        label=PlainTextObject(text="Board"),
        element=StaticSelectElement(
            action_id=ESCALATION_FIELD, placeholder=PlainTextObject(text="Choose a board"), options=options
        ),
    )


def summary_block(escalation: Escalation) -> SectionBlock:
    issue = escalation.issue
    return section_block(
        f"*{issue.reference}* · {escape(issue.title)}\nWith the {escape(escalation.board_name)}."
    )


def respond_modal(escalation: Escalation, channel: str | None) -> View:
    outcomes = [
        Option(value=value, text=PlainTextObject(text=label)) for value, label in OUTCOME_LABELS.items()
    ]
    blocks: list[Block] = [
        summary_block(escalation),
        text_input("answer", "The board's answer", hint="Sent to the organisation with the reference."),
        InputBlock(
            block_id="outcome",
            label=PlainTextObject(text="Outcome"),
            element=RadioButtonsElement(action_id=ESCALATION_FIELD, options=outcomes),
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
            element=DatePickerElement(action_id=ESCALATION_FIELD),
            optional=True,
            hint=PlainTextObject(text="If the board will come back to it; the chair is reminded that day."),
        ),
    ]
    metadata = {"escalation_id": escalation.id, "channel": channel}
    return modal(EscalationCallback.RESPOND, "Respond", "Send answer", blocks, metadata)


def reassign_modal(escalation: Escalation, options: list[Option], channel: str | None) -> View:
    blocks: list[Block] = [
        summary_block(escalation),
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
    metadata = {"escalation_id": escalation.id, "channel": channel}
    return modal(EscalationCallback.REASSIGN, "Re-assign", "Re-assign", blocks, metadata)


def theme_modal(escalation: Escalation, themes: list, channel: str | None) -> View:
    """Correct the item's theme: the current one chosen; another board's theme moves the item there."""
    options = [
        Option(value=str(theme.id), text=PlainTextObject(text=clip(theme.name, OPTION_TEXT_MAX)))
        for theme in themes[:OPTIONS_MAX]
    ]
    current = next((o for o in options if o.value == str(escalation.issue.theme_id)), None)
    select_ = StaticSelectElement(
        action_id=ESCALATION_FIELD,
        placeholder=PlainTextObject(text="Choose the theme"),
        options=options,
        initial_option=current,
    )
    blocks: list[Block] = [
        summary_block(escalation),
        InputBlock(block_id="theme", label=PlainTextObject(text="Theme"), element=select_),
        ContextBlock(
            elements=[
                MarkdownTextObject(
                    text="If another board owns the theme, the item moves to it. The raiser is told, "
                    "and the bulletin uses the corrected theme."
                )
            ]
        ),
    ]
    metadata = {"escalation_id": escalation.id, "channel": channel}
    return modal(EscalationCallback.THEME, "Change theme", "Change", blocks, metadata)


def escalate_modal(escalation: Escalation, parent: str, channel: str | None) -> View:
    blocks: list[Block] = [
        summary_block(escalation),
        section_block(f"It goes up to the *{escape(parent)}*, with its history."),
        text_input("reason", "Why it needs the next board up", max_length=1000),
    ]
    metadata = {"escalation_id": escalation.id, "channel": channel}
    return modal(EscalationCallback.ESCALATE, "Escalate", "Escalate", blocks, metadata)


def not_satisfied_modal(escalation: Escalation, channel: str | None) -> View:
    blocks: list[Block] = [
        summary_block(escalation),
        text_input(
            "note",
            "What is still missing?",
            hint="Goes to the board with the item, which reopens.",
            max_length=1000,
        ),
    ]
    metadata = {"escalation_id": escalation.id, "channel": channel}
    return modal(EscalationCallback.NOT_SATISFIED, "Not satisfied", "Send to the board", blocks, metadata)


def route_modal(issue, live, options: list[Option], channel: str | None) -> View:
    """The officer's routing form for `issue`; `live` is the escalation that has it now, if any."""
    blocks: list[Block] = [
        section_block(
            f"*{issue.reference}* · {escape(issue.title)}"
            + (f"\nNow with the {escape(live.board_name)}." if live else "\nNo board has it yet.")
        ),
        board_select(options),
        text_input("reason", "Note (optional)", optional=True, max_length=1000),
    ]
    metadata = {"reference": issue.reference, "channel": channel}
    return modal(EscalationCallback.ROUTE, "Route to a board", "Route", blocks, metadata)


# ---------------------------------------------------------------------------------------------
# Replies to the officer's commands


def history_message(found) -> dict:
    blocks: list[kit.Spec] = [
        kit.header(f"History of {found.reference}"),
        kit.section(
            f"*{escape(found.title)}*\nFrom {escape(found.organisation)} · status *{found.status}*"
            + (f" · with the {escape(found.board)}" if found.board else "")
            + (f"\n*Where it stands:* {escape(found.standing)}" if found.standing else "")
        ),
    ]
    lines = [f"• {describe(line.at)} — {mrkdwn(line.text)}" for line in found.lines] or ["No history yet."]
    blocks.extend(packed(lines))
    return kit.message(f"History of {found.reference}", blocks)


def agenda_blocks(draft: agenda_domain.Agenda) -> list[kit.Spec]:
    blocks: list[kit.Spec] = [kit.header("Issues and challenges — draft")]
    facts = f"Raised since {describe(draft.since)}: *{draft.items}* items, *{draft.overdue}* overdue"
    if draft.meeting:
        facts = f"For the {escape(draft.meeting)}\n" + facts
    blocks.append(kit.context(facts))
    if draft.themes:
        blocks.extend(
            packed(
                [
                    f"*{escape(t.theme)}*: {escape(agenda_domain.theme_summary(t))}"
                    + "".join(f"\n• {escape(item.words())}" for item in t.listed)
                    for t in draft.themes
                ]
            )
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


def agenda_message(draft: agenda_domain.Agenda) -> dict:
    return kit.message(escape(agenda_domain.render_text(draft)), agenda_blocks(draft))


def triage_message(queue: list) -> dict:
    blocks: list[kit.Spec] = [
        kit.header(f"Triage: {len(queue)} item{'s' if len(queue) != 1 else ''} without a board")
    ]
    for issue in queue[:TRIAGE_SHOWN]:
        blocks.append(
            kit.section_with_button(
                f"*{issue.reference}* · {escape(issue.title)}\n{escape(issue.organisation.name)}",
                button(EscalationAction.ROUTE, "Route", str(issue.id), "primary"),
            )
        )
    if len(queue) > TRIAGE_SHOWN:
        blocks.append(kit.context(f"…and {len(queue) - TRIAGE_SHOWN} more; route these first."))
    if not queue:
        blocks.append(kit.section("Nothing waits for a board. :tada:"))
    return kit.message(f"Triage: {len(queue)} items", blocks)


def meetings_message(upcoming: list) -> dict:
    lines = [
        f"• {describe(m.starts_at)} — {escape(m.title)}" + (f" ({escape(m.location)})" if m.location else "")
        for m in upcoming
    ] or ["No meetings are on the calendar yet."]
    return kit.message("Coming meetings", [kit.header("Coming meetings"), *packed(lines)])
