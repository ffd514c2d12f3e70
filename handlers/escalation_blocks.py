"""Block Kit for high-volume messages: built with `slack_sdk.models` once per shape, then filled.

Building and validating Block Kit objects costs about 70 µs an object, a millisecond a card; the
deadline sweep renders hundreds of cards and reminders a minute. A message is described here as a
list of small block specs (kind + texts); the first message of each *shape* (the kinds, how many
texts, the button styles) is built with `slack_sdk.models` from placeholder texts and validated
by the SDK, and later messages of that shape reuse the validated template with their own texts put
in. Every text is clipped to its position's Slack limit when the spec is made, so a filled template
is exactly what building it directly would give (`tests/test_escalation_blocks.py` checks this).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    MarkdownTextObject,
    PlainTextObject,
    SectionBlock,
)

SECTION_MAX = 3000
FIELD_MAX = 2000
FIELDS_MAX = 10
HEADER_MAX = 150
BUTTON_TEXT_MAX = 75
BUTTON_VALUE_MAX = 2000
BLOCK_ID_MAX = 255
BUTTONS_MAX = 25
EMPTY = "—"
_TEMPLATES_MAX = 512


def clip(text: str | None, limit: int) -> str:
    """`text` cut to `limit` characters with an ellipsis; never empty (Slack refuses empty texts)."""
    text = (text or "").replace("\x00", "") or EMPTY
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


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
    return Spec("header", (clip(text, HEADER_MAX),))


def section(text: str) -> Spec:
    return Spec("section", (clip(text, SECTION_MAX),))


def fields(texts: list[str]) -> Spec:
    return Spec("fields", tuple(clip(t, FIELD_MAX) for t in texts[:FIELDS_MAX]))


def context(text: str) -> Spec:
    return Spec("context", (clip(text, SECTION_MAX),))


def divider() -> Spec:
    return Spec("divider")


def _button_texts(button: Button) -> tuple[str, str, str]:
    return (button.action_id, clip(button.label, BUTTON_TEXT_MAX), clip(button.value, BUTTON_VALUE_MAX))


def actions(block_id: str, buttons: list[Button]) -> Spec:
    buttons = buttons[:BUTTONS_MAX]
    texts = [clip(block_id, BLOCK_ID_MAX)]
    for button in buttons:
        texts.extend(_button_texts(button))
    return Spec("actions", tuple(texts), tuple(b.style for b in buttons))


def section_with_button(text: str, button: Button) -> Spec:
    return Spec("section_button", (clip(text, SECTION_MAX), *_button_texts(button)), (button.style,))


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


_templates: dict[tuple, list[dict]] = {}
_lock = threading.Lock()


def _token(n: int) -> str:
    return f"\x00{n}\x00"


def _template(shape: tuple, specs: list[Spec]) -> list[dict]:
    template = _templates.get(shape)
    if template is not None:
        return template
    counter = iter(range(10**9))
    tokened = [Spec(s.kind, tuple(_token(next(counter)) for _ in s.texts), s.styles) for s in specs]
    template = build(tokened)
    with _lock:
        if len(_templates) >= _TEMPLATES_MAX:
            _templates.clear()
        _templates[shape] = template
    return template


def _fill(node, values: dict[str, str]):
    if isinstance(node, str):
        return values.get(node, node)
    if isinstance(node, dict):
        return {key: _fill(value, values) for key, value in node.items()}
    if isinstance(node, list):
        return [_fill(value, values) for value in node]
    return node


def render(specs: list[Spec]) -> list[dict]:
    """The blocks as dicts: from the validated template of this shape, with these texts."""
    shape = tuple((s.kind, len(s.texts), s.styles) for s in specs)
    template = _template(shape, specs)
    texts = [text for spec in specs for text in spec.texts]
    return _fill(template, {_token(n): text for n, text in enumerate(texts)})
