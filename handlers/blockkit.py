"""Block Kit the one way every listener writes it: Slack's limits, `clip`, `escape`, and the templates.

Slack refuses a whole message for one over-long text, so every text is clipped to its position's
limit here. This is also the one escaping boundary: what a person typed reaches Slack's mrkdwn and
a message's fallback `text` only through `escape` / `mrkdwn` (a domain `models.wording.Wording`
renders its typed parts escaped), and the bot's own mentions and links are made by `mention`,
`channel_link` and `link`, so they stay real. `tests/test_slack_escaping.py` holds every renderer and
view builder to it. Lists are packed line by line into as
few sections as fit, never cut mid-line, so a long list costs a handful of blocks instead of one
each.

Building and validating `slack_sdk.models` objects costs about 70 µs an object: 3–4 ms for an
intake modal, a millisecond an escalation card, and the deadline sweep renders hundreds a minute.
So each *shape* is built once from placeholder texts, validated and serialised by the SDK, and
kept; later requests of that shape copy the template with their own texts put in. Two doors lead
to the one cache: `filled` for a view built by a function, and `render` for a message described
as block specs (`Spec`: kind + texts). `tests/test_intake_templates.py` and
`tests/test_escalation_blocks.py` check that a filled template equals building directly.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import quote as url_quote

from slack_sdk.models.basic_objects import JsonObject
from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    DividerBlock,
    ExternalDataMultiSelectElement,
    HeaderBlock,
    MarkdownTextObject,
    Option,
    PlainTextObject,
    SectionBlock,
    StaticMultiSelectElement,
)

from models.wording import ChannelRef, Link, Mention, Quote, Typed, Wording

MESSAGE_BLOCKS_MAX = 50
MODAL_BLOCKS_MAX = 100
SECTION_MAX = 3000
FALLBACK_MAX = 3000
FIELD_MAX = 2000
FIELDS_MAX = 10
CONTEXT_TEXT_MAX = 2000
CONTEXT_ELEMENTS_MAX = 10
HEADER_MAX = 150
MODAL_TITLE_MAX = 24
OPTION_TEXT_MAX = 75
OPTION_VALUE_MAX = 150
OPTIONS_MAX = 100
BUTTON_TEXT_MAX = 75
BUTTON_VALUE_MAX = 2000
BUTTONS_MAX = 25
BLOCK_ID_MAX = 255
EMPTY = "—"


def clip(text: str | None, limit: int, *, empty: str = "") -> str:
    """`text` shortened to `limit` characters, with an ellipsis when cut (`empty` when there is none)."""
    text = text or empty
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


# --- The one escaping boundary: what people typed, and the bot's own mentions and links -------------

_SLACK_ID = re.compile(r"^[UWCGD][A-Z0-9]{2,20}$")
_URL_BREAKS = re.compile(r"[\s|]")  # would end the link's address early: percent-encoded


def escape(text: str | None) -> str:
    """Text typed by a person, made safe inside mrkdwn and fallback text: `<!channel>`, `<@U…>` and
    `<https://…|label>` show as the characters typed and never act (Slack's three escapes)."""
    return (text or "").replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def quote(text: str | None, limit: int = SECTION_MAX) -> str:
    """Text a person typed, clipped, escaped and shown as a mrkdwn block quote."""
    text = clip((text or "").strip(), limit)
    return "\n".join("> " + line for line in escape(text).splitlines() or [""])


def mention(user: str | None) -> str:
    """The bot naming a person: a real `<@U…>` mention (the bot itself when no one acted)."""
    if not user or user == "system":
        return "Linked-up (automatic)"
    return f"<@{user}>" if _SLACK_ID.match(user) else escape(user)


def channel_link(channel: str) -> str:
    """The bot naming a channel: a real `<#C…>` link."""
    return f"<#{channel}>" if _SLACK_ID.match(channel) else escape(channel)


def link(url: str, label: str) -> str:
    """The bot's own link `<url|label>`; a label someone typed is shown as written."""
    safe_url = _URL_BREAKS.sub(lambda m: url_quote(m.group(), safe=""), escape(url))
    return f"<{safe_url}|{escape(label).replace('|', '¦')}>"


def mrkdwn(value: Wording | str | None) -> str:
    """The one door from the domain to Slack's mrkdwn and fallback text.

    A plain string is what a person typed (escaped); a `Wording` keeps the bot's own words as they
    are, escapes its typed parts and renders its mentions, channels, links and quotes for real.
    """
    if value is None:
        return ""
    if isinstance(value, str):
        return escape(value)
    out = []
    for part in value.parts:
        if isinstance(part, str):
            out.append(part)
        elif isinstance(part, Typed):
            out.append(escape(part.text))
        elif isinstance(part, Mention):
            out.append(mention(part.user))
        elif isinstance(part, ChannelRef):
            out.append(channel_link(part.channel))
        elif isinstance(part, Link):
            out.append(link(part.url, part.label))
        elif isinstance(part, Quote):
            starts_a_line = not out or out[-1].endswith("\n")
            out.append(("" if starts_a_line else "\n") + quote(part.text, part.limit))
    return "".join(out)


def plain(value: Wording | str | None) -> str:
    """The same value for a `plain_text` object, where Slack reads no markup at all."""
    if value is None:
        return ""
    return value if isinstance(value, str) else value.typed_text()


def _packed_texts(lines: Sequence[str], limit: int, *, skip_blank: bool) -> list[str]:
    texts, current = [], ""
    for line in lines:
        if skip_blank and not line.strip():
            continue
        line = clip(line, limit)
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) > limit:
            texts.append(current)
            candidate = line
        current = candidate
    if current:
        texts.append(current)
    return texts


def pack_lines(lines: list[str], *, limit: int = SECTION_MAX) -> list[SectionBlock]:
    """Sections holding the non-blank `lines` in order, each ≤ `limit` characters (long lines clipped)."""
    return [
        SectionBlock(text=MarkdownTextObject(text=text))
        for text in _packed_texts(lines, limit, skip_blank=True)
    ]


def option_label(label: str, *, suffix: str = "") -> str:
    """An option's text cut to fit, keeping the suffix (e.g. " (suggested)") whole; never empty (Slack
    refuses an empty text, so a blank name shows as a dash rather than breaking the whole modal)."""
    return clip(label, OPTION_TEXT_MAX - len(suffix), empty=EMPTY) + suffix


def option(label: str, value: str, *, suffix: str = "", description: str | None = None) -> Option:
    """A select option whose label fits (the suffix, e.g. " (suggested)", is never the part cut)."""
    text = option_label(label, suffix=suffix)
    return Option(
        value=value[:OPTION_VALUE_MAX],
        text=PlainTextObject(text=text),
        description=PlainTextObject(text=clip(description, OPTION_TEXT_MAX)) if description else None,
    )


def many_of(
    options: Sequence[Option], *, action_id: str, search_action_id: str, placeholder: str | None = None
) -> StaticMultiSelectElement | ExternalDataMultiSelectElement:
    """A multi-select of `options`, or, past the 100 a select may list, a type-ahead for them.

    The type-ahead's listener (registered for `search_action_id`) answers what the person types;
    its submitted value reads like the list's (`handlers.middleware.form_values`).
    """
    if len(options) <= OPTIONS_MAX:
        return StaticMultiSelectElement(action_id=action_id, placeholder=placeholder, options=list(options))
    return ExternalDataMultiSelectElement(
        action_id=search_action_id, placeholder=placeholder or "Type part of a name", min_query_length=0
    )


def section_block(text: str) -> SectionBlock:
    """A mrkdwn section whose text fits (for views built directly with `slack_sdk.models`)."""
    return SectionBlock(text=MarkdownTextObject(text=clip(text, SECTION_MAX)))


def age_of(moment: datetime, now: datetime) -> str:
    """How long ago, in words a person reads at a glance: "today", "3 days", "5 weeks"."""
    days = max(0, (now - moment).days)
    if days == 0:
        return "today"
    if days == 1:
        return "1 day"
    if days < 28:
        return f"{days} days"
    if days < 120:
        return f"{days // 7} weeks"
    return f"{days // 30} months"


# --- The template cache: build and validate once per shape, fill per request ------------------------

_TEMPLATES_MAX = 768
_templates: dict[Hashable, object] = {}
_templates_lock = threading.Lock()


def slot(n: int) -> str:
    """The placeholder for the n-th text of a template (a NUL never occurs in a text we send)."""
    return f"\x00{n}\x00"


def _cached(key: Hashable, make: Callable[[], object]):
    template = _templates.get(key)
    if template is None:
        template = make()
        with _templates_lock:
            if len(_templates) >= _TEMPLATES_MAX:
                _templates.clear()
            _templates[key] = template
    return template


def _fill(node, values: dict[str, str]):
    if isinstance(node, str):
        return values.get(node, node)
    if isinstance(node, dict):
        return {key: _fill(value, values) for key, value in node.items()}
    if isinstance(node, list):
        return [_fill(value, values) for value in node]
    return node


def filled(shape: Hashable, build: Callable[[Sequence[str]], JsonObject], texts: Sequence[str]) -> dict:
    """`build(texts).to_dict()`, without building and validating the same structure on every request.

    The first call for a `shape` builds the object with placeholders (`slot(n)`) in place of the
    texts, lets the SDK validate and serialise it once, and keeps the dict; every call then copies
    it with the placeholders replaced by `texts`.

    The contract, checked in the tests by comparing with `build(texts).to_dict()`: `shape` says
    everything about the structure except the texts (which optional parts are present, how many
    options), and `build` puts each text where it belongs unchanged — callers clip texts to their
    Slack limits before. An empty text would make the SDK leave its attribute out, which a
    placeholder cannot, so such a call is simply built directly.
    """
    if any(not isinstance(text, str) or not text for text in texts):
        return build(texts).to_dict()
    template = _cached(
        ("view", shape, len(texts)), lambda: build([slot(n) for n in range(len(texts))]).to_dict()
    )
    return _fill(template, {slot(n): text for n, text in enumerate(texts)})


# --- Messages as block specs: each text clipped to its position's limit when the spec is made -------


def _fit(text: str | None, limit: int) -> str:
    """A text for a spec: no NUL (the placeholders' mark), never empty (Slack refuses empty texts)."""
    return clip((text or "").replace("\x00", ""), limit, empty=EMPTY)


@dataclass(frozen=True)
class Spec:
    """One block: its kind, its texts (in a fixed order per kind) and its buttons' styles."""

    kind: str
    texts: tuple[str, ...] = ()
    styles: tuple[str | None, ...] = ()


@dataclass(frozen=True)
class Button:
    action_id: str
    label: str
    value: str
    style: str | None = None


def header(text: str) -> Spec:
    return Spec("header", (_fit(text, HEADER_MAX),))


def section(text: str) -> Spec:
    return Spec("section", (_fit(text, SECTION_MAX),))


def fields(texts: list[str]) -> Spec:
    return Spec("fields", tuple(_fit(t, FIELD_MAX) for t in texts[:FIELDS_MAX]))


def context(text: str) -> Spec:
    return Spec("context", (_fit(text, SECTION_MAX),))


def divider() -> Spec:
    return Spec("divider")


def _button_texts(button: Button) -> tuple[str, str, str]:
    return (button.action_id, _fit(button.label, BUTTON_TEXT_MAX), _fit(button.value, BUTTON_VALUE_MAX))


def actions(block_id: str, buttons: list[Button]) -> Spec:
    buttons = buttons[:BUTTONS_MAX]
    texts = [_fit(block_id, BLOCK_ID_MAX)]
    for button in buttons:
        texts.extend(_button_texts(button))
    return Spec("actions", tuple(texts), tuple(b.style for b in buttons))


def section_with_button(text: str, button: Button) -> Spec:
    return Spec("section_button", (_fit(text, SECTION_MAX), *_button_texts(button)), (button.style,))


def packed(lines: list[str], *, limit: int = SECTION_MAX) -> list[Spec]:
    """Lines packed into as few section specs as fit, never cutting a line in two (long ones clipped)."""
    return [section(text) for text in _packed_texts(lines, limit, skip_blank=False)]


def materialise(spec: Spec) -> Block:
    """The spec as a `slack_sdk.models` block (validated by the SDK when turned into a dict)."""
    texts = spec.texts
    if spec.kind == "header":
        return HeaderBlock(text=PlainTextObject(text=texts[0]))
    if spec.kind == "section":
        return SectionBlock(text=MarkdownTextObject(text=texts[0]))
    if spec.kind == "fields":
        return SectionBlock(fields=[MarkdownTextObject(text=t) for t in texts])
    if spec.kind == "context":
        return ContextBlock(elements=[MarkdownTextObject(text=texts[0])])
    if spec.kind == "divider":
        return DividerBlock()
    if spec.kind == "actions":
        elements = [
            ButtonElement(
                action_id=texts[1 + 3 * n],
                text=PlainTextObject(text=texts[2 + 3 * n]),
                value=texts[3 + 3 * n],
                style=style,
            )
            for n, style in enumerate(spec.styles)
        ]
        return ActionsBlock(block_id=texts[0], elements=elements)
    if spec.kind == "section_button":
        return SectionBlock(
            text=MarkdownTextObject(text=texts[0]),
            accessory=ButtonElement(
                action_id=texts[1], text=PlainTextObject(text=texts[2]), value=texts[3], style=spec.styles[0]
            ),
        )
    raise ValueError(f"unknown block kind {spec.kind!r}")


def build(specs: list[Spec]) -> list[dict]:
    """The blocks built directly with `slack_sdk.models` (the reference the templates must match)."""
    return [materialise(spec).to_dict() for spec in specs]


def _template(shape: tuple, specs: list[Spec]) -> list[dict]:
    def make() -> list[dict]:
        counter = iter(range(10**9))
        return build([Spec(s.kind, tuple(slot(next(counter)) for _ in s.texts), s.styles) for s in specs])

    return _cached(("blocks", shape), make)


def render(specs: list[Spec]) -> list[dict]:
    """The blocks as dicts: from the validated template of this shape, with these texts."""
    shape = tuple((s.kind, len(s.texts), s.styles) for s in specs)
    template = _template(shape, specs)
    texts = [text for spec in specs for text in spec.texts]
    return _fill(template, {slot(n): text for n, text in enumerate(texts)})


def message(text: str, specs: list[Spec]) -> dict:
    """A message body: fallback text and at most 50 blocks (the last says what was left out)."""
    if len(specs) > MESSAGE_BLOCKS_MAX:
        dropped = len(specs) - (MESSAGE_BLOCKS_MAX - 1)
        specs = [*specs[: MESSAGE_BLOCKS_MAX - 1], context(f"_…and {dropped} more blocks not shown._")]
    return {"text": _fit(text, FALLBACK_MAX), "blocks": render(specs)}
