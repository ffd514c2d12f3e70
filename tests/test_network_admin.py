"""The officer runs the network without editing YAML: the admin pages change boards, themes, meetings
and organisations the way a reload of the network file does — and what they change shows in routing
and in `linkedup network export`; bad input is refused with one sentence and nothing half-saved; only
the officer may use them."""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from sqlalchemy import Engine, select

import models  # noqa: F401 - every table on the metadata, for the dumps
from bot.paths import DEMO_NETWORK_FILE
from handlers.escalation_views import RENDERER
from intake.issues import raise_and_route
from models import AuditLog, Board, BoardMember, Meeting, Member, Theme
from models.base import Base, utcnow
from models.db import transaction
from models.escalations import Escalation, rungs_of
from models.outbox import OutboxMessage
from models.sign_in import issue_sign_in_link
from network_file.export import export_text
from network_file.loader import load_path
from tests.dashboard_support import csrf_of, sign_in
from tests.email_support import smtp_server_fixture  # noqa: F401 - the smtp_server fixture
from tests.test_browser import chromium, live_dashboard  # noqa: F401 - fixtures

OFFICER = "U0OFFICER1"
CTB_CHAIR = "U0DEMOCTB1"
ORG_MEMBER = "U0DEMOORG01"
UNTOUCHED = {"dashboard_sessions", "sign_in_links"}  # signing in writes these; a refusal writes nothing else


def dump(engine: Engine) -> dict[str, list[tuple]]:
    """Every row of every table but the sign-in ones: two equal dumps mean the change wrote nothing."""
    with engine.connect() as connection:
        return {
            table.name: [
                tuple(row) for row in connection.execute(table.select().order_by(*table.primary_key.columns))
            ]
            for table in Base.metadata.sorted_tables
            if table.name not in UNTOUCHED
        }


@pytest.fixture
def wirral(session_factory, db):
    with transaction(session_factory) as session:
        load_path(session, DEMO_NETWORK_FILE)


@pytest.fixture
def officer(app, db, wirral):
    return sign_in(app, db, OFFICER)


def board_form(client, slug: str) -> dict[str, str]:
    """The board's form as the page fills it (what a browser would send back unchanged)."""
    html = client.get(f"/dashboard/network/boards/{slug}").get_data(as_text=True)
    values = dict(re.findall(r'<input name="([a-z_]+)"[^>]*?value="([^"]*)"', html))
    values["members_text"] = _unescape(
        re.search(r'<textarea name="members_text"[^>]*>([^<]*)<', html).group(1)
    )
    for name in ("parent", "chair"):
        chosen = re.search(rf'<select name="{name}">.*?<option value="([^"]*)" selected', html, re.S)
        values[name] = chosen.group(1) if chosen else ""
    if re.search(r'name="private" value="yes" checked', html):
        values["private"] = "yes"
    values["csrf_token"] = csrf_of(client)
    return {k: _unescape(v) for k, v in values.items()}


def _unescape(text: str) -> str:
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&#39;", "'").replace("&amp;", "&")


def text_of(response) -> str:
    return _unescape(re.sub(r"\s+", " ", response.get_data(as_text=True)))


# --- a change shows in routing and in the export -----------------------------------------------


def test_a_board_changed_on_the_page_routes_new_issues_to_its_new_channel_and_members(officer, db):
    form = board_form(officer, "cjcg")
    form["channel"] = "#cjcg-2027"
    form["respond_days"] = "7"
    form["members_text"] += "\nJo Smith <jo.smith@wirral.gov.uk>"
    response = officer.post("/dashboard/network/boards/cjcg", data=form)
    assert response.status_code == 302, text_of(response)
    page = text_of(officer.get(response.headers["Location"]))
    assert (
        "Changed the board Children's Joint Commissioning Group: channel #linkedup-cjcg → #cjcg-2027" in page
    )
    assert "Jo Smith" in page

    db.expire_all()
    funding = db.scalar(select(Theme).where(Theme.slug == "funding-and-commissioning"))
    raised = raise_and_route(
        db,
        now=utcnow(),
        render=RENDERER,
        slack_user_id=ORG_MEMBER,
        title="Grant cliff edge",
        description="Our youth work grant ends in March with nothing after it.",
        theme_id=str(funding.id),
    )
    db.commit()
    escalation = db.scalar(select(Escalation).where(Escalation.issue_id == raised.issue.id))
    assert escalation.board.slug == "cjcg"
    rung = rungs_of(escalation.ladder)[0]
    assert (rung.channel, rung.respond_days) == ("#cjcg-2027", 7)
    cards = db.scalars(select(OutboxMessage).where(OutboxMessage.method == "chat.postMessage")).all()
    assert [c.payload["channel"] for c in cards if "Grant cliff edge" in str(c.payload)] == ["#cjcg-2027"]
    emails = db.scalars(
        select(BoardMember.email).join(Board).where(Board.slug == "cjcg", BoardMember.email.is_not(None))
    ).all()
    assert emails == ["jo.smith@wirral.gov.uk"]

    exported = export_text(db)
    assert "channel: '#cjcg-2027'" in exported and "email: jo.smith@wirral.gov.uk" in exported
    audit = db.scalars(select(AuditLog).where(AuditLog.action == "network.edit")).all()
    assert [(a.actor, a.after["by"]) for a in audit] == [(OFFICER, "Development Officer (demo)")]
    assert "time to respond 10 → 7" in audit[0].after["change"]
    assert "members added Jo Smith" in audit[0].after["change"]
    assert "@" not in str(audit[0].after)  # the log names people, never their address


@pytest.fixture
def mailing_officer(engine, session_factory, slack_api, smtp_server, db, wirral):
    """The officer signed in to an app that e-mails board members outside Slack (a local SMTP server)."""
    from bot import email
    from bot.app import create_app
    from bot.settings import load_settings
    from tests.conftest import engine_url
    from tests.slack_requests import SIGNING_SECRET

    _, port = smtp_server
    settings = load_settings(
        _env_file=None,
        database_url=engine_url(engine),
        slack_bot_token="xoxb-test-token",
        slack_signing_secret=SIGNING_SECRET,
        slack_api_url=slack_api.base_url,
        secret_key="network-admin-test-secret-0123456789",
        smtp_url=f"smtp://127.0.0.1:{port}?starttls=no",
        email_from="linkedup@example.org",
    )
    app = create_app(settings, engine=engine)
    app.config["TESTING"] = True
    yield sign_in(app, db, OFFICER)
    email.configure(load_settings(_env_file=None, database_url=engine_url(engine)))  # e-mail off again


def test_a_member_added_by_email_on_the_page_is_emailed_the_next_card(mailing_officer, db):
    form = board_form(mailing_officer, "cjcg")
    form["members_text"] += "\nJo Smith <jo.smith@wirral.gov.uk>"
    assert mailing_officer.post("/dashboard/network/boards/cjcg", data=form).status_code == 302
    db.expire_all()
    funding = db.scalar(select(Theme).where(Theme.slug == "funding-and-commissioning"))
    raise_and_route(
        db,
        now=utcnow(),
        render=RENDERER,
        slack_user_id=ORG_MEMBER,
        title="Grant cliff edge",
        description="Our youth work grant ends in March with nothing after it.",
        theme_id=str(funding.id),
    )
    db.commit()
    emails = db.scalars(select(OutboxMessage).where(OutboxMessage.method == "email")).all()
    assert [e.payload["to"] for e in emails] == ["jo.smith@wirral.gov.uk"]
    assert "Grant cliff edge" in emails[0].payload["subject"] + emails[0].payload["text"]


def test_an_open_escalation_keeps_the_ladder_it_started_with(officer, db):
    funding = db.scalar(select(Theme).where(Theme.slug == "funding-and-commissioning"))
    raised = raise_and_route(
        db,
        now=utcnow(),
        render=RENDERER,
        slack_user_id=ORG_MEMBER,
        description="Rent doubled",
        theme_id=str(funding.id),
    )
    db.commit()
    before = dict(db.scalar(select(Escalation).where(Escalation.issue_id == raised.issue.id)).ladder)
    form = board_form(officer, "cjcg")
    form.update(channel="#elsewhere", parent="hwbb")
    assert officer.post("/dashboard/network/boards/cjcg", data=form).status_code == 302
    db.expire_all()
    after = db.scalar(select(Escalation).where(Escalation.issue_id == raised.issue.id)).ladder
    assert after == before
    assert [r.slug for r in rungs_of(after)] == ["cjcg", "ctb", "hwbb"]


def test_a_theme_given_another_board_routes_there(officer, db):
    csrf = csrf_of(officer)
    response = officer.post(
        "/dashboard/network/themes/funding-and-commissioning",
        data={
            "csrf_token": csrf,
            "name": "Funding and commissioning",
            "board": "ctb",
            "keywords": "grant, rent",
        },
    )
    assert response.status_code == 302, text_of(response)
    db.expire_all()
    theme = db.scalar(select(Theme).where(Theme.slug == "funding-and-commissioning"))
    assert (theme.board.slug, theme.keywords) == ("ctb", ["grant", "rent"])
    raised = raise_and_route(
        db,
        now=utcnow(),
        render=RENDERER,
        slack_user_id=ORG_MEMBER,
        description="Hall rent",
        theme_id=str(theme.id),
    )
    db.commit()
    assert db.scalar(select(Escalation).where(Escalation.issue_id == raised.issue.id)).board.slug == "ctb"
    assert "  board: ctb\n  keywords:\n  - grant\n  - rent\n" in export_text(db)


def test_a_meeting_added_in_the_same_half_day_as_another_boards_is_kept_with_a_clash_warning(officer, db):
    csrf = csrf_of(officer)
    response = officer.post(
        "/dashboard/network/meetings",
        data={"csrf_token": csrf, "board": "cjcg", "starts_at": "2027-02-09T15:00", "location": "Birkenhead"},
    )
    assert response.status_code == 302, text_of(response)
    page = text_of(officer.get("/dashboard/network/meetings"))
    assert "Added a meeting of Children's Joint Commissioning Group on Tue 9 Feb 2027 at 15:00." in page
    assert (
        "Tue 9 Feb 2027 afternoon: Children's Trust Board at 14:00 and Children's Joint Commissioning Group "
        "at 15:00 meet within the same half day" in page
    )
    db.expire_all()
    added = db.scalar(select(Meeting).where(Meeting.location == "Birkenhead"))
    assert added.board.slug == "cjcg" and added.starts_at.hour == 15  # February: UK time is UTC
    assert "- starts_at: 2027-02-09T15:00\n    location: Birkenhead\n" in export_text(db)

    response = officer.post(
        "/dashboard/network/meetings/remove",
        data={"csrf_token": csrf, "board": "cjcg", "starts_at": added.starts_at.isoformat()},
    )
    assert response.status_code == 302
    db.expire_all()
    assert db.scalar(select(Meeting).where(Meeting.location == "Birkenhead")) is None


def test_an_organisations_members_are_added_and_a_leaver_removed(officer, db):
    page = officer.get("/dashboard/network/organisations").get_data(as_text=True)
    slug = re.search(r'<th scope="row"><a href="/dashboard/network/organisations/([a-z0-9-]+)"', page).group(
        1
    )
    html = officer.get(f"/dashboard/network/organisations/{slug}").get_data(as_text=True)
    members = _unescape(re.search(r'<textarea name="members_text"[^>]*>([^<]*)<', html).group(1)).split()
    assert members
    form = {
        "csrf_token": csrf_of(officer),
        "name": _unescape(re.search(r'name="name" value="([^"]*)"', html).group(1)),
        "contact_email": re.search(r'name="contact_email" type="email" value="([^"]*)"', html).group(1),
        "members_text": "\n".join([*members[1:], "U0NEWPERSON1"]),
    }
    response = officer.post(f"/dashboard/network/organisations/{slug}", data=form)
    assert response.status_code == 302, text_of(response)
    db.expire_all()
    assert db.scalar(select(Member).where(Member.slack_user_id == members[0])) is None
    newcomer = db.scalar(select(Member).where(Member.slack_user_id == "U0NEWPERSON1"))
    assert newcomer.organisation.slug == slug
    assert "U0NEWPERSON1" in export_text(db)


# --- refusals: one sentence, nothing written ---------------------------------------------------


@pytest.mark.parametrize(
    ("change", "sentence"),
    [
        (
            {"members_text": "Jo Smith <jo.smith@wirral>"},
            "Children's Joint Commissioning Group, member 1's e-mail address: 'jo.smith@wirral' is not a "
            "valid e-mail address",
        ),
        (
            {"members_text": ""},
            "Children's Joint Commissioning Group would have no member able to act on its items",
        ),
        (
            {"parent": "wscb", "_board": "ctb"},
            "That would make a loop in the escalation ladder (Children's Trust Board → Wirral Safeguarding "
            "Children Board → Children's Trust Board); one board must be the top.",
        ),
        ({"channel": "linkedup cjcg"}, "is not a Slack channel id or #name"),
        ({"respond_days": "ten"}, "Time to respond must be a whole number from 1 to 60."),
        ({"name": "Children's Trust Board"}, "Another board is already called Children's Trust Board."),
    ],
    ids=["invalid-email", "no-member-left", "loop", "channel", "days", "same-name"],
)
def test_a_bad_board_change_is_refused_in_one_sentence_and_nothing_is_saved(
    officer, engine, change, sentence
):
    change = dict(change)  # the parameters are shared by the SQLite and PostgreSQL runs
    slug = change.pop("_board", "cjcg")
    form = board_form(officer, slug)
    form.update(change)
    before = dump(engine)
    response = officer.post(f"/dashboard/network/boards/{slug}", data=form)
    assert response.status_code == 400
    page = text_of(response)
    assert "Nothing was changed." in page and sentence in page
    assert len(re.findall(r'<div class="problem" role="alert">', response.get_data(as_text=True))) == 1
    assert dump(engine) == before


def test_a_new_board_with_another_boards_slug_is_refused(officer, engine):
    before = dump(engine)
    response = officer.post(
        "/dashboard/network/boards/new",
        data={
            "csrf_token": csrf_of(officer),
            "slug": "ctb",
            "name": "Another trust board",
            "channel": "#another",
            "acknowledge_days": "1",
            "respond_days": "5",
            "members_text": "U0SOMEONE1",
        },
    )
    assert response.status_code == 400
    assert "There is already a board with the slug 'ctb': Children's Trust Board." in text_of(response)
    assert dump(engine) == before
    assert 'value="Another trust board"' in response.get_data(as_text=True)  # what she typed is kept


def test_a_new_board_is_added_and_a_board_holding_items_cannot_be_removed(officer, db, engine):
    response = officer.post(
        "/dashboard/network/boards/new",
        data={
            "csrf_token": csrf_of(officer),
            "slug": "police",
            "name": "Police and Crime Partnership",
            "channel": "#linkedup-police",
            "acknowledge_days": "2",
            "respond_days": "10",
            "parent": "ctb",
            "members_text": "Inspector Jones <inspector.jones@merseyside.police.uk>",
        },
    )
    assert response.status_code == 302, text_of(response)
    db.expire_all()
    board = db.scalar(select(Board).where(Board.slug == "police"))
    assert (board.parent.slug, [m.email for m in board.members]) == (
        "ctb",
        ["inspector.jones@merseyside.police.uk"],
    )

    funding = db.scalar(select(Theme).where(Theme.slug == "funding-and-commissioning"))
    raise_and_route(
        db,
        now=utcnow(),
        render=RENDERER,
        slack_user_id=ORG_MEMBER,
        description="Rent",
        theme_id=str(funding.id),
    )
    db.commit()
    before = dump(engine)
    refused = officer.post("/dashboard/network/boards/cjcg/remove", data={"csrf_token": csrf_of(officer)})
    assert refused.status_code == 400
    assert "Children's Joint Commissioning Group holds 1 open item; re-assign it" in text_of(refused)
    assert dump(engine) == before

    removed = officer.post("/dashboard/network/boards/police/remove", data={"csrf_token": csrf_of(officer)})
    assert removed.status_code == 302
    db.expire_all()
    assert db.scalar(select(Board).where(Board.slug == "police")) is None


def test_an_invalid_contact_address_is_refused(officer, engine):
    before = dump(engine)
    response = officer.post(
        "/dashboard/network/organisations/new",
        data={"csrf_token": csrf_of(officer), "slug": "new-org", "name": "New Org", "contact_email": "info@"},
    )
    assert response.status_code == 400
    assert "New Org, contact e-mail: value is not a valid email address" in text_of(response)
    assert dump(engine) == before


def test_a_theme_with_issues_filed_under_it_is_kept_and_one_without_is_removed(officer, db, engine):
    funding = db.scalar(select(Theme).where(Theme.slug == "funding-and-commissioning"))
    raise_and_route(
        db,
        now=utcnow(),
        render=RENDERER,
        slack_user_id=ORG_MEMBER,
        description="Rent",
        theme_id=str(funding.id),
    )
    db.commit()
    before = dump(engine)
    refused = officer.post(
        "/dashboard/network/themes/funding-and-commissioning/remove", data={"csrf_token": csrf_of(officer)}
    )
    assert refused.status_code == 400
    assert "1 issue is filed under Funding and commissioning" in text_of(refused)
    assert dump(engine) == before

    removed = officer.post("/dashboard/network/themes/training/remove", data={"csrf_token": csrf_of(officer)})
    assert removed.status_code == 302
    assert "Removed the theme Training." in text_of(officer.get("/dashboard/network/themes"))
    db.expire_all()
    assert db.scalar(select(Theme).where(Theme.slug == "training")) is None
    assert "slug: training\n" not in export_text(db)


FORMS = {
    "/dashboard/network/boards/cjcg": (
        "name", "channel", "acknowledge_days", "respond_days", "parent", "chair", "members_text", "private",
    ),
    "/dashboard/network/boards/new": (
        "slug", "name", "channel", "acknowledge_days", "respond_days", "members_text",
    ),
    "/dashboard/network/themes/funding-and-commissioning": ("name", "board", "keywords"),
    "/dashboard/network/themes": ("slug", "name", "board", "keywords"),
    "/dashboard/network/meetings": ("board", "starts_at", "ends_at", "location"),
    "/dashboard/network/meetings/remove": ("board", "starts_at"),
    "/dashboard/network/organisations/new": ("slug", "name", "contact_email", "identifier", "members_text"),
    "/dashboard/network/boards/a%00b/remove": (),
}  # fmt: skip


@hypothesis_settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    path=st.sampled_from(sorted(FORMS)),
    values=st.lists(
        st.text(max_size=300) | st.sampled_from(["", "0", "-1", "99999999999999999999", "\x00"]),
        min_size=9,
        max_size=9,
    ),
)
def test_hostile_form_values_get_a_sentence_never_a_500(officer, path, values):
    data = {"csrf_token": csrf_of(officer), **dict(zip(FORMS[path], values, strict=False))}
    response = officer.post(path, data=data)
    assert response.status_code in (302, 400, 404), (path, data, response.status_code)
    if response.status_code == 400:
        assert 'role="alert"' in response.get_data(as_text=True)


# --- who may ------------------------------------------------------------------------------------

PAGES = [
    "/dashboard/network/boards",
    "/dashboard/network/boards/new",
    "/dashboard/network/boards/ctb",
    "/dashboard/network/themes",
    "/dashboard/network/meetings",
    "/dashboard/network/organisations",
    "/dashboard/network/organisations/new",
]


def test_only_the_officer_sees_or_changes_the_network(app, db, engine, wirral):
    member = sign_in(app, db, CTB_CHAIR)
    assert "/dashboard/network/" not in member.get("/dashboard/").get_data(as_text=True)
    for path in PAGES:
        assert member.get(path).status_code == 403, path
    before = dump(engine)
    response = member.post(
        "/dashboard/network/themes/funding-and-commissioning",
        data={"csrf_token": csrf_of(member), "name": "Mine now", "board": "ctb"},
    )
    assert response.status_code == 403
    assert "Only the network's officer changes" in text_of(response)
    assert dump(engine) == before
    assert app.test_client().get(PAGES[0]).status_code == 302  # a stranger is sent to sign in


def test_the_pages_carry_the_security_headers_and_need_the_forms_token(officer, engine):
    assert 'href="/dashboard/network/boards"' in officer.get("/dashboard/").get_data(as_text=True)
    for path in PAGES:
        response = officer.get(path)
        assert response.status_code == 200, path
        assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
        assert response.headers["Cache-Control"] == "no-store"
    before = dump(engine)
    response = officer.post("/dashboard/network/themes/funding-and-commissioning", data={"name": "No token"})
    assert response.status_code == 400
    assert dump(engine) == before


def words_of(response) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", text_of(response)).split())


def test_the_pages_name_people_and_boards_not_ids(officer):
    boards = words_of(officer.get("/dashboard/network/boards"))
    assert "Escalates to Health and Wellbeing Board" in boards
    assert "Director of Children's Services (demo)" in boards  # an e-mail member, by name
    themes = words_of(officer.get("/dashboard/network/themes"))
    assert "Goes to Children's Joint Commissioning Group." in themes


# --- reflow at 320 px (WCAG 2.2 1.4.10), in a real browser (skipped without Chromium, except in CI) ---


def test_the_network_pages_reflow_at_320px(chromium, live_dashboard):  # noqa: F811
    from tests.test_reflow import MEASURE

    base, app, session_factory = live_dashboard
    with transaction(session_factory) as session:
        link = issue_sign_in_link(session, OFFICER, base_url=base, secret=app.secret_key)
    page = chromium.new_page(viewport={"width": 320, "height": 640})
    page.goto(link)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base}/dashboard/")
    listing = page.context.request.get(f"{base}/dashboard/network/organisations").text()
    organisation = re.search(
        r'<th scope="row"><a href="(/dashboard/network/organisations/[a-z0-9-]+)"', listing
    )
    for path in [*PAGES, organisation.group(1)]:
        page.goto(base + path)
        measured = page.evaluate(MEASURE)
        assert measured["scrollWidth"] <= 320, (path, measured["scrollWidth"], measured["wide"])
    page.close()
