"""The issue modal, and turning a Slack message into its pre-filled description and link."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass

from slack_sdk.models.blocks import (
    ActionsBlock,
    ButtonElement,
    CheckboxesElement,
    ContextBlock,
    InputBlock,
    MarkdownTextObject,
    PlainTextInputElement,
    RadioButtonsElement,
    SectionBlock,
    StaticSelectElement,
)
from slack_sdk.models.views import View

from handlers.blockkit import OPTION_VALUE_MAX, clip, escape, filled, option, option_label
from handlers.blockkit import link as link_to
from handlers.forms import encode_metadata
from handlers.ids import IntakeAction, IntakeCallback, IssueField
from intake.issues import AGE_RANGES, DESCRIPTION_MAX, GROUP_MAX, TITLE_MAX, title_from
from models.issues import Urgency
from models.network import Organisation, OrganisationStatus, Theme

FIELD = IntakeAction.FIELD
SUGGESTED = " (suggested)"
MAX_THEMES = 100
BUTTON_VALUE_MAX = 2000

URGENCY_CHOICES = {
    Urgency.ROUTINE: ("Routine", "For the next meeting"),
    Urgency.SOON: ("Soon", "Needs attention within weeks"),
    Urgency.URGENT: ("Urgent", "Affecting children or families now"),
}


@dataclass(frozen=True)
class IssueForm:
    """What changes from one issue form to the next, every text final (clipped to its limit).

    `texts()` lists them in the order `_issue_view` uses them; the rest is the form's shape.
    """

    notes: tuple[str, ...]
    title: str  # "" leaves the title box empty
    description: str
    themes: tuple[tuple[str, str], ...]  # (label, value) of each theme option
    suggested: int | None  # index of the suggested theme among `themes`
    hint: str
    metadata: str

    @property
    def shape(self) -> tuple:
        return (
            "issue",
            len(self.notes),
            bool(self.title),
            bool(self.description),
            len(self.themes),
            self.suggested is not None,
        )

    def texts(self) -> list[str]:
        texts = [*self.notes]
        texts += [text for text in (self.title, self.description) if text]
        for label, value in self.themes:
            texts += [label, value]
        if self.suggested is not None:
            texts += list(self.themes[self.suggested])
        if self.themes:
            texts.append(self.hint)
        return [*texts, self.metadata]


def issue_form(
    *,
    organisation: Organisation,
    themes: list[Theme],
    suggested: Theme | None,
    description: str = "",
    source: str,
    link: str | None = None,
    channel: str | None = None,
) -> IssueForm:
    """The texts of the issue form, pre-filled from `description`, the suggested theme pre-selected."""
    description = clip(description.strip(), DESCRIPTION_MAX)
    notes = []
    if organisation.status == OrganisationStatus.PENDING:
        notes.append(
            f"{escape(organisation.name)} is awaiting the officer's approval: your issue will be kept and "
            "acknowledged now, and sent to a board once the organisation is approved."
        )
    if link:
        notes.append(f"Raised from {link_to(link, 'this message')}; the link is kept with the issue.")
    shown = themes[:MAX_THEMES]
    if suggested is not None and suggested not in shown:
        shown = [*themes[: MAX_THEMES - 1], suggested]
    labels = tuple(
        (option_label(t.name, suffix=SUGGESTED if t == suggested else ""), str(t.id)[:OPTION_VALUE_MAX])
        for t in shown
    )
    return IssueForm(
        notes=tuple(clip(n, 2000) for n in notes),
        title=title_from(description),
        description=description,
        themes=labels,
        suggested=next((n for n, t in enumerate(shown) if t == suggested), None),
        hint=(
            "Suggested from your words: change it if another theme fits better."
            if suggested
            else "Leave it empty and Linked-up suggests one from your words."
        ),
        metadata=encode_metadata({"source": source, "link": link, "channel": channel}),
    )


def issue_modal(**kwargs) -> View:
    """The issue form built with `slack_sdk.models` (validated when serialised); arguments as `issue_form`."""
    form = issue_form(**kwargs)
    return _issue_view(form, form.texts())


def issue_modal_dict(**kwargs) -> dict:
    """`issue_modal(...).to_dict()`, filled from a template validated once per shape (the fast path)."""
    form = issue_form(**kwargs)
    return filled(form.shape, lambda texts: _issue_view(form, texts), form.texts())


def _issue_view(form: IssueForm, texts: Sequence[str]) -> View:
    """The view, each text taken in turn from `texts` (the form's texts, or a template's slots)."""
    text = iter(texts)
    blocks: list = []
    if form.notes:
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=next(text)) for _ in form.notes]))
    blocks += [
        InputBlock(
            block_id=IssueField.TITLE,
            label="Title",
            element=PlainTextInputElement(
                action_id=FIELD,
                max_length=TITLE_MAX,
                initial_value=next(text) if form.title else None,
                placeholder="A short summary, e.g. Room hire costs have doubled",
            ),
        ),
        InputBlock(
            block_id=IssueField.DESCRIPTION,
            label="What is happening?",
            element=PlainTextInputElement(
                action_id=FIELD,
                multiline=True,
                max_length=DESCRIPTION_MAX,
                initial_value=next(text) if form.description else None,
                placeholder="What is the issue or challenge, who does it affect, since when?",
            ),
        ),
    ]
    if form.themes:
        options = [option(next(text), next(text)) for _ in form.themes]
        initial = option(next(text), next(text)) if form.suggested is not None else None
        blocks.append(
            InputBlock(
                block_id=IssueField.THEME,
                label="Theme",
                optional=True,
                hint=next(text),
                element=StaticSelectElement(
                    action_id=FIELD, placeholder="Choose a theme", options=options, initial_option=initial
                ),
            )
        )
    blocks += _static_issue_blocks()
    return View(
        type="modal",
        callback_id=IntakeCallback.ISSUE,
        title="Raise an issue",
        submit="Send",
        close="Cancel",
        blocks=blocks,
        private_metadata=next(text),
    )


def _static_issue_blocks() -> list[InputBlock]:
    urgency_options = {
        u: option(label, u.value, description=hint) for u, (label, hint) in URGENCY_CHOICES.items()
    }
    return [
        InputBlock(
            block_id=IssueField.URGENCY,
            label="How urgent is it?",
            element=RadioButtonsElement(
                action_id=FIELD,
                options=list(urgency_options.values()),
                initial_option=urgency_options[Urgency.ROUTINE],
            ),
        ),
        InputBlock(
            block_id=IssueField.AGE_RANGE,
            label="Children and young people affected: ages",
            optional=True,
            element=StaticSelectElement(
                action_id=FIELD,
                placeholder="Choose an age range",
                options=[option(label, value) for value, label in AGE_RANGES.items()],
            ),
        ),
        InputBlock(
            block_id=IssueField.GROUP,
            label="Which group?",
            optional=True,
            element=PlainTextInputElement(
                action_id=FIELD, max_length=GROUP_MAX, placeholder="e.g. young carers, children with SEND"
            ),
        ),
        InputBlock(
            block_id=IssueField.SENSITIVE,
            label="Safeguarding",
            optional=True,
            element=CheckboxesElement(
                action_id=FIELD,
                options=[
                    option(
                        "Safeguarding-sensitive",
                        "yes",
                        description="Only the safeguarding board sees it; never published",
                    )
                ],
            ),
        ),
        InputBlock(
            block_id=IssueField.PUBLISH,
            label="Bulletin",
            optional=True,
            element=CheckboxesElement(
                action_id=FIELD,
                options=[
                    option(
                        "May be published anonymously in the bulletin",
                        "yes",
                        description="In “You said, we did”, without your organisation's name",
                    )
                ],
            ),
        ),
    ]


_LINK = re.compile(r"<(https?://[^|>]+)\|([^>]+)>")
_BARE_LINK = re.compile(r"<(https?://[^|>]+)>")
_USER = re.compile(r"<@([A-Z0-9]+)(?:\|[^>]*)?>")
_CHANNEL = re.compile(r"<#([A-Z0-9]+)\|([^>]*)>")
_SPECIAL = re.compile(r"<!([a-z]+)(?:\|[^>]*)?>")


def plain_text_of(slack_text: str) -> str:
    """A Slack message's mrkdwn as plain text for the description box (links kept as URLs)."""
    text = _LINK.sub(lambda m: f"{m.group(2)} ({m.group(1)})", slack_text or "")
    text = _BARE_LINK.sub(lambda m: m.group(1), text)
    text = _USER.sub(lambda m: f"@{m.group(1)}", text)
    text = _CHANNEL.sub(lambda m: f"#{m.group(2) or m.group(1)}", text)
    text = _SPECIAL.sub(lambda m: f"@{m.group(1)}", text)
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&").strip()


def without_mention(text: str, bot_user_id: str | None) -> str:
    """The mention's text without the leading @Linked-up."""
    if bot_user_id:
        text = re.sub(rf"<@{re.escape(bot_user_id)}(?:\|[^>]*)?>", "", text or "")
    return text.strip()


def message_link(
    domain: str | None, channel: str | None, ts: str | None, thread_ts: str | None = None
) -> str | None:
    """The message's permalink, built as Slack builds it (no extra Web API call in the 3 s window)."""
    if not (domain and channel and ts) or not re.fullmatch(r"[a-z0-9-]+", domain):
        return None
    link = f"https://{domain}.slack.com/archives/{channel}/p{ts.replace('.', '')}"
    if thread_ts and thread_ts != ts:
        link += f"?thread_ts={thread_ts}&cid={channel}"
    return link


def mention_offer(*, channel: str, ts: str, thread_ts: str | None, text: str) -> tuple[str, list]:
    """The reply to an @-mention: a button that opens the issue form pre-filled with the message."""
    value = {"c": channel, "ts": ts, "th": thread_ts, "t": text}
    encoded = json.dumps(value, ensure_ascii=False)
    while len(encoded) > BUTTON_VALUE_MAX:  # the button value limit; shorten the text only
        value["t"] = value["t"][: len(value["t"]) - (len(encoded) - BUTTON_VALUE_MAX) - 1]
        encoded = json.dumps(value, ensure_ascii=False)
    prompt = "Would you like to raise this with the Linked-up network as an issue or challenge?"
    blocks = [
        SectionBlock(text=MarkdownTextObject(text=prompt)),
        ActionsBlock(
            elements=[
                ButtonElement(
                    text="Raise as Linked-up issue",
                    action_id=IntakeAction.RAISE_FROM_MENTION,
                    value=encoded,
                    style="primary",
                )
            ]
        ),
    ]
    return prompt, blocks
