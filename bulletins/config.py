"""The network file's bulletin settings, read with defaults, and the months bulletins are named by.

The network file keeps `bulletin: {categories, feed_url, compile_day, contacts, ...}` in
`Network.settings`; a deployment with no network loaded yet still compiles with the defaults.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.errors import ValidationError
from models.network import Network

LONDON = ZoneInfo("Europe/London")
DEFAULT_BENCHMARK = 0.203  # Mailchimp (2016) for a third-sector bulletin of this kind

# The categories of PRODUCT.md §3, in the order the network uses when there is no click history.
DEFAULT_CATEGORIES: tuple[tuple[str, str], ...] = (
    ("vacancies", "Vacancies"),
    ("training-and-events", "Training and events"),
    ("service-changes", "Service changes"),
    ("promotions", "Promotions"),
    ("safeguarding-updates", "Safeguarding updates"),
    ("the-hive", "The Hive"),
    ("funding", "Funding"),
)
KNOWN_LABELS = dict(DEFAULT_CATEGORIES)

MONTH_RE = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


@dataclass(frozen=True)
class Category:
    slug: str
    name: str


@dataclass(frozen=True)
class BulletinConfig:
    network_name: str = "Linked-up network"
    categories: tuple[Category, ...] = tuple(Category(s, n) for s, n in DEFAULT_CATEGORIES)
    feed_url: str | None = None
    compile_day: int = 25
    contacts: tuple[str, ...] = ()  # extra addresses, if the file lists any
    expected_contacts: int | None = None  # the list size the file states (e.g. 232)
    benchmark_open_rate: float = DEFAULT_BENCHMARK
    from_name: str | None = None
    reply_to: str | None = None
    website_url: str | None = None
    logo_url: str | None = None
    feed_category: str | None = None
    extra: dict = field(default_factory=dict)

    def category(self, slug: str) -> Category | None:
        return next((c for c in self.categories if c.slug == slug), None)

    def label(self, slug: str) -> str:
        found = self.category(slug)
        return found.name if found else _label_from_slug(slug)

    @property
    def slugs(self) -> list[str]:
        return [c.slug for c in self.categories]


def _label_from_slug(slug: str) -> str:
    return KNOWN_LABELS.get(slug) or slug.replace("-", " ").replace("_", " ").capitalize()


def _categories(raw) -> tuple[Category, ...]:
    """Categories as slugs (`vacancies`) or mappings (`{slug: vacancies, name: Vacancies}`)."""
    found: list[Category] = []
    for item in raw or ():
        if isinstance(item, str) and item.strip():
            found.append(Category(item.strip(), _label_from_slug(item.strip())))
        elif isinstance(item, dict) and item.get("slug"):
            slug = str(item["slug"]).strip()
            found.append(Category(slug, str(item.get("name") or _label_from_slug(slug))))
    return tuple(found)


def _contacts(raw) -> tuple[str, ...]:
    if not isinstance(raw, list | tuple):
        return ()  # the network file states the list's size as a number; addresses come from organisations
    emails = []
    for item in raw or ():
        email = item.get("email") if isinstance(item, dict) else item
        if isinstance(email, str) and "@" in email:
            emails.append(email.strip().lower())
    return tuple(dict.fromkeys(emails))


def bulletin_config(session: Session) -> BulletinConfig:
    """The bulletin settings of the (one) network, or the defaults when none is loaded."""
    network = session.scalar(select(Network).order_by(Network.id).limit(1))
    if network is None:
        return BulletinConfig()
    raw = dict((network.settings or {}).get("bulletin") or {})
    categories = _categories(raw.get("categories")) or BulletinConfig.categories
    try:
        compile_day = min(28, max(1, int(raw.get("compile_day") or 25)))
    except (TypeError, ValueError):
        compile_day = 25
    benchmark = network.benchmark_open_rate if network.benchmark_open_rate is not None else DEFAULT_BENCHMARK
    if benchmark > 1:  # written as a percentage (20.3) rather than a fraction
        benchmark = benchmark / 100
    return BulletinConfig(
        network_name=network.name,
        categories=categories,
        feed_url=raw.get("feed_url") or None,
        compile_day=compile_day,
        contacts=_contacts(raw.get("contacts")),
        expected_contacts=raw["contacts"] if isinstance(raw.get("contacts"), int) else None,
        benchmark_open_rate=benchmark,
        from_name=raw.get("from_name") or network.name,
        reply_to=raw.get("reply_to") or None,
        website_url=raw.get("website_url") or None,
        logo_url=raw.get("logo_url") or None,
        feed_category=raw.get("feed_category") or None,
        extra=raw,
    )


def parse_month(value: str, *, field_name: str = "month") -> str:
    """A month as YYYY-MM, or a ValidationError naming the field."""
    value = (value or "").strip()
    if not MONTH_RE.match(value):
        raise ValidationError({field_name: "Give the month as YYYY-MM, e.g. 2026-05."})
    return value


def month_of(moment: datetime | date) -> str:
    """The bulletin month a moment falls in, by the London calendar."""
    if isinstance(moment, datetime):
        moment = moment.astimezone(LONDON).date()
    return f"{moment.year:04d}-{moment.month:02d}"


def month_start(month: str) -> datetime:
    """Midnight London time on the first of the month, in UTC."""
    year, mon = (int(part) for part in month.split("-"))
    return datetime(year, mon, 1, tzinfo=LONDON).astimezone(UTC)


def shift_month(month: str, delta: int) -> str:
    year, mon = (int(part) for part in month.split("-"))
    index = year * 12 + (mon - 1) + delta
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def month_label(month: str) -> str:
    """`2026-05` → `May 2026`."""
    return month_start(month).astimezone(LONDON).strftime("%B %Y")
