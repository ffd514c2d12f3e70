"""Slack calls reuse open connections, and Slack's errors still reach the SDK as it expects them.

A local HTTP/1.1 server counts the TCP connections it accepts and answers like the Web API; the
real client (`bot.slack.web_client`) talks to it. The last test drives a slash command through the
whole app and checks the listener's `views.open` went through the shared pool, not a connection
of its own.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.error import URLError

import pytest
from slack_sdk.errors import SlackApiError

from bot.outbox import retry_after_seconds
from bot.settings import load_settings
from bot.slack import web_client
from bot.slack_transport import shared_pool
from tests import factories
from tests.slack_requests import SIGNING_SECRET


class _Handler(BaseHTTPRequestHandler):
    disable_nagle_algorithm = True  # headers and body leave at once, as a real server sends them
    protocol_version = "HTTP/1.1"  # keep-alive, as slack.com speaks

    def setup(self) -> None:
        super().setup()
        with self.server.lock:
            self.server.connections += 1

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length)
        self.server.bodies.append(body)
        answer = self.server.answers.pop(0) if self.server.answers else (200, {}, {"ok": True})
        status, headers, payload = answer
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)
        if headers.get("Connection") == "close":
            self.close_connection = True

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def counting_slack():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.lock = threading.Lock()
    server.connections = 0
    server.bodies = []
    server.answers = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


def _client(url: str):
    return web_client(
        load_settings(
            _env_file=None,
            database_url="sqlite://",
            slack_bot_token="xoxb-test-token",
            slack_signing_secret=SIGNING_SECRET,
            slack_api_url=url,
        )
    )


def _url(server) -> str:
    return f"http://127.0.0.1:{server.server_address[1]}/api/"


def test_many_calls_share_one_connection(counting_slack):
    client = _client(_url(counting_slack))
    for number in range(5):
        assert client.chat_postMessage(channel="C1", text=f"message {number}")["ok"] is True
    assert counting_slack.connections == 1
    sent = [json.loads(body) for body in counting_slack.bodies]
    assert [message["text"] for message in sent] == [f"message {number}" for number in range(5)]


def test_a_connection_the_server_closed_is_replaced_not_failed(counting_slack):
    client = _client(_url(counting_slack))
    counting_slack.answers.append((200, {"Connection": "close"}, {"ok": True, "ts": "1.1"}))
    assert client.chat_postMessage(channel="C1", text="first")["ts"] == "1.1"
    assert client.chat_postMessage(channel="C1", text="second")["ok"] is True
    assert counting_slack.connections == 2
    assert len(counting_slack.bodies) == 2, "each message was sent once"


def test_rate_limit_keeps_retry_after_for_the_outbox(counting_slack):
    client = _client(_url(counting_slack))
    counting_slack.answers.append((429, {"Retry-After": "30"}, {"ok": False, "error": "ratelimited"}))
    with pytest.raises(SlackApiError) as raised:
        client.chat_postMessage(channel="C1", text="busy")
    assert raised.value.response.status_code == 429
    assert raised.value.response["error"] == "ratelimited"
    assert retry_after_seconds(raised.value) == 30
    assert len(counting_slack.bodies) == 1, "a long Retry-After is left to the outbox, not waited in place"


def test_a_short_retry_after_is_retried_once_in_place(counting_slack):
    client = _client(_url(counting_slack))
    counting_slack.answers.append((429, {"Retry-After": "0"}, {"ok": False, "error": "ratelimited"}))
    assert client.chat_postMessage(channel="C1", text="again")["ok"] is True
    assert len(counting_slack.bodies) == 2


def test_an_api_error_is_slacks_error(counting_slack):
    client = _client(_url(counting_slack))
    counting_slack.answers.append((200, {}, {"ok": False, "error": "channel_not_found"}))
    with pytest.raises(SlackApiError) as raised:
        client.chat_postMessage(channel="C404", text="lost")
    assert raised.value.response["error"] == "channel_not_found"


def test_nothing_listening_is_a_connection_error_the_listeners_know():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    url = _url(server)
    server.server_close()  # the port is free: nothing answers
    with pytest.raises(URLError):
        _client(url).chat_postMessage(channel="C1", text="nobody home")


def test_a_listeners_views_open_goes_through_the_shared_pool(slack, slack_api, db):
    factories.organisation(db, members=("U0MEMBER01",))
    db.commit()
    pool = shared_pool()
    host_pool = pool.connection_from_url(slack_api.base_url)
    before = host_pool.num_requests
    response = slack.command("issue Waiting lists are growing", user_id="U0MEMBER01")
    assert response.status_code == 200
    opened = [call for call in slack_api.calls if call.method == "views.open"]
    assert opened, "the command opened a modal"
    assert host_pool.num_requests > before, "the listener's call went through the kept-alive pool"
