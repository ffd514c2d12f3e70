"""How the bulletin is doing: open rate against the benchmark and the network's own trailing
average, with a Wilson 95% interval so that a 232-contact list does not mistake noise for change;
categories and links ranked by unique clicks per unique open. The category ranking feeds the next
compile's order.

Verdicts are on the open rate by people: Apple Mail Privacy Protection "opens" every message it
receives, so where Mailchimp counts those machine opens separately they are left out of the rate that
is judged, and the rate including them is shown beside it. The dashboard, the board report, the
officer's performance message and `linkedup simulate` all take their open-rate figures from here.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import TypedDict

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from bulletins.config import BulletinConfig, bulletin_config
from models.bulletins import Bulletin, BulletinReport

TRAILING = 6
Z95 = 1.959963984540054


@dataclass(frozen=True)
class Interval:
    low: float
    high: float

    def contains(self, value: float) -> bool:
        return self.low <= value <= self.high


def wilson_interval(successes: int, trials: int, z: float = Z95) -> Interval:
    """Wilson score interval for a proportion; sound for small lists and rates near 0 or 1."""
    if trials <= 0:
        return Interval(0.0, 1.0)
    successes = max(0, min(successes, trials))
    p = successes / trials
    denominator = 1 + z * z / trials
    centre = (p + z * z / (2 * trials)) / denominator
    margin = z * math.sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials)) / denominator
    return Interval(max(0.0, centre - margin), min(1.0, centre + margin))


def compare(value: float, interval: Interval, reference: float) -> str:
    """`above`, `below` or `in line`: above only when the whole interval clears the reference."""
    if interval.low > reference:
        return "above"
    if interval.high < reference:
        return "below"
    return "in line"


def against(verdict: str) -> str:
    """A verdict as it reads before "the benchmark": "above", "in line with", "below"."""
    return "in line with" if verdict == "in line" else verdict


def latest_report(bulletin: Bulletin) -> BulletinReport | None:
    reports = sorted(bulletin.reports, key=lambda r: (r.taken_at, r.id))
    return reports[-1] if reports else None


def reported_bulletins(session: Session, *, before_month: str | None = None, limit: int | None = None):
    """Bulletins with at least one report snapshot, newest month first."""
    query = (
        select(Bulletin)
        .where(Bulletin.reports.any())
        .options(selectinload(Bulletin.reports).selectinload(BulletinReport.links))
        .order_by(Bulletin.month.desc())
    )
    if before_month is not None:
        query = query.where(Bulletin.month < before_month)
    if limit is not None:
        query = query.limit(limit)
    return list(session.scalars(query))


def category_clicks_per_open(
    session: Session, *, before_month: str | None = None, limit: int = TRAILING
) -> dict[str, float]:
    """Unique clicks per unique open for each category over the last `limit` reported bulletins.

    Pooled: a category's unique clicks over the unique opens of the bulletins it appeared in, so
    a category absent from one month is not diluted by that month's opens.
    """
    clicks: dict[str, int] = defaultdict(int)
    opens: dict[str, int] = defaultdict(int)
    for bulletin in reported_bulletins(session, before_month=before_month, limit=limit):
        report = latest_report(bulletin)
        if report is None or report.unique_opens <= 0:
            continue
        present = set(bulletin.category_order or ())
        for link in report.links:
            if link.category:
                present.add(link.category)
                clicks[link.category] += link.unique_clicks
        for category in present:
            opens[category] += report.unique_opens
    return {category: clicks[category] / opens[category] for category in opens if opens[category]}


def order_categories(slugs: list[str], history: dict[str, float]) -> list[str]:
    """Highest clicks per open first; ties and categories with no history keep the network's order."""
    position = {slug: index for index, slug in enumerate(slugs)}
    return sorted(slugs, key=lambda slug: (-history.get(slug, 0.0), position[slug]))


@dataclass(frozen=True)
class RankedItem:
    key: str
    label: str
    unique_clicks: int
    clicks_per_open: float


@dataclass(frozen=True)
class MonthPoint:
    month: str
    open_rate: float
    proxy_excluded_open_rate: float | None
    clicks_per_open: float | None


@dataclass
class Performance:
    """One bulletin's results, with what they should be compared against."""

    month: str
    checkpoint: str
    taken_at: datetime
    emails_sent: int
    delivered: int
    unique_opens: int
    open_rate: float
    interval: Interval
    proxy_excluded_open_rate: float | None
    people_open_rate: float
    people_interval: Interval
    unique_clicks: int
    click_rate: float
    clicks_per_open: float | None
    benchmark: float
    versus_benchmark: str
    trailing_average: float | None
    trailing_count: int
    versus_trailing: str | None
    categories: list[RankedItem] = field(default_factory=list)
    links: list[RankedItem] = field(default_factory=list)
    history: list[MonthPoint] = field(default_factory=list)


def open_rate(report: BulletinReport) -> float:
    """Unique opens over delivered emails; Mailchimp's own rate when nothing is recorded as delivered."""
    if report.delivered > 0:
        return report.unique_opens / report.delivered
    return report.open_rate


def people_opens(report: BulletinReport, trials: int) -> tuple[int, int]:
    """Unique opens by people and the emails they are out of: Mailchimp counts machine (privacy-proxy)
    opens apart and gives the rate over the recipients whose mail is not opened by a proxy, so both
    come from its count and rate; with only the rate, it is taken over `trials`; when Mailchimp does
    not separate machine opens, all unique opens over `trials`."""
    count, rate = report.proxy_excluded_unique_opens, report.proxy_excluded_open_rate
    if count is not None and rate:
        return count, max(count, round(count / rate))
    if rate is not None:
        return round(rate * trials), trials
    return report.unique_opens, trials


def people_open_rate(report: BulletinReport) -> float:
    """The open rate without machine opens where Mailchimp reports it, else `open_rate`."""
    if report.proxy_excluded_open_rate is not None:
        return report.proxy_excluded_open_rate
    return open_rate(report)


@dataclass(frozen=True)
class PooledOpens:
    """Several bulletins' opens pooled: unique opens over the emails delivered, by people (the rate
    judged against the benchmark, with its interval) and including machine opens (shown beside it)."""

    bulletins: int
    trials: int  # emails delivered
    all_opens: int
    people_trials: int  # emails delivered to people whose mail no proxy opens
    people_opens: int

    @property
    def rate(self) -> float | None:
        return self.people_opens / self.people_trials if self.people_trials else None

    @property
    def rate_with_machine_opens(self) -> float | None:
        return self.all_opens / self.trials if self.trials else None

    @property
    def interval(self) -> Interval:
        return wilson_interval(self.people_opens, self.people_trials)

    def versus(self, benchmark: float) -> str | None:
        return compare(self.rate, self.interval, benchmark) if self.people_trials else None


def pooled_opens(reports: list[BulletinReport]) -> PooledOpens:
    """The reports' opens pooled over the emails delivered (sent, before Mailchimp counts deliveries)."""
    bulletins = trials = everyone = people_trials = people = 0
    for report in reports:
        sent = report.delivered or report.emails_sent
        if sent <= 0:
            continue
        opened, reached = people_opens(report, sent)
        bulletins += 1
        trials += sent
        everyone += report.unique_opens
        people_trials += reached
        people += opened
    return PooledOpens(bulletins, trials, everyone, people_trials, people)


class SnapshotFigures(TypedDict):
    """A report snapshot's figures as every view of a bulletin shows them (see `snapshot_figures`)."""

    checkpoint: str
    emails_sent: int
    delivered: int
    unique_opens: int
    open_rate: float  # machine opens included
    interval: Interval
    proxy_excluded_open_rate: float | None
    people_open_rate: float  # without machine opens where known: the rate that is judged
    people_interval: Interval
    clicks_per_open: float | None
    versus_benchmark: str


def snapshot_figures(report: BulletinReport, benchmark: float, *, trials: int) -> SnapshotFigures:
    """One report snapshot's open-rate row: the rate by people with its 95% interval over `trials`
    emails and where it stands against the benchmark ("above", "in line", "below"), the rate including
    machine opens beside it, and the counts behind them. The officer's performance message and the
    dashboard's and board report's bulletin rows are all made of it."""
    people = people_open_rate(report)
    people_interval = wilson_interval(*people_opens(report, trials))
    return SnapshotFigures(
        checkpoint=report.checkpoint,
        emails_sent=report.emails_sent,
        delivered=report.delivered,
        unique_opens=report.unique_opens,
        open_rate=open_rate(report),
        interval=wilson_interval(report.unique_opens, trials),
        proxy_excluded_open_rate=report.proxy_excluded_open_rate,
        people_open_rate=people,
        people_interval=people_interval,
        clicks_per_open=report.clicks_per_unique_open,
        versus_benchmark=compare(people, people_interval, benchmark),
    )


def bulletin_performance(
    session: Session, bulletin: Bulletin, config: BulletinConfig | None = None
) -> Performance | None:
    """The bulletin's latest snapshot compared with the benchmark and the trailing 6-bulletin average."""
    config = config or bulletin_config(session)
    report = latest_report(bulletin)
    if report is None:
        return None
    figures = snapshot_figures(report, config.benchmark_open_rate, trials=report.delivered)
    rate, interval = figures["people_open_rate"], figures["people_interval"]
    earlier = reported_bulletins(session, before_month=bulletin.month, limit=TRAILING)
    earlier_rates = [people_open_rate(r) for r in (latest_report(b) for b in earlier) if r is not None]
    trailing = sum(earlier_rates) / len(earlier_rates) if earlier_rates else None

    by_category: dict[str, int] = defaultdict(int)
    for link in report.links:
        if link.category:
            by_category[link.category] += link.unique_clicks
    opens = report.unique_opens
    categories = [
        RankedItem(slug, config.label(slug), clicks, clicks / opens if opens else 0.0)
        for slug, clicks in by_category.items()
    ]
    for slug in bulletin.category_order or ():
        if slug not in by_category:
            categories.append(RankedItem(slug, config.label(slug), 0, 0.0))
    categories.sort(key=lambda item: (-item.clicks_per_open, item.label))
    links = [
        RankedItem(
            link.url,
            link.article.title if link.article is not None else link.url,
            link.unique_clicks,
            link.unique_clicks / opens if opens else 0.0,
        )
        for link in report.links
    ]
    links.sort(key=lambda item: (-item.clicks_per_open, item.label))

    history = []
    for past in sorted([*earlier, bulletin], key=lambda b: b.month):
        snap = latest_report(past)
        if snap is not None:
            history.append(
                MonthPoint(
                    past.month, open_rate(snap), snap.proxy_excluded_open_rate, snap.clicks_per_unique_open
                )
            )
    return Performance(
        month=bulletin.month,
        taken_at=report.taken_at,
        unique_clicks=report.unique_clicks,
        click_rate=report.click_rate,
        benchmark=config.benchmark_open_rate,
        **figures,
        trailing_average=trailing,
        trailing_count=len(earlier_rates),
        versus_trailing=compare(rate, interval, trailing) if trailing is not None else None,
        categories=categories,
        links=links,
        history=history,
    )
