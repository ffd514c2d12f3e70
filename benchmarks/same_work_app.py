"""The same-work baseline of the load benchmark: a bare Bolt app doing the external work ours must do.

`bare_app.py` only acks, so ours ÷ bare also counts work no implementation could skip: the Slack Web
API call that opens a modal, the database write that stores what was sent. This app does exactly
that work per request kind and nothing else, so ours ÷ same-work is what our own code costs:

- a command that opens a form (`/linkedup issue`, `/linkedup waiting`): verify (Bolt), `views.open`
  on the fake Slack, one insert in one transaction;
- a form submission: one insert in one transaction and the receipt (`response_action: update` to a
  view quoting a reference made from the inserted row);
- a button (Acknowledge): one insert in one transaction, then the empty ack;
- `/linkedup help`: the reply text, no database.

Served like ours (gunicorn, same workers and threads, `process_before_response=True`) against the
same database with `models.db.make_engine`'s set-up (pool, SQLite WAL and writer gate), writing to a
table of its own that `create_table` makes before the server starts. gunicorn serves
`benchmarks.same_work_app:create_app()`. Configured by the environment
`load.py` gives it: `BENCH_LISTENERS` (as for `bare_app.py`), `DATABASE_URL`, `SLACK_SIGNING_SECRET`,
`SLACK_BOT_TOKEN`, `SLACK_API_URL`.
"""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime

from flask import Flask, request
from slack_bolt import Ack, App
from slack_bolt.adapter.flask import SlackRequestHandler
from slack_sdk import WebClient
from sqlalchemy import Column, DateTime, Integer, MetaData, String, Table, Text, insert

from models.db import make_engine

HELP = "Linked-up commands: `/linkedup issue [text]`, `/linkedup waiting`, `/linkedup help`"
FORM = {
    "type": "modal",
    "callback_id": "same_work_form",
    "title": {"type": "plain_text", "text": "Raise an issue"},
    "submit": {"type": "plain_text", "text": "Send"},
    "blocks": [
        {
            "type": "input",
            "block_id": "description",
            "label": {"type": "plain_text", "text": "What is happening?"},
            "element": {"type": "plain_text_input", "action_id": "field", "multiline": True},
        }
    ],
}

metadata = MetaData()
work = Table(
    "bench_same_work",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("kind", String(40), nullable=False),
    Column("key", String(200), nullable=False, unique=True),
    Column("body", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)


def create_table(url: str) -> None:
    """Make this app's table (before its workers start, so two of them never race to create it)."""
    engine = make_engine(url)
    try:
        metadata.create_all(engine)
    finally:
        engine.dispose()


def build_bolt(engine) -> App:
    bolt = App(
        signing_secret=os.environ["SLACK_SIGNING_SECRET"],
        client=WebClient(token=os.environ["SLACK_BOT_TOKEN"], base_url=os.environ["SLACK_API_URL"]),
        process_before_response=True,
    )

    def store(kind: str, key: str, body: object) -> int:
        with engine.begin() as connection:
            row = connection.execute(
                insert(work).values(kind=kind, key=key, body=json.dumps(body), created_at=datetime.now(UTC))
            )
            return row.inserted_primary_key[0]

    def command(ack: Ack, body: dict, client: WebClient) -> None:
        if body.get("text", "").split()[:1] == ["help"]:
            ack(text=HELP, response_type="ephemeral")
            return
        client.views_open(trigger_id=body["trigger_id"], view=FORM)
        store("form", body["trigger_id"], {"text": body.get("text", "")})
        ack()

    def submission(ack: Ack, body: dict, view: dict) -> None:
        number = store("submission", view["id"], view["state"]["values"])
        reference = f"LU-{datetime.now(UTC).year}-{number:04d}"
        ack(
            response_action="update",
            view={
                "type": "modal",
                "title": {"type": "plain_text", "text": "Received"},
                "blocks": [
                    {"type": "section", "text": {"type": "mrkdwn", "text": f"Thank you: *{reference}*"}}
                ],
            },
        )

    def action(ack: Ack, body: dict) -> None:
        pressed = body["actions"][0]
        store("action", f"{pressed['action_id']}:{pressed.get('value')}", {"user": body["user"]["id"]})
        ack()

    for kind, listener_id in json.loads(os.environ["BENCH_LISTENERS"]):
        listener = {"command": bolt.command, "view": bolt.view, "action": bolt.action}.get(kind)
        if listener is None:
            raise ValueError(f"BENCH_LISTENERS: unknown listener kind {kind!r}")
        listener(listener_id)({"command": command, "view": submission, "action": action}[kind])
    return bolt


def create_app() -> Flask:
    engine = make_engine(os.environ["DATABASE_URL"])
    handler = SlackRequestHandler(build_bolt(engine))
    flask_app = Flask(__name__)

    @flask_app.post("/slack/events")
    def slack_events():
        return handler.handle(request)

    @flask_app.get("/healthz")
    def healthz():
        return {"status": "ok"}

    return flask_app
