"""Builders shared by the bulletin tests: a network with bulletin settings, articles, a mailer on the fake."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bulletins.config import month_of
from bulletins.mailer import MailchimpMailer
from models import Article, Network
from models.base import utcnow
from models.bulletins import ArticleSource, ArticleStatus
from tests.fakes.mailchimp_api import API_KEY, LIST_ID, SERVER_PREFIX

CATEGORIES = [
    "vacancies",
    "training-and-events",
    "service-changes",
    "promotions",
    "safeguarding-updates",
    "the-hive",
    "funding",
]


def this_month() -> str:
    return month_of(utcnow())


def network(db, **bulletin) -> Network:
    # Mailchimp sends nothing without a reply-to address (the fake checks, as the real API does).
    settings = {
        "categories": CATEGORIES,
        "compile_day": 25,
        "contacts": 232,
        "reply_to": "linked-up@example.org",
    }
    settings.update(bulletin)
    row = Network(
        slug="wirral", name="Linked-up Wirral", benchmark_open_rate=0.203, settings={"bulletin": settings}
    )
    db.add(row)
    db.flush()
    return row


def article(
    db,
    title: str,
    *,
    category: str = "vacancies",
    month: str | None = None,
    link: str | None = None,
    status: ArticleStatus = ArticleStatus.APPROVED,
    summary: str = "",
) -> Article:
    row = Article(
        month=month or this_month(),
        title=title,
        link=link or f"https://www.cvsw.org.uk/news/{title.lower().replace(' ', '-')}",
        summary=summary,
        category=category,
        source=ArticleSource.SLACK,
        status=status,
        submitted_by="U0MEMBER01",
    )
    db.add(row)
    db.flush()
    return row


def mailer_for(fake, *, timeout: float = 5) -> MailchimpMailer:
    return MailchimpMailer(
        api_key=API_KEY, server_prefix=SERVER_PREFIX, list_id=LIST_ID, api_url=fake.host, timeout=timeout
    )


def quarter_hour_ahead(hours: int = 3) -> datetime:
    moment = datetime.now(UTC) + timedelta(hours=hours)
    return moment.replace(minute=(moment.minute // 15) * 15, second=0, microsecond=0)
