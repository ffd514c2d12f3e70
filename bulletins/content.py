"""What a compiled bulletin says, as plain data: the shape `compile` fills and `render` lays out.

It sits apart from both so that rendering (templates, inlined CSS) and compiling (queries, ordering)
depend on it and not on each other.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class ArticleItem:
    id: int
    title: str
    link: str
    summary: str


@dataclass(frozen=True)
class Section:
    slug: str
    name: str
    articles: list[ArticleItem]


@dataclass(frozen=True)
class Answer:
    """One "You said, we did" item: the issue as raised, and what was done; never who raised it."""

    theme: str | None
    said: str
    did: str
    board: str | None = None


@dataclass(frozen=True)
class WaitingCategory:
    """Services of one category that are full; counts of services, never of children."""

    category: str
    no_capacity: int
    waitlist_only: int


@dataclass(frozen=True)
class MeetingItem:
    title: str
    board: str | None
    starts_at: datetime
    location: str | None


@dataclass
class BulletinContent:
    month: str
    month_label: str
    network_name: str
    subject: str
    preview_text: str
    sections: list[Section] = field(default_factory=list)
    answers: list[Answer] = field(default_factory=list)
    waiting: list[WaitingCategory] = field(default_factory=list)
    meetings: list[MeetingItem] = field(default_factory=list)
    website_url: str | None = None
    logo_url: str | None = None
    # The size budget (`bulletins.compile`): articles left out of the e-mail, which the web version
    # at `web_version_url` holds; `web_version` is true when rendering that page itself.
    web_only: int = 0
    web_version_url: str | None = None
    web_version: bool = False

    @property
    def article_count(self) -> int:
        return sum(len(section.articles) for section in self.sections)

    def links(self) -> dict[str, dict]:
        """Each article link → its article and category, for mapping clicks back."""
        return {
            item.link: {"article_id": item.id, "category": section.slug}
            for section in self.sections
            for item in section.articles
        }
