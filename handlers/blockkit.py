"""Fitting content into Block Kit's limits: section text ≤ 3000 characters, option text ≤ 75.

Lists are packed line by line into as few sections as fit, and never cut mid-line, so a long
list costs a handful of blocks instead of one each. Views sent while Slack waits (a modal opened
with a trigger id, a receipt in the HTTP answer) are serialised from templates: see `filled`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable, Sequence
from datetime import datetime

from slack_sdk.models.basic_objects import JsonObject
from slack_sdk.models.blocks import MarkdownTextObject, Option, PlainTextObject, SectionBlock

SECTION_MAX = 3000
OPTION_TEXT_MAX = 75
OPTION_VALUE_MAX = 150


def clip(text: str, limit: int) -> str:
    """`text` shortened to `limit` characters, with an ellipsis when cut."""
    text = text or ""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def escape(text: str) -> str:
    """Text typed by a person, made safe inside mrkdwn (no accidental @channel, links or markup)."""
    return (text or "").replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def pack_lines(lines: list[str], *, limit: int = SECTION_MAX) -> list[SectionBlock]:
    """Sections holding the non-blank `lines` in order, each ≤ `limit` characters (long lines clipped)."""
    sections, current = [], ""
    for line in lines:
        if not line.strip():
            continue
        line = clip(line, limit)
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) > limit:
            sections.append(SectionBlock(text=MarkdownTextObject(text=current)))
            candidate = line
        current = candidate
    if current:
        sections.append(SectionBlock(text=MarkdownTextObject(text=current)))
    return sections


def option_label(label: str, *, suffix: str = "") -> str:
    """An option's text cut to fit, keeping the suffix (e.g. " (suggested)") whole."""
    return clip(label, OPTION_TEXT_MAX - len(suffix)) + suffix


def option(label: str, value: str, *, suffix: str = "", description: str | None = None) -> Option:
    """A select option whose label fits (the suffix, e.g. " (suggested)", is never the part cut)."""
    text = option_label(label, suffix=suffix)
    return Option(
        value=value[:OPTION_VALUE_MAX],
        text=PlainTextObject(text=text),
        description=PlainTextObject(text=clip(description, OPTION_TEXT_MAX)) if description else None,
    )


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


# --- Templates: build and validate with slack_sdk.models once per shape, fill per request ---------

_TEMPLATES_MAX = 256
_templates: dict[Hashable, dict] = {}
_templates_lock = threading.Lock()


def slot(n: int) -> str:
    """The placeholder for the n-th text of a template (a NUL never occurs in a text we send)."""
    return f"\x00{n}\x00"


def filled(shape: Hashable, build: Callable[[Sequence[str]], JsonObject], texts: Sequence[str]) -> dict:
    """`build(texts).to_dict()`, without building and validating the same structure on every request.

    `slack_sdk.models` validate every nested object by reflection each time they are serialised:
    3–4 ms for an issue or return modal, most of the time a modal takes to open. So the first
    call for a `shape` builds the object with placeholders (`slot(n)`) in place of the texts,
    lets the SDK validate and serialise it once, and keeps the dict; every call then copies it
    with the placeholders replaced by `texts`.

    The contract, checked in the tests by comparing with `build(texts).to_dict()`: `shape` says
    everything about the structure except the texts (which optional parts are present, how many
    options), and `build` puts each text where it belongs unchanged — callers clip texts to their
    Slack limits before. An empty text would make the SDK leave its attribute out, which a
    placeholder cannot, so such a call is simply built directly.
    """
    if any(not isinstance(text, str) or not text for text in texts):
        return build(texts).to_dict()
    key = (shape, len(texts))
    template = _templates.get(key)
    if template is None:
        template = build([slot(n) for n in range(len(texts))]).to_dict()
        with _templates_lock:
            if len(_templates) >= _TEMPLATES_MAX:
                _templates.clear()
            _templates[key] = template
    return _fill(template, {slot(n): text for n, text in enumerate(texts)})


def _fill(node, values: dict[str, str]):
    if isinstance(node, str):
        return values.get(node, node)
    if isinstance(node, dict):
        return {key: _fill(value, values) for key, value in node.items()}
    if isinstance(node, list):
        return [_fill(value, values) for value in node]
    return node
