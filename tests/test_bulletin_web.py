"""The Mailchimp webhook (secret, URL check, unsubscribe/cleaned/profile, replay) and the signed preview."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import urlencode

import pytest
from sqlalchemy import func, select

from bulletins.compile import compile_bulletin
from bulletins.send import audience
from models import BulletinContact, MailchimpWebhookEvent, Organisation
from models.bulletins import ContactStatus
from tests import factories
from tests.bulletin_support import article, network, this_month

FIXTURES = Path(__file__).parent / "fixtures" / "mailchimp"
SECRET = "hook-secret-0123456789"


@pytest.fixture
def web(settings, engine, session_factory):
    from bot.app import create_app

    configured = settings.model_copy(
        update={"mailchimp_webhook_secret": __import__("pydantic").SecretStr(SECRET),
                "secret_key": __import__("pydantic").SecretStr("preview-key")}
    )  # fmt: skip
    app = create_app(configured, engine=engine)
    app.config["TESTING"] = True
    return app.test_client(), configured


def _unsubscribe_body() -> str:
    return (FIXTURES / "webhook.unsubscribe.form.txt").read_text().strip()


def _post(client, secret, body):
    return client.post(
        f"/mailchimp/webhook/{secret}",
        data=body,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )


def test_mailchimp_url_check_answers_200(web):
    client, _ = web
    assert client.get(f"/mailchimp/webhook/{SECRET}").status_code == 200
    assert client.get("/mailchimp/webhook/wrong").status_code == 404


def test_unsubscribe_clears_consent_once_and_next_sync_skips_them(web, db):
    client, _ = web
    org = factories.organisation(db, "Mailchimp API Org", contact_email="api+unsub@mailchimp.com")
    db.commit()
    first = _post(client, SECRET, _unsubscribe_body())
    assert first.status_code == 200 and "unsubscribed" in first.get_json()["result"]
    replay = _post(client, SECRET, _unsubscribe_body())
    assert replay.status_code == 200 and replay.get_json()["result"] == "already applied"
    db.expire_all()
    assert db.get(Organisation, org.id).bulletin_consent is False
    contact = db.scalar(select(BulletinContact))
    assert (contact.email, contact.status, contact.suppressed) == (
        "api+unsub@mailchimp.com",
        ContactStatus.UNSUBSCRIBED,
        True,
    )
    assert db.scalar(select(func.count()).select_from(MailchimpWebhookEvent)) == 1
    # Even if the organisation ticks consent again by mistake, the address is not re-subscribed.
    db.get(Organisation, org.id).bulletin_consent = True
    assert "api+unsub@mailchimp.com" not in {m.email for m in audience(db)}


def test_cleaned_address_is_suppressed(web, db):
    client, _ = web
    factories.organisation(db, "Cleaned Org", contact_email="api+cleaned@mailchimp.com")
    db.commit()
    body = (FIXTURES / "webhook.cleaned.form.txt").read_text().strip()
    assert _post(client, SECRET, body).status_code == 200
    db.expire_all()
    assert db.scalar(select(BulletinContact)).status == ContactStatus.CLEANED
    assert audience(db) == []


def test_profile_event_is_recorded(web, db):
    client, _ = web
    fields = json.loads((FIXTURES / "webhook.unsubscribe.fields.json").read_text())
    fields = {
        k: v for k, v in fields.items() if not k.startswith(("data[action]", "data[reason]", "data[campaign"))
    }
    fields["type"] = "profile"
    response = _post(client, SECRET, urlencode(fields))
    assert response.status_code == 200 and "profile updated" in response.get_json()["result"]
    assert db.scalar(select(MailchimpWebhookEvent)).type == "profile"


def test_wrong_secret_is_404_and_changes_nothing(web, db):
    client, _ = web
    factories.organisation(db, "Mailchimp API Org", contact_email="api+unsub@mailchimp.com")
    db.commit()
    assert _post(client, "not-the-secret", _unsubscribe_body()).status_code == 404
    db.expire_all()
    assert db.scalar(select(Organisation)).bulletin_consent is True
    assert db.scalar(select(func.count()).select_from(MailchimpWebhookEvent)) == 0


def test_webhook_without_a_configured_secret_is_404(app, db):
    assert app.test_client().get("/mailchimp/webhook/anything").status_code == 404


def test_preview_needs_the_signed_link(web, db):
    from bot.web.bulletins import preview_url

    client, settings = web
    network(db)
    article(db, "Youth worker vacancy")
    compile_bulletin(db, this_month())
    db.commit()
    url = preview_url(settings, this_month())
    path = url.split("://", 1)[1].split("/", 1)[1]
    page = client.get("/" + path)
    assert page.status_code == 200 and "Youth worker vacancy" in page.get_data(as_text=True)
    assert "*|UNSUB|*" not in page.get_data(as_text=True)  # shown as a placeholder in the browser
    assert client.get(f"/bulletins/{this_month()}/preview").status_code == 404
    assert client.get(f"/bulletins/{this_month()}/preview?token=forged").status_code == 404
    other = preview_url(settings, "2020-01").split("token=")[1]
    assert client.get(f"/bulletins/{this_month()}/preview?token={other}").status_code == 404
    text = client.get("/" + path + "&format=text")
    assert text.status_code == 200 and "*|UNSUB|*" in text.get_data(as_text=True)
