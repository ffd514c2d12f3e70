"""The door of `/slack/events` bounds what it reads and what it parses.

A chunked body declares no length, so the door must count while it reads and stop as soon as the
limit is passed (reading a 48 MB body into memory first cost the worker about 95 MB a request). A
signed payload nested thousands of levels deep must be refused before a recursive parser sees it.
"""

from __future__ import annotations

import io
import json
import time
from urllib.parse import urlencode

from bot.slack_http import MAX_BODY, MAX_DEPTH, nesting_too_deep
from tests.slack_requests import SIGNING_SECRET, signature

FORM = "application/x-www-form-urlencoded"


class CountingStream(io.RawIOBase):
    """An endless-looking request body that counts how much of it the app reads."""

    def __init__(self, total: int):
        self.total = total
        self.read_so_far = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        size = min(len(buffer), self.total - self.read_so_far)
        buffer[:size] = b"x" * size
        self.read_so_far += size
        return size


def chunked_post(app, stream: CountingStream):
    """A POST with no Content-Length, as a chunked request reaches the WSGI app."""
    return app.test_client().post(
        "/slack/events",
        headers={"Content-Type": FORM, "Transfer-Encoding": "chunked"},
        environ_overrides={"wsgi.input": stream, "wsgi.input_terminated": True, "CONTENT_LENGTH": ""},
    )


def signed_post(app, body: str, content_type: str):
    ts = str(int(time.time()))
    headers = {
        "Content-Type": content_type,
        "X-Slack-Request-Timestamp": ts,
        "X-Slack-Signature": signature(SIGNING_SECRET, ts, body),
    }
    return app.test_client().post("/slack/events", data=body, headers=headers)


def test_a_chunked_body_of_48_megabytes_is_refused_after_reading_little_more_than_the_limit(app):
    stream = CountingStream(48 * 1024 * 1024)
    response = chunked_post(app, stream)
    assert response.status_code == 413
    assert response.get_json()["error"] == "payload_too_large"
    assert stream.read_so_far <= MAX_BODY + 256 * 1024


def test_a_chunked_body_under_the_limit_is_read_whole_and_judged_on_its_signature(app):
    stream = CountingStream(10_000)
    response = chunked_post(app, stream)
    assert response.status_code == 401
    assert stream.read_so_far == 10_000


def deep(levels: int) -> str:
    return '{"type": "block_actions", "x": ' + "[" * levels + "]" * levels + "}"


def test_a_signed_json_body_nested_thousands_deep_is_a_400(app):
    response = signed_post(app, deep(50_000), "application/json")
    assert response.status_code == 400
    assert response.get_json()["error"] == "malformed_body"
    assert "nested" in response.get_json()["detail"]


def test_a_signed_interactivity_payload_nested_thousands_deep_is_a_400(app):
    response = signed_post(app, urlencode({"payload": deep(50_000)}), FORM)
    assert response.status_code == 400
    assert "nested" in response.get_json()["detail"]


def test_depth_counts_brackets_outside_strings_only():
    inside_a_string = json.dumps({"text": "[" * 10_000 + "{" * 10_000})
    assert not nesting_too_deep(inside_a_string)
    assert not nesting_too_deep(json.dumps({"a": [[[[{"b": '\\"[[['}]]]]}))
    assert not nesting_too_deep(deep(MAX_DEPTH - 2))
    assert nesting_too_deep(deep(MAX_DEPTH + 1))
    escaped_quote = '{"t": "\\"", "x": ' + "[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1) + "}"
    assert nesting_too_deep(escaped_quote)
