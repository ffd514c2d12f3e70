"""The README's first command: `linkedup serve --demo` serves the demo network with no credentials."""

from __future__ import annotations

import json
import os
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


@pytest.fixture
def demo(tmp_path: Path):
    env = {k: v for k, v in os.environ.items() if k not in CREDENTIALS}
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "serve", "--demo", "--port", str(port)],
        cwd=tmp_path,
        env={**env, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    yield process, port, tmp_path
    process.terminate()
    process.wait(10)


def _get(url: str):
    with urllib.request.urlopen(url, timeout=5) as response:
        return response.status, response.read().decode()


def test_demo_serves_health_and_says_what_is_disabled(demo):
    process, port, cwd = demo
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            status, body = _get(f"http://127.0.0.1:{port}/healthz")
            break
        except OSError:
            assert process.poll() is None, process.stdout.read()
            time.sleep(0.5)
    else:
        pytest.fail("the demo did not answer /healthz in 90 s")
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
