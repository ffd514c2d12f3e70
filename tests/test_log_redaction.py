"""The two log lines that still leaked: Flask's `Exception on <path>` line (the Mailchimp webhook
secret is a path segment) and the access lines of dashboard searches (what someone searched for)."""

from __future__ import annotations

import logging

import pytest

from bot.app import create_app
from bot.log_privacy import GunicornAccessFilter, install, redact_request_line
from bot.settings import load_settings

WEBHOOK_SECRET = "PRIVATE-webhook-secret-0b7c"
SEARCH = "Amy-Leigh grey van"


def test_a_failing_webhook_does_not_log_its_secret(tmp_path, caplog):
    """A database without its tables makes the webhook fail inside Flask, which logs the path."""
    settings = load_settings(
        _env_file=None,
        database_url=f"sqlite:///{tmp_path / 'empty.db'}",
        mailchimp_webhook_secret=WEBHOOK_SECRET,
    )
    app = create_app(settings)
    caplog.set_level(logging.DEBUG)
    response = app.test_client().post(
        f"/mailchimp/webhook/{WEBHOOK_SECRET}", data={"type": "unsubscribe", "data[email]": "a@example.org"}
    )
    assert response.status_code == 500
    lines = [logging.Formatter("%(message)s").format(record) for record in caplog.records]
    assert any("Exception on /mailchimp/webhook/[redacted] [POST]" in line for line in lines), lines
    assert not any(WEBHOOK_SECRET in line for line in lines)


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("GET /dashboard/issues?q=Amy-Leigh+grey+van&page=2 HTTP/1.1",
         "GET /dashboard/issues?q=[redacted]&page=2 HTTP/1.1"),
        ("GET /dashboard/issues?board=3&theme=funding&state=open&per_page=50 HTTP/1.1",
         "GET /dashboard/issues?board=3&theme=funding&state=open&per_page=50 HTTP/1.1"),
        ("GET /dashboard/sign-in?next=/dashboard/issues?q%3DAmy-Leigh HTTP/1.1",
         "GET /dashboard/sign-in?next=/dashboard/issues%3Fq%3D[redacted] HTTP/1.1"),
        ("GET /openreferral/services?search=youth HTTP/1.1",
         "GET /openreferral/services?search=youth HTTP/1.1"),
    ],
)  # fmt: skip
def test_dashboard_searches_are_redacted_and_filters_kept(line, expected):
    assert redact_request_line(line) == expected


def test_gunicorn_query_atom_of_a_dashboard_search_is_redacted():
    atoms = {"r": "GET /dashboard/issues?q=Amy-Leigh HTTP/1.1", "U": "/dashboard/issues", "q": "q=Amy-Leigh"}
    record = logging.LogRecord("gunicorn.access", logging.INFO, __file__, 1, "%(r)s %(q)s", (atoms,), None)
    GunicornAccessFilter().filter(record)
    assert "Amy-Leigh" not in record.getMessage()
    assert "q=[redacted]" in record.getMessage()


def test_install_covers_flasks_error_logger():
    install()
    assert any(type(f).__name__ == "ErrorPathFilter" for f in logging.getLogger("bot.app").filters)
