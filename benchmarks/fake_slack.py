"""A fast local Slack Web API for the load benchmark, served by gunicorn as a plain WSGI app.

The app under test calls Slack (`auth.test` when Bolt starts, `views.open` for a modal, …); in the
benchmark those calls must reach something that answers like Slack, at once, and must never be what
limits throughput. The answers are those of the test fake (`tests/fakes/slack_api.py`), so the shapes
stay the ones the test-suite relies on, but nothing is recorded beyond a count per method (a test
fake keeps every call; a benchmark of 10,000 requests must not grow without bound), and every
`views.open` gets its own view id, as Slack gives.

`GET /_bench/stats` returns the counts (run it with one worker so they are complete);
`POST /_bench/reset` zeroes them between servers.

For the latency benchmark every message posted or updated (`chat.postMessage`, `chat.update`) is
also kept as a small event: when it arrived (`time.time()`), its channel and ts, the references
(`LU-…`) and benchmark marks (`BENCH-…`) in it, its buttons' values, whether it says
"Acknowledged by". `GET /_bench/events?after=N` returns the events after sequence number N, and
`duplicates`: how many calls repeated an earlier call exactly (same method and arguments — a
message sent twice; such an event has `repeat: true`). The events are bounded (the oldest are
dropped past MAX_EVENTS).
"""

from __future__ import annotations

import hashlib
import itertools
import json
import re
import threading
import time
from collections import Counter, deque
from urllib.parse import parse_qsl

from tests.fakes.slack_api import FakeSlackAPI, _decode

_views = itertools.count(1)
_lock = threading.Lock()
_counts: Counter[str] = Counter()
_fake = FakeSlackAPI(base_url="http://127.0.0.1/api/")
MAX_BODY = 1_000_000
MAX_EVENTS = 200_000
RECORDED = frozenset({"chat.postMessage", "chat.update"})
REFERENCE = re.compile(r"\bLU-\d{4}-\d{4,}\b")
MARK = re.compile(r"\bBENCH-[0-9a-f]{8,}\b")
_events: deque[dict] = deque(maxlen=MAX_EVENTS)
_sequence = itertools.count(1)
_seen: set[str] = set()
_duplicates = 0


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


def _buttons(args: dict) -> dict[str, str]:
    blocks = args.get("blocks") if isinstance(args.get("blocks"), list) else []
    return {
        element["action_id"]: element.get("value", "")
        for block in blocks
        if isinstance(block, dict)
        for element in block.get("elements") or []
        if isinstance(element, dict) and "action_id" in element
    }


def _record(method: str, args: dict, arrived: float, answer: dict) -> None:
    """Keep one posted or updated message as an event; count it if it repeats an earlier call exactly."""
    global _duplicates
    text = json.dumps(args, sort_keys=True, default=str)
    digest = hashlib.sha1(f"{method}\n{text}".encode()).hexdigest()
    event = {
        "seq": 0,
        "t": arrived,
        "method": method,
        "channel": args.get("channel"),
        "ts": answer.get("ts"),
        "refs": sorted(set(REFERENCE.findall(text))),
        "marks": sorted(set(MARK.findall(text))),
        "buttons": _buttons(args),
        "acknowledged": "Acknowledged by" in text,
    }
    with _lock:
        event["seq"] = next(_sequence)
        _events.append(event)
        if digest in _seen:
            _duplicates += 1
            event["repeat"] = True
        _seen.add(digest)


def _events_after(query: str) -> dict:
    after = dict(parse_qsl(query)).get("after", "0")
    after = int(after) if after.isdigit() else 0
    with _lock:
        return {"events": [e for e in _events if e["seq"] > after], "duplicates": _duplicates}


def _json(start_response, status: str, body: dict):
    data = json.dumps(body).encode()
    start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(data)))])
    return [data]


def app(environ, start_response):
    path = environ.get("PATH_INFO", "")
    if path == "/_bench/stats":
        with _lock:
            return _json(start_response, "200 OK", dict(_counts))
    if path == "/_bench/events":
        return _json(start_response, "200 OK", _events_after(environ.get("QUERY_STRING", "")))
    if path == "/_bench/reset":
        global _duplicates
        with _lock:
            _counts.clear()
            _events.clear()
            _seen.clear()
            _duplicates = 0
        return _json(start_response, "200 OK", {"ok": True})
    if not path.startswith("/api/"):
        return _json(start_response, "404 Not Found", {"ok": False, "error": "unknown_path"})
    arrived = time.time()
    method = path.rsplit("/", 1)[-1]
    args = _args(environ)
    with _lock:
        _counts[method] += 1
    body = answer(method, args)
    if method in RECORDED:
        _record(method, args, arrived, body)
    return _json(start_response, "200 OK", body)
