"""Every malformed parameter is a 400 (or an inline form error) that says why — never a 500.

Each input here was a 500, a misleading "database not answering", or silently stored: page
numbers that are digits to Python but not ASCII, NUL bytes (PostgreSQL refuses them in text),
CR/LF in a redirect target, oversized or broken e-mail addresses from Mailchimp's webhook, and
text made only of invisible characters.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import func, select

from bot.app import create_app
from bot.settings import load_settings
from handlers.home_view import parse_pages
from models import Issue, Organisation, fields
from models.bulletins import BulletinContact, MailchimpWebhookEvent
from tests import factories
from tests.conftest import engine_url
from tests.dashboard_support import sign_in
from tests.intake_support import errors_of, opened_view, submit

MEMBER = "U0MEMBER01"
OFFICER = "U0OFFICER1"
WEBHOOK_SECRET = "hook-secret-4f1a"


@pytest.fixture
def officer_client(app, db):
    factories.officer(db, OFFICER)
    db.commit()
    return sign_in(app, db, OFFICER)


@pytest.mark.parametrize(
    "path",
    [
        "/dashboard/issues?page=²",
        "/dashboard/issues?per_page=²",
        "/dashboard/waiting-lists?page=³",
        "/dashboard/meetings?page=¹",
        "/dashboard/issues?organisation=²",
        "/dashboard/issues?q=room%00hire",
        "/dashboard/issues?theme=fund%00ing",
        "/dashboard/issues?board=%00",
        "/dashboard/sign-in?next=/dashboard/issues%0d%0aSet-Cookie:%20x=1",
    ],
)
def test_dashboard_parameters_that_make_no_sense_are_a_400_with_the_reason(officer_client, path):
    response = officer_client.get(path)
    html = response.get_data(as_text=True)
    assert response.status_code == 400, html[:500]
    assert "Traceback" not in html
    assert "Set-Cookie: x" not in str(response.headers)


@pytest.mark.parametrize(
    "query", ["page=²", "per_page=²", "page=٣", "search=room%00hire", "minimum_age=1%002"]
)
def test_openreferral_parameters_that_make_no_sense_are_a_400_with_the_reason(app, query):
    response = app.test_client().get(f"/openreferral/services?{query}")
    assert response.status_code == 400
    assert response.get_json()["detail"]


def test_a_nul_byte_in_an_ordinary_query_parameter_is_refused_anywhere(app):
    response = app.test_client().get("/healthz?x=%00")
    assert response.status_code == 400


# --- the Mailchimp webhook ----------------------------------------------------------------------------


@pytest.fixture
def webhook(engine, session_factory, slack_api):
    settings = load_settings(
        _env_file=None, database_url=engine_url(engine), mailchimp_webhook_secret=WEBHOOK_SECRET
    )
    return create_app(settings, engine=engine).test_client()


def post_webhook(client, form: dict):
    return client.post(f"/mailchimp/webhook/{WEBHOOK_SECRET}", data=form)


@pytest.mark.parametrize(
    "form",
    [
        {"type": "unsubscribe", "data[email]": "a" * 400 + "@example.org"},
        {"type": "cleaned", "data[email]": "ann\x00@example.org"},
        {"type": "unsubscribe", "data[email]": "ann@example.org", "data[reason]": "ab\x00use"},
        {"type": "profile", "data[email]": "ann@example.org", "fired_at": "2026-01-01\x00"},
        {"type": "upemail", "data[old_email]": "ann@example.org", "data[new_email]": "not an address"},
        {"type": "upemail", "data[old_email]": "ann@example.org", "data[new_email]": "x" * 300},
    ],
)
def test_webhook_deliveries_with_broken_addresses_are_ignored_with_the_reason(webhook, db, form):
    org = factories.organisation(db, members=(MEMBER,))
    org.contact_email = "ann@example.org"
    db.commit()
    response = post_webhook(webhook, form)
    assert response.status_code == 200
    assert response.get_json()["status"] == "ignored"
    assert response.get_json()["reason"]
    db.expire_all()
    assert db.scalar(select(func.count()).select_from(BulletinContact)) == 0
    assert db.scalar(select(func.count()).select_from(MailchimpWebhookEvent)) == 0
    assert db.scalar(select(Organisation.contact_email)) == "ann@example.org"


def test_upemail_with_a_valid_address_still_changes_it(webhook, db):
    org = factories.organisation(db, members=(MEMBER,))
    org.contact_email = "ann@example.org"
    db.commit()
    form = {"type": "upemail", "data[old_email]": "ann@example.org", "data[new_email]": "Ann.New@Example.org"}
    assert post_webhook(webhook, form).get_json()["status"] == "ok"
    db.expire_all()
    assert db.scalar(select(Organisation.contact_email)) == "ann.new@example.org"


# --- text from a person ------------------------------------------------------------------------------


@pytest.fixture
def member_network(db):
    factories.organisation(db, members=(MEMBER,))
    factories.theme(db, keywords=("safeguarding",))
    db.commit()


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        ({"title": "Room hire\x00", "description": "Costs have doubled."}, "title", "NUL"),
        ({"title": "Room hire", "description": "Costs\x00 have doubled."}, "description", "NUL"),
        ({"title": "\u200b\u200c\u2060", "description": "\ufeff \u200b"}, "description", "Enter"),
    ],
)
def test_issue_text_that_cannot_be_stored_or_shows_nothing_is_an_inline_error(
    slack, slack_api, db, member_network, values, field, message
):
    slack.command("issue", user_id=MEMBER)
    response = submit(slack, opened_view(slack_api), user_id=MEMBER, values=values)
    assert response.status_code == 200
    errors = errors_of(response)
    assert message in errors[field]
    assert db.scalar(select(func.count()).select_from(Issue)) == 0


INVISIBLE = st.sampled_from(["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u3164", " ", "\t", "\u00a0"])


@given(st.text(INVISIBLE, min_size=1, max_size=40))
def test_text_of_only_invisible_characters_is_empty(value):
    errors: dict = {}
    assert fields.text(value, "f", errors, label="a title", required=True, max_length=200) is None
    assert errors == {"f": "Enter a title."}


@given(
    st.text(alphabet=st.characters(codec="utf-8", exclude_characters="\x00"), max_size=10), st.integers(0, 9)
)
def test_page_numbers_are_ascii_digits_only(noise, number):
    assert fields.page_number(str(number + 1)) == number + 1
    if not noise.strip().isascii() or not noise.strip().isdigit():
        assert fields.page_number(noise) is None


def test_a_home_tab_pager_value_with_non_ascii_digits_keeps_the_first_page():
    """The pager's button value comes back from Slack and a forged one said `issues=²`."""
    assert parse_pages("issues=²;services=3") == {"issues": 1, "services": 3}
    assert parse_pages("issues=99999999999;services=0") == {"issues": 1, "services": 1}
    assert parse_pages("issues=12345") == {"issues": 10_000, "services": 1}
