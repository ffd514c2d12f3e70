"""Signing in to the dashboard with a Slack identity: one-time links, sessions, CSRF, sign-out."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from models import SignInLink
from models.base import utcnow
from models.sign_in import issue_sign_in_link
from tests import factories
from tests.dashboard_support import BASE, csrf_of, form_value, link_for, sign_in

PAGES = [
    "/dashboard/",
    "/dashboard/issues",
    "/dashboard/waiting-lists",
    "/dashboard/bulletins",
    "/dashboard/meetings",
]


def test_slash_command_answers_with_a_link_that_signs_the_officer_in(slack, app, db, settings):
    factories.officer(db)
    db.commit()
    body = slack.command("dashboard", user_id="U0OFFICER1").get_json()
    assert body["response_type"] == "ephemeral"
    assert "works once" in body["text"]
    url = body["text"].split("Sign in to the Linked-up dashboard: ", 1)[1].split(" ", 1)[0]
    assert url.startswith(settings.public_base_url + "/dashboard/sign-in?token=")
    assert "officer" in str(body["blocks"])

    client = app.test_client()
    page = client.get(url.removeprefix(settings.public_base_url))
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Sign in" in html
    # Showing the page does not spend the link (link previews must not burn it).
    assert db.scalar(select(SignInLink.used_at)) is None
    response = client.post(
        "/dashboard/sign-in",
        data={"csrf_token": form_value(html, "csrf_token"), "token": form_value(html, "token")},
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/dashboard/")
    overview = client.get("/dashboard/")
    assert overview.status_code == 200
    assert "Development Officer" in overview.get_data(as_text=True)


def test_slash_command_refuses_someone_the_network_does_not_know(slack, db):
    body = slack.command("dashboard", user_id="U0STRANGER").get_json()
    assert "/linkedup join" in body["text"]
    assert "token=" not in body["text"]
    assert db.scalar(select(func.count()).select_from(SignInLink)) == 0


def test_help_lists_the_dashboard_command(slack):
    assert "/linkedup dashboard" in slack.command("help", user_id="U0ANYONE").get_json()["text"]


def test_a_used_link_is_refused(app, db):
    factories.officer(db)
    db.commit()
    client = app.test_client()
    path = link_for(app, db, "U0OFFICER1")
    html = client.get(path).get_data(as_text=True)
    token, csrf = form_value(html, "token"), form_value(html, "csrf_token")
    assert client.post("/dashboard/sign-in", data={"csrf_token": csrf, "token": token}).status_code == 302

    other = app.test_client()
    again = other.get(path)
    assert again.status_code == 403
    assert "already been used" in again.get_data(as_text=True)
    other_csrf = form_value(other.get(link_for(app, db, "U0OFFICER1")).get_data(as_text=True), "csrf_token")
    replay = other.post("/dashboard/sign-in", data={"csrf_token": other_csrf, "token": token})
    assert replay.status_code == 403
    assert "already been used" in replay.get_data(as_text=True)
    assert other.get("/dashboard/").status_code == 302


def test_an_expired_link_is_refused(app, db):
    factories.officer(db)
    db.commit()
    path = link_for(app, db, "U0OFFICER1", now=utcnow() - timedelta(minutes=11))
    response = app.test_client().get(path)
    assert response.status_code == 403
    assert "expired" in response.get_data(as_text=True)


@pytest.mark.parametrize("mangle", ["tamper", "other-secret", "garbage"])
def test_forged_links_are_refused(app, db, mangle):
    factories.officer(db)
    db.commit()
    if mangle == "other-secret":
        url = issue_sign_in_link(db, "U0OFFICER1", base_url=BASE, secret="some-other-key")
        db.commit()
        path = url.removeprefix(BASE)
    elif mangle == "tamper":
        path = link_for(app, db, "U0OFFICER1")
        path = path[:-3] + ("AAA" if not path.endswith("AAA") else "BBB")
    else:
        path = "/dashboard/sign-in?token=not-a-token"
    response = app.test_client().get(path)
    assert response.status_code == 403
    assert "not valid" in response.get_data(as_text=True)


def test_a_link_for_someone_who_lost_their_role_is_refused_and_not_spent(app, db):
    member = factories.officer(db)
    db.commit()
    client = app.test_client()
    html = client.get(link_for(app, db, "U0OFFICER1")).get_data(as_text=True)
    db.delete(member)
    db.commit()
    response = client.post(
        "/dashboard/sign-in",
        data={"csrf_token": form_value(html, "csrf_token"), "token": form_value(html, "token")},
    )
    assert response.status_code == 403
    assert "/linkedup join" in response.get_data(as_text=True)
    assert db.scalar(select(SignInLink.used_at)) is None


@pytest.mark.parametrize("page", [*PAGES, "/dashboard/issues/LU-2026-0001"])
def test_anonymous_visitors_are_sent_to_sign_in(app, page):
    response = app.test_client().get(page)
    assert response.status_code == 302
    assert "/dashboard/sign-in" in response.headers["Location"]


def test_signing_in_returns_to_the_page_asked_for(app, db):
    factories.officer(db)
    db.commit()
    client = app.test_client()
    first = client.get("/dashboard/issues?state=open")
    assert first.status_code == 302
    next_url = first.headers["Location"].split("next=", 1)[1]
    html = client.get(link_for(app, db, "U0OFFICER1") + "&next=" + next_url).get_data(as_text=True)
    response = client.post(
        "/dashboard/sign-in",
        data={
            "csrf_token": form_value(html, "csrf_token"),
            "token": form_value(html, "token"),
            "next": form_value(html, "next"),
        },
    )
    assert response.headers["Location"].endswith("/dashboard/issues?state=open")


def test_next_cannot_point_off_the_site(app, db):
    factories.officer(db)
    db.commit()
    client = app.test_client()
    html = client.get(link_for(app, db, "U0OFFICER1")).get_data(as_text=True)
    response = client.post(
        "/dashboard/sign-in",
        data={
            "csrf_token": form_value(html, "csrf_token"),
            "token": form_value(html, "token"),
            "next": "https://evil.example/phish",
        },
    )
    assert response.headers["Location"].endswith("/dashboard/")


def test_sign_in_and_sign_out_need_the_csrf_token(app, db):
    factories.officer(db)
    db.commit()
    client = app.test_client()
    html = client.get(link_for(app, db, "U0OFFICER1")).get_data(as_text=True)
    refused = client.post("/dashboard/sign-in", data={"token": form_value(html, "token")})
    assert refused.status_code == 400
    assert db.scalar(select(SignInLink.used_at)) is None  # the link survives a refused post

    client = sign_in(app, db, "U0OFFICER1")
    assert client.post("/dashboard/sign-out").status_code == 400
    assert client.post("/dashboard/sign-out", data={"csrf_token": "wrong"}).status_code == 400
    assert client.get("/dashboard/").status_code == 200  # still signed in
    out = client.post("/dashboard/sign-out", data={"csrf_token": csrf_of(client)})
    assert out.status_code == 302
    assert "signed_out=1" in out.headers["Location"]
    assert "You have signed out" in client.get(out.headers["Location"]).get_data(as_text=True)
    assert client.get("/dashboard/").status_code == 302


def test_session_cookie_is_httponly_and_samesite(app, db):
    factories.officer(db)
    db.commit()
    client = app.test_client()
    html = client.get(link_for(app, db, "U0OFFICER1")).get_data(as_text=True)
    response = client.post(
        "/dashboard/sign-in",
        data={"csrf_token": form_value(html, "csrf_token"), "token": form_value(html, "token")},
    )
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("linkedup_session=")
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # plain http here


def test_session_cookie_is_secure_over_https(app, db):
    factories.officer(db)
    db.commit()
    client = app.test_client()
    path = link_for(app, db, "U0OFFICER1")
    html = client.get(path, base_url="https://localhost").get_data(as_text=True)
    response = client.post(
        "/dashboard/sign-in",
        base_url="https://localhost",
        data={"csrf_token": form_value(html, "csrf_token"), "token": form_value(html, "token")},
    )
    assert "Secure" in response.headers["Set-Cookie"]


def test_session_cookie_is_secure_when_public_url_is_https(settings, engine, session_factory, db):
    from bot.app import create_app

    https_app = create_app(
        settings.model_copy(update={"public_url": "https://linkedup.example.org"}), engine=engine
    )
    factories.officer(db)
    db.commit()
    client = https_app.test_client()
    html = client.get(link_for(https_app, db, "U0OFFICER1")).get_data(as_text=True)
    response = client.post(
        "/dashboard/sign-in",
        data={"csrf_token": form_value(html, "csrf_token"), "token": form_value(html, "token")},
    )
    assert "Secure" in response.headers["Set-Cookie"]


def test_removing_someone_from_the_network_ends_their_dashboard_access(app, db):
    member = factories.officer(db)
    db.commit()
    client = sign_in(app, db, "U0OFFICER1")
    assert client.get("/dashboard/").status_code == 200
    db.delete(member)
    db.commit()
    assert client.get("/dashboard/").status_code == 302


def test_old_links_are_pruned_when_new_ones_are_issued(app, db):
    factories.officer(db)
    db.commit()
    link_for(app, db, "U0OFFICER1", now=utcnow() - timedelta(days=3))
    link_for(app, db, "U0OFFICER1")
    assert db.scalar(select(func.count()).select_from(SignInLink)) == 1
