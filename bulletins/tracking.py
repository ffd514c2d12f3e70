"""Tracking a sent bulletin: Mailchimp's report and click details, polled at about 1 h, 24 h, 72 h
and 7 days after sending and stored as snapshots, each link mapped back to its article and category.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from bulletins.mailer import MailchimpError, Mailer
from models.base import utcnow
from models.bulletins import Bulletin, BulletinReport, BulletinState, LinkClick

log = logging.getLogger(__name__)

CHECKPOINTS: tuple[tuple[str, timedelta], ...] = (
    ("1h", timedelta(hours=1)),
    ("24h", timedelta(hours=24)),
    ("72h", timedelta(hours=72)),
    ("7d", timedelta(days=7)),
)
FINAL_CHECKPOINT = CHECKPOINTS[-1][0]


@dataclass(frozen=True)
class Snapshot:
    month: str
    checkpoint: str
    report_id: int | None
    error: str | None = None


def normalise_url(url: str) -> str:
    """A link as Mailchimp may report it (with UTM tags, a trailing slash) reduced to a comparable key."""
    parts = urlsplit(url.strip())
    query = [
        (k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not k.lower().startswith("utm_")
    ]
    path = parts.path.rstrip("/") or "/"
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), path, urlencode(query), ""))


def sent_reference(bulletin: Bulletin) -> datetime | None:
    return bulletin.sent_at or (bulletin.scheduled_for if bulletin.state == BulletinState.SCHEDULED else None)


def due_checkpoint(bulletin: Bulletin, now: datetime) -> str | None:
    """The latest checkpoint that has passed and has no snapshot yet (earlier missed ones are skipped)."""
    start = sent_reference(bulletin)
    if start is None:
        return None
    taken = {report.checkpoint for report in bulletin.reports}
    names = [name for name, _ in CHECKPOINTS]
    passed = [name for name, offset in CHECKPOINTS if now >= start + offset]
    if not passed:
        return None
    due = passed[-1]
    if any(name in taken for name in names[names.index(due) :]):
        return None
    return due


def _int(value) -> int:
    try:
        return int(value or 0)
    except (TypeError, ValueError):
        return 0


def _float(value) -> float | None:
    try:
        return None if value is None else float(value)
    except (TypeError, ValueError):
        return None


def _parse_time(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def build_report(bulletin: Bulletin, checkpoint: str, report: dict, clicks: list[dict], now: datetime):
    """A snapshot row from Mailchimp's report and click details (rates in `opens`/`clicks` are fractions)."""
    bounces = report.get("bounces") or {}
    opens = report.get("opens") or {}
    click_totals = report.get("clicks") or {}
    emails_sent = _int(report.get("emails_sent"))
    hard, soft = _int(bounces.get("hard_bounces")), _int(bounces.get("soft_bounces"))
    unique_opens = _int(opens.get("unique_opens"))
    unique_clicks = _int(click_totals.get("unique_clicks"))
    row = BulletinReport(
        bulletin_id=bulletin.id,
        checkpoint=checkpoint,
        taken_at=now,
        emails_sent=emails_sent,
        delivered=max(0, emails_sent - hard - soft),
        hard_bounces=hard,
        soft_bounces=soft,
        unsubscribed=_int(report.get("unsubscribed")),
        opens_total=_int(opens.get("opens_total")),
        unique_opens=unique_opens,
        open_rate=_float(opens.get("open_rate")) or 0.0,
        proxy_excluded_opens=_int(opens["proxy_excluded_opens"]) if "proxy_excluded_opens" in opens else None,
        proxy_excluded_unique_opens=(
            _int(opens["proxy_excluded_unique_opens"]) if "proxy_excluded_unique_opens" in opens else None
        ),
        proxy_excluded_open_rate=_float(opens.get("proxy_excluded_open_rate")),
        clicks_total=_int(click_totals.get("clicks_total")),
        unique_clicks=unique_clicks,
        unique_subscriber_clicks=_int(click_totals.get("unique_subscriber_clicks")),
        click_rate=_float(click_totals.get("click_rate")) or 0.0,
        clicks_per_unique_open=(unique_clicks / unique_opens) if unique_opens else None,
    )
    mapping = {normalise_url(url): target for url, target in (bulletin.links or {}).items()}
    for item in clicks:
        url = str(item.get("url") or "")
        target = ((bulletin.links or {}).get(url) or mapping.get(normalise_url(url))) if url else None
        row.links.append(
            LinkClick(
                mailchimp_link_id=item.get("id"),
                url=url[:2000],
                total_clicks=_int(item.get("total_clicks")),
                unique_clicks=_int(item.get("unique_clicks")),
                article_id=(target or {}).get("article_id"),
                category=(target or {}).get("category"),
            )
        )
    return row


def take_snapshot(
    session: Session, bulletin: Bulletin, mailer: Mailer, checkpoint: str, *, now: datetime | None = None
) -> BulletinReport:
    """Fetch the report and every page of click details and store them as one snapshot."""
    now = now or utcnow()
    report = mailer.report(bulletin.campaign_id)
    clicks = mailer.click_details(bulletin.campaign_id)
    if bulletin.state == BulletinState.SCHEDULED:
        bulletin.state = BulletinState.SENT
        bulletin.sent_at = _parse_time(report.get("send_time")) or bulletin.scheduled_for
    row = build_report(bulletin, checkpoint, report, clicks, now)
    session.add(row)
    session.flush()
    return row


def poll_reports(
    session_factory: sessionmaker[Session], mailer: Mailer, *, now: datetime | None = None
) -> list[Snapshot]:
    """Take every snapshot that is due; one bulletin's failure does not stop the others."""
    now = now or utcnow()
    with session_factory() as session:
        months = list(
            session.scalars(
                select(Bulletin.month).where(
                    Bulletin.state.in_((BulletinState.SCHEDULED, BulletinState.SENT)),
                    Bulletin.campaign_id.is_not(None),
                )
            )
        )
    results = []
    for month in months:
        with session_factory() as session:
            bulletin = session.scalar(select(Bulletin).where(Bulletin.month == month))
            checkpoint = due_checkpoint(bulletin, now)
            if checkpoint is None:
                continue
            if bulletin.state == BulletinState.SCHEDULED:
                try:
                    info = mailer.get_campaign(bulletin.campaign_id)
                except MailchimpError as exc:
                    results.append(Snapshot(month, checkpoint, None, str(exc)))
                    continue
                if info.status not in ("sending", "sent"):
                    continue  # paused or rescheduled in Mailchimp: nothing to measure yet
            try:
                row = take_snapshot(session, bulletin, mailer, checkpoint, now=now)
                session.commit()
            except MailchimpError as exc:
                session.rollback()
                log.warning("report for %s not taken: %s", month, exc)
                results.append(Snapshot(month, checkpoint, None, str(exc)))
                continue
            except IntegrityError:  # another worker took the same snapshot
                session.rollback()
                continue
            results.append(Snapshot(month, checkpoint, row.id))
    return results
