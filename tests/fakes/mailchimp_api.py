"""A local fake of the Mailchimp Marketing API v3 that the official `mailchimp-marketing` client talks to.

Paths, JSON shapes and errors follow `tests/fixtures/mailchimp/` (the 3.0.81 API description,
report and click-details samples, recorded RFC 7807 error bodies). Request bodies are validated
against the API description's schemas and a violation is answered as Mailchimp would (400
Invalid Resource) and remembered in `schema_errors`. Sending or scheduling goes through Mailchimp's
send checklist: a campaign with no subject line, no reply-to address, or content without the
unsubscribe link and the audience's postal address is "not ready to send"; a scheduled campaign
cannot be scheduled again or sent until it is unscheduled (`actions/unschedule`). Every call is
counted. Tests queue faults: an error status with a problem body, or a time-out that may still
apply the request (the answer lost on the way back, as when a connection drops after Mailchimp
acted).
"""

from __future__ import annotations

import base64
import copy
import json
import re
import secrets
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "mailchimp"
API_KEY = "0123456789abcdef0123456789abcdef-us21"
SERVER_PREFIX = "us21"
LIST_ID = "ab6c0d6df6"
PROBLEM_TYPE = "https://mailchimp.com/developer/marketing/docs/errors/"
PROBLEM_CONTENT_TYPE = "application/problem+json; charset=utf-8"
# Merge tags that put the audience's postal address in a campaign (the CAN-SPAM footer Mailchimp requires).
ADDRESS_TAGS = ("*|LIST:ADDRESS|*", "*|LIST:ADDRESSLINE|*", "*|HTML:LIST_ADDRESS_HTML|*", "*|LIST_ADDRESS|*")


def fixture(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text())


_OPERATIONS = fixture("relevant-operations-3.0.81.json")["paths"]


def request_schema(path: str, method: str) -> dict | None:
    operation = _OPERATIONS.get(path, {}).get(method.lower()) or {}
    content = (operation.get("requestBody") or {}).get("content") or {}
    return (content.get("application/json") or {}).get("schema")


@dataclass
class Call:
    method: str
    path: str
    query: dict[str, str]
    body: Any

    @property
    def operation(self) -> str:
        return f"{self.method} {re.sub(r'/[0-9a-f]{10}(?=/|$)', '/{id}', self.path)}"


@dataclass
class Fault:
    method: str
    pattern: re.Pattern[str]
    status: int | None = None
    body: dict | None = None
    timeout: float | None = None
    apply_first: bool = False


def problem(status: int, title: str, detail: str, errors: list[dict] | None = None) -> Response:
    """An RFC 7807 body exactly as Mailchimp sends it."""
    body: dict[str, Any] = {
        "type": PROBLEM_TYPE,
        "title": title,
        "status": status,
        "detail": detail,
        "instance": secrets.token_hex(4) + "-" + secrets.token_hex(2) + "-" + secrets.token_hex(2),
    }
    if errors:
        body["errors"] = errors
    return Response(json.dumps(body), status=status, content_type=PROBLEM_CONTENT_TYPE)


def _json(body: Any, status: int = 200) -> Response:
    return Response(json.dumps(body), status=status, content_type="application/json; charset=utf-8")


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S+00:00")


def _valid_email(email: str) -> bool:
    return bool(re.fullmatch(r"[^@\s]+@[^@\s]+\.[A-Za-z]{2,}", email or ""))


@dataclass
class FakeMailchimp:
    """The fake's state: the audience, campaigns, reports; and what it was asked."""

    host: str
    api_key: str = API_KEY
    list_id: str = LIST_ID
    members: dict[str, dict] = field(default_factory=dict)
    campaigns: dict[str, dict] = field(default_factory=dict)
    reports: dict[str, dict] = field(default_factory=dict)
    clicks: dict[str, list[dict]] = field(default_factory=dict)
    calls: list[Call] = field(default_factory=list)
    schema_errors: list[tuple[str, list[str]]] = field(default_factory=list)
    faults: list[Fault] = field(default_factory=list)
    lock: threading.RLock = field(default_factory=threading.RLock)

    # --- what tests use ----------------------------------------------------------------------

    def count(self, method: str, path_pattern: str = ".*") -> int:
        pattern = re.compile(path_pattern)
        return sum(1 for c in self.calls if c.method == method and pattern.fullmatch(c.path))

    def fail(
        self,
        method: str,
        path_pattern: str,
        *,
        status: int,
        title: str | None = None,
        detail: str = "",
        errors: list[dict] | None = None,
        times: int = 1,
    ) -> None:
        """Answer the next matching calls with this status and an RFC 7807 body (empty if detail is None)."""
        titles = {400: "Invalid Resource", 404: "Resource Not Found", 429: "Too Many Requests"}
        body = {
            "title": title or titles.get(status, "Internal Server Error"),
            "detail": detail,
            "errors": errors,
        }
        for _ in range(times):
            self.faults.append(Fault(method, re.compile(path_pattern), status=status, body=body))

    def time_out(self, method: str, path_pattern: str, *, seconds: float, apply_first: bool = False) -> None:
        """Hold the next matching call past the client's time-out; `apply_first` does the work before."""
        self.faults.append(Fault(method, re.compile(path_pattern), timeout=seconds, apply_first=apply_first))

    def campaign_list(self) -> list[dict]:
        return list(self.campaigns.values())

    def set_report(
        self, campaign_id: str, *, report: dict | None = None, clicks: list[dict] | None = None
    ) -> None:
        if report is not None:
            self.reports[campaign_id] = report
        if clicks is not None:
            self.clicks[campaign_id] = clicks

    # --- the HTTP side -------------------------------------------------------------------------

    def _authorised(self, request: Request) -> bool:
        header = request.headers.get("Authorization", "")
        if not header.startswith("Basic "):
            return False
        try:
            _, _, password = base64.b64decode(header[6:]).decode().partition(":")
        except ValueError:
            return False
        return password == self.api_key

    def _fault_for(self, method: str, path: str) -> Fault | None:
        with self.lock:
            for index, fault in enumerate(self.faults):
                if fault.method == method and fault.pattern.fullmatch(path):
                    return self.faults.pop(index)
        return None

    def handle(self, request: Request) -> Response:
        path = request.path.removeprefix("/3.0")
        raw = request.get_data(as_text=True)
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            return problem(400, "Invalid Resource", "The request body could not be parsed as JSON.")
        call = Call(request.method, path, dict(request.args), body)
        with self.lock:
            self.calls.append(call)
        if not self._authorised(request):
            return problem(
                401,
                "API Key Invalid",
                "Your API key may be invalid, or you've attempted to access the wrong datacenter.",
            )
        fault = self._fault_for(request.method, path)
        if fault is not None and fault.timeout is not None:
            answer = self.route(request.method, path, request.args, body) if fault.apply_first else None
            time.sleep(fault.timeout)
            return answer or problem(504, "Gateway Timeout", "The request timed out.")
        if fault is not None:
            if fault.body.get("detail") is None:
                return Response("", status=fault.status)
            return problem(fault.status, fault.body["title"], fault.body["detail"], fault.body.get("errors"))
        return self.route(request.method, path, request.args, body)

    def _validate(self, template: str, method: str, body: Any) -> Response | None:
        schema = request_schema(template, method)
        if schema is None:
            return None
        errors = sorted(jsonschema.Draft4Validator(schema).iter_errors(body), key=str)
        if not errors:
            return None
        messages = [f"{'.'.join(str(p) for p in e.absolute_path) or '(body)'}: {e.message}" for e in errors]
        self.schema_errors.append((f"{method.upper()} {template}", messages))
        return problem(
            400,
            "Invalid Resource",
            "The resource submitted could not be validated. "
            "For field-specific details, see the 'errors' array.",
            [{"field": m.split(":", 1)[0], "message": m.split(":", 1)[1].strip()} for m in messages],
        )

    def route(self, method: str, path: str, args, body: Any) -> Response:
        with self.lock:
            if method == "GET" and path == "/ping":
                return _json({"health_status": "Everything's Chimpy!"})
            if (match := re.fullmatch(r"/lists/([^/]+)", path)) and method == "POST":
                return self.batch_members(match.group(1), body)
            if path == "/campaigns":
                if method == "POST":
                    return self.create_campaign(body)
                if method == "GET":
                    return self.list_campaigns(args)
            if match := re.fullmatch(r"/campaigns/([^/]+)", path):
                campaign = self.campaigns.get(match.group(1))
                if campaign is None:
                    return problem(404, "Resource Not Found", "The requested resource could not be found.")
                if method == "GET":
                    return _json(campaign)
            if (match := re.fullmatch(r"/campaigns/([^/]+)/content", path)) and method == "PUT":
                return self.set_content(match.group(1), body)
            if (
                match := re.fullmatch(r"/campaigns/([^/]+)/actions/(schedule|send|unschedule)", path)
            ) and method == "POST":
                return self.dispatch(match.group(1), match.group(2), body)
            if (match := re.fullmatch(r"/reports/([^/]+)", path)) and method == "GET":
                return self.report(match.group(1))
            if (match := re.fullmatch(r"/reports/([^/]+)/click-details", path)) and method == "GET":
                return self.click_details(match.group(1), args)
        return problem(404, "Resource Not Found", "The requested resource could not be found.")

    # --- operations ----------------------------------------------------------------------------

    def batch_members(self, list_id: str, body: Any) -> Response:
        if list_id != self.list_id:
            return problem(404, "Resource Not Found", "The requested resource could not be found.")
        if (invalid := self._validate("/lists/{list_id}", "post", body)) is not None:
            return invalid
        members = body["members"]
        if len(members) > 500:
            return problem(
                400, "Invalid Resource", "You may only add or update 500 members in a single request."
            )
        update_existing = bool(body.get("update_existing"))
        created, updated, errors = [], [], []
        for member in members:
            email = member.get("email_address", "")
            key = email.lower()
            if not _valid_email(email):
                errors.append(
                    {
                        "email_address": email,
                        "error": f"{email} looks fake or invalid, please enter a real email address.",
                        "error_code": "ERROR_GENERIC",
                        "field": "email_address",
                        "field_message": "",
                    }
                )
                continue
            if key in self.members and not update_existing:
                errors.append(
                    {
                        "email_address": email,
                        "error": f"{email} is already a list member, do you want to update? "
                        "please provide update_existing:true in the request body",
                        "error_code": "ERROR_CONTACT_EXISTS",
                        "field": "email_address",
                        "field_message": "",
                    }
                )
                continue
            record = {
                "id": secrets.token_hex(16),
                "email_address": email,
                "unique_email_id": secrets.token_hex(5),
                "email_type": "html",
                "status": member.get("status", "subscribed"),
                "merge_fields": {},
                "stats": {"avg_open_rate": 0, "avg_click_rate": 0},
                "list_id": self.list_id,
            }
            (updated if key in self.members else created).append(record)
            self.members[key] = record
        return _json(
            {
                "new_members": created,
                "updated_members": updated,
                "errors": errors,
                "total_created": len(created),
                "total_updated": len(updated),
                "error_count": len(errors),
                "_links": [],
            }
        )

    def create_campaign(self, body: Any) -> Response:
        if (invalid := self._validate("/campaigns", "post", body)) is not None:
            return invalid
        list_id = (body.get("recipients") or {}).get("list_id")
        if list_id != self.list_id:
            return problem(
                400, "Invalid Resource", "The resource submitted could not be validated.",
                [{"field": "recipients.list_id", "message": "Invalid List ID"}],
            )  # fmt: skip
        campaign_id = secrets.token_hex(5)
        campaign = {
            "id": campaign_id,
            "web_id": secrets.randbelow(10**6),
            "type": body["type"],
            "create_time": _now(),
            "archive_url": f"https://mailchi.mp/example/{campaign_id}",
            "status": "save",
            "emails_sent": 0,
            "send_time": "",
            "content_type": "html",
            "recipients": {"list_id": list_id, "list_is_active": True, "recipient_count": self.subscribed()},
            "settings": dict(body.get("settings") or {}),
            "tracking": dict(body.get("tracking") or {}),
            "_links": [],
            "_content": None,
        }
        self.campaigns[campaign_id] = campaign
        return _json(self._public(campaign))

    @staticmethod
    def _public(campaign: dict) -> dict:
        return {k: v for k, v in campaign.items() if not k.startswith("_") or k == "_links"}

    def list_campaigns(self, args) -> Response:
        found = [
            c
            for c in self.campaigns.values()
            if not args.get("list_id") or c["recipients"]["list_id"] == args["list_id"]
        ]
        if args.get("since_create_time"):
            since = datetime.fromisoformat(args["since_create_time"].replace("Z", "+00:00"))
            found = [c for c in found if datetime.fromisoformat(c["create_time"]) >= since]
        count = min(int(args.get("count", 10)), 1000)
        offset = int(args.get("offset", 0))
        page = found[offset : offset + count]
        return _json({"campaigns": [self._public(c) for c in page], "total_items": len(found), "_links": []})

    def subscribed(self) -> int:
        return sum(1 for m in self.members.values() if m["status"] == "subscribed")

    def set_content(self, campaign_id: str, body: Any) -> Response:
        campaign = self.campaigns.get(campaign_id)
        if campaign is None:
            return problem(404, "Resource Not Found", "The requested resource could not be found.")
        if (invalid := self._validate("/campaigns/{campaign_id}/content", "put", body)) is not None:
            return invalid
        if campaign["status"] not in ("save", "paused", "schedule"):
            return problem(
                400,
                "Invalid Resource",
                "Can only set content on campaigns with status 'save', 'paused', or 'scheduled'",
            )
        campaign["_content"] = {"html": body.get("html", ""), "plain_text": body.get("plain_text", "")}
        return _json(
            {
                "plain_text": body.get("plain_text", ""),
                "html": body.get("html", ""),
                "archive_html": "",
                "_links": [],
            }
        )

    def dispatch(self, campaign_id: str, action: str, body: Any) -> Response:
        campaign = self.campaigns.get(campaign_id)
        if campaign is None:
            return problem(404, "Resource Not Found", "The requested resource could not be found.")
        if campaign["status"] in ("sending", "sent"):
            return problem(400, "Bad Request", "This campaign has already been sent.")
        if action == "unschedule":
            if campaign["status"] != "schedule":
                return problem(400, "Bad Request", "This campaign is not scheduled.")
            campaign["status"], campaign["send_time"] = "save", ""
            return Response("", status=204)
        if campaign["status"] == "schedule":
            return problem(
                400,
                "Bad Request",
                "This campaign is already scheduled; unschedule it before scheduling or sending.",
            )
        if unready := self.send_checklist(campaign):
            return problem(400, "Bad Request", "Your Campaign is not ready to send.", unready)
        if action == "schedule":
            if (
                invalid := self._validate("/campaigns/{campaign_id}/actions/schedule", "post", body)
            ) is not None:
                return invalid
            when = datetime.fromisoformat(body["schedule_time"].replace("Z", "+00:00"))
            if when.minute % 15 or when.second:
                return problem(
                    400,
                    "Invalid Resource",
                    "Campaigns may only be scheduled to send on the quarter-hour (:00, :15, :30, :45).",
                )
            if when <= datetime.now(UTC):
                return problem(400, "Invalid Resource", "The schedule time must be in the future.")
            campaign["status"] = "schedule"
            campaign["send_time"] = body["schedule_time"]
        else:
            if body is not None:
                self.schema_errors.append(("POST send", [f"unexpected body {body!r}"]))
            campaign["status"] = "sent"
            campaign["send_time"] = _now()
            campaign["emails_sent"] = self.subscribed()
        return Response("", status=204)

    @staticmethod
    def send_checklist(campaign: dict) -> list[dict]:
        """What Mailchimp's checklist finds missing before a campaign may be sent or scheduled."""
        settings, content = campaign["settings"], campaign["_content"] or {}
        html = content.get("html", "")
        missing = []
        if not (settings.get("subject_line") or "").strip():
            missing.append(
                {"field": "settings.subject_line", "message": "A subject line is required to send."}
            )
        if not _valid_email(settings.get("reply_to") or ""):
            missing.append(
                {"field": "settings.reply_to", "message": "A reply-to email address is required to send."}
            )
        if "*|UNSUB|*" not in html:
            missing.append(
                {"field": "content", "message": "The content needs an unsubscribe link (*|UNSUB|*)."}
            )
        if not any(tag in html for tag in ADDRESS_TAGS):
            missing.append({"field": "content", "message": "The footer needs the audience's postal address."})
        return missing

    def report(self, campaign_id: str) -> Response:
        campaign = self.campaigns.get(campaign_id)
        if campaign is None or campaign["status"] not in ("sending", "sent"):
            return problem(404, "Resource Not Found", "The requested resource could not be found.")
        if campaign_id in self.reports:
            return _json(self.reports[campaign_id])
        report = copy.deepcopy(fixture("report.get.constructed-consistent.json"))
        report.update(
            {"id": campaign_id, "list_id": self.list_id, "campaign_title": campaign["settings"].get("title")}
        )
        return _json(report)

    def click_details(self, campaign_id: str, args) -> Response:
        if campaign_id not in self.campaigns:
            return problem(404, "Resource Not Found", "The requested resource could not be found.")
        count = int(args.get("count", 10))
        if count > 1000:
            return problem(400, "Invalid Resource", "count: must be less than or equal to 1000")
        offset = int(args.get("offset", 0))
        links = self.clicks.get(campaign_id, [])
        page = links[offset : offset + count]
        return _json(
            {"urls_clicked": page, "campaign_id": campaign_id, "total_items": len(links), "_links": []}
        )


def click(url: str, *, total: int, unique: int, campaign_id: str = "") -> dict:
    """One `urls_clicked` item shaped like the fixture's."""
    item = copy.deepcopy(fixture("click-details.get.constructed-consistent.json")["urls_clicked"][0])
    item.update(
        {
            "id": secrets.token_hex(5),
            "url": url,
            "total_clicks": total,
            "unique_clicks": unique,
            "campaign_id": campaign_id,
        }
    )
    return item


@pytest.fixture
def mailchimp_api():
    """The fake, on its own port; point the client at `mailchimp_api.host` (no "server" in it)."""
    server = HTTPServer(host="127.0.0.1", port=0, threaded=True)
    server.start()
    fake = FakeMailchimp(host=f"http://127.0.0.1:{server.port}/3.0")
    server.expect_request(re.compile(r"^/3\.0/.*")).respond_with_handler(fake.handle)
    yield fake
    server.clear()
    if server.is_running():
        server.stop()
