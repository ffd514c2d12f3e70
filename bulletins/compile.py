"""Compiling a month's bulletin: approved articles by category (best-read categories first), then
"You said, we did", a waiting-list snapshot and the coming meetings; rendered and stored as a draft
for the officer to approve. Re-compiling a draft replaces it; an approved bulletin never changes.
"""

from __future__ import annotations

import secrets
from collections import defaultdict
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from bulletins import budget, render
from bulletins.config import (
    LONDON,
    BulletinConfig,
    bulletin_config,
    month_label,
    month_start,
    parse_month,
    shift_month,
)
from bulletins.content import Answer, ArticleItem, BulletinContent, MeetingItem, Section, WaitingCategory
from bulletins.performance import category_clicks_per_open, order_categories
from escalations.answers import you_said_we_did as answered_items
from models import audit
from models.base import utcnow
from models.bulletins import Article, ArticleStatus, Bulletin, BulletinState
from models.errors import NotAllowed
from models.network import Meeting, Service
from models.returns import CapacityStatus, WaitingListReturn

MEETINGS_AHEAD = timedelta(days=62)
MAX_MEETINGS = 12
MAX_ANSWERS = 10
ANSWER_CHARS = 600


def you_said_we_did(session: Session, *, since: datetime, until: datetime) -> list[Answer]:
    """Issues answered in the window whose raiser allowed publication and that are not sensitive.

    The choice of items is escalation's (`escalations.answers`); here they are trimmed for an email.
    """
    answers = []
    for item in answered_items(session, since=since, until=until)[:MAX_ANSWERS]:
        did = (item.answer or "").strip()
        if not did:
            continue
        if len(did) > ANSWER_CHARS:
            did = did[: ANSWER_CHARS - 1].rsplit(" ", 1)[0] + "…"
        board = item.board if item.board and item.board != "the network" else None
        answers.append(Answer(theme=item.theme, said=item.title, did=did, board=board))
    return answers


def waiting_list_snapshot(session: Session, *, month: str) -> list[WaitingCategory]:
    """Service categories with services that are full (no capacity, or waiting-list referrals only).

    Each service counts once, by its latest return for this month or the month before. Only counts
    of services are shown, never numbers waiting, so nothing can point to a child.
    """
    this_month = month_start(month).astimezone(LONDON).date()
    last_month = month_start(shift_month(month, -1)).astimezone(LONDON).date()
    rows = session.execute(
        select(
            WaitingListReturn.service_id,
            WaitingListReturn.period,
            WaitingListReturn.capacity_status,
            Service.category,
        )
        .join(Service, Service.id == WaitingListReturn.service_id)
        .where(WaitingListReturn.period.in_((last_month, this_month)))
        .order_by(WaitingListReturn.service_id, WaitingListReturn.period)
    )
    latest: dict[int, tuple[str, object]] = {}
    for service_id, _period, status, category in rows:
        latest[service_id] = (category, status)  # ordered by period: the later month wins
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for category, status in latest.values():
        if status == CapacityStatus.NO_CAPACITY:
            counts[category][0] += 1
        elif status == CapacityStatus.WAITLIST_ONLY:
            counts[category][1] += 1
    return [
        WaitingCategory(category, full, waitlist) for category, (full, waitlist) in sorted(counts.items())
    ]


def coming_meetings(session: Session, *, now: datetime) -> list[MeetingItem]:
    rows = session.scalars(
        select(Meeting)
        .options(joinedload(Meeting.board))
        .where(Meeting.starts_at >= now, Meeting.starts_at < now + MEETINGS_AHEAD)
        .order_by(Meeting.starts_at)
        .limit(MAX_MEETINGS)
    )
    return [
        MeetingItem(
            title=meeting.title,
            board=meeting.board.name if meeting.board else None,
            starts_at=meeting.starts_at,
            location=meeting.location,
        )
        for meeting in rows
    ]


def _answers_window(session: Session, month: str, now: datetime) -> tuple[datetime, datetime]:
    """Since the previous bulletin was compiled (or the start of last month), until now."""
    previous = session.scalar(
        select(Bulletin).where(Bulletin.month < month).order_by(Bulletin.month.desc()).limit(1)
    )
    since = previous.compiled_at if previous is not None else month_start(shift_month(month, -1))
    return since, now


def build_content(
    session: Session, month: str, *, now: datetime | None = None, config: BulletinConfig | None = None
) -> BulletinContent:
    """Everything the month's bulletin will say, in the order it will say it."""
    now = now or utcnow()
    config = config or bulletin_config(session)
    articles = session.scalars(
        select(Article)
        .where(Article.month == month, Article.status == ArticleStatus.APPROVED)
        .order_by(Article.created_at, Article.id)
    )
    by_category: dict[str, list[ArticleItem]] = defaultdict(list)
    for article in articles:
        by_category[article.category].append(
            ArticleItem(article.id, article.title, article.link, article.summary or "")
        )
    slugs = config.slugs + sorted(set(by_category) - set(config.slugs))
    order = order_categories(slugs, category_clicks_per_open(session, before_month=month))
    sections = [
        Section(slug, config.label(slug), by_category[slug]) for slug in order if by_category.get(slug)
    ]
    since, until = _answers_window(session, month, now)
    label = month_label(month)
    lead = sections[0].articles[0].title if sections else "news from the network"
    return BulletinContent(
        month=month,
        month_label=label,
        network_name=config.network_name,
        subject=f"{config.network_name} bulletin — {label}"[:150],
        preview_text=render.neutralise_merge_tags(lead)[:150],  # Mailchimp expands tags here too
        sections=sections,
        answers=you_said_we_did(session, since=since, until=until),
        waiting=waiting_list_snapshot(session, month=month),
        meetings=coming_meetings(session, now=now),
        website_url=config.website_url,
        logo_url=config.logo_url,
    )


def web_version_url(base_url: str | None, bulletin: Bulletin) -> str | None:
    """Where the web version is read (`bot.web.bulletins` serves it), given the app's public address."""
    if not base_url:
        return None
    return f"{base_url.rstrip('/')}/bulletins/{bulletin.month}/web/{bulletin.web_key}"


def compile_bulletin(
    session: Session,
    month: str,
    *,
    now: datetime | None = None,
    actor: str = "scheduler",
    base_url: str | None = None,
):
    """Build (or rebuild) the month's draft bulletin and store its HTML and plain text.

    The e-mail keeps to the size budget (`bulletins.budget`); articles that do not fit go to the web
    version, linked from the e-mail at `base_url` (the app's public address; without one the e-mail
    only says how many did not fit). Refuses once the bulletin is approved: what the officer approved
    is what is sent.
    """
    month = parse_month(month)
    now = now or utcnow()
    bulletin = session.scalar(select(Bulletin).where(Bulletin.month == month))
    if bulletin is not None and bulletin.state != BulletinState.DRAFT:
        raise NotAllowed(
            f"The {month} bulletin is already {bulletin.state.value.replace('_', ' ')}; "
            "it cannot be recompiled."
        )
    config = bulletin_config(session)
    content = build_content(session, month, now=now, config=config)
    if bulletin is None:
        bulletin = Bulletin(month=month, state=BulletinState.DRAFT, compile_version=1)
        session.add(bulletin)
    else:
        bulletin.compile_version = (bulletin.compile_version or 0) + 1
    bulletin.web_key = bulletin.web_key or secrets.token_urlsafe(24)
    fitted = budget.fit(content, web_version_url=web_version_url(base_url, bulletin))
    rendered = fitted.rendered
    bulletin.web_html = fitted.web.html if fitted.web is not None else None
    bulletin.subject = content.subject
    bulletin.preview_text = content.preview_text
    bulletin.html = rendered.html
    bulletin.text = rendered.text
    bulletin.links = content.links()
    bulletin.category_order = [section.slug for section in content.sections]
    bulletin.article_count = content.article_count
    bulletin.summary = {
        "categories": {section.slug: len(section.articles) for section in content.sections},
        "labels": {section.slug: section.name for section in content.sections},
        "answers": len(content.answers),
        "waiting": len(content.waiting),
        "meetings": len(content.meetings),
        "web_only": fitted.web_only,  # articles moved to the web version to keep the e-mail unclipped
    }
    bulletin.compiled_at = now
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="bulletin.compiled",
        entity="bulletin",
        entity_id=month,
        after={
            "articles": content.article_count,
            "categories": bulletin.category_order,
            "version": bulletin.compile_version,
            "web_only": fitted.web_only,
        },
    )
    return bulletin
