"""Keeping secrets and people's words out of the logs, whatever level the logs are turned up to.

Three kinds of log line carried them before, all from libraries doing what they are told:

- Slack's SDK at DEBUG logs every Web API request and response body (a DM with a safeguarding
  concern's title, the modal pre-filled with its description), and Bolt at DEBUG logs every answer
  it gives Slack (the receipt naming the issue). `slack_logger()` is the logger the bot hands to
  both: its records keep the method, URL and status, and say the body was withheld.
- Access logs (werkzeug's for `linkedup serve`, gunicorn's in production) write each request line:
  the one-time dashboard sign-in token and the bulletin preview token in the query string, the
  Mailchimp webhook secret in the path, and what a signed-in person searched the dashboard for.
  `install()` puts a filter on both access loggers that redacts those before any handler sees the
  record: credentials everywhere, and on dashboard pages every query value but the few that only
  name a filter or a page (`DASHBOARD_PLAIN_KEYS`).
- Flask logs an unhandled error as `Exception on <path> [POST]`, which put the webhook secret in
  the error log whenever the webhook failed; the app's logger gets the same redaction.
- SQLAlchemy logs statement parameters (the text of an issue) and puts them in error messages;
  `models.db.make_engine` turns that off with `hide_parameters`.

Filters sit on the emitting loggers, so they apply whatever handlers are attached later (pytest's
caplog, gunicorn's, `basicConfig`'s).
"""

from __future__ import annotations

import logging
import re
from urllib.parse import parse_qsl, urlencode, urlsplit

SLACK_LOGGER = "bot.slack_api"
REDACTED = "[redacted]"
# Query parameters that carry a credential (sign-in and preview links put theirs in `token`).
SECRET_QUERY_KEYS = frozenset({"token", "secret", "key", "code", "signature", "password", "api_key"})
# Path segments that are themselves a credential: `/mailchimp/webhook/<secret>`.
SECRET_PATHS = (
    re.compile(r"(/mailchimp/webhook/)[^/?#\s]+"),
    re.compile(r"(/dashboard/email/(?:act|sign-in)/)[^/?#\s]+"),  # the e-mails' single-use links
)
# Dashboard query parameters that only choose a filter or a page; any other value (a search) is hidden.
DASHBOARD_PLAIN_KEYS = frozenset(
    {"board", "theme", "state", "organisation", "period", "page", "per_page", "quarter", "signed_out"}
)
# Flask's logger is the app's import name (`Flask(__name__)` in bot/app.py).
FLASK_APP_LOGGER = "bot.app"
# Debug lines of slack_sdk and Bolt that end with a whole request or response body.
_BODY_LINES = (
    (re.compile(r"^(Sending a request - url: [^,]*),"), r"\1 (body withheld)"),
    (re.compile(r"^(Received the following response - status: \d+),.*", re.S), r"\1 (body withheld)"),
    (re.compile(r"^(Responding with status: \d+) body: .*", re.S), r"\1 (body withheld)"),
    (re.compile(r"^(Responding with listener middleware's response - listener: [^,]*, status: \d+),.*", re.S),
     r"\1 (body withheld)"),
)  # fmt: skip


def redact_target(target: str) -> str:
    """A request target (path and query) or URL with its credentials replaced by `[redacted]`."""
    if not target:
        return target
    for pattern in SECRET_PATHS:
        target = pattern.sub(rf"\1{REDACTED}", target)
    path, question, query = target.partition("?")
    if not question:
        return target
    fragment = ""
    if "#" in query:
        query, _, fragment = query.partition("#")
        fragment = "#" + fragment
    dashboard = urlsplit(path).path.startswith("/dashboard")
    pairs = [
        (name, _query_value(name, value, dashboard))
        for name, value in parse_qsl(query, keep_blank_values=True)
    ]
    return f"{path}?{urlencode(pairs, safe='[]/:')}{fragment}"


def _query_value(name: str, value: str, dashboard: bool) -> str:
    if name.lower() in SECRET_QUERY_KEYS:
        return REDACTED
    if name == "next":  # a page to come back to, with its own query string
        return redact_target(value)
    if dashboard and name not in DASHBOARD_PLAIN_KEYS:
        return REDACTED
    return value


def redact_request_line(line: str) -> str:
    """`GET /dashboard/sign-in?token=… HTTP/1.1` with the target redacted."""
    parts = line.split(" ")
    if len(parts) >= 2:
        parts[1] = redact_target(parts[1])
    return " ".join(parts)


class SlackBodyFilter(logging.Filter):
    """Keeps the first line of Slack SDK / Bolt debug records about a request, drops the body."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno > logging.DEBUG:
            return True
        message = record.getMessage()
        for pattern, summary in _BODY_LINES:
            match = pattern.match(message)
            if match:
                record.msg, record.args = match.expand(summary), ()
                break
        return True


class WerkzeugAccessFilter(logging.Filter):
    """werkzeug logs `"%s" %s %s` with the request line first."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple) and record.args and isinstance(record.args[0], str):
            record.args = (redact_request_line(record.args[0]), *record.args[1:])
        return True


class GunicornAccessFilter(logging.Filter):
    """gunicorn logs its access format with a dict of atoms: the request line, path, query, referer."""

    def filter(self, record: logging.LogRecord) -> bool:
        atoms = record.args
        if isinstance(atoms, dict):
            for key in list(atoms):
                value = atoms[key]
                if not isinstance(value, str):
                    continue
                if key == "r":
                    atoms[key] = redact_request_line(value)
                elif key == "q" and value and value != "-":
                    path = atoms.get("U") if isinstance(atoms.get("U"), str) else ""
                    atoms[key] = redact_target(f"{path}?{value}").partition("?")[2]
                elif key in ("U", "f") or "referer" in key.lower():
                    atoms[key] = redact_target(value)
        return True


class ErrorPathFilter(logging.Filter):
    """Flask's `Exception on <path> [METHOD]` line with the secrets in the path redacted."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = message
        for pattern in SECRET_PATHS:
            redacted = pattern.sub(rf"\1{REDACTED}", redacted)
        if redacted != message:
            record.msg, record.args = redacted, ()
        return True


def slack_logger() -> logging.Logger:
    """The logger the bot gives Slack's WebClient and Bolt (see the module docstring)."""
    logger = logging.getLogger(SLACK_LOGGER)
    if not any(isinstance(f, SlackBodyFilter) for f in logger.filters):
        logger.addFilter(SlackBodyFilter())
    return logger


def install() -> None:
    """Attach the access-log filters (idempotent; called when the web app is created)."""
    for name, kind in (
        ("werkzeug", WerkzeugAccessFilter),
        ("gunicorn.access", GunicornAccessFilter),
        (FLASK_APP_LOGGER, ErrorPathFilter),
    ):
        logger = logging.getLogger(name)
        if not any(isinstance(f, kind) for f in logger.filters):
            logger.addFilter(kind())
    slack_logger()
