"""Bulletin figures for the dashboard and the board report, from the stored Mailchimp report snapshots.

The statistics themselves (the open rate, Wilson interval, trailing average, clicks per open) are
`bulletins.performance`'s; this module lays them out per bulletin and across bulletins.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from bulletins.config import BulletinConfig, bulletin_config
from bulletins.performance import (
    Interval,
    bulletin_performance,
    category_clicks_per_open,
    latest_report,
    people_opens,
    reported_bulletins,
    snapshot_figures,
)
from models.bulletins import Bulletin, BulletinReport


@dataclass(frozen=True)
class BulletinRow:
    month: str
    subject: str
    sent_at: datetime | None
    checkpoint: str
    emails_sent: int
    delivered: int
    unique_opens: int
    open_rate: float
    interval: Interval
    proxy_excluded_open_rate: float | None
    people_open_rate: float
    people_interval: Interval
    clicks_per_open: float | None
    versus_benchmark: str
    trials: int  # the emails the rates are over: delivered, or sent before deliveries are counted
    people_opens: int  # unique opens by people, out of…
    people_trials: int  # …the emails delivered to people whose mail no proxy opens

    @property
    def label(self) -> str:
        return month_label(self.month)


def month_label(month: str) -> str:
    return datetime.strptime(month, "%Y-%m").strftime("%b %Y")


def _row(bulletin: Bulletin, report: BulletinReport, benchmark: float) -> BulletinRow:
    # Before Mailchimp counts deliveries, the interval is over the emails sent.
    trials = report.delivered or report.emails_sent
    opened, reached = people_opens(report, trials)
    return BulletinRow(
        month=bulletin.month,
        subject=bulletin.subject,
        sent_at=bulletin.sent_at,
        **snapshot_figures(report, benchmark, trials=trials),
        trials=trials,
        people_opens=opened,
        people_trials=reached,
    )


@dataclass(frozen=True)
class RankedLink:
    url: str
    title: str
    category: str
    unique_clicks: int
    clicks_per_open: float


@dataclass(frozen=True)
class BulletinFigures:
    benchmark: float
    rows: list[BulletinRow]  # oldest first
    categories: list[tuple[str, float]]  # label, unique clicks per unique open (pooled)
    top_links: list[RankedLink]
    window: int

    @property
    def last(self) -> BulletinRow | None:
        return self.rows[-1] if self.rows else None

    @property
    def any_proxy_excluded(self) -> bool:
        return any(row.proxy_excluded_open_rate is not None for row in self.rows)


def bulletin_figures(
    session: Session,
    *,
    months: int = 12,
    top: int = 10,
    config: BulletinConfig | None = None,
    since_month: str | None = None,
    before_month: str | None = None,
) -> BulletinFigures:
    """The last `months` reported bulletins: open rate with interval, category and link rankings.

    `since_month` and `before_month` ("2026-07") bound them to a period, so a board report on any
    past period ranks that period's bulletins, however many were sent since."""
    config = config or bulletin_config(session)
    bulletins = reported_bulletins(session, before_month=before_month, limit=months)
    if since_month is not None:
        bulletins = [bulletin for bulletin in bulletins if bulletin.month >= since_month]
    rows = []
    # Links are ranked by the article they point to, as a reader knows it — its title in its category:
    # every tracked URL of it, and the same notice posted again in later bulletins, count towards one
    # row, linked to its newest posting. A link with no article stays a row of its own.
    clicks: dict[tuple, int] = defaultdict(int)
    opens: dict[tuple, int] = defaultdict(int)
    meta: dict[tuple, tuple[str, str, str]] = {}
    for bulletin in bulletins:
        report = latest_report(bulletin)
        if report is None:
            continue
        rows.append(_row(bulletin, report, config.benchmark_open_rate))
        counted: set[tuple] = set()
        for link in report.links:
            article = link.article
            category = config.label(link.category) if link.category else "—"
            if article is not None:
                key = ("article", " ".join(article.title.split()).casefold(), category)
            else:
                key = ("url", link.url, category)
            clicks[key] += link.unique_clicks
            if key not in counted:  # a bulletin's opens once per article, however many links to it
                opens[key] += report.unique_opens
                counted.add(key)
            url = (article.link or link.url) if article is not None else link.url
            meta.setdefault(key, (url, article.title if article is not None else link.url, category))
    rows.sort(key=lambda row: row.month)
    # The same bulletins: the newest `len(bulletins)` reported before `before_month`.
    categories = {}
    if bulletins:
        categories = category_clicks_per_open(session, before_month=before_month, limit=len(bulletins))
    ranked_categories = sorted(
        ((config.label(slug), rate) for slug, rate in categories.items()),
        key=lambda item: (-item[1], item[0]),
    )
    links = sorted(
        (
            RankedLink(*meta[key], clicks[key], clicks[key] / opens[key] if opens[key] else 0.0)
            for key in clicks
        ),
        key=lambda link: (-link.unique_clicks, link.title),
    )[:top]
    return BulletinFigures(
        benchmark=config.benchmark_open_rate,
        rows=rows,
        categories=ranked_categories,
        top_links=links,
        window=len(rows),
    )


def last_bulletin(session: Session):
    """The newest reported bulletin's performance (`bulletins.performance.Performance`), or None."""
    newest = reported_bulletins(session, limit=1)
    return bulletin_performance(session, newest[0]) if newest else None
