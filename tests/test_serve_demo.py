"""The README's first command: `linkedup serve --demo` serves the demo network, with or without Slack.

With Slack credentials (pointed at the local fake) the one process does everything: it answers
Slack's signed requests, and the card an issue sends to its board's channel is posted without a
`linkedup worker` or anything else running.
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

CREDENTIALS = frozenset(
    {
        "SLACK_BOT_TOKEN",
        "SLACK_SIGNING_SECRET",
        "SLACK_APP_TOKEN",
        "MAILCHIMP_API_KEY",
        "MAILCHIMP_SERVER_PREFIX",
        "MAILCHIMP_LIST_ID",
        "DATABASE_URL",
        "SECRET_KEY",
        "PUBLIC_URL",
    }
)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _start(tmp_path: Path, **variables: str):
    env = {k: v for k, v in os.environ.items() if k not in CREDENTIALS}
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "serve", "--demo", "--port", str(port)],
        cwd=tmp_path,
        env={**env, **variables, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    return process, port


@pytest.fixture
def demo(tmp_path: Path):
    process, port = _start(tmp_path)
    yield process, port, tmp_path
    process.terminate()
    process.wait(10)


@pytest.fixture
def slack_demo(tmp_path: Path, slack_api):
    from tests.slack_requests import SIGNING_SECRET

    process, port = _start(
        tmp_path,
        SLACK_BOT_TOKEN="xoxb-test-token",
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        SLACK_API_URL=slack_api.base_url,
    )
    yield process, port
    process.terminate()
    process.wait(10)


def _get(url: str):
    with urllib.request.urlopen(url, timeout=5) as response:
        return response.status, response.read().decode()


def _wait_healthy(process, port: int) -> tuple[int, str]:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            return _get(f"http://127.0.0.1:{port}/healthz")
        except OSError:
            assert process.poll() is None, process.stdout.read()
            time.sleep(0.5)
    pytest.fail("the demo did not answer /healthz in 90 s")


def _eventually(found, what: str, *, within: float = 60):
    """Wait for a condition with a generous bound (the test measures nothing, it only waits)."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if result := found():
            return result
        time.sleep(0.1)
    pytest.fail(f"{what} did not happen within {within:.0f} s")


def test_demo_serves_health_and_says_what_is_disabled(demo):
    process, port, cwd = demo
    status, body = _wait_healthy(process, port)
    assert status == 200
    assert json.loads(body) == {
        "status": "ok",
        "database": "ok",
        "slack": "disabled",
        "mailchimp": "disabled",
    }
    assert (cwd / "linkedup-demo.db").exists()
    process.terminate()
    output = process.communicate(timeout=10)[0]
    assert "Slack: DISABLED — set SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET" in output
    assert "Mailchimp: DISABLED — set MAILCHIMP_API_KEY" in output
    assert "demo network loaded from wirral.yaml" in output
    assert "Bulletin open rate:" in output
    assert f"http://127.0.0.1:{port}/dashboard/sign-in?token=" in output


class _OverHttp:
    """What `tests.slack_requests.SlackClient` needs of Flask's test client, over a real socket."""

    def __init__(self, base: str):
        self.base = base

    def post(self, path: str, *, data: str, headers: dict):
        request = urllib.request.Request(self.base + path, data=data.encode(), headers=headers, method="POST")
        with urllib.request.urlopen(request, timeout=15) as response:
            return _Answer(response.status, response.read())


class _Answer:
    def __init__(self, status: int, body: bytes):
        self.status_code, self.data = status, body

    def get_json(self):
        return json.loads(self.data) if self.data else None


def test_demo_alone_posts_an_issue_card_in_the_board_channel(slack_demo, slack_api):
    from tests.intake_support import opened_view, receipt_of, submit, view_text
    from tests.slack_requests import SlackClient

    process, port = slack_demo
    _status, body = _wait_healthy(process, port)
    assert json.loads(body)["slack"] == "enabled"
    slack = SlackClient(_OverHttp(f"http://127.0.0.1:{port}"))

    answer = slack.command(
        "issue CAMHS waiting times are rising for anxiety in year 7", user_id="U0DEMOORG01"
    )
    assert answer.status_code == 200
    view = _eventually(lambda: slack_api.of("views.open") and opened_view(slack_api), "the issue modal")
    receipt = view_text(receipt_of(submit(slack, view, user_id="U0DEMOORG01", values={})))
    reference = re.search(r"LU-\d{4}-\d{4,}", receipt).group(0)

    def card():  # the escalation card: the reference and the board's Acknowledge button
        return [
            call
            for call in slack_api.of("chat.postMessage")
            if reference in json.dumps(call.args) and "escalation_acknowledge" in json.dumps(call.args)
        ]

    posted = _eventually(card, f"the card for {reference}")
    assert len(posted) == 1
    assert posted[0].args["channel"].startswith("#linkedup-"), "a board's channel in the demo network"
    process.terminate()
    output = process.communicate(timeout=15)[0]
    assert "Slack: enabled" in output
    assert "Jobs: run in this process" in output
