"""The baseline for the load benchmark: a Bolt app whose listeners only `ack()`.

It is served exactly like ours — Flask, Bolt's Flask adapter at `/slack/events`, gunicorn with the
same workers and threads, the same signing secret, a `WebClient` pointed at the same fake Slack — so
the ratio ours / bare isolates what our listeners, middleware and database cost.

Configured by the environment `load.py` gives it:
- `BENCH_LISTENERS`: JSON list of `[kind, id]` with kind `command`, `view` or `action`, the ids the
  request mix sends (so every request reaches a listener, as in ours);
- `BENCH_PROCESS_BEFORE_RESPONSE`: `1` for `process_before_response=True`, else Bolt's default mode
  (listener in a thread pool, the response waits for the ack, polled every 10 ms);
- `SLACK_SIGNING_SECRET`, `SLACK_BOT_TOKEN`, `SLACK_API_URL`.
"""

from __future__ import annotations

import json
import os

from flask import Flask, request
from slack_bolt import Ack, App
from slack_bolt.adapter.flask import SlackRequestHandler
from slack_sdk import WebClient


def ack_only(ack: Ack) -> None:
    ack()


def build_bolt() -> App:
    bolt = App(
        signing_secret=os.environ["SLACK_SIGNING_SECRET"],
        client=WebClient(token=os.environ["SLACK_BOT_TOKEN"], base_url=os.environ["SLACK_API_URL"]),
        process_before_response=os.environ.get("BENCH_PROCESS_BEFORE_RESPONSE") == "1",
    )
    for kind, listener_id in json.loads(os.environ.get("BENCH_LISTENERS", '[["command", "/linkedup"]]')):
        if kind == "command":
            bolt.command(listener_id)(ack_only)
        elif kind == "view":
            bolt.view(listener_id)(ack_only)
        elif kind == "action":
            bolt.action(listener_id)(ack_only)
        else:
            raise ValueError(f"BENCH_LISTENERS: unknown listener kind {kind!r}")
    return bolt


def create_app() -> Flask:
    handler = SlackRequestHandler(build_bolt())
    flask_app = Flask(__name__)

    @flask_app.post("/slack/events")
    def slack_events():
        return handler.handle(request)

    @flask_app.get("/healthz")
    def healthz():
        return {"status": "ok"}

    return flask_app


app = create_app()
