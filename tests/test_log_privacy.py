"""Logs never hold tokens, signing secrets or the words of a safeguarding-sensitive issue.

Every logger is turned up to DEBUG and captured while every flow runs — joining, raising a routine
and a sensitive issue (modal, shortcut, mention), the Home tab and status, the outbox delivered to
the Slack fake with the bot's own client, the board acknowledging and answering, the deadline sweep,
returns, feedback, a database failure mid-submission, the bulletin through Mailchimp, the dashboard
sign-in and the Mailchimp webhook through a real HTTP server (werkzeug's access log) — and then
every captured line, traceback included, is searched for each secret and each sensitive phrase.
gunicorn's access log is checked the same way with gunicorn itself.
"""

from __future__ import annotations

import json
import logging
import os
import re
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import event
from werkzeug.serving import make_server

from bot.app import create_app
from bot.escalation_jobs import run_sweep
from bot.log_privacy import redact_request_line, redact_target
from bot.outbox import deliver_due
from bot.settings import load_settings
from bot.slack import web_client
from bulletins.compile import compile_bulletin
from bulletins.send import approve_bulletin, deliver_bulletin
from escalations import flows
from handlers.ids import EscalationAction, EscalationCallback, IntakeAction, Shortcut
from models import BoardMember, Issue, JoinRequest
from models.base import utcnow
from tests import bulletin_support, factories
from tests.conftest import engine_url
from tests.escalation_fixtures import network
from tests.fakes.mailchimp_api import API_KEY as MAILCHIMP_KEY
from tests.intake_support import (
    action,
    home_opened,
    mention,
    message_shortcut,
    opened_view,
    receipt_of,
    submit,
)
from tests.slack_requests import SlackClient, block_actions_payload, view_submission_payload

BOT_TOKEN = "xoxb-4242-PRIVATE-bot-token-c0ffee"
SIGNING_SECRET = "PRIVATE-signing-secret-5e1f0d2b"
WEBHOOK_SECRET = "PRIVATE-webhook-secret-77aa19"
SECRET_KEY = "PRIVATE-secret-key-for-sign-in-links-3b9d"
RAISER, WSCB_MEMBER, OFFICER, APPLICANT = "U0RAISER01", "U0WSCBMEM1", "U0OFFICER1", "U0APPLICNT"
SENSITIVE_TITLE = "Girls collected by older men in a grey van"
SENSITIVE_TEXT = "Staff saw the same two men collect Amy-Leigh and her friend after Tuesday club"
SENSITIVE_ANSWER = "The designated officer has opened a strategy discussion with the police"


@pytest.fixture
def every_logger_at_debug(caplog):
    """caplog at DEBUG, and every logger that exists (or will) let DEBUG through."""
    caplog.set_level(logging.DEBUG)
    saved = {}
    for name, logger in list(logging.root.manager.loggerDict.items()):
        if isinstance(logger, logging.Logger):
            saved[name] = (logger.level, logger.disabled)
            logger.setLevel(logging.DEBUG)
            logger.disabled = False
    yield caplog
    for name, (level, disabled) in saved.items():
        logger = logging.getLogger(name)
        logger.setLevel(level)
        logger.disabled = disabled


def everything_logged(caplog) -> list[tuple[str, str]]:
    """Every captured record as a handler would write it (tracebacks included), with its logger."""
    formatter = logging.Formatter("%(name)s %(levelname)s %(message)s")
    return [(record.name, formatter.format(record)) for record in caplog.records]


def assert_nothing_private(lines: list[tuple[str, str]], secrets: dict[str, str]) -> None:
    found = []
    for name, value in secrets.items():
        for logger, text in lines:
            at = text.find(value)
            if value and at >= 0:
                found.append(f"{name} via {logger}: …{text[max(0, at - 80) : at + 40]}…")
    assert not found, "\n".join(found[:20])


def serve(app) -> tuple[str, object]:
    """The app on a real werkzeug server on loopback (so werkzeug writes its access lines)."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return f"http://127.0.0.1:{server.server_port}", server


def fetch(url: str, *, data: dict | None = None, cookie: str | None = None) -> tuple[int, str, str | None]:
    body = urllib.parse.urlencode(data).encode() if data is not None else None
    request = urllib.request.Request(url, data=body)
    if cookie:
        request.add_header("Cookie", cookie)
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        with opener.open(request, timeout=10) as response:
            return response.status, response.read().decode(), response.headers.get("Set-Cookie")
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode(), error.headers.get("Set-Cookie")


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def test_no_flow_logs_a_secret_or_a_sensitive_issues_words(
    every_logger_at_debug, engine, session_factory, db, slack_api, mailchimp_api, backend
):
    caplog = every_logger_at_debug
    settings = load_settings(
        _env_file=None,
        database_url=engine_url(engine),
        slack_bot_token=BOT_TOKEN,
        slack_signing_secret=SIGNING_SECRET,
        slack_api_url=slack_api.base_url,
        mailchimp_webhook_secret=WEBHOOK_SECRET,
        secret_key=SECRET_KEY,
    )
    app = create_app(settings, engine=engine)
    app.config["TESTING"] = True
    slack = SlackClient(app.test_client(), secret=SIGNING_SECRET)
    client = web_client(settings)

    net = network(db)
    bulletin_support.network(db)
    db.add(BoardMember(board=net.wscb, slack_user_id=WSCB_MEMBER))
    factories.service(db, net.organisation, "Young carers group")
    db.commit()

    # Joining, and the officer approving from the card.
    slack.command("join", user_id=APPLICANT)
    receipt_of(
        submit(
            slack,
            opened_view(slack_api),
            user_id=APPLICANT,
            values={
                "name": "Birkenhead Parents Forum (demo)",
                "contact_email": "chair@birkenhead-parents.example.org",
                "service_1_name": "Parent peer support",
                "service_1_category": "family support",
                "service_1_ages": "0-18",
            },
        )
    )
    join_request = db.query(JoinRequest).one()
    action(slack, user_id=OFFICER, action_id=IntakeAction.APPROVE_REQUEST, value=str(join_request.id))

    # A routine issue three ways, and the sensitive one through the modal.
    mention(slack, user_id=RAISER, text="<@UBOT0000001> the Saturday drop-in may close")
    message_shortcut(
        slack,
        user_id=RAISER,
        callback_id=Shortcut.RAISE_ISSUE,
        text="Room hire doubled",
        channel="C0N",
        ts="1.2",
    )
    receipt_of(submit(slack, opened_view(slack_api), user_id=RAISER, values={}))
    slack.command("issue Safeguarding concern", user_id=RAISER)
    receipt_of(
        submit(
            slack,
            opened_view(slack_api),
            user_id=RAISER,
            values={
                "title": SENSITIVE_TITLE,
                "description": SENSITIVE_TEXT,
                "theme": str(net.safeguarding.id),
                "sensitive": True,
            },
        )
    )
    sensitive = db.query(Issue).filter(Issue.sensitive.is_(True)).one()
    home_opened(slack, user_id=RAISER)
    slack.command("status", user_id=RAISER)
    slack.command(f"history {sensitive.reference}", user_id=RAISER)

    # The same submission failing in the database mid-transaction (the error path logs).
    slack.command("issue Safeguarding concern again", user_id=RAISER)
    view = opened_view(slack_api)
    dbapi_error = engine.dialect.loaded_dbapi.OperationalError

    def fail_on_issue_insert(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("INSERT INTO ISSUES"):
            raise dbapi_error("server closed the connection unexpectedly")

    event.listen(engine, "before_cursor_execute", fail_on_issue_insert)
    try:
        submit(slack, view, user_id=RAISER, values={"title": SENSITIVE_TITLE, "description": SENSITIVE_TEXT})
    finally:
        event.remove(engine, "before_cursor_execute", fail_on_issue_insert)

    # Cards and DMs delivered with the bot's own client; the board acts; the sweep runs.
    deliver_due(session_factory, client)
    live = flows.live_escalation(db, sensitive.id)
    slack.interact(
        block_actions_payload(user_id=WSCB_MEMBER, action_id=EscalationAction.ACKNOWLEDGE, value=str(live.id))
    )
    slack.interact(
        view_submission_payload(
            user_id=WSCB_MEMBER,
            callback_id=EscalationCallback.RESPOND,
            values={
                "answer": {"value": {"type": "plain_text_input", "value": SENSITIVE_ANSWER}},
                "outcome": {"value": {"type": "radio_buttons", "selected_option": {"value": "accepted"}}},
            },
            private_metadata=json.dumps({"escalation_id": live.id}),
        )
    )
    run_sweep(session_factory, now=utcnow() + timedelta(days=40))
    deliver_due(session_factory, client)

    # Returns, feedback, the dashboard link.
    slack.command("waiting", user_id=RAISER)
    slack.command("feedback", user_id=RAISER)
    link = slack.command("dashboard", user_id=OFFICER).get_json()
    sign_in_url = re.search(r"https?://[^\s>|]+sign-in\?token=[^\s>|]+", json.dumps(link)).group(0)
    sign_in_token = urllib.parse.parse_qs(urllib.parse.urlparse(sign_in_url).query)["token"][0]

    # The bulletin through Mailchimp.
    bulletin_support.article(db, "Young carers' awareness day")
    compile_bulletin(db, bulletin_support.this_month())
    approve_bulletin(db, bulletin_support.this_month(), by=OFFICER)
    db.commit()
    deliver_bulletin(
        session_factory, bulletin_support.mailer_for(mailchimp_api), bulletin_support.this_month()
    )

    # Over real HTTP: the sign-in link, the sensitive item's page, the Mailchimp webhook.
    base, server = serve(create_app(settings, engine=engine))
    try:
        path = urllib.parse.urlparse(sign_in_url)
        status, page, cookie = fetch(f"{base}{path.path}?{path.query}")
        assert status == 200
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        status, _, signed_in = fetch(
            f"{base}/dashboard/sign-in",
            data={"token": sign_in_token, "csrf_token": csrf},
            cookie=cookie.split(";")[0],
        )
        assert status == 302
        status, page, _ = fetch(
            f"{base}/dashboard/issues/{sensitive.reference}", cookie=signed_in.split(";")[0]
        )
        assert status == 200 and SENSITIVE_TITLE in page  # the officer sees it; the log must not
        fetch(f"{base}/mailchimp/webhook/{WEBHOOK_SECRET}")
        fetch(
            f"{base}/mailchimp/webhook/{WEBHOOK_SECRET}",
            data={"type": "unsubscribe", "fired_at": "2026-11-23 10:00:00", "data[email]": "x@example.org"},
        )
    finally:
        server.shutdown()

    lines = everything_logged(caplog)
    logged = "\n".join(text for _, text in lines)
    assert "/mailchimp/webhook/[redacted]" in logged, "werkzeug's access lines were not captured"
    assert "Sending a request - url:" in logged, "the Slack client's debug lines were not captured"
    assert "Responding with status:" in logged, "Bolt's debug lines were not captured"
    assert "server closed the connection unexpectedly" in logged, "the database failure was not logged"
    assert_nothing_private(
        lines,
        {
            "bot token": BOT_TOKEN,
            "signing secret": SIGNING_SECRET,
            "webhook secret": WEBHOOK_SECRET,
            "secret key": SECRET_KEY,
            "sign-in token": sign_in_token,
            "mailchimp key": MAILCHIMP_KEY,
            "sensitive title": SENSITIVE_TITLE,
            "sensitive description": SENSITIVE_TEXT,
            "sensitive answer": SENSITIVE_ANSWER,
        },
    )


# --- gunicorn's access log, from gunicorn itself ---------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_gunicorn_access_lines_hide_sign_in_tokens_and_the_webhook_secret(tmp_path: Path):
    from models.base import Base
    from models.db import make_engine

    url = f"sqlite:///{tmp_path / 'linkedup.db'}"
    engine = make_engine(url)
    Base.metadata.create_all(engine)
    engine.dispose()
    port = _free_port()
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "MAILCHIMP_WEBHOOK_SECRET": WEBHOOK_SECRET,
        "SECRET_KEY": SECRET_KEY,
        "PYTHONUNBUFFERED": "1",
    }
    env.pop("SLACK_BOT_TOKEN", None)
    log_file = tmp_path / "access.log"
    gunicorn = Path(sys.executable).with_name("gunicorn")
    process = subprocess.Popen(
        [str(gunicorn), "bot.wsgi:app", "--bind", f"127.0.0.1:{port}", "--workers", "1",
         "--access-logfile", str(log_file), "--error-logfile", str(tmp_path / "error.log")],
        cwd=tmp_path, env={**env, "PYTHONPATH": str(Path(__file__).resolve().parents[1])},
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                if fetch(f"{base}/healthz")[0] == 200:
                    break
            except OSError:
                time.sleep(0.1)
        else:
            pytest.fail("gunicorn did not start: " + (tmp_path / "error.log").read_text())
        fetch(f"{base}/dashboard/sign-in?token=PRIVATE-one-time-token-8c2e&next=/dashboard/issues")
        fetch(f"{base}/mailchimp/webhook/{WEBHOOK_SECRET}")
        fetch(f"{base}/bulletins/2026-11/preview?token=PRIVATE-preview-token-19af")
    finally:
        process.terminate()
        process.wait(timeout=10)
    lines = log_file.read_text()
    assert "/dashboard/sign-in?token=%5Bredacted%5D" in lines or "token=[redacted]" in lines, lines
    assert "/mailchimp/webhook/[redacted]" in lines, lines
    for secret in (WEBHOOK_SECRET, "PRIVATE-one-time-token-8c2e", "PRIVATE-preview-token-19af"):
        assert secret not in lines, lines


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("GET /dashboard/sign-in?token=abc&next=/x HTTP/1.1",
         "GET /dashboard/sign-in?token=[redacted]&next=/x HTTP/1.1"),
        ("POST /mailchimp/webhook/s3cr3t HTTP/1.1", "POST /mailchimp/webhook/[redacted] HTTP/1.1"),
        ("GET /bulletins/2026-11/preview?token=t HTTP/1.1",
         "GET /bulletins/2026-11/preview?token=[redacted] HTTP/1.1"),
        ("GET /dashboard/issues?board=3&page=2 HTTP/1.1", "GET /dashboard/issues?board=3&page=2 HTTP/1.1"),
        ("GET /healthz HTTP/1.1", "GET /healthz HTTP/1.1"),
        ("garbage", "garbage"),
    ],
)  # fmt: skip
def test_request_lines_lose_their_credentials_and_keep_the_rest(line, expected):
    assert redact_request_line(line) == expected


def test_a_referer_url_loses_its_token():
    assert redact_target("https://bot.example.org/dashboard/sign-in?token=abc#top") == (
        "https://bot.example.org/dashboard/sign-in?token=[redacted]#top"
    )
