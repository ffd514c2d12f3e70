"""Articles for the bulletin: submitted in Slack or read from the network's web-page feed, then
approved or rejected by the officer. Only approved articles reach a compile.
"""

from __future__ import annotations

import html
import logging
import re
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import urlsplit

import feedparser
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bulletins.config import BulletinConfig, bulletin_config, month_label, month_of, parse_month, shift_month
from models import audit, fields
from models.base import utcnow
from models.bulletins import Article, ArticleSource, ArticleStatus, Bulletin, BulletinState
from models.errors import NotAllowed, NotFound, NotRegistered, ValidationError
from models.membership import is_officer, may_contribute

log = logging.getLogger(__name__)

TITLE_MAX = 200
SUMMARY_MAX = 1000
LINK_MAX = 2000
FEED_TIMEOUT = 15
FEED_MAX_BYTES = 5_000_000
FEED_ACTOR = "feed"

# Words in a feed item's title or tags that say which category it belongs to.
CATEGORY_HINTS: dict[str, tuple[str, ...]] = {
    "vacancies": ("vacancy", "vacancies", "job", "jobs", "recruiting", "hiring", "volunteer role"),
    "training-and-events": ("training", "course", "workshop", "event", "conference", "webinar"),
    "safeguarding-updates": ("safeguarding", "wscb", "child protection"),
    "the-hive": ("hive", "youth zone"),
    "funding": ("funding", "grant", "grants", "fund", "funds", "bid"),
    "service-changes": ("service change", "closing", "new service", "moved", "opening hours"),
}


@dataclass(frozen=True)
class SubmittedArticle:
    article: Article
    duplicate: bool


@dataclass
class FeedImport:
    """What one read of the feed did; `error` says why the feed was skipped, if it was."""

    feed_url: str
    added: list[Article] = field(default_factory=list)
    already_known: int = 0
    invalid: int = 0
    error: str | None = None


def validate_link(link: str, *, field_name: str = "link", schemes: tuple[str, ...] = ("https",)) -> str:
    """An absolute URL in one of `schemes`, or a ValidationError naming the field.

    Article links go to every recipient of the bulletin, so they must be `https://` (a plain
    `http://` link can be rewritten on the way); the feed the bot reads may be either.
    """
    link = (link or "").strip()
    if not link:
        raise ValidationError({field_name: "Give the article's web address."})
    if len(link) > LINK_MAX:
        raise ValidationError({field_name: f"Keep the link under {LINK_MAX} characters."})
    parts = urlsplit(link)
    if parts.scheme.lower() not in schemes or not parts.netloc or " " in link:
        kind = "a secure web address" if schemes == ("https",) else "a web address"
        starts = " or ".join(f"{scheme}://" for scheme in schemes)
        raise ValidationError({field_name: f"The link must be {kind} starting with {starts}."})
    return link


def _open_month(session: Session, month: str) -> None:
    bulletin = session.scalar(select(Bulletin).where(Bulletin.month == month))
    if bulletin is not None and bulletin.state != BulletinState.DRAFT:
        raise ValidationError(
            {"month": f"The {month} bulletin has already been approved; choose a later month."}
        )


def submit_article(
    session: Session,
    *,
    submitted_by: str,
    title: str,
    link: str,
    summary: str,
    category: str,
    month: str,
    config: BulletinConfig | None = None,
) -> SubmittedArticle:
    """Store an article for the officer to approve; the same link twice in a month is one article.

    Organisations' members, board members and officers may send one.
    """
    if not may_contribute(session, submitted_by):
        raise NotRegistered()
    config = config or bulletin_config(session)
    errors: dict[str, str] = {}
    title = (title or "").strip()
    summary = (summary or "").strip()
    if not fields.visible(title):
        errors["title"] = "Give the article a title."
    elif len(title) > TITLE_MAX:
        errors["title"] = f"Keep the title under {TITLE_MAX} characters."
    for name, value in (("title", title), ("summary", summary)):
        if "\x00" in value:  # PostgreSQL cannot store it
            errors[name] = f"Remove the NUL character from the {name}; then send it again."
    try:
        link = validate_link(link)
    except ValidationError as exc:
        errors.update(exc.errors)
    if len(summary) > SUMMARY_MAX and "summary" not in errors:
        errors["summary"] = f"Keep the summary under {SUMMARY_MAX} characters."
    if config.category(category or "") is None:
        errors["category"] = "Choose one of the bulletin's categories."
    try:
        month = parse_month(month)
        if month < month_of(utcnow()):
            errors["month"] = "That month's bulletin has gone; choose this month or a later one."
        else:
            _open_month(session, month)
    except ValidationError as exc:
        errors.update(exc.errors)
    if errors:
        raise ValidationError(errors)

    existing = session.scalar(select(Article).where(Article.month == month, Article.link == link))
    if existing is not None:
        return SubmittedArticle(existing, duplicate=True)
    article = Article(
        month=month,
        title=title,
        link=link,
        summary=summary,
        category=category,
        source=ArticleSource.SLACK,
        status=ArticleStatus.PENDING,
        submitted_by=submitted_by,
    )
    try:
        with session.begin_nested():
            session.add(article)
            session.flush()
    except IntegrityError:  # the same link submitted concurrently (a Slack retry)
        existing = session.scalar(select(Article).where(Article.month == month, Article.link == link))
        return SubmittedArticle(existing, duplicate=True)
    audit.record(
        session,
        actor=submitted_by,
        action="article.submitted",
        entity="article",
        entity_id=article.id,
        after={"title": title, "link": link, "category": category, "month": month},
    )
    return SubmittedArticle(article, duplicate=False)


REASON_MAX = 1000


def decide_article(
    session: Session, *, article_id: int, approve: bool, by: str, reason: str = ""
) -> tuple[Article, bool]:
    """Approve or reject an article; returns (article, changed). Only the officer decides.

    A rejection carries the reason the submitter is told (the reject form asks for one).
    """
    if not is_officer(session, by):
        raise NotAllowed("Only the development officer can approve or reject bulletin articles.")
    article = session.get(Article, article_id)
    if article is None:
        raise NotFound("That article no longer exists.")
    wanted = ArticleStatus.APPROVED if approve else ArticleStatus.REJECTED
    if article.status == wanted:
        return article, False
    reason = (reason or "").strip()
    if not approve and not fields.visible(reason):
        raise ValidationError({"reason": "Say why, so the person who sent it knows what to change."})
    if len(reason) > REASON_MAX or "\x00" in reason:
        raise ValidationError({"reason": f"Keep the reason under {REASON_MAX} characters, in plain text."})
    bulletin = session.scalar(select(Bulletin).where(Bulletin.month == article.month))
    if bulletin is not None and bulletin.state != BulletinState.DRAFT:
        raise NotAllowed(
            f"The {month_label(article.month)} bulletin is already approved; "
            "this article can no longer change."
        )
    before = article.status.value
    article.status = wanted
    article.decided_by = by
    article.decided_at = utcnow()
    audit.record(
        session,
        actor=by,
        action="article.approved" if approve else "article.rejected",
        entity="article",
        entity_id=article.id,
        before={"status": before},
        after={"status": wanted.value, "reason": reason} if reason else {"status": wanted.value},
    )
    return article, True


def pending_article_count(session: Session) -> int:
    """How many articles wait for the officer's decision (the Home tab shows a few of them)."""
    return session.scalar(select(func.count(Article.id)).where(Article.status == ArticleStatus.PENDING)) or 0


def pending_articles(session: Session, *, limit: int = 20) -> list[Article]:
    """The officer's queue: articles waiting for a decision, oldest first."""
    return list(
        session.scalars(
            select(Article)
            .where(Article.status == ArticleStatus.PENDING)
            .order_by(Article.created_at, Article.id)
            .limit(limit)
        )
    )


def feed_target_month(session: Session, now: datetime | None = None) -> str:
    """Feed items go into this month's bulletin, or next month's once this one is approved."""
    month = month_of(now or utcnow())
    bulletin = session.scalar(select(Bulletin).where(Bulletin.month == month))
    if bulletin is not None and bulletin.state != BulletinState.DRAFT:
        return shift_month(month, 1)
    return month


def fetch_feed(url: str, *, timeout: float = FEED_TIMEOUT) -> bytes:
    """The feed's bytes; raises OSError (unreachable, HTTP error, time-out) for the caller to report."""
    request = urllib.request.Request(url, headers={"User-Agent": "linkedup-bot feed reader"})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return response.read(FEED_MAX_BYTES)


def _plain(text: str) -> str:
    text = re.sub(r"<[^>]+>", " ", text or "")
    return re.sub(r"\s+", " ", html.unescape(text)).strip()


def guess_category(config: BulletinConfig, title: str, tags: list[str]) -> str:
    """A feed item's category: a tag naming one, else a telling word in the title, else the default."""
    slugs = config.slugs
    names = {c.name.lower(): c.slug for c in config.categories}
    for tag in tags:
        key = tag.strip().lower()
        if key in slugs:
            return key
        if key in names:
            return names[key]
    lowered = f" {title.lower()} {' '.join(t.lower() for t in tags)} "
    for slug, words in CATEGORY_HINTS.items():
        if slug in slugs and any(re.search(rf"\b{re.escape(w)}\b", lowered) for w in words):
            return slug
    if config.feed_category in slugs:
        return config.feed_category
    return "promotions" if "promotions" in slugs else slugs[0]


def _entry_time(entry) -> datetime | None:
    parsed = entry.get("published_parsed") or entry.get("updated_parsed")
    if not parsed:
        return None
    return datetime(*parsed[:6], tzinfo=UTC)


def import_feed(
    session: Session,
    *,
    feed_url: str | None = None,
    content: bytes | None = None,
    now: datetime | None = None,
) -> FeedImport:
    """Read the network's RSS/Atom feed and add new items (by link) as pending articles.

    An unreachable or malformed feed is reported in `FeedImport.error`, never raised: the caller
    tells the officer and the rest of the schedule carries on.
    """
    config = bulletin_config(session)
    feed_url = feed_url or config.feed_url
    result = FeedImport(feed_url=feed_url or "")
    if not feed_url:
        result.error = "no feed_url is set in the network file's bulletin settings"
        return result
    try:
        validate_link(feed_url, field_name="feed_url", schemes=("https", "http"))
    except ValidationError:
        result.error = f"the feed address {feed_url!r} is not an http(s) URL"
        return result
    if content is None:
        try:
            content = fetch_feed(feed_url)
        except urllib.error.HTTPError as exc:
            result.error = f"the feed could not be read (its web server answered HTTP {exc.code})"
            return result
        except (OSError, ValueError) as exc:
            reason = getattr(exc, "reason", None) or exc
            result.error = f"the feed could not be read ({type(exc).__name__}: {reason})"
            return result
    parsed = feedparser.parse(content, response_headers={"content-location": feed_url})
    if parsed.bozo and not parsed.entries:
        problem = parsed.get("bozo_exception")
        result.error = f"the feed is not valid RSS or Atom ({type(problem).__name__}: {problem})"
        return result
    if not parsed.entries:
        return result

    month = feed_target_month(session, now)
    seen: set[str] = set()
    for entry in parsed.entries:
        link = (entry.get("link") or "").strip()
        title = _plain(entry.get("title") or "")[:TITLE_MAX]
        try:
            link = validate_link(link)
        except ValidationError:
            result.invalid += 1
            continue
        if link in seen:
            continue
        if not title:
            result.invalid += 1
            continue
        seen.add(link)
        if session.scalar(select(Article.id).where(Article.link == link).limit(1)) is not None:
            result.already_known += 1
            continue
        tags = [t.get("term", "") for t in entry.get("tags", []) if t.get("term")]
        summary = _plain(entry.get("summary") or "")
        if len(summary) > 500:
            summary = summary[:497].rsplit(" ", 1)[0] + "…"
        article = Article(
            month=month,
            title=title,
            link=link,
            summary=summary,
            category=guess_category(config, title, tags),
            source=ArticleSource.FEED,
            status=ArticleStatus.PENDING,
            submitted_by=FEED_ACTOR,
            published_at=_entry_time(entry),
        )
        session.add(article)
        session.flush()
        result.added.append(article)
    if result.added:
        audit.record(
            session,
            actor=FEED_ACTOR,
            action="article.feed_imported",
            entity="feed",
            entity_id=feed_url[:64],
            after={"added": [a.id for a in result.added], "month": month},
        )
    return result
