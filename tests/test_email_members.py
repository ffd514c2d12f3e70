"""Board members outside Slack, end to end (issue 18 "Done when").

An issue is routed to a board whose members are e-mail only. The card arrives on a real local SMTP
server (aiosmtpd) — and, in the second test, through a GOV.UK Notify fake that checks the official
client's JWT and the documented request body. Following a link changes nothing (mail scanners open
every link); confirming on the page acknowledges, then a member's Respond link answers — through the
same flows as the Slack buttons, so the Slack card is updated and the raiser gets the answer in Slack.
The sweep's reminder and escalation e-mails go out on breach. Bad input: a reused, expired, altered
link, a link opened in a browser signed in as someone else, an already answered item.
"""

from __future__ import annotations

import json
import logging
import re
from datetime import UTC, datetime, time, timedelta
from urllib.parse import urlsplit

import pytest
from slack_sdk import WebClient
from sqlalchemy import select

from bot.app import create_app
from bot.outbox import deliver_due
from bot.settings import load_settings
from escalations import flows
from escalations.sweep import sweep_due
from handlers.escalation_views import RENDERER
from models import EmailLink, Escalation, EscalationState, Issue, IssueStatus, OutboxMessage, OutboxStatus
from models.email_links import new_link, sign_link
from tests import factories
from tests.conftest import engine_url
from tests.email_support import (
    CHAIR_ADDRESS,
    MEMBER_ADDRESS,
    email_board,
    html_of,
    links_in,
    smtp_server_fixture,  # noqa: F401 - fixture "smtp_server"
    text_of,
)
from tests.escalation_fixtures import RAISER, issue, network
from tests.fakes.notify_api import (
    API_KEY,
    SERVICE_ID,
    TEMPLATE_ID,
    notify_api_fixture,  # noqa: F401 - fixture "notify_api"
)
from tests.slack_requests import SIGNING_SECRET

SECRET = "test-secret-key-for-e-mail-links-0123456789"
HOSTILE_TITLE = "Short breaks <b>closing</b> & <script>alert(1)</script>"


def _settings(engine, slack_api, **mail):
    return load_settings(
        _env_file=None,
        database_url=engine_url(engine),
        slack_bot_token="xoxb-test-token",
        slack_signing_secret=SIGNING_SECRET,
        slack_api_url=slack_api.base_url,
        secret_key=SECRET,
        public_url="http://linkedup.test",
        **mail,
    )


@pytest.fixture
def smtp_app(engine, session_factory, slack_api, smtp_server):
    _, port = smtp_server
    settings = _settings(
        engine, slack_api, smtp_url=f"smtp://127.0.0.1:{port}?starttls=no", email_from="linkedup@example.org"
    )
    app = create_app(settings, engine=engine)
    app.config["TESTING"] = True
    yield app
    _no_email()


@pytest.fixture
def notify_app(engine, session_factory, slack_api, notify_api):
    settings = _settings(
        engine,
        slack_api,
        notify_api_key=API_KEY,
        notify_template_id=TEMPLATE_ID,
        notify_base_url=notify_api.base_url,
    )
    app = create_app(settings, engine=engine)
    app.config["TESTING"] = True
    yield app
    _no_email()


def _no_email() -> None:
    """E-mail is configured per process: leave none behind for the tests that follow."""
    from bot import email
    from escalations.ports import use_mail

    use_mail(None)
    email._transport[:] = []


def deliver(session_factory, slack_api) -> int:
    return deliver_due(session_factory, WebClient(base_url=slack_api.base_url, token="xoxb-test"))


def path_of(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def csrf_of(page: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def routed_to_email_board(db, *, sensitive: bool = False, private: bool = False):
    net = network(db)
    board, chair, member = email_board(db, parent=net.ctb, private=private)
    theme = factories.theme(db, "commissioning", "Commissioning", board=board)
    if sensitive:  # the safeguarding board is the one owning the safeguarding theme: make it this one
        net.safeguarding.board = board
        db.flush()
    item = issue(db, net.organisation, theme=theme, title=HOSTILE_TITLE, sensitive=sensitive)
    decision = flows.route_received_issue(db, item, now=datetime.now(UTC), render=RENDERER)
    db.commit()
    return net, board, chair, member, item, db.get(Escalation, decision.escalation_id)


def state_of(db, escalation_id: int) -> EscalationState:
    db.expire_all()
    return db.get(Escalation, escalation_id).state


def unused_links(db) -> int:
    return len(db.scalars(select(EmailLink).where(EmailLink.used_at.is_(None))).all())


def confirm(client, url: str, db, escalation_id: int, **form) -> tuple[int, str]:
    """Open the link (nothing may change), then press the page's button."""
    state, unused = state_of(db, escalation_id), unused_links(db)
    page = client.get(path_of(url))
    assert page.status_code == 200, page.get_data(as_text=True)
    # The link's page is not cached, and its address (the token) is never sent on as a referrer.
    assert page.headers["Cache-Control"] == "no-store" and page.headers["Referrer-Policy"] == "no-referrer"
    assert "default-src 'none'" in page.headers["Content-Security-Policy"]  # no script at all
    assert state_of(db, escalation_id) == state and unused_links(db) == unused  # GET acts on nothing
    html = page.get_data(as_text=True)
    assert "<script>alert" not in html and "&lt;script&gt;" in html
    done = client.post(path_of(url), data={"csrf_token": csrf_of(html), **form})
    return done.status_code, done.get_data(as_text=True)


def slack_dms_to(slack_api, user: str) -> list[str]:
    channels = {user, "D" + user[1:]}  # posted to the user id, or to the DM conversations.open gave
    return [
        json.dumps(call.args)
        for call in slack_api.of("chat.postMessage")
        if call.args.get("channel") in channels
    ]


# --- the whole path, through SMTP ----------------------------------------------------------------


def test_email_only_board_acknowledges_and_answers_from_smtp_links(
    smtp_app, session_factory, db, smtp_server, slack_api, caplog
):
    caplog.set_level(logging.DEBUG)
    inbox, _ = smtp_server
    _, _board, chair, member, item, escalation = routed_to_email_board(db)
    deliver(session_factory, slack_api)

    [card] = inbox.wait_for(CHAIR_ADDRESS, 1)
    inbox.wait_for(MEMBER_ADDRESS, 1)
    assert item.reference in card["Subject"] and "\n" not in card["Subject"]
    assert "&lt;script&gt;" in html_of(card) and "<script>" not in html_of(card)
    assert "Dear Jo Smith" in text_of(card)
    assert f"Urgency: {item.urgency.value.capitalize()}" in text_of(card), "the card's word, capitalised"
    links = links_in(card)
    assert set(links) == {
        "Acknowledge",
        "Respond",
        "Decline",
        "Re-assign to another board",
        "Escalate to the next board",
    }
    assert slack_api.of("chat.postMessage"), "the card is still posted in the board's channel"

    client = smtp_app.test_client()
    status, page = confirm(client, links["Acknowledge"], db, escalation.id)
    assert status == 200 and "is acknowledged" in page
    db.expire_all()
    acknowledged = db.get(Escalation, escalation.id)
    assert (
        acknowledged.state == EscalationState.ACKNOWLEDGED
        and acknowledged.acknowledged_by == f"mail:{chair.id}"
    )
    assert db.get(Issue, item.id).status == IssueStatus.ACKNOWLEDGED
    # The raiser's status note is queued for Slack, naming the member (never by address).
    notes = [m for m in db.scalars(select(OutboxMessage)) if (m.payload or {}).get("user") == RAISER]
    assert notes and not any(CHAIR_ADDRESS in json.dumps(m.payload) for m in notes)

    again = client.get(path_of(links["Acknowledge"]))
    assert again.status_code == 403 and "already been used" in again.get_data(as_text=True)

    # Sam answers from their own e-mail's Respond link.
    sams = links_in(inbox.to(MEMBER_ADDRESS)[0])
    status, page = confirm(
        client, sams["Respond"], db, escalation.id, answer="We will fund two more places.", outcome="accepted"
    )
    assert status == 200 and "has gone back to the organisation" in page
    db.expire_all()
    answered = db.get(Escalation, escalation.id)
    assert answered.state == EscalationState.RESPONDED and answered.responded_by == f"mail:{member.id}"
    assert db.get(Issue, item.id).status == IssueStatus.ANSWERED

    deliver(session_factory, slack_api)
    assert any("We will fund two more places." in dm for dm in slack_dms_to(slack_api, RAISER))
    updates = [json.dumps(call.args) for call in slack_api.of("chat.update")]
    assert updates, "the Slack card shows the answer"
    assert any("Jo Smith (by e-mail)" in u for u in updates) and not any("mail:" in u for u in updates)
    confirmation = inbox.wait_for(CHAIR_ADDRESS, 2)[-1]
    assert "has answered" in confirmation["Subject"] and "We will fund two more places." in text_of(
        confirmation
    )

    # The item is answered: Jo's Decline link is refused with where the item stands.
    refused = client.get(path_of(links["Decline"]))
    assert refused.status_code == 409 and "already answered" in refused.get_data(as_text=True)
    # No log line of ours holds an address (aiosmtpd's own "mail.log" is the test server's, not ours).
    ours = [r for r in caplog.records if not r.name.startswith("mail.log")]
    assert ours and not any(a in r.getMessage() for r in ours for a in (CHAIR_ADDRESS, MEMBER_ADDRESS))


def test_the_same_through_the_notify_fake(notify_app, session_factory, db, notify_api, slack_api):
    _, _board, _chair, _member, _item, escalation = routed_to_email_board(db)
    deliver(session_factory, slack_api)
    assert {sent["email_address"] for sent in notify_api.sent} == {CHAIR_ADDRESS, MEMBER_ADDRESS}
    assert notify_api.refused == []
    for sent in notify_api.sent:
        assert sent["claims"]["iss"] == SERVICE_ID and sent["template_id"] == TEMPLATE_ID
        assert "\n" not in sent["personalisation"]["subject"]
    to_chair = next(s for s in notify_api.sent if s["email_address"] == CHAIR_ADDRESS)
    links = {
        m["label"].strip(): m["url"]
        for m in re.finditer(
            r"^(?P<label>[^:\n]+): (?P<url>https?://\S+/dashboard/email/act/\S+)$",
            to_chair["content"]["body"],
            re.M,
        )
    }
    client = notify_app.test_client()
    status, _ = confirm(client, links["Acknowledge"], db, escalation.id)
    assert status == 200 and state_of(db, escalation.id) == EscalationState.ACKNOWLEDGED
    status, _ = confirm(
        client, links["Respond"], db, escalation.id, answer="Agreed at the next meeting.", outcome="partly"
    )
    assert status == 200 and state_of(db, escalation.id) == EscalationState.RESPONDED
    deliver(session_factory, slack_api)
    assert any("Agreed at the next meeting." in dm for dm in slack_dms_to(slack_api, RAISER))


def test_notify_refusing_is_retried_and_never_logs_the_address(
    notify_app, session_factory, db, notify_api, slack_api, caplog
):
    notify_api.fail_next.extend([500, 500])
    routed_to_email_board(db)
    deliver(session_factory, slack_api)
    failed = [m for m in db.scalars(select(OutboxMessage).where(OutboxMessage.method == "email"))]
    assert failed and all(m.status.value == "pending" for m in failed)
    assert any("500" in (m.last_error or "") for m in failed)
    for message in failed:
        assert CHAIR_ADDRESS not in (message.last_error or "") and MEMBER_ADDRESS not in (
            message.last_error or ""
        )
    assert CHAIR_ADDRESS not in caplog.text and MEMBER_ADDRESS not in caplog.text

    # Retried with back-off; after the last attempt it is marked failed for the officer, as Slack's are.
    from bot.outbox import MAX_ATTEMPTS

    db.expire_all()
    waiting = [m for m in db.scalars(select(OutboxMessage).where(OutboxMessage.method == "email"))]
    assert all(m.next_attempt_at.replace(tzinfo=UTC) > datetime.now(UTC) for m in waiting if m.attempts)
    for message in waiting:
        message.attempts, message.next_attempt_at = MAX_ATTEMPTS - 1, datetime.now(UTC) - timedelta(seconds=1)
    db.commit()
    notify_api.fail_next.extend([500] * len(waiting))
    deliver(session_factory, slack_api)
    db.expire_all()
    settled = db.scalars(select(OutboxMessage).where(OutboxMessage.method == "email")).all()
    assert {m.status.value for m in settled} == {"failed"}
    assert all("GOV.UK Notify answered 500" in m.last_error for m in settled)
    assert CHAIR_ADDRESS not in caplog.text


# --- refusals ------------------------------------------------------------------------------------


def test_expired_altered_and_other_persons_links_are_refused(
    smtp_app, session_factory, db, smtp_server, slack_api
):
    inbox, _ = smtp_server
    _, _board, chair, member, item, escalation = routed_to_email_board(db)
    client = smtp_app.test_client()

    old = new_link(
        db, chair, "acknowledge", escalation_id=escalation.id, now=datetime.now(UTC) - timedelta(days=8)
    )
    db.commit()
    expired = client.get(f"/dashboard/email/act/{sign_link(SECRET, old, chair.id)}")
    assert expired.status_code == 403 and "expired" in expired.get_data(as_text=True)

    fresh = new_link(db, chair, "acknowledge", escalation_id=escalation.id, now=datetime.now(UTC))
    db.commit()
    altered = client.get(f"/dashboard/email/act/{sign_link(SECRET, fresh, member.id)}")
    assert altered.status_code == 403 and "sent to someone else" in altered.get_data(as_text=True)
    forged = client.get(f"/dashboard/email/act/{sign_link('another key', fresh, chair.id)}")
    assert forged.status_code == 403 and "not valid" in forged.get_data(as_text=True)

    # Sam signs in by e-mail, then opens Jo's link in the same browser.
    page = client.get("/dashboard/sign-in/email")
    asked = client.post(
        "/dashboard/sign-in/email",
        data={"csrf_token": csrf_of(page.get_data(as_text=True)), "email": "Sam.Patel@NHS.example.org"},
    )
    assert asked.status_code == 200 and "on its way" in asked.get_data(as_text=True)
    deliver(session_factory, slack_api)
    sign_in_mail = next(m for m in inbox.wait_for(MEMBER_ADDRESS, 2) if "sign-in" in m["Subject"])
    sign_in_url = links_in(sign_in_mail)["Sign in"]
    shown = client.get(path_of(sign_in_url))
    signed = client.post(path_of(sign_in_url), data={"csrf_token": csrf_of(shown.get_data(as_text=True))})
    assert signed.status_code == 302
    overview = client.get("/dashboard/")
    assert "Sam Patel" in overview.get_data(as_text=True)
    for page_path in (
        "/dashboard/issues",
        "/dashboard/waiting-lists",
        "/dashboard/meetings",
        f"/dashboard/issues/{item.reference}",
    ):
        assert client.get(page_path).status_code == 200, page_path  # a board member's dashboard

    jos = links_in(inbox.wait_for(CHAIR_ADDRESS, 1)[0])
    other = client.get(path_of(jos["Acknowledge"]))
    assert other.status_code == 403 and "sent to another board member" in other.get_data(as_text=True)
    assert state_of(db, escalation.id) == EscalationState.OPEN

    # An unknown address gets the same answer, and nothing is sent.
    page = client.get("/dashboard/sign-in/email")
    before = len(inbox.messages)
    asked = client.post(
        "/dashboard/sign-in/email",
        data={"csrf_token": csrf_of(page.get_data(as_text=True)), "email": "nobody@example.org"},
    )
    assert asked.status_code == 200 and "on its way" in asked.get_data(as_text=True)
    deliver(session_factory, slack_api)
    assert len(inbox.messages) == before


def test_a_sensitive_item_is_never_described_in_an_email(
    smtp_app, session_factory, db, smtp_server, slack_api
):
    inbox, _ = smtp_server
    _, _board, chair, _member, _item, escalation = routed_to_email_board(db, sensitive=True, private=True)
    deliver(session_factory, slack_api)
    [mail] = inbox.wait_for(CHAIR_ADDRESS, 1)
    whole = mail.as_string()
    assert "Short breaks" not in whole and "twelve weeks" not in whole and "Seacombe" not in whole
    assert "safeguarding-sensitive" in mail["Subject"]
    assert links_in(mail) == {}
    item_page = f"/dashboard/email/item/{escalation.id}"
    assert item_page in text_of(mail)

    # The item's page is behind sign-in: Jo signs in by e-mail, reads it there and acknowledges it.
    client = smtp_app.test_client()
    assert client.get(item_page).status_code == 302
    page = client.get(f"/dashboard/sign-in/email?next={item_page}")
    client.post(
        "/dashboard/sign-in/email",
        data={"csrf_token": csrf_of(page.get_data(as_text=True)), "email": CHAIR_ADDRESS, "next": item_page},
    )
    deliver(session_factory, slack_api)
    sign_in_mail = next(m for m in inbox.wait_for(CHAIR_ADDRESS, 2) if "sign-in" in m["Subject"])
    url = links_in(sign_in_mail)["Sign in"]
    shown = client.get(path_of(url))
    signed = client.post(
        path_of(url), data={"csrf_token": csrf_of(shown.get_data(as_text=True)), "next": item_page}
    )
    assert signed.status_code == 302 and signed.headers["Location"].endswith(item_page)
    opened = client.get(item_page)
    html = opened.get_data(as_text=True)
    assert opened.status_code == 200 and "&lt;script&gt;" in html and "twelve weeks" in html
    done = client.post(f"{item_page}/acknowledge", data={"csrf_token": csrf_of(html)})
    assert done.status_code == 200 and state_of(db, escalation.id) == EscalationState.ACKNOWLEDGED
    assert db.get(Escalation, escalation.id).acknowledged_by == f"mail:{chair.id}"


# --- the sweep -----------------------------------------------------------------------------------


def _sweep_until(db, now: datetime, done, *, steps: int = 8) -> datetime:
    for _ in range(steps):
        sweep_due(db, now=now, render=RENDERER)
        db.commit()
        if done():
            return now
        now += timedelta(hours=6)
    raise AssertionError("the sweep never got there")


def test_the_sweep_reminds_and_escalates_by_email_on_breach(
    smtp_app, session_factory, db, smtp_server, slack_api
):
    inbox, _ = smtp_server
    net = network(db)
    board, _chair, _member = email_board(db, parent=net.ctb)
    reminded = issue(
        db, net.organisation, theme=factories.theme(db, "commissioning", "Commissioning", board=board)
    )
    start = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
    first = flows.route_received_issue(db, reminded, now=start, render=RENDERER).escalation_id
    child = factories.board(
        db, "grp", "Short Breaks Group", channel="C0GRP00001", parent=board, chair_slack_user_id="U0GRPCHAIR"
    )
    climbing = issue(
        db, net.organisation, theme=factories.theme(db, "short-breaks", "Short breaks", board=child)
    )
    second = flows.route_received_issue(db, climbing, now=start, render=RENDERER).escalation_id
    db.commit()
    deliver(session_factory, slack_api)
    inbox.wait_for(CHAIR_ADDRESS, 1)

    def nudged() -> bool:
        return any(":email:nudge:1:" in k for k in db.scalars(select(OutboxMessage.key)))

    _sweep_until(db, start + timedelta(hours=1), nudged)
    assert not [
        m
        for m in db.scalars(select(OutboxMessage))
        if m.key.startswith(f"escalation:{first}:nudge") and (m.payload or {}).get("user") == "U0OFFICER1"
    ], "an e-mail board is reminded itself, not via the officer"
    deliver(session_factory, slack_api)
    reminders = [
        m
        for m in inbox.to(CHAIR_ADDRESS)
        if m["Subject"].startswith(("Reminder", "LU-")) and "Reminder 1 of at most 2" in text_of(m)
    ]
    assert reminders and inbox.to(MEMBER_ADDRESS)

    def moved() -> bool:
        return state_of(db, second) == EscalationState.ESCALATED

    respond_by = db.get(Escalation, second).respond_by
    _sweep_until(db, respond_by + timedelta(minutes=1), moved)
    deliver(session_factory, slack_api)
    arrived = [
        m for m in inbox.to(CHAIR_ADDRESS) if "has come to the Joint Commissioning Group" in m["Subject"]
    ]
    assert arrived and climbing.reference in arrived[0]["Subject"]
    # Each e-mail once: a second pass of the sweep queues nothing new.
    count = len(db.scalars(select(OutboxMessage.key)).all())
    sweep_due(db, now=respond_by + timedelta(minutes=2), render=RENDERER)
    db.commit()
    assert len(db.scalars(select(OutboxMessage.key)).all()) == count


# --- the digest, with the meeting as an invitation ---------------------------------------------------


def test_the_digest_goes_to_an_email_chair_with_the_meeting_attached(
    smtp_app, session_factory, db, smtp_server, slack_api
):
    from escalations.digest import digest_day, send_digests
    from escalations.working_days import at_london
    from models import Meeting

    inbox, _ = smtp_server
    _, board, _chair, _member, item, _escalation = routed_to_email_board(db)
    starts = at_london(datetime.now(UTC).date() + timedelta(days=10), time(10, 0))
    meeting = Meeting(
        board=board, title=board.name, starts_at=starts, location="Wallasey Town Hall", uid="jcg/1"
    )
    db.add(meeting)
    db.commit()
    when = at_london(digest_day(meeting), time(11, 0))
    assert send_digests(db, now=when, render=RENDERER) == 1
    db.commit()
    assert send_digests(db, now=when, render=RENDERER) == 0  # once
    deliver(session_factory, slack_api)
    digest = next(m for m in inbox.wait_for(CHAIR_ADDRESS, 2) if "pending" in m["Subject"])
    assert item.reference in text_of(digest) and "/calendar.ics?board=jcg" in text_of(digest)
    [invitation] = [part for part in digest.iter_attachments() if part.get_content_type() == "text/calendar"]
    ics = invitation.get_content()
    ics = ics.decode() if isinstance(ics, bytes) else ics
    assert "BEGIN:VEVENT" in ics and f"UID:meeting-{meeting.id}@" in ics and "Wallasey Town Hall" in ics
    assert invitation.get_filename() == "meeting.ics"
    assert not [m for m in inbox.to(MEMBER_ADDRESS) if "pending" in m["Subject"]], (
        "the chair's, not everyone's"
    )


def test_start_up_and_doctor_say_which_email_transport_is_on(engine, slack_api):
    from bot.commands.serve import capabilities

    def line(**mail) -> str:
        return next(x for x in capabilities(_settings(engine, slack_api, **mail)) if x.startswith("E-mail"))

    assert line().startswith("E-mail: DISABLED — set NOTIFY_API_KEY")
    assert line(smtp_url="smtp://mail.example.org:587", email_from="a@example.org") == (
        "E-mail: enabled (SMTP via mail.example.org:587)"
    )
    assert line(notify_api_key=API_KEY, notify_template_id=TEMPLATE_ID) == "E-mail: enabled (GOV.UK Notify)"
    assert "NOTIFY_TEMPLATE_ID is not set" in line(notify_api_key=API_KEY)
    from bot.email import capability

    keyless = load_settings(_env_file=None, smtp_url="smtp://mail.example.org", email_from="a@example.org")
    assert "set SECRET_KEY" in capability(keyless)


def test_access_log_lines_hide_the_links_tokens():
    from bot.log_privacy import redact_request_line

    line = redact_request_line("GET /dashboard/email/act/eyJuIjoiYWJjIiwibSI6M30.axbx.qITZ HTTP/1.1")
    assert line == "GET /dashboard/email/act/[redacted] HTTP/1.1"


def test_without_email_a_board_with_nobody_in_slack_is_chased_through_the_officer(
    engine, session_factory, db, slack_api
):
    """No NOTIFY_API_KEY and no SMTP_URL: nothing is e-mailed, so a board whose members are all outside
    Slack has no member able to act on a reminder — the officer is reminded in their place."""
    create_app(_settings(engine, slack_api), engine=engine)  # this process: no e-mail transport
    net = network(db)
    board, _chair, _member = email_board(db, parent=net.ctb)
    item = issue(
        db, net.organisation, theme=factories.theme(db, "commissioning", "Commissioning", board=board)
    )
    start = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
    escalation_id = flows.route_received_issue(db, item, now=start, render=RENDERER).escalation_id
    db.commit()
    assert not db.scalars(select(OutboxMessage).where(OutboxMessage.method == "email")).all()

    def nudged() -> bool:
        return any(
            k.startswith(f"escalation:{escalation_id}:nudge:1") for k in db.scalars(select(OutboxMessage.key))
        )

    _sweep_until(db, start + timedelta(hours=1), nudged)
    nudges = [
        m
        for m in db.scalars(select(OutboxMessage))
        if m.key.startswith(f"escalation:{escalation_id}:nudge:1")
    ]
    assert [m.payload.get("user") for m in nudges] == ["U0OFFICER1"]


def test_decline_needs_a_reason_and_escalate_moves_the_item_up(
    smtp_app, session_factory, db, smtp_server, slack_api
):
    inbox, _ = smtp_server
    net, _board, _chair, _member, _item, escalation = routed_to_email_board(db)
    deliver(session_factory, slack_api)
    jos, sams = links_in(inbox.wait_for(CHAIR_ADDRESS, 1)[0]), links_in(inbox.wait_for(MEMBER_ADDRESS, 1)[0])
    client = smtp_app.test_client()

    status, page = confirm(client, jos["Decline"], db, escalation.id, reason="   ")
    assert status == 400 and "Say why it is declined" in page
    assert state_of(db, escalation.id) == EscalationState.OPEN  # nothing half-saved, the link still works
    status, page = confirm(
        client, sams["Escalate to the next board"], db, escalation.id, reason="Needs the CTB's budget"
    )
    assert status == 200 and "has gone up to the Children&#39;s Trust Board" in page
    assert state_of(db, escalation.id) == EscalationState.ESCALATED
    deliver(session_factory, slack_api)
    assert any(call["channel"] == net.ctb.slack_channel for call in slack_api.of("chat.postMessage"))
    left = [
        m
        for m in inbox.wait_for(CHAIR_ADDRESS, 2)
        if "has left the Joint Commissioning Group" in m["Subject"]
    ]
    assert left and "escalated to the Children's Trust Board" in left[0]["Subject"] and not links_in(left[0])
    moved_on = client.get(path_of(jos["Decline"]))
    assert moved_on.status_code == 409 and "moved up the ladder" in moved_on.get_data(as_text=True)


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("notify_api_key", "not-a-key", "NOTIFY_API_KEY: Value error, a GOV.UK Notify API key is"),
        ("smtp_url", "http://mail.example.org", "SMTP_URL: Value error, an SMTP URL is"),
        ("email_from", "linkedup", "EMAIL_FROM: Value error, the sender's address"),
    ],
)
def test_a_malformed_email_setting_stops_start_up_naming_it(variable, value, message):
    from bot.settings import SettingsError

    with pytest.raises(SettingsError) as refused:
        load_settings(_env_file=None, **{variable: value})
    assert message in str(refused.value) and (value not in str(refused.value) or variable == "email_from")


def test_a_follow_up_due_reaches_a_chair_outside_slack(smtp_app, session_factory, db, smtp_server, slack_api):
    from datetime import date

    from escalations.working_days import at_london
    from models.email_links import actor_of

    inbox, _ = smtp_server
    net = network(db)
    board, chair, _member = email_board(db, parent=net.ctb)
    item = issue(
        db, net.organisation, theme=factories.theme(db, "commissioning", "Commissioning", board=board)
    )
    start = at_london(date(2026, 6, 1), time(10, 0))  # a Monday
    escalation_id = flows.route_received_issue(db, item, now=start, render=RENDERER).escalation_id
    flows.respond(
        db,
        escalation_id=escalation_id,
        actor=actor_of(chair),
        answer="We will check the new places in two days.",
        outcome="accepted",
        follow_up_date=date(2026, 6, 3),
        now=start,
        render=RENDERER,
    )
    db.commit()
    sweep_due(db, now=at_london(date(2026, 6, 3), time(10, 0)), render=RENDERER)
    db.commit()
    deliver(session_factory, slack_api)
    due = [m for m in inbox.wait_for(CHAIR_ADDRESS, 3) if m["Subject"].startswith("Follow-up due today")]
    assert due and item.reference in due[0]["Subject"] and "Linked-up officer" in text_of(due[0])
    assert not [m for m in inbox.to(MEMBER_ADDRESS) if m["Subject"].startswith("Follow-up")], "the chair's"


def test_without_slack_credentials_the_worker_still_sends_the_emails(
    engine, session_factory, db, smtp_server, slack_api
):
    """A council that runs the bot for its boards' e-mail before Slack is connected: the worker's poll
    sends the e-mails, and the Slack messages queued beside them wait (pending) for Slack."""
    from bot import worker
    from bot.runtime import Context

    inbox, port = smtp_server
    settings = load_settings(
        _env_file=None,
        database_url=engine_url(engine),
        secret_key=SECRET,
        public_url="http://linkedup.test",
        smtp_url=f"smtp://127.0.0.1:{port}?starttls=no",
        email_from="linkedup@example.org",
    )
    assert not settings.slack_enabled
    try:
        worker.use_context(Context(settings, engine, session_factory))
        routed_to_email_board(db)
        assert worker.deliver_outbox() >= 2
        inbox.wait_for(CHAIR_ADDRESS, 1)
        inbox.wait_for(MEMBER_ADDRESS, 1)
        db.expire_all()
        waiting = db.scalars(select(OutboxMessage).where(OutboxMessage.status == OutboxStatus.PENDING)).all()
        assert waiting and all(m.method != "email" for m in waiting)
        assert not slack_api.of("chat.postMessage")
    finally:
        worker._context = None
        _no_email()
