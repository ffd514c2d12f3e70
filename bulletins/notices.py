"""Who hears what about the bulletin, queued in the outbox in the caller's transaction.

Every message about articles and the monthly send goes to the network's officers as a direct
message; the body comes from a `bulletins.ports.BulletinRenderer`. Each key names the record and
occasion (and the officer), so a retried job or request queues nothing twice:

- `article:{id}:review:{officer}` — an article to approve or reject;
- `article:{id}:{approved|rejected}:{decided at}` and `article:{id}:published` — to whoever sent the
  article, when the officer decides it and when the bulletin that carries it is sent;
- `bulletin:{month}:preview:v{compile version}:{officer}` — the compiled bulletin to approve;
- `bulletin:{month}:{scheduled|sent}:{officer}`, `bulletin:{month}:failed:{attempt}:{officer}`,
  `bulletin:{month}:not-configured:{officer}` — how the send went;
- `bulletin:{month}:performance:{officer}` — the performance message and its chart, a week after;
- `feed-error:{London date}:{officer}` — the feed could not be read that day.
"""

from __future__ import annotations

import base64
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bulletins.config import LONDON, bulletin_config, month_label
from bulletins.performance import Performance
from bulletins.ports import BulletinRenderer, Preview
from models.bulletins import Article, ArticleSource, ArticleStatus, Bulletin, BulletinState
from models.membership import officer_ids
from models.outbox import enqueue


def tell_officers(session: Session, key: str, body: dict, *, method: str = "dm") -> int:
    """Queue `body` to each officer under `{key}:{officer}`; returns how many officers there are.

    `method` is "dm" for a message, "files.upload" for a file shared in the officer's DM.
    """
    officers = officer_ids(session)
    for officer in officers:
        enqueue(session, key=f"{key}:{officer}", method=method, payload={"user": officer, **body})
    return len(officers)


def ask_for_review(session: Session, article: Article, *, render: BulletinRenderer) -> None:
    """Ask each officer to approve or reject the article."""
    label = bulletin_config(session).label(article.category)
    tell_officers(session, f"article:{article.id}:review", render.article_review(article, label=label))


def _tell_submitter(session: Session, article: Article, key: str, body: dict) -> None:
    """A DM to the person who sent the article (feed items have nobody to tell)."""
    if article.source == ArticleSource.FEED or not article.submitted_by:
        return
    enqueue(session, key=key, method="dm", payload={"user": article.submitted_by, **body})


def report_decision(
    session: Session, article: Article, *, reason: str = "", render: BulletinRenderer
) -> None:
    """Tell the submitter the officer approved or rejected their article (with the reason given)."""
    if article.decided_by == article.submitted_by:  # the officer deciding their own article knows
        return
    outcome = "approved" if article.status == ArticleStatus.APPROVED else "rejected"
    decided = f"{article.decided_at:%Y%m%dT%H%M%S%f}" if article.decided_at else "once"
    body = render.article_outcome(article, outcome=outcome, reason=reason)
    _tell_submitter(session, article, f"article:{article.id}:{outcome}:{decided}", body)


def report_published(session: Session, bulletin: Bulletin, *, render: BulletinRenderer) -> None:
    """Tell each submitter that the sent bulletin carried their article (once per article)."""
    articles = session.scalars(
        select(Article).where(Article.month == bulletin.month, Article.status == ArticleStatus.APPROVED)
    )
    for article in articles:
        body = render.article_outcome(article, outcome="published")
        _tell_submitter(session, article, f"article:{article.id}:published", body)


def offer_preview(session: Session, preview: Preview, *, render: BulletinRenderer) -> None:
    """Send each officer the compiled bulletin to approve (once per compile)."""
    bulletin = preview.bulletin
    key = f"bulletin:{bulletin.month}:preview:v{bulletin.compile_version}"
    tell_officers(session, key, render.preview(preview))


def report_delivery(session: Session, bulletin: Bulletin, *, render: BulletinRenderer) -> None:
    """After a delivery attempt: Mailchimp has it, or it stopped at a step (once per attempt)."""
    if bulletin.state in (BulletinState.SCHEDULED, BulletinState.SENT):
        tell_officers(
            session, f"bulletin:{bulletin.month}:{bulletin.state.value}", render.delivered(bulletin)
        )
        if bulletin.state == BulletinState.SENT:
            report_published(session, bulletin, render=render)
    elif bulletin.failed_step:
        key = f"bulletin:{bulletin.month}:failed:{bulletin.attempts}"
        tell_officers(session, key, render.failed(bulletin))


def share_performance(
    session: Session, performance: Performance, *, chart_png: bytes, render: BulletinRenderer
) -> None:
    """The month's performance message with its chart, to each officer, once per bulletin."""
    body = {
        "filename": f"bulletin-{performance.month}.png",
        "title": f"{month_label(performance.month)} bulletin: opens and clicks per open",
        "initial_comment": render.performance(performance),
        "content_base64": base64.b64encode(chart_png).decode("ascii"),
    }
    tell_officers(session, f"bulletin:{performance.month}:performance", body, method="files.upload")


def report_not_configured(session: Session, month: str, reason: str, *, render: BulletinRenderer) -> None:
    """An approved bulletin is due but Mailchimp is not configured."""
    tell_officers(session, f"bulletin:{month}:not-configured", render.not_configured(reason))


def report_feed_skipped(session: Session, error: str, *, now: datetime, render: BulletinRenderer) -> None:
    """The web-page feed failed today (one message a day, however often the job runs)."""
    tell_officers(session, f"feed-error:{now.astimezone(LONDON):%Y-%m-%d}", render.feed_skipped(error))
