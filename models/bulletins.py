"""The monthly bulletin: articles, the bulletin itself with its send state machine, and its reports.

A bulletin moves draft → approved → campaign_created → content_set → scheduled | sent, and each
step is committed before the next Mailchimp call, so that a crash or a retry resumes where it
stopped instead of creating a second campaign. `failed_step`/`last_error` record why it stopped.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import (
    JSON,
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, Timestamps, UTCDateTime, enum_column, utcnow


class ArticleStatus(enum.StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


class ArticleSource(enum.StrEnum):
    SLACK = "slack"
    FEED = "feed"


class BulletinState(enum.StrEnum):
    """Where the month's bulletin stands; every state after `approved` names a finished Mailchimp step."""

    DRAFT = "draft"
    APPROVED = "approved"
    CAMPAIGN_CREATED = "campaign_created"
    CONTENT_SET = "content_set"
    SCHEDULED = "scheduled"
    SENT = "sent"


class SendMode(enum.StrEnum):
    NOW = "now"
    SCHEDULE = "schedule"


class ContactStatus(enum.StrEnum):
    SUBSCRIBED = "subscribed"
    UNSUBSCRIBED = "unsubscribed"
    CLEANED = "cleaned"


class Article(Timestamps, Base):
    """One item for a month's bulletin, from Slack or from the network's web-page feed."""

    __tablename__ = "articles"
    __table_args__ = (
        UniqueConstraint("month", "link"),
        Index("ix_articles_month_status", "month", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    month: Mapped[str] = mapped_column(String(7))  # YYYY-MM
    title: Mapped[str] = mapped_column(String(200))
    link: Mapped[str] = mapped_column(String(2000), index=True)
    summary: Mapped[str] = mapped_column(Text, default="")
    category: Mapped[str] = mapped_column(String(64))
    source: Mapped[ArticleSource] = mapped_column(
        enum_column(ArticleSource, "article_source"), default=ArticleSource.SLACK
    )
    status: Mapped[ArticleStatus] = mapped_column(
        enum_column(ArticleStatus, "article_status"), default=ArticleStatus.PENDING
    )
    submitted_by: Mapped[str] = mapped_column(String(64))
    decided_by: Mapped[str | None] = mapped_column(String(64))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Made by `linkedup simulate` for the demo (never by a person).
    simulated: Mapped[bool] = mapped_column(Boolean, default=False)


class Bulletin(Timestamps, Base):
    """The bulletin of one month (at most one), its rendered content and its Mailchimp progress."""

    __tablename__ = "bulletins"

    id: Mapped[int] = mapped_column(primary_key=True)
    month: Mapped[str] = mapped_column(String(7), unique=True)
    state: Mapped[BulletinState] = mapped_column(
        enum_column(BulletinState, "bulletin_state"), default=BulletinState.DRAFT
    )
    subject: Mapped[str] = mapped_column(String(150))
    preview_text: Mapped[str] = mapped_column(String(150), default="")
    html: Mapped[str] = mapped_column(Text)
    text: Mapped[str] = mapped_column(Text)
    # url → {"article_id", "category"}: how a clicked link maps back to what it advertised.
    links: Mapped[dict] = mapped_column(JSON, default=dict)
    category_order: Mapped[list] = mapped_column(JSON, default=list)
    article_count: Mapped[int] = mapped_column(Integer, default=0)
    # What the officer is shown before approving: articles per category, answers, waiting, meetings.
    summary: Mapped[dict] = mapped_column(JSON, default=dict)
    compiled_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    compile_version: Mapped[int] = mapped_column(Integer, default=1)
    # The web version: every article, for when they do not all fit in the e-mail's size budget; read at
    # /bulletins/<month>/web/<web_key> by anyone the e-mail's link reached.
    web_html: Mapped[str | None] = mapped_column(Text)
    web_key: Mapped[str | None] = mapped_column(String(64))

    approved_by: Mapped[str | None] = mapped_column(String(64))
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    send_mode: Mapped[SendMode | None] = mapped_column(enum_column(SendMode, "bulletin_send_mode"))
    scheduled_for: Mapped[datetime | None] = mapped_column(UTCDateTime())

    # A title unique to this bulletin, so a campaign created by a request whose answer was lost
    # can be found again instead of being created twice.
    campaign_title: Mapped[str | None] = mapped_column(String(100), unique=True)
    campaign_id: Mapped[str | None] = mapped_column(String(40), unique=True)
    audience_synced_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    create_started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    send_started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    failed_step: Mapped[str | None] = mapped_column(String(40))
    last_error: Mapped[str | None] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    # Transient failures (429, 5xx, time-outs) are retried from here; a 4xx waits for the officer.
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    lease_owner: Mapped[str | None] = mapped_column(String(40))

    performance_posted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Compiled and "sent" by `linkedup simulate` through its simulated Mailchimp, for the demo.
    simulated: Mapped[bool] = mapped_column(Boolean, default=False)

    reports: Mapped[list[BulletinReport]] = relationship(
        back_populates="bulletin", cascade="all, delete-orphan", order_by="BulletinReport.taken_at"
    )


class BulletinReport(Base):
    """A snapshot of the campaign's Mailchimp report at one checkpoint (1h, 24h, 72h, 7d)."""

    __tablename__ = "bulletin_reports"
    __table_args__ = (UniqueConstraint("bulletin_id", "checkpoint"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    bulletin_id: Mapped[int] = mapped_column(ForeignKey("bulletins.id", ondelete="CASCADE"), index=True)
    checkpoint: Mapped[str] = mapped_column(String(8))
    taken_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    emails_sent: Mapped[int] = mapped_column(Integer, default=0)
    delivered: Mapped[int] = mapped_column(Integer, default=0)
    hard_bounces: Mapped[int] = mapped_column(Integer, default=0)
    soft_bounces: Mapped[int] = mapped_column(Integer, default=0)
    unsubscribed: Mapped[int] = mapped_column(Integer, default=0)
    opens_total: Mapped[int] = mapped_column(Integer, default=0)
    unique_opens: Mapped[int] = mapped_column(Integer, default=0)
    open_rate: Mapped[float] = mapped_column(Float, default=0.0)
    # Apple Mail Privacy Protection: present only where Mailchimp reports them.
    proxy_excluded_opens: Mapped[int | None] = mapped_column(Integer)
    proxy_excluded_unique_opens: Mapped[int | None] = mapped_column(Integer)
    proxy_excluded_open_rate: Mapped[float | None] = mapped_column(Float)
    clicks_total: Mapped[int] = mapped_column(Integer, default=0)
    unique_clicks: Mapped[int] = mapped_column(Integer, default=0)
    unique_subscriber_clicks: Mapped[int] = mapped_column(Integer, default=0)
    click_rate: Mapped[float] = mapped_column(Float, default=0.0)
    clicks_per_unique_open: Mapped[float | None] = mapped_column(Float)

    bulletin: Mapped[Bulletin] = relationship(back_populates="reports")
    links: Mapped[list[LinkClick]] = relationship(
        back_populates="report", cascade="all, delete-orphan", order_by="LinkClick.id"
    )


class LinkClick(Base):
    """Clicks on one link of the campaign in one snapshot, mapped back to its article and category."""

    __tablename__ = "link_clicks"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("bulletin_reports.id", ondelete="CASCADE"), index=True)
    mailchimp_link_id: Mapped[str | None] = mapped_column(String(40))
    url: Mapped[str] = mapped_column(String(2000))
    total_clicks: Mapped[int] = mapped_column(Integer, default=0)
    unique_clicks: Mapped[int] = mapped_column(Integer, default=0)
    article_id: Mapped[int | None] = mapped_column(ForeignKey("articles.id", ondelete="SET NULL"))
    category: Mapped[str | None] = mapped_column(String(64), index=True)

    report: Mapped[BulletinReport] = relationship(back_populates="links")
    article: Mapped[Article | None] = relationship()


class BulletinContact(Timestamps, Base):
    """An address we have pushed to (or been told about by) the Mailchimp audience.

    Remembers what the audience was last told, so that a contact whose consent ends is sent as
    `unsubscribed` once, and one who unsubscribed or was cleaned in Mailchimp is never re-subscribed.
    """

    __tablename__ = "bulletin_contacts"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)  # lower-cased
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisations.id", ondelete="SET NULL"), index=True
    )
    status: Mapped[ContactStatus] = mapped_column(
        enum_column(ContactStatus, "bulletin_contact_status"), default=ContactStatus.SUBSCRIBED
    )
    # Set by Mailchimp (webhook): the contact left the list there, and we must not put them back.
    suppressed: Mapped[bool] = mapped_column(Boolean, default=False)
    reason: Mapped[str | None] = mapped_column(String(80))
    synced_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class MailchimpWebhookEvent(Base):
    """A webhook delivery already applied; a replay finds its key and changes nothing."""

    __tablename__ = "mailchimp_webhook_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    type: Mapped[str] = mapped_column(String(20))
    email: Mapped[str | None] = mapped_column(String(254))
    fired_at: Mapped[str | None] = mapped_column(String(32))
    result: Mapped[str] = mapped_column(String(200))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
