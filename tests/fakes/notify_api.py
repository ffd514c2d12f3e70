"""A local fake of GOV.UK Notify's `POST /v2/notifications/email`, checked as Notify checks it.

The official client (`notifications_python_client`) signs each request with a JWT: HS256, `iss` the
service id, `iat` the time it was made, keyed with the secret half of the API key (a key is
`{name}-{service id}-{secret}`; the client takes the last 73 characters). Notify refuses a token that
is not HS256, names another service, was signed with another secret, or whose `iat` is more than 30
seconds from its clock (403 AuthError); the fake does the same. The body must be the documented
JSON: `email_address`, `template_id` (a UUID of a template the service has), and optionally
`personalisation` (an object whose values fill the template's ((placeholders)), every placeholder
required), `reference`, `email_reply_to_id`. A valid request is answered 201 with the documented
response, the template filled in; what was sent is kept in `sent`.
"""

from __future__ import annotations

import json
import re
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import jwt
import pytest
from werkzeug import Request, Response

SERVICE_ID = "26785a09-ab16-4eb0-8407-a37497a57506"
SECRET = "3d844edf-8d35-48ac-975b-e847b4f122b0"
API_KEY = f"linkedup_test-{SERVICE_ID}-{SECRET}"
TEMPLATE_ID = "f33517ff-2a88-4f6e-b855-c550268ce08a"
TEMPLATE = {"subject": "((subject))", "body": "((body))"}
_PLACEHOLDER = re.compile(r"\(\(([^)]+)\)\)")
_ALLOWED = {
    "email_address",
    "template_id",
    "personalisation",
    "reference",
    "email_reply_to_id",
    "one_click_unsubscribe_url",
}


@dataclass
class FakeNotify:
    base_url: str
    sent: list[dict[str, Any]] = field(default_factory=list)
    refused: list[tuple[int, str]] = field(default_factory=list)
    fail_next: list[int] = field(default_factory=list)  # status codes to answer, in order

    def handle(self, request: Request) -> Response:
        status, body = self._answer(request)
        if status >= 400:
            self.refused.append((status, json.dumps(body)))
        return Response(json.dumps(body), status=status, content_type="application/json")

    def _answer(self, request: Request) -> tuple[int, dict]:
        if request.method != "POST" or request.path != "/v2/notifications/email":
            return 404, _error(404, "NotFoundError", "Not found")
        header = request.headers.get("Authorization", "")
        if not header.startswith("Bearer "):
            return 401, _error(401, "AuthError", "Unauthorized: authentication token must be provided")
        token = header.removeprefix("Bearer ")
        try:
            unverified = jwt.get_unverified_header(token)
            if unverified.get("alg") != "HS256":
                return 403, _error(403, "AuthError", "Invalid token: algorithm used is not HS256")
            claims = jwt.decode(
                token, SECRET, algorithms=["HS256"], options={"verify_iat": False, "require": ["iss", "iat"]}
            )
        except jwt.InvalidTokenError as exc:
            return 403, _error(403, "AuthError", f"Invalid token: {type(exc).__name__}")
        if claims.get("iss") != SERVICE_ID:
            return 403, _error(403, "AuthError", "Invalid token: service not found")
        if abs(time.time() - float(claims["iat"])) > 30:
            return 403, _error(
                403, "AuthError", "Error: Your system clock must be accurate to within 30 seconds"
            )
        if self.fail_next:
            code = self.fail_next.pop(0)
            kind = "RateLimitError" if code == 429 else "Exception"
            return code, _error(code, kind, "Exceeded rate limit" if code == 429 else "Internal server error")
        try:
            data = json.loads(request.get_data(as_text=True))
        except json.JSONDecodeError:
            return 400, _error(400, "ValidationError", "Invalid JSON supplied in POST data")
        problems = _problems(data)
        if problems:
            return 400, {
                "status_code": 400,
                "errors": [{"error": "ValidationError", "message": p} for p in problems],
            }
        values = data.get("personalisation") or {}
        missing = sorted({m for text in TEMPLATE.values() for m in _PLACEHOLDER.findall(text)} - set(values))
        if missing:
            return 400, _error(400, "BadRequestError", f"Missing personalisation: {', '.join(missing)}")
        filled = {k: _PLACEHOLDER.sub(lambda m: str(values[m.group(1)]), v) for k, v in TEMPLATE.items()}
        notification_id = str(uuid.uuid4())
        self.sent.append({**data, "claims": claims, "content": filled, "id": notification_id})
        return 201, {
            "id": notification_id,
            "reference": data.get("reference"),
            "content": {
                "subject": filled["subject"],
                "body": filled["body"],
                "from_email": "linkedup@notifications.service.gov.uk",
            },
            "uri": f"{self.base_url}v2/notifications/{notification_id}",
            "template": {
                "id": TEMPLATE_ID,
                "version": 1,
                "uri": f"{self.base_url}services/{SERVICE_ID}/templates/{TEMPLATE_ID}",
            },
        }


def _problems(data: Any) -> list[str]:
    if not isinstance(data, dict):
        return ["POST data must be a JSON object"]
    problems = [
        f"Additional properties are not allowed ({key} was unexpected)"
        for key in sorted(set(data) - _ALLOWED)
    ]
    address = data.get("email_address")
    if not isinstance(address, str) or "@" not in address or any(c in address for c in "\r\n "):
        problems.append("email_address Not a valid email address")
    if data.get("template_id") != TEMPLATE_ID:
        problems.append(
            "template_id is not a valid UUID"
            if not _is_uuid(data.get("template_id"))
            else "Template not found"
        )
    if (
        "personalisation" in data
        and data["personalisation"] is not None
        and not isinstance(data["personalisation"], dict)
    ):
        problems.append("personalisation should contain key value pairs")
    for key in ("reference", "email_reply_to_id"):
        if data.get(key) is not None and not isinstance(data[key], str):
            problems.append(f"{key} is not of type string")
    return problems


def _is_uuid(value: Any) -> bool:
    try:
        uuid.UUID(str(value))
    except ValueError:
        return False
    return True


def _error(status: int, kind: str, message: str) -> dict:
    return {"status_code": status, "errors": [{"error": kind, "message": message}]}


@pytest.fixture(name="notify_api")
def notify_api_fixture(httpserver) -> FakeNotify:
    """The fake Notify API; point `NOTIFY_BASE_URL` at `notify_api.base_url`, use `API_KEY`."""
    base_url = httpserver.url_for("/")
    fake = FakeNotify(base_url=base_url)
    httpserver.expect_request(re.compile(r"^/v2/.*")).respond_with_handler(fake.handle)
    return fake
