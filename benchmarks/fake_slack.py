"""A fast local Slack Web API for the load benchmark, served by gunicorn as a plain WSGI app.

The app under test calls Slack (`auth.test` when Bolt starts, `views.open` for a modal, …); in the
benchmark those calls must reach something that answers like Slack, at once, and must never be what
limits throughput. The answers are those of the test fake (`tests/fakes/slack_api.py`), so the shapes
stay the ones the test-suite relies on, but nothing is recorded beyond a count per method (a test
fake keeps every call; a benchmark of 10,000 requests must not grow without bound), and every
`views.open` gets its own view id, as Slack gives.

`GET /_bench/stats` returns the counts (run it with one worker so they are complete);
`POST /_bench/reset` zeroes them between servers.
"""

from __future__ import annotations

import itertools
import json
import threading
from collections import Counter
from urllib.parse import parse_qsl

from tests.fakes.slack_api import FakeSlackAPI, _decode

_views = itertools.count(1)
_lock = threading.Lock()
_counts: Counter[str] = Counter()
_fake = FakeSlackAPI(base_url="http://127.0.0.1/api/")
MAX_BODY = 1_000_000


def _args(environ) -> dict:
    """The call's arguments, whether the SDK sent JSON (views.*, chat.*) or a form."""
    try:
        length = min(int(environ.get("CONTENT_LENGTH") or 0), MAX_BODY)
    except ValueError:
        length = 0
    raw = environ["wsgi.input"].read(length) if length else b""
    content_type = environ.get("CONTENT_TYPE", "")
    args: dict = {}
    if raw and "json" in content_type:
        try:
            args = dict(json.loads(raw))
        except (ValueError, TypeError):
            args = {}
    elif raw:
        args = {key: _decode(value) for key, value in parse_qsl(raw.decode("utf-8", "replace"))}
    args.update({key: _decode(value) for key, value in parse_qsl(environ.get("QUERY_STRING", ""))})
    return args


def answer(method: str, args: dict) -> dict:
    """Slack's answer to one Web API call, with a fresh view id for every view opened."""
    body = _fake.answer(method, args)
    if method in ("views.open", "views.push") and isinstance(body.get("view"), dict):
        body["view"]["id"] = f"VB{next(_views):09d}"
    return body


def _json(start_response, status: str, body: dict):
    data = json.dumps(body).encode()
    start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(data)))])
    return [data]


def app(environ, start_response):
    path = environ.get("PATH_INFO", "")
    if path == "/_bench/stats":
        with _lock:
            return _json(start_response, "200 OK", dict(_counts))
    if path == "/_bench/reset":
        with _lock:
            _counts.clear()
        return _json(start_response, "200 OK", {"ok": True})
    if not path.startswith("/api/"):
        return _json(start_response, "404 Not Found", {"ok": False, "error": "unknown_path"})
    method = path.rsplit("/", 1)[-1]
    args = _args(environ)
    with _lock:
        _counts[method] += 1
    return _json(start_response, "200 OK", answer(method, args))
