"""A local fake of the Slack Web API that the real `slack_sdk.WebClient` talks to.

Every call is recorded (method, arguments, token) so tests can assert on what the bot sent.
Answers follow Slack's shapes (`{"ok": true, ...}`); a test can queue failures per method,
e.g. a 429 with Retry-After, a 500, or an `{"ok": false, "error": ...}` body.

Optionally (`limits`, off by default) it enforces the shape of Slack's rate limits: a workspace-wide
allowance for `chat.postMessage`, about one post a second per channel, and `conversations.open` in its
own tier; a call over an allowance is answered 429 with `Retry-After` (whole seconds, rounded up, as
Slack sends) and kept in `limited`, not in `calls`. A post to a user id lands in the app's DM with
them: it is recorded with that DM (`D…`) as its channel and the id it was addressed to as
`addressed_to`, and the answer names the DM, as Slack's does.
"""

from __future__ import annotations

import json
import math
import re
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import pytest
from werkzeug import Request, Response

BOT_USER_ID = "UBOT0000001"
TEAM_ID = "T0LINKEDUP"


@dataclass
class Call:
    method: str
    args: dict[str, Any]
    token: str | None

    def __getitem__(self, key: str) -> Any:
        return self.args[key]


def _decode(value: Any) -> Any:
    """Slack SDK sends blocks and other structures as JSON strings in form bodies."""
    if isinstance(value, str) and value[:1] in "[{":
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


@dataclass
class RateLimits:
    """Slack's documented shape of limits, each None (the default) for no limit."""

    posts_per_minute: float | None = None  # workspace-wide, chat.postMessage (DMs included)
    posts_burst: int = 1
    posts_per_channel_per_second: float | None = None
    channel_burst: int = 1
    opens_per_minute: float | None = None  # conversations.open: Tier 3, about 50 a minute


class _Allowance:
    """A GCRA bucket: `rate` a second sustained, `burst` at once; `wait` says how long until allowed."""

    def __init__(self, rate: float, burst: int) -> None:
        self.interval = 1.0 / rate
        self.tolerance = (max(1, burst) - 1) * self.interval
        self.tat = 0.0

    def wait(self, now: float) -> float:
        return max(0.0, max(self.tat, now) - self.tolerance - now)

    def take(self, now: float) -> None:
        self.tat = max(self.tat, now) + self.interval


@dataclass
class FakeSlackAPI:
    base_url: str
    calls: list[Call] = field(default_factory=list)
    failures: dict[str, list[tuple[int, dict, dict]]] = field(default_factory=dict)
    delays: dict[str, float] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)
    limits: RateLimits | None = None
    limited: list[Call] = field(default_factory=list)  # calls answered 429 by `limits`
    _allowances: dict[str, _Allowance] = field(default_factory=dict)
    _ts: int = 0

    def enforce(self, limits: RateLimits | None) -> None:
        """Enforce these limits from now on (None: none, the default)."""
        with self.lock:
            self.limits = limits
            self._allowances.clear()

    def _over_limit(self, method: str, args: dict[str, Any]) -> float:
        """Seconds the caller must wait, or 0 (then the call is counted). Called under the lock."""
        limits = self.limits
        if limits is None:
            return 0.0
        wanted: list[tuple[str, float, int]] = []
        if method == "chat.postMessage":
            if limits.posts_per_minute:
                wanted.append(("posts", limits.posts_per_minute / 60.0, limits.posts_burst))
            if limits.posts_per_channel_per_second:
                channel = self._dm_of(str(args.get("channel", "")))
                wanted.append(
                    (f"channel:{channel}", limits.posts_per_channel_per_second, limits.channel_burst)
                )
        elif method == "conversations.open" and limits.opens_per_minute:
            wanted.append(("opens", limits.opens_per_minute / 60.0, 1))
        now = time.monotonic()
        buckets = [self._allowances.setdefault(name, _Allowance(rate, burst)) for name, rate, burst in wanted]
        wait = max([0.0, *(bucket.wait(now) for bucket in buckets)])
        if wait <= 0:
            for bucket in buckets:
                bucket.take(now)
        return wait

    @staticmethod
    def _dm_of(channel: str) -> str:
        """A post to a user id goes to the app's DM with them (`D…` here)."""
        return "D" + channel[1:] if channel[:1] in ("U", "W") else channel

    def fail(
        self,
        method: str,
        *,
        status: int = 500,
        body: dict | None = None,
        headers: dict | None = None,
        times: int = 1,
    ) -> None:
        """Answer the next `times` calls of `method` with this status and body."""
        body = body if body is not None else {"ok": False, "error": "internal_error"}
        self.failures.setdefault(method, []).extend([(status, body, headers or {})] * times)

    def rate_limit(self, method: str, *, retry_after: int = 1, times: int = 1) -> None:
        self.fail(
            method,
            status=429,
            body={"ok": False, "error": "ratelimited"},
            headers={"Retry-After": str(retry_after)},
            times=times,
        )

    def of(self, method: str) -> list[Call]:
        return [call for call in self.calls if call.method == method]

    def clear(self) -> None:
        with self.lock:
            self.calls.clear()
            self.limited.clear()
            self.failures.clear()
            self.delays.clear()

    def _next_ts(self) -> str:
        with self.lock:
            self._ts += 1
            return f"{int(time.time())}.{self._ts:06d}"

    def handle(self, request: Request) -> Response:
        method = request.path.rsplit("/", 1)[-1]
        if request.is_json:
            args = dict(request.get_json(silent=True) or {})
        else:
            args = {key: _decode(value) for key, value in request.form.items()}
            args.update({key: _decode(value) for key, value in request.args.items()})
        auth = request.headers.get("Authorization", "")
        token = auth.removeprefix("Bearer ") if auth else args.get("token")
        if method == "chat.postMessage" and str(args.get("channel", ""))[:1] in ("U", "W"):
            args = {**args, "channel": self._dm_of(args["channel"]), "addressed_to": args["channel"]}
        with self.lock:
            wait = self._over_limit(method, args)
            if wait > 0:
                self.limited.append(Call(method, args, token))
                headers = {"Retry-After": str(max(1, math.ceil(wait)))}
                body = json.dumps({"ok": False, "error": "ratelimited"})
                return Response(body, status=429, headers=headers, content_type="application/json")
            self.calls.append(Call(method, args, token))
            queued = self.failures.get(method)
            failure = queued.pop(0) if queued else None
        if method in self.delays:
            time.sleep(self.delays[method])
        if failure is not None:
            status, body, headers = failure
            return Response(json.dumps(body), status=status, headers=headers, content_type="application/json")
        return Response(json.dumps(self.answer(method, args)), content_type="application/json")

    def answer(self, method: str, args: dict[str, Any]) -> dict[str, Any]:
        if method == "auth.test":
            return {
                "ok": True,
                "url": "https://linkedup.slack.com/",
                "team": "Linked-up",
                "user": "linkedup",
                "team_id": TEAM_ID,
                "user_id": BOT_USER_ID,
                "bot_id": "B0LINKEDUP",
                "is_enterprise_install": False,
            }
        if method in ("chat.postMessage", "chat.update", "chat.postEphemeral"):
            channel = self._dm_of(str(args.get("channel", "C0FAKE")))
            ts = args.get("ts") or self._next_ts()
            answer = {
                "ok": True,
                "channel": channel,
                "ts": ts,
                "message": {"text": args.get("text", ""), "ts": ts},
            }
            if method == "chat.postEphemeral":
                answer = {"ok": True, "message_ts": ts}
            return answer
        if method == "conversations.open":
            users = str(args.get("users", "U0"))
            return {"ok": True, "channel": {"id": "D" + users.split(",")[0][1:]}}
        if method in ("views.open", "views.update", "views.push", "views.publish"):
            view = args.get("view") or {}
            view_id = args.get("view_id") or f"V{len(self.calls):08d}"
            return {"ok": True, "view": {**view, "id": view_id, "hash": f"{time.time()}.hash"}}
        if method == "chat.getPermalink":
            return {
                "ok": True,
                "channel": args.get("channel"),
                "permalink": f"https://linkedup.slack.com/archives/{args.get('channel')}/p1",
            }
        if method == "users.info":
            return {
                "ok": True,
                "user": {
                    "id": args.get("user"),
                    "name": "someone",
                    "real_name": "Some One",
                    "tz": "Europe/London",
                },
            }
        if method in ("files.getUploadURLExternal",):
            return {"ok": True, "upload_url": f"{self.base_url}upload/F1", "file_id": "F0001"}
        if method == "files.completeUploadExternal":
            return {"ok": True, "files": [{"id": "F0001"}]}
        return {"ok": True}


@pytest.fixture
def slack_api(httpserver) -> FakeSlackAPI:
    """The fake Slack Web API; point `SLACK_API_URL` at `slack_api.base_url`."""
    base_url = httpserver.url_for("/api/")
    fake = FakeSlackAPI(base_url=base_url)
    httpserver.expect_request(re.compile(r"^/api/.*")).respond_with_handler(fake.handle)
    httpserver.expect_request(re.compile(r"^/upload/.*")).respond_with_data("OK")
    return fake
