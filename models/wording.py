"""Sentences the domain writes with something a person typed inside, the typed part kept apart.

A reminder says "*{title}* — Board: {board}", an answer DM quotes the board's answer, a history line
says who did what. The domain writes those sentences but must not decide how Slack shows them; and a
title containing `<!channel>` must never reach Slack as a ping. So a sentence is a `Wording`: the
bot's own words (which may carry mrkdwn emphasis) interleaved with `Typed` text, the people and
channels it names (`Mention`, `ChannelRef`), its own links (`Link`) and quoted passages (`Quote`).
The chat layer (`handlers.blockkit.mrkdwn`) escapes every typed part and renders the others as real
mentions and links; nothing else needs to remember to escape.

`said("{who} was not satisfied: “{note}”", who=Mention(user), note=note)` is how one is written: the
template is the bot's, and every plain string filled in is taken as typed.
"""

from __future__ import annotations

from dataclasses import dataclass
from string import Formatter


@dataclass(frozen=True)
class Typed:
    """Text a person typed (or a name someone chose): shown exactly as written, never acting."""

    text: str


@dataclass(frozen=True)
class Mention:
    """A person the bot names; no one (or "system") is the bot acting on its own."""

    user: str | None


@dataclass(frozen=True)
class ChannelRef:
    """A channel the bot names (a board's channel)."""

    channel: str


@dataclass(frozen=True)
class Link:
    """A link the bot makes; its label may be typed text and is shown as written."""

    url: str
    label: str


@dataclass(frozen=True)
class Quote:
    """Typed text shown as a block quote, clipped to `limit` characters."""

    text: str
    limit: int = 1500


Part = str | Typed | Mention | ChannelRef | Link | Quote
_FORMATTER = Formatter()


@dataclass(frozen=True)
class Wording:
    """A sentence: the bot's own words (plain `str` parts) and the typed or named parts between them."""

    parts: tuple[Part, ...] = ()

    def __add__(self, other: Wording | str) -> Wording:
        more = other.parts if isinstance(other, Wording) else (other,)
        return Wording(self.parts + more)

    def __str__(self) -> str:
        return self.typed_text()

    def typed_text(self) -> str:
        """The sentence as plain characters (typed parts as written): for logs, tests and plain_text."""
        out = []
        for part in self.parts:
            if isinstance(part, str):
                out.append(part)
            elif isinstance(part, Typed | Quote):
                out.append(part.text)
            elif isinstance(part, Mention):
                out.append(
                    f"@{part.user}" if part.user and part.user != "system" else "Linked-up (automatic)"
                )
            elif isinstance(part, ChannelRef):
                out.append(f"#{part.channel}")
            else:
                out.append(part.label)
        return "".join(out)


def _as_part(value: object) -> Part | Wording:
    if isinstance(value, Wording | Typed | Mention | ChannelRef | Link | Quote):
        return value
    if isinstance(value, bool | int | float):
        return str(value)
    return Typed("" if value is None else str(value))


def said(template: str, /, **values: object) -> Wording:
    """The bot's `template` with its `{name}` fields filled; plain strings filled in count as typed."""
    parts: list[Part] = []
    for literal, name, _spec, _conversion in _FORMATTER.parse(template):
        if literal:
            parts.append(literal)
        if name is not None:
            value = _as_part(values[name])
            parts.extend(value.parts if isinstance(value, Wording) else (value,))
    return Wording(tuple(parts))


def quoted(text: str | None, limit: int = 1500) -> Wording:
    """Typed text as a block quote of its own (a line of a message)."""
    return Wording((Quote((text or "").strip(), limit),))


def as_text(value: Wording | str | None) -> str:
    """A sentence or a plain string as plain characters (for surfaces with no markup at all)."""
    if value is None:
        return ""
    return value if isinstance(value, str) else value.typed_text()
