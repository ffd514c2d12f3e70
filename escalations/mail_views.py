"""What an e-mail to a board member outside Slack says, as plain values (rendered by `mail/`).

Everything typed by people (titles, descriptions, answers, names) is carried as plain strings; the
renderer escapes it for HTML and strips line breaks from the subject. A safeguarding-sensitive item
is never described: its view has no title, description or organisation, only that a sensitive item
awaits and the path of the signed-in page where it can be read.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field


class MailKind(enum.StrEnum):
    CARD = "card"  # a new item for the board (routed, escalated or re-assigned to it)
    REMINDER = "reminder"
    ACKNOWLEDGE_OVERDUE = "acknowledge_overdue"
    ANSWERED = "answered"  # the board's answer, confirmed to its members
    MOVED = "moved"  # the item left the board (escalated or re-assigned)
    FOLLOW_UP = "follow_up"  # the follow-up the board promised is due
    DIGEST = "digest"  # before a meeting: what the board has pending (with the meeting as .ics)
    SIGN_IN = "sign_in"  # a one-time link to the dashboard


@dataclass(frozen=True)
class MailLink:
    """One single-use link (an `email_links` row): the renderer signs it into an address."""

    action: str
    label: str
    nonce: str
    member_id: int


@dataclass(frozen=True)
class MailView:
    kind: MailKind
    subject: str
    heading: str
    recipient: str | None = None  # the member's name, if the network file gives one
    reference: str | None = None
    title: str | None = None
    description: str | None = None
    facts: tuple[tuple[str, str], ...] = ()  # (label, value): board, deadlines, outcome…
    paragraphs: tuple[str, ...] = ()
    sensitive: bool = False
    links: tuple[MailLink, ...] = ()
    page_path: str | None = None  # a page of this app to open (the signed-in item page, the dashboard)
    page_label: str | None = None
    items: tuple[str, ...] = field(default_factory=tuple)  # the digest's list
