"""A simulated Mailchimp behind the bulletin's `Mailer` port.

The bulletin's own code (audience sync, the resumable send, report polling, link mapping, the
clicks-per-open ranking that orders the next compile) runs unchanged; only the far side of the port
is simulated. The audience is the network's mailing list (232 contacts in the seed papers) plus
whoever the sync adds. Each contact has a habit: most are people who open some bulletins and not
others, a few use Apple Mail's privacy proxy (which "opens" everything at once; Mailchimp reports
opens with and without them). Openers click links with a chance that depends on what the link is
about (vacancies most, per the seeds) and a little on how far down the email it is. Opens arrive over
the week after sending, so the 1 h, 24 h, 72 h and 7 day snapshots differ as they do in life.

Every number is drawn from a generator seeded with the simulation's seed and the campaign's number,
and the clock is `models.base.utcnow` (frozen by the simulation), so a seed always gives the same
reports.
"""

from __future__ import annotations

import math
import random
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

from bulletins.mailer import AudienceMember, CampaignInfo, MailchimpRejected, SyncResult
from models.base import utcnow
from simulation.content import CLICK_PROPENSITY

BATCH_SIZE = 500
HREF = re.compile(r'href="(https?://[^"]+)"')
# Of the people who will open, the share who have opened by then (Mailchimp's usual curve).
OPEN_CURVE = ((timedelta(hours=1), 0.35), (timedelta(hours=24), 0.75), (timedelta(hours=72), 0.92))
LAST_OPEN = timedelta(days=7)
PROXY_SHARE = 0.12
HUMAN_OPEN_RATE = 0.20  # opens by people (not the proxy) in the first month
MONTHLY_GROWTH = 0.003  # "the open rate will increase as awareness of the network grows"
HARD_BOUNCE = 0.004
SOFT_BOUNCE = 0.008
UNSUBSCRIBE = 0.003
NEW_SIGNUPS = 2  # a month, from the web page's sign-up form


@dataclass
class Contact:
    email: str
    status: str = "subscribed"
    proxy: bool = False
    habit: float = 0.2  # chance this person opens a given bulletin


@dataclass
class Recipient:
    """What one contact did with one campaign (decided when it is sent)."""

    email: str
    bounced: str | None  # hard | soft | None
    proxy: bool
    opened_after: timedelta | None
    opens: int
    clicks: dict[str, int] = field(default_factory=dict)  # url → clicks


@dataclass
class Campaign:
    id: str
    number: int
    title: str
    subject: str
    created_at: datetime
    status: str = "save"
    html: str | None = None
    links: list[str] = field(default_factory=list)
    send_time: datetime | None = None
    recipients: list[Recipient] | None = None
    unsubscribed: int = 0


def _category_of(url: str) -> str | None:
    """The simulation writes article links as …/linkedup/<month>/<category>/<slug>."""
    parts = [p for p in urlsplit(url).path.split("/") if p]
    if len(parts) >= 3 and parts[0] == "linkedup":
        return parts[2]
    return None


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S+00:00")


class SimulatedMailer:
    """The `Mailer` port, answered by a simulated audience instead of Mailchimp's servers."""

    def __init__(self, *, seed: int, list_size: int = 232, domain: str = "contacts.example.org"):
        self.seed = seed
        self.random = random.Random(f"mailer:{seed}")
        self.contacts: dict[str, Contact] = {}
        self.campaigns: dict[str, Campaign] = {}
        self.calls: list[str] = []
        self._last_signup_month: str | None = None
        for number in range(list_size):
            self._add(f"contact{number + 1:04d}@{domain}")

    # --- the audience ---------------------------------------------------------------------------
    def _add(self, email: str, status: str = "subscribed") -> Contact:
        proxy = self.random.random() < PROXY_SHARE
        # Habits vary: a Beta draw around the network's human open rate.
        habit = self.random.betavariate(2.0, 2.0 / HUMAN_OPEN_RATE - 2.0)
        contact = Contact(email=email, status=status, proxy=proxy, habit=habit)
        self.contacts[email] = contact
        return contact

    @property
    def subscribed(self) -> list[Contact]:
        return [c for c in self.contacts.values() if c.status == "subscribed"]

    def sync_audience(self, members: list[AudienceMember]) -> SyncResult:
        self.calls.append("sync_audience")
        result = SyncResult(calls=math.ceil(len(members) / BATCH_SIZE) if members else 0)
        for member in members:
            email = member.email.strip().lower()
            if email in self.contacts:
                self.contacts[email].status = member.status
                result.updated += 1
            else:
                self._add(email, member.status)
                result.created += 1
        return result

    def _signups(self, month: str) -> None:
        """People who joined the list from the web page since the last campaign."""
        if self._last_signup_month is not None and self._last_signup_month != month:
            for _ in range(NEW_SIGNUPS):
                self._add(f"signup{len(self.contacts) + 1:04d}@web.example.org")
        self._last_signup_month = month

    # --- campaigns --------------------------------------------------------------------------------
    def _campaign(self, campaign_id: str, operation: str) -> Campaign:
        campaign = self.campaigns.get(campaign_id)
        if campaign is None:
            raise MailchimpRejected(
                f"Mailchimp refused {operation} (404 Resource Not Found): no campaign {campaign_id}",
                operation=operation,
                status=404,
            )
        return campaign

    def _status(self, campaign: Campaign) -> str:
        if (
            campaign.status == "schedule"
            and campaign.send_time is not None
            and campaign.send_time <= utcnow()
        ):
            self._dispatch(campaign)
        return campaign.status

    def find_campaign(self, title: str, *, since: datetime | None = None) -> CampaignInfo | None:
        self.calls.append("find_campaign")
        for campaign in self.campaigns.values():
            if campaign.title == title and (since is None or campaign.created_at >= since):
                return CampaignInfo(campaign.id, self._status(campaign), title)
        return None

    def create_campaign(
        self, *, title: str, subject: str, preview_text: str, from_name: str | None, reply_to: str | None
    ) -> str:
        self.calls.append("create_campaign")
        number = len(self.campaigns) + 1
        campaign_id = f"5e{self.seed % 4096:03x}{number:05x}"
        self.campaigns[campaign_id] = Campaign(campaign_id, number, title, subject, created_at=utcnow())
        return campaign_id

    def get_campaign(self, campaign_id: str) -> CampaignInfo:
        self.calls.append("get_campaign")
        campaign = self._campaign(campaign_id, "campaign status")
        status = self._status(campaign)
        return CampaignInfo(
            campaign.id, status, campaign.title, _iso(campaign.send_time) if campaign.send_time else None
        )

    def set_content(self, campaign_id: str, *, html: str, text: str) -> None:
        self.calls.append("set_content")
        campaign = self._campaign(campaign_id, "content set")
        if campaign.status != "save":
            raise MailchimpRejected(
                "Mailchimp refused content set (400 Bad Request): the campaign has already been sent",
                operation="content set",
                status=400,
            )
        campaign.html = html
        campaign.links = list(dict.fromkeys(HREF.findall(html)))

    def schedule(self, campaign_id: str, when: datetime) -> None:
        self.calls.append("schedule")
        campaign = self._ready(campaign_id, "schedule")
        when = when.astimezone(UTC)
        if when.minute % 15 or when.second or when <= utcnow():
            raise MailchimpRejected(
                "Mailchimp refused schedule (400 Invalid Resource): schedule_time must be in the future "
                "and on the quarter hour",
                operation="schedule",
                status=400,
            )
        campaign.status = "schedule"
        campaign.send_time = when

    def unschedule(self, campaign_id: str) -> None:
        self.calls.append("unschedule")
        campaign = self._campaign(campaign_id, "unschedule")
        if campaign.status != "schedule":
            raise MailchimpRejected(
                "Mailchimp refused unschedule (400 Bad Request): the campaign is not scheduled",
                operation="unschedule",
                status=400,
            )
        campaign.status = "save"
        campaign.send_time = None

    def send(self, campaign_id: str) -> None:
        self.calls.append("send")
        campaign = self._ready(campaign_id, "send")
        campaign.send_time = utcnow()
        self._dispatch(campaign)

    def _ready(self, campaign_id: str, operation: str) -> Campaign:
        campaign = self._campaign(campaign_id, operation)
        if campaign.status not in ("save", "paused") or campaign.html is None:
            raise MailchimpRejected(
                f"Mailchimp refused {operation} (400 Bad Request): the campaign is not ready to send",
                operation=operation,
                status=400,
            )
        return campaign

    # --- what people do with it -------------------------------------------------------------------
    def _dispatch(self, campaign: Campaign) -> None:
        """Send to everyone subscribed now and decide, once, what each of them does with it."""
        month = campaign.send_time.astimezone(UTC).strftime("%Y-%m")
        self._signups(month)
        rng = random.Random(f"campaign:{self.seed}:{campaign.number}")
        lift = 1 + MONTHLY_GROWTH / HUMAN_OPEN_RATE * (campaign.number - 1)
        mood = rng.gauss(1.0, 0.07)  # some months simply land better than others
        recipients = []
        for contact in self.subscribed:
            draw = rng.random()
            bounced = "hard" if draw < HARD_BOUNCE else "soft" if draw < HARD_BOUNCE + SOFT_BOUNCE else None
            recipient = Recipient(contact.email, bounced, contact.proxy, None, 0)
            if bounced == "hard":
                contact.status = "cleaned"
            elif bounced is None:
                if contact.proxy:
                    recipient.opened_after = timedelta(minutes=rng.randint(1, 50))
                    recipient.opens = 1
                elif rng.random() < min(0.95, contact.habit * lift * mood):
                    recipient.opened_after = self._open_delay(rng)
                    recipient.opens = 1 + int(rng.expovariate(1.6))
                if recipient.opened_after is not None and not contact.proxy:
                    for position, url in enumerate(campaign.links):
                        chance = CLICK_PROPENSITY.get(_category_of(url) or "", 0.0)
                        chance *= max(0.6, 1 - 0.03 * position)
                        if chance and rng.random() < chance:
                            recipient.clicks[url] = 1 + int(rng.expovariate(3.0))
            recipients.append(recipient)
        for recipient in recipients:
            if recipient.opened_after is not None and rng.random() < UNSUBSCRIBE:
                self.contacts[recipient.email].status = "unsubscribed"
                campaign.unsubscribed += 1
        campaign.recipients = recipients
        campaign.status = "sent"

    @staticmethod
    def _open_delay(rng: random.Random) -> timedelta:
        """When someone who will open does so, following OPEN_CURVE up to a week."""
        share = rng.random()
        start, done = timedelta(0), 0.0
        for until, reached in (*OPEN_CURVE, (LAST_OPEN, 1.0)):
            if share <= reached:
                fraction = (share - done) / (reached - done)
                return start + (until - start) * fraction
            start, done = until, reached
        return LAST_OPEN

    def _sent(self, campaign_id: str, operation: str) -> tuple[Campaign, timedelta]:
        campaign = self._campaign(campaign_id, operation)
        if self._status(campaign) != "sent":
            raise MailchimpRejected(
                f"Mailchimp refused {operation} (404 Resource Not Found): the campaign has not been sent",
                operation=operation,
                status=404,
            )
        return campaign, utcnow() - campaign.send_time

    def report(self, campaign_id: str) -> dict:
        self.calls.append("report")
        campaign, elapsed = self._sent(campaign_id, "report")
        people = campaign.recipients or []
        hard = sum(1 for r in people if r.bounced == "hard")
        soft = sum(1 for r in people if r.bounced == "soft")
        delivered = len(people) - hard - soft
        opened = [r for r in people if r.opened_after is not None and r.opened_after <= elapsed]
        human = [r for r in opened if not r.proxy]
        human_delivered = sum(1 for r in people if r.bounced is None and not r.proxy)
        clickers = [r for r in human if r.clicks]
        unique_clicks = sum(len(r.clicks) for r in clickers)
        clicks_total = sum(sum(r.clicks.values()) for r in clickers)
        return {
            "id": campaign.id,
            "campaign_title": campaign.title,
            "type": "regular",
            "subject_line": campaign.subject,
            "emails_sent": len(people),
            "abuse_reports": 0,
            "unsubscribed": campaign.unsubscribed if elapsed >= timedelta(hours=24) else 0,
            "send_time": _iso(campaign.send_time),
            "bounces": {"hard_bounces": hard, "soft_bounces": soft, "syntax_errors": 0},
            "opens": {
                "opens_total": sum(r.opens for r in opened),
                "unique_opens": len(opened),
                "open_rate": len(opened) / delivered if delivered else 0.0,
                "proxy_excluded_opens": sum(r.opens for r in human),
                "proxy_excluded_unique_opens": len(human),
                "proxy_excluded_open_rate": len(human) / human_delivered if human_delivered else 0.0,
            },
            "clicks": {
                "clicks_total": clicks_total,
                "unique_clicks": unique_clicks,
                "unique_subscriber_clicks": len(clickers),
                "click_rate": len(clickers) / delivered if delivered else 0.0,
            },
        }

    def click_details(self, campaign_id: str) -> list[dict]:
        self.calls.append("click_details")
        campaign, elapsed = self._sent(campaign_id, "click details")
        openers = [
            r
            for r in campaign.recipients or []
            if r.opened_after is not None and r.opened_after <= elapsed and r.clicks
        ]
        total_unique = sum(len(r.clicks) for r in openers) or 1
        items = []
        for index, url in enumerate(campaign.links):
            unique = sum(1 for r in openers if url in r.clicks)
            total = sum(r.clicks.get(url, 0) for r in openers)
            items.append(
                {
                    "id": f"{campaign.id[-5:]}{index:05x}",
                    "url": url,
                    "total_clicks": total,
                    "click_percentage": total / total_unique,
                    "unique_clicks": unique,
                    "unique_click_percentage": unique / total_unique,
                    "campaign_id": campaign.id,
                }
            )
        return items
