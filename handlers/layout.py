"""Fitting content into Block Kit's limits: section text ≤ 3000 characters, option text ≤ 75.

Lists are packed line by line into as few sections as fit, and never cut mid-line, so a long
list costs a handful of blocks instead of one each.
"""

from __future__ import annotations

from datetime import datetime

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


def option(label: str, value: str, *, suffix: str = "", description: str | None = None) -> Option:
    """A select option whose label fits (the suffix, e.g. " (suggested)", is never the part cut)."""
    text = clip(label, OPTION_TEXT_MAX - len(suffix)) + suffix
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
