"""Block Kit for targeted notices: the DM card, reminders, the deadline summary, the channel pointer,
the compose and confirm modals and the App Home sections.

What the sender typed (title, body) is escaped like anything a person types: `<!channel>` or a
dressed-up `<https://…|label>` in a notice shows as typed and never acts. A bare web address in the
body is still a link (Slack links those itself), and the notice's own link is a button.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from slack_sdk.models.blocks import (
    ActionsBlock,
    ButtonElement,
    ChannelSelectElement,
    CheckboxesElement,
    ContextBlock,
    DateTimePickerElement,
    DividerBlock,
    HeaderBlock,
    InputBlock,
    MarkdownTextObject,
    NumberInputElement,
    PlainTextInputElement,
    RadioButtonsElement,
    SectionBlock,
    StaticMultiSelectElement,
    StaticSelectElement,
    UrlInputElement,
)
from slack_sdk.models.views import View

from audience.selection import Reach
from escalations.working_days import describe as when
from handlers.blockkit import (
    HEADER_MAX,
    OPTIONS_MAX,
    SECTION_MAX,
    clip,
    escape,
    many_of,
    mention,
    option,
    pack_lines,
)
from handlers.forms import encode_metadata
from handlers.ids import AudienceAction, NoticeAction, NoticeCallback, NoticeField
from models.notices import NoticeKind, PlaceStatus
from notices.compose import BODY_MAX, TITLE_MAX, Choices
from notices.ports import ChannelPointer, NoticeCard, ReminderView, SenderNote, SummaryView

VALUE = NoticeAction.VALUE
BODY_SECTIONS_MAX = 3  # an escaped body of 3,000 typed characters fits; Slack caps a message's text
ICONS = {
    NoticeKind.SAFEGUARDING: ":shield:",
    NoticeKind.TRAINING: ":mortar_board:",
    NoticeKind.SERVICE_CHANGE: ":arrows_counterclockwise:",
    NoticeKind.GENERAL: ":mega:",
}
SUMMARY_NAMES_MAX = 60  # names in the summary DM; the report lists all


def _escaped_chunks(
    text: str, limit: int = SECTION_MAX, most: int = BODY_SECTIONS_MAX, *, has_link: bool = False
) -> list[str]:
    """`text` escaped and cut into sections at line ends where it can, never inside an entity.

    Past `most` sections it is cut, and says where the rest is: the link when the notice has one,
    else its sender.
    """
    chunks, current = [], ""
    for line in escape(text).split("\n"):
        while len(line) > limit:
            cut = limit
            amp = line.rfind("&", 0, cut)
            if amp != -1 and ";" not in line[amp:cut]:
                cut = amp  # an entity would straddle the cut
            if current:
                chunks.append(current)
                current = ""
            chunks.append(line[:cut])
            line = line[cut:]
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) > limit:
            chunks.append(current)
            candidate = line
        current = candidate
    if current.strip():
        chunks.append(current)
    if len(chunks) > most:
        chunks = chunks[:most]
        rest = "see the link below" if has_link else "ask the sender for the full notice"
        chunks[-1] = chunks[-1][: limit - 60].rsplit("&", 1)[0] + f" … _(shortened: {rest})_"
    return [chunk for chunk in chunks if chunk.strip()] or [" "]


def _status_line(view: NoticeCard) -> str | None:
    parts = []
    if view.acknowledged_at is not None:
        parts.append(f":white_check_mark: You acknowledged this on {when(view.acknowledged_at)}.")
    if view.place is PlaceStatus.PLACE:
        parts.append(":ticket: You have a place.")
    elif view.place is PlaceStatus.WAITING:
        parts.append(f":hourglass: You are on the waiting list (number {view.waiting_position or '?'}).")
    return " ".join(parts) or None


class NoticeBlocks:
    """`notices.ports.NoticeBodies` in Block Kit."""

    def card(self, view: NoticeCard) -> dict:
        label = f"{ICONS[view.kind]} {view.kind.label} from {mention(view.sender)}"
        details = [label]
        if view.requires_acknowledgement and view.deadline is not None:
            details.append(f"please acknowledge by *{when(view.deadline)}*")
        if view.offers_places:
            details.append(f"{view.places} places" if view.places else "places available")
        blocks: list = [
            HeaderBlock(text=clip(view.title.strip(), HEADER_MAX, empty=view.kind.label)),
            ContextBlock(elements=[MarkdownTextObject(text=" · ".join(details))]),
            *[
                SectionBlock(text=MarkdownTextObject(text=chunk))
                for chunk in _escaped_chunks(view.body, has_link=bool(view.link))
            ],
        ]
        buttons = []
        if view.requires_acknowledgement and view.acknowledged_at is None:
            buttons.append(
                ButtonElement(
                    text="Read and understood",
                    action_id=NoticeAction.ACKNOWLEDGE,
                    value=str(view.notice_id),
                    style="primary",
                )
            )
        if view.offers_places and view.place is None:
            buttons.append(
                ButtonElement(
                    text="I'd like a place", action_id=NoticeAction.REQUEST_PLACE, value=str(view.notice_id)
                )
            )
        if view.link:
            buttons.append(
                ButtonElement(
                    text="Book or read more" if view.offers_places else "Read more",
                    url=view.link,
                    action_id=NoticeAction.OPEN_LINK,
                )
            )
        if buttons:
            blocks.append(ActionsBlock(block_id=f"notice:{view.notice_id}", elements=buttons))
        status = _status_line(view)
        if status:
            blocks.append(ContextBlock(elements=[MarkdownTextObject(text=status)]))
        text = f"{view.kind.label}: {escape(clip(view.title, TITLE_MAX))}"
        return {"text": text, "blocks": [block.to_dict() for block in blocks]}

    def reminder(self, view: ReminderView) -> dict:
        text = (
            f":bell: Reminder {view.number} of {view.of}: please open the {view.kind.label.lower()} "
            f"*{escape(clip(view.title, TITLE_MAX))}* above and press *Read and understood* "
            f"by {when(view.deadline)}."
        )
        return {"text": text}

    def summary(self, view: SummaryView) -> dict:
        outstanding = view.sent - view.acknowledged
        headline = (
            f"*{escape(clip(view.title, TITLE_MAX))}* ({view.kind.label.lower()}) reached its deadline, "
            f"{when(view.deadline)}: {view.acknowledged} of {view.sent} acknowledged, "
            f"{outstanding} still outstanding."
        )
        lines = [
            f"• {escape(clip(person.name, 80))}"
            + (f" — {escape(clip(person.organisation, 80))}" if person.organisation else "")
            for person in view.outstanding[:SUMMARY_NAMES_MAX]
        ]
        if outstanding > len(lines):
            lines.append(
                f"…and {outstanding - len(lines)} more: "
                f"`linkedup notice report {view.notice_id}` lists everyone."
            )
        blocks = [SectionBlock(text=MarkdownTextObject(text=headline))]
        if lines:
            blocks.append(SectionBlock(text=MarkdownTextObject(text="*Still outstanding*")))
            blocks += pack_lines(lines)
        return {"text": headline, "blocks": [block.to_dict() for block in blocks[:50]]}

    def channel_post(self, view: ChannelPointer) -> dict:
        if view.title is None:
            text = (
                f"{ICONS[view.kind]} {mention(view.sender)} sent a {view.kind.label.lower()} "
                f"by direct message to {escape(view.audience_summary)}. If your organisation should "
                f"have had it and did not, ask {mention(view.sender)}."
            )
        else:
            text = (
                f"{ICONS[view.kind]} *{escape(clip(view.title, TITLE_MAX))}* — a {view.kind.label.lower()} "
                f"from {mention(view.sender)}, sent by direct message to {escape(view.audience_summary)}."
            )
        blocks: list = [SectionBlock(text=MarkdownTextObject(text=clip(text, SECTION_MAX)))]
        if view.link:
            blocks.append(
                ActionsBlock(
                    elements=[
                        ButtonElement(text="Read more", url=view.link, action_id=NoticeAction.OPEN_LINK)
                    ]
                )
            )
        return {"text": clip(text, SECTION_MAX), "blocks": [block.to_dict() for block in blocks]}

    def sender_note(self, view: SenderNote) -> dict:
        return {"text": f"Your notice *{escape(clip(view.title, TITLE_MAX))}* {escape(view.text)}"}


RENDERER = NoticeBlocks()


# --- The compose and confirm modals ----------------------------------------------------------------


def _multi(block_id: str, label: str, options: list, hint: str) -> InputBlock | None:
    if not options:
        return None
    return InputBlock(
        block_id=block_id,
        label=label,
        optional=True,
        hint=hint,
        element=StaticMultiSelectElement(action_id=VALUE, placeholder="Any", options=options[:OPTIONS_MAX]),
    )


def _organisations(organisations: Sequence[tuple[int, str]]) -> InputBlock | None:
    """Named organisations: a list, or a type-ahead when there are more than a select shows."""
    if not organisations:
        return None
    search = len(organisations) > OPTIONS_MAX
    return InputBlock(
        block_id=NoticeField.ORGANISATIONS,
        label="Named organisations",
        optional=True,
        hint="These organisations, whatever else is chosen." + (" Type part of a name." if search else ""),
        element=many_of(
            [option(n, str(i)) for i, n in organisations],
            action_id=VALUE,
            search_action_id=AudienceAction.PICK_ORGANISATIONS,
            placeholder="Any",
        ),
    )


def compose_modal(choices: Choices) -> View:
    kinds = [option(kind.label, kind.value) for kind in NoticeKind]
    blocks = [
        InputBlock(
            block_id=NoticeField.KIND,
            label="Kind",
            element=StaticSelectElement(action_id=VALUE, placeholder="Choose", options=kinds),
        ),
        InputBlock(
            block_id=NoticeField.TITLE,
            label="Title",
            element=PlainTextInputElement(action_id=VALUE, max_length=TITLE_MAX),
        ),
        InputBlock(
            block_id=NoticeField.BODY,
            label="Notice",
            hint="Slack formatting works: *bold*, _italic_, and web addresses become links.",
            element=PlainTextInputElement(action_id=VALUE, multiline=True, max_length=BODY_MAX),
        ),
        InputBlock(
            block_id=NoticeField.LINK,
            label="Link to book or read more",
            optional=True,
            element=UrlInputElement(action_id=VALUE),
        ),
        SectionBlock(
            text=MarkdownTextObject(
                text="*Who it reaches* — any of these (categories and ages together "
                "mean a service that is both)"
            )
        ),
        _multi(
            NoticeField.CATEGORIES,
            "Service categories",
            [option(c, c) for c in choices.categories],
            "Organisations with a service in any of these.",
        ),
        InputBlock(
            block_id=NoticeField.AGES,
            label="Ages served",
            optional=True,
            hint="e.g. 0-5: organisations with a service for any of these ages.",
            element=PlainTextInputElement(action_id=VALUE, max_length=20, placeholder="0-5"),
        ),
        _multi(
            NoticeField.THEMES, "Themes", [option(n, s) for s, n in choices.themes], "Services in the theme."
        ),
        _multi(
            NoticeField.BOARDS,
            "Boards",
            [option(n, s) for s, n in choices.boards],
            "Organisations in the themes the board owns.",
        ),
        _organisations(choices.organisations),
        InputBlock(
            block_id=NoticeField.AUDIENCE,
            label="Also",
            optional=True,
            element=CheckboxesElement(
                action_id=VALUE,
                options=[
                    option("Everyone in the network", "everyone"),
                    option("The members of the chosen boards (all boards if none chosen)", "board_members"),
                ],
            ),
        ),
        InputBlock(
            block_id=NoticeField.REACH,
            label="Reach",
            element=RadioButtonsElement(
                action_id=VALUE,
                initial_option=option("Every member of those organisations", Reach.EVERY_MEMBER.value),
                options=[
                    option("Every member of those organisations", Reach.EVERY_MEMBER.value),
                    option("One named contact each (longest-standing member)", Reach.ONE_CONTACT.value),
                ],
            ),
        ),
        DividerBlock(),
        InputBlock(
            block_id=NoticeField.ACKNOWLEDGEMENT,
            label="Acknowledgement",
            optional=True,
            element=CheckboxesElement(
                action_id=VALUE, options=[option("Ask everyone to press “Read and understood”", "required")]
            ),
        ),
        InputBlock(
            block_id=NoticeField.DEADLINE,
            label="Acknowledge by",
            optional=True,
            element=DateTimePickerElement(action_id=VALUE),
        ),
        InputBlock(
            block_id=NoticeField.PLACES,
            label="Places (training)",
            optional=True,
            hint="Leave empty for no limit; requests past it go on a waiting list.",
            element=NumberInputElement(action_id=VALUE, is_decimal_allowed=False, min_value="1"),
        ),
        InputBlock(
            block_id=NoticeField.SEND_AT,
            label="Send at",
            optional=True,
            hint="Leave empty to send as soon as you confirm.",
            element=DateTimePickerElement(action_id=VALUE),
        ),
        InputBlock(
            block_id=NoticeField.CHANNEL,
            label="Also post a pointer in",
            optional=True,
            hint="A safeguarding update's details never go in a channel: only that one was sent.",
            element=ChannelSelectElement(action_id=VALUE),
        ),
    ]
    return View(
        type="modal",
        callback_id=NoticeCallback.COMPOSE,
        title="Send a notice",
        submit="Next",
        close="Cancel",
        blocks=[block for block in blocks if block is not None],
    )


def confirm_modal(
    notice_id: int, title: str, summary: str, *, send_at: datetime | None, kind: NoticeKind
) -> View:
    going = f"at {when(send_at)}" if send_at else "now"
    text = (
        f"*{escape(clip(title, TITLE_MAX))}* ({kind.label.lower()}) will go by direct message to "
        f"*{escape(summary)}*, {going}."
    )
    return View(
        type="modal",
        callback_id=NoticeCallback.CONFIRM,
        private_metadata=encode_metadata({"notice": notice_id}),
        title="Confirm the notice",
        submit="Send" if send_at is None else "Schedule",
        close="Cancel",
        blocks=[SectionBlock(text=MarkdownTextObject(text=clip(text, SECTION_MAX)))],
    )


def confirmed_sentence(title: str, audience: str, send_at: datetime | None) -> str:
    """What the sender reads once they press Send: sent now, or when it will go."""
    if send_at is not None:
        return f"Scheduled: “{title}” goes to {audience} on {when(send_at)}."
    return f"Sent: “{title}” is on its way to {audience}."


def sent_modal(text: str) -> View:
    return View(
        type="modal",
        title="Notice",
        close="Done",
        blocks=[SectionBlock(text=MarkdownTextObject(text=clip(escape(text), SECTION_MAX) or "Done."))],
    )


# --- App Home -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class WaitingNotice:
    title: str
    kind: NoticeKind
    deadline: datetime | None


@dataclass(frozen=True)
class SentNotice:
    notice_id: int
    title: str
    kind: NoticeKind
    status: str
    people: int
    delivered: int
    failed: int
    acknowledged: int
    requires_acknowledgement: bool
    places_taken: int
    waiting: int
    places: int | None


def home_notice_blocks(
    unacknowledged: Sequence[WaitingNotice],
    sent: Sequence[SentNotice],
    *,
    may_send: bool,
    to_acknowledge: int | None = None,
) -> list:
    """A person's notices still to acknowledge; a sender's notices with their live figures.

    `unacknowledged` is the soonest few; `to_acknowledge` is how many there are in all, so the heading
    says the true number and the list says how many more wait in the Messages tab."""
    blocks: list = []
    if unacknowledged:
        total = max(to_acknowledge or 0, len(unacknowledged))
        lines = [
            f"{ICONS[n.kind]} *{escape(clip(n.title, 120))}*"
            + (f" — by {when(n.deadline)}" if n.deadline else "")
            for n in unacknowledged
        ]
        if total > len(unacknowledged):
            lines.append(f"…and {total - len(unacknowledged)} more, with later deadlines.")
        blocks.append(
            SectionBlock(
                text=MarkdownTextObject(
                    text=f"*Notices to acknowledge* ({total}): open them in the Messages tab "
                    "and press *Read and understood*."
                )
            )
        )
        blocks += pack_lines(lines)
    if may_send:
        blocks.append(
            SectionBlock(
                text=MarkdownTextObject(text="*Your notices*" if sent else "*Notices*: none sent yet."),
                accessory=ButtonElement(text="Send a notice", action_id=NoticeAction.COMPOSE),
            )
        )
        lines = []
        for n in sent:
            figures = f"{n.delivered} of {n.people} delivered"
            if n.failed:
                figures += f", {n.failed} failed"
            if n.requires_acknowledgement:
                figures += f", {n.acknowledged} acknowledged"
            if n.kind is NoticeKind.TRAINING:
                figures += f", {n.places_taken}" + (f" of {n.places}" if n.places else "") + " places"
                if n.waiting:
                    figures += f", {n.waiting} waiting"
            lines.append(
                f"{ICONS[n.kind]} *{escape(clip(n.title, 100))}* ({n.status}) — {figures} · #{n.notice_id}"
            )
        blocks += pack_lines(lines)
    return blocks
