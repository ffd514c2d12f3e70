"""The `Mailer` port and its Mailchimp adapter (the official `mailchimp-marketing` client).

Every Mailchimp failure becomes a typed domain error: a 4xx carries Mailchimp's `detail` (a person
must fix something; not retried by itself), a 429 and a 5xx or time-out are transient (retried
later). The caller persists its state before and after each call, so a failure never loses track
of what Mailchimp already did.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

from mailchimp_marketing import Client
from mailchimp_marketing.api_client import ApiClientError

from models.errors import DomainError

log = logging.getLogger(__name__)

BATCH_SIZE = 500  # "Up to 500 members may be added or updated with each API call"
CLICK_PAGE = 1000  # click-details answers 10 links unless `count` is given; 1000 is the maximum
DEFAULT_TIMEOUT = 30


class MailchimpError(DomainError):
    """A Mailchimp call failed; `retryable` says whether trying again later may succeed."""

    retryable = True

    def __init__(self, message: str, *, operation: str, status: int | None = None, detail: str | None = None):
        self.operation = operation
        self.status = status
        self.detail = detail
        super().__init__(message)


class MailchimpRejected(MailchimpError):
    """Mailchimp refused the request (4xx); its detail says what a person must change."""

    retryable = False


class MailchimpThrottled(MailchimpError):
    """Too many requests (429): Mailchimp allows 10 connections at once. Try again shortly."""


class MailchimpUnavailable(MailchimpError):
    """Mailchimp answered 5xx, timed out or could not be reached. Try again later."""


class MailchimpNotConfigured(DomainError):
    """Sending needs credentials; the message names the missing environment variables."""

    def __init__(self, missing: Iterable[str]):
        self.missing = list(missing)
        super().__init__(
            "Mailchimp is not configured, so the bulletin cannot be sent: set "
            + ", ".join(self.missing)
            + ". Compiling and previews work without them."
        )


@dataclass(frozen=True)
class AudienceMember:
    email: str
    status: str  # subscribed | unsubscribed


@dataclass
class SyncResult:
    calls: int = 0
    created: int = 0
    updated: int = 0
    errors: list[tuple[str, str]] = field(default_factory=list)


@dataclass(frozen=True)
class CampaignInfo:
    id: str
    status: str  # save | paused | schedule | sending | sent | …
    title: str | None = None
    send_time: str | None = None


class Mailer(Protocol):
    """What the bulletin needs from an email service."""

    def sync_audience(self, members: list[AudienceMember]) -> SyncResult: ...

    def find_campaign(self, title: str, *, since: datetime | None = None) -> CampaignInfo | None: ...

    def create_campaign(
        self, *, title: str, subject: str, preview_text: str, from_name: str | None, reply_to: str | None
    ) -> str: ...

    def get_campaign(self, campaign_id: str) -> CampaignInfo: ...

    def set_content(self, campaign_id: str, *, html: str, text: str) -> None: ...

    def schedule(self, campaign_id: str, when: datetime) -> None: ...

    def unschedule(self, campaign_id: str) -> None: ...

    def send(self, campaign_id: str) -> None: ...

    def report(self, campaign_id: str) -> dict: ...

    def click_details(self, campaign_id: str) -> list[dict]: ...


def _problem(text: Any) -> dict:
    """Mailchimp's RFC 7807 body, which the client hands over as a raw JSON string."""
    if isinstance(text, dict):
        return text
    if isinstance(text, bytes | str):
        try:
            value = json.loads(text)
        except ValueError:
            return {"detail": str(text)[:300]}
        return value if isinstance(value, dict) else {}
    return {}


def translate(operation: str, status: int | None, body: Any) -> MailchimpError:
    """The typed error for a failed call, with Mailchimp's own words where it gave any."""
    if status is None:
        reason = str(body) if body is not None else "no answer"
        timed_out = "timed out" in reason.lower() or "timeout" in type(body).__name__.lower()
        what = "did not answer in time" if timed_out else "could not be reached"
        return MailchimpUnavailable(f"Mailchimp {what} ({operation}): {reason[:200]}", operation=operation)
    problem = _problem(body)
    detail = str(problem.get("detail") or problem.get("title") or "").strip()
    fields = [
        f"{item.get('field')}: {item.get('message')}"
        for item in problem.get("errors") or ()
        if isinstance(item, dict) and item.get("message")
    ]
    if fields:
        detail = f"{detail} ({'; '.join(fields)})" if detail else "; ".join(fields)
    title = str(problem.get("title") or "").strip()
    if status == 429:
        return MailchimpThrottled(
            f"Mailchimp is busy (429 {title or 'Too Many Requests'}) during {operation}; it will be retried.",
            operation=operation,
            status=status,
            detail=detail or None,
        )
    if status >= 500:
        return MailchimpUnavailable(
            f"Mailchimp had a server error ({status}) during {operation}; it will be retried.",
            operation=operation,
            status=status,
            detail=detail or None,
        )
    return MailchimpRejected(
        f"Mailchimp refused {operation} ({status} {title}): {detail or 'no detail given'}",
        operation=operation,
        status=status,
        detail=detail or None,
    )


class MailchimpMailer:
    """The port, spoken to Mailchimp Marketing API v3 through the official client."""

    def __init__(
        self,
        *,
        api_key: str,
        server_prefix: str,
        list_id: str,
        api_url: str | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        client: Client | None = None,
    ):
        self.list_id = list_id
        self.client = client or Client()
        self.client.set_config({"api_key": api_key, "server": server_prefix, "timeout": timeout})
        if api_url:
            # The client ignores Configuration.host; its ApiClient.host is what it really uses.
            self.client.api_client.host = api_url.rstrip("/")

    def _call(self, operation: str, func: Callable[..., Any], *args, **kwargs) -> Any:
        try:
            result = func(*args, **kwargs)
        except ApiClientError as exc:
            raise translate(operation, exc.status_code, exc.text) from None
        # A body-less answer comes back as the `requests.Response`, and a failing one is not raised.
        status = getattr(result, "status_code", None)
        if status is not None and not getattr(result, "ok", True):
            raise translate(operation, status, getattr(result, "text", None))
        return result

    def sync_audience(self, members: list[AudienceMember]) -> SyncResult:
        result = SyncResult()
        for start in range(0, len(members), BATCH_SIZE):
            batch = members[start : start + BATCH_SIZE]
            body = {
                "members": [{"email_address": m.email, "status": m.status} for m in batch],
                "update_existing": True,
            }
            answer = self._call("audience sync", self.client.lists.batch_list_members, self.list_id, body)
            result.calls += 1
            if isinstance(answer, dict):
                result.created += int(answer.get("total_created") or 0)
                result.updated += int(answer.get("total_updated") or 0)
                for error in answer.get("errors") or ():
                    result.errors.append((str(error.get("email_address")), str(error.get("error"))))
        return result

    def find_campaign(self, title: str, *, since: datetime | None = None) -> CampaignInfo | None:
        offset = 0
        while True:
            kwargs: dict[str, Any] = {
                "list_id": self.list_id,
                "count": 100,
                "offset": offset,
                "fields": ["campaigns.id", "campaigns.status", "campaigns.settings.title", "total_items"],
            }
            if since is not None:
                kwargs["since_create_time"] = since.isoformat()
            answer = self._call("campaign look-up", self.client.campaigns.list, **kwargs)
            campaigns = (answer.get("campaigns") or []) if isinstance(answer, dict) else []
            for campaign in campaigns:
                if (campaign.get("settings") or {}).get("title") == title:
                    return CampaignInfo(campaign["id"], campaign.get("status", ""), title)
            offset += len(campaigns)
            if not campaigns or offset >= int(answer.get("total_items") or 0):
                return None

    def create_campaign(
        self, *, title: str, subject: str, preview_text: str, from_name: str | None, reply_to: str | None
    ) -> str:
        settings: dict[str, Any] = {
            "subject_line": subject,
            "preview_text": preview_text,
            "title": title,
            "auto_footer": False,
            "inline_css": False,
        }
        if from_name:
            settings["from_name"] = from_name
        if reply_to:
            settings["reply_to"] = reply_to
        body = {
            "type": "regular",
            "recipients": {"list_id": self.list_id},
            "settings": settings,
            "tracking": {"opens": True, "html_clicks": True, "text_clicks": True},
        }
        answer = self._call("campaign create", self.client.campaigns.create, body)
        if not isinstance(answer, dict) or not answer.get("id"):
            raise MailchimpUnavailable("Mailchimp created no campaign id", operation="campaign create")
        return str(answer["id"])

    def get_campaign(self, campaign_id: str) -> CampaignInfo:
        answer = self._call(
            "campaign status",
            self.client.campaigns.get,
            campaign_id,
            fields=["id", "status", "send_time", "settings.title"],
        )
        return CampaignInfo(
            id=answer.get("id", campaign_id),
            status=answer.get("status", ""),
            title=(answer.get("settings") or {}).get("title"),
            send_time=answer.get("send_time") or None,
        )

    def set_content(self, campaign_id: str, *, html: str, text: str) -> None:
        self._call(
            "content set", self.client.campaigns.set_content, campaign_id, {"html": html, "plain_text": text}
        )

    def schedule(self, campaign_id: str, when: datetime) -> None:
        body = {"schedule_time": when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S+00:00")}
        self._call("schedule", self.client.campaigns.schedule, campaign_id, body)

    def unschedule(self, campaign_id: str) -> None:
        self._call("unschedule", self.client.campaigns.unschedule, campaign_id)

    def send(self, campaign_id: str) -> None:
        self._call("send", self.client.campaigns.send, campaign_id)

    def report(self, campaign_id: str) -> dict:
        return self._call("report", self.client.reports.get_campaign_report, campaign_id)

    def click_details(self, campaign_id: str) -> list[dict]:
        links: list[dict] = []
        while True:
            answer = self._call(
                "click details",
                self.client.reports.get_campaign_click_details,
                campaign_id,
                count=CLICK_PAGE,
                offset=len(links),
            )
            page = (answer.get("urls_clicked") or []) if isinstance(answer, dict) else []
            links.extend(page)
            if not page or len(links) >= int(answer.get("total_items") or 0):
                return links
