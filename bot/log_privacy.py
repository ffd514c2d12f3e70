"""Keeping secrets and people's words out of the logs, whatever level the logs are turned up to.

Three kinds of log line carried them before, all from libraries doing what they are told:

- Slack's SDK at DEBUG logs every Web API request and response body (a DM with a safeguarding
  concern's title, the modal pre-filled with its description), and Bolt at DEBUG logs every answer
  it gives Slack (the receipt naming the issue). `slack_logger()` is the logger the bot hands to
  both: its records keep the method, URL and status, and say the body was withheld.
- Access logs (werkzeug's for `linkedup serve`, gunicorn's in production) write each request line:
  the one-time dashboard sign-in token and the bulletin preview token in the query string, and the
  Mailchimp webhook secret in the path. `install()` puts a filter on both access loggers that
  redacts those before any handler sees the record.
- SQLAlchemy logs statement parameters (the text of an issue) and puts them in error messages;
  `models.db.make_engine` turns that off with `hide_parameters`.

Filters sit on the emitting loggers, so they apply whatever handlers are attached later (pytest's
caplog, gunicorn's, `basicConfig`'s).
"""

from __future__ import annotations

import logging
import re
from urllib.parse import parse_qsl, urlencode

SLACK_LOGGER = "bot.slack_api"
REDACTED = "[redacted]"
# Query parameters that carry a credential (sign-in and preview links put theirs in `token`).
SECRET_QUERY_KEYS = frozenset({"token", "secret", "key", "code", "signature", "password", "api_key"})
# Path segments that are themselves a credential: `/mailchimp/webhook/<secret>`.
SECRET_PATHS = (re.compile(r"(/mailchimp/webhook/)[^/?#\s]+"),)
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
    pairs = [
        (name, REDACTED if name.lower() in SECRET_QUERY_KEYS else value)
        for name, value in parse_qsl(query, keep_blank_values=True)
    ]
    return f"{path}?{urlencode(pairs, safe='[]/:')}{fragment}"


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
                elif key == "q":
                    atoms[key] = redact_target("?" + value)[1:] if value and value != "-" else value
                elif key in ("U", "f") or "referer" in key.lower():
                    atoms[key] = redact_target(value)
        return True


def slack_logger() -> logging.Logger:
    """The logger the bot gives Slack's WebClient and Bolt (see the module docstring)."""
    logger = logging.getLogger(SLACK_LOGGER)
    if not any(isinstance(f, SlackBodyFilter) for f in logger.filters):
        logger.addFilter(SlackBodyFilter())
    return logger


def install() -> None:
    """Attach the access-log filters (idempotent; called when the web app is created)."""
    for name, kind in (("werkzeug", WerkzeugAccessFilter), ("gunicorn.access", GunicornAccessFilter)):
        logger = logging.getLogger(name)
        if not any(isinstance(f, kind) for f in logger.filters):
            logger.addFilter(kind())
    slack_logger()
