"""Leavers: the officer removes a person (in Slack, on the command line, or by reloading the network
file with `--yes`); their dashboard sessions end at once, they can no longer raise issues, read the
organisation's history or sign in, and what they raised stays with the organisation. Adding a person
is the officer's too; everyone else is refused and nothing changes.
"""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.cli import main
from bot.paths import DEMO_NETWORK_FILE
from escalations.messages import enqueue_rows
from models import AuditLog, Issue, Member, outbox
from models.db import transaction
from models.joining import JoinRequest, RequestKind
from models.outbox import OutboxMessage, OutboxStatus
from models.sign_in import SignInLink, issue_sign_in_link
from network_file.loader import load_path
from tests import factories
from tests.dashboard_support import link_for, sign_in
from tests.intake_support import deliver, dms_to, opened_view
from tests.test_bulletin_compile import cli_database_url

OFFICER = "U0OFFICER1"
LEAVER = "U0LEAVER01"
STAYER = "U0STAYER01"
NEWCOMER = "U0NEWCOMER"


@pytest.fixture
def org(db):
    """An organisation with two members; the leaver has raised an issue."""
    factories.officer(db, OFFICER)
    org = factories.organisation(db, members=(LEAVER, STAYER), slug="seacombe")
    factories.organisation(db, "Leasowe Youth Club (demo)", members=("U0OTHERORG",), slug="leasowe")
    db.add(Issue(reference="LU-2026-0007", organisation=org, raised_by=LEAVER, title="Room", description="x"))
    db.commit()
    return org


def _member(db, slack_user_id: str) -> Member | None:
    db.expire_all()
    return db.scalar(select(Member).where(Member.slack_user_id == slack_user_id))


def _removals(db) -> list[AuditLog]:
    return list(db.scalars(select(AuditLog).where(AuditLog.action == "member.removed")))


def test_the_officer_removes_a_leaver_in_slack_and_their_sessions_end(app, slack, slack_api, db, org):
    browser = sign_in(app, db, LEAVER)
    assert browser.get("/dashboard/").status_code == 200
    unused = link_for(app, db, LEAVER)

    answer = slack.command(f"member remove seacombe {LEAVER}", user_id=OFFICER).get_json()
    assert "is no longer a member" in answer["text"] and f"<@{LEAVER}>" in answer["text"]

    assert _member(db, LEAVER) is None and _member(db, STAYER) is not None
    assert browser.get("/dashboard/").status_code == 302, "the open session ended at once"
    assert app.test_client().get(unused).status_code != 200, "an unused sign-in link no longer works"
    assert (
        db.scalar(select(SignInLink).where(SignInLink.slack_user_id == LEAVER, SignInLink.used_at.is_(None)))
        is None
    )
    # No longer speaks for the organisation, reads its history or gets a dashboard link.
    opened = len(slack_api.of("views.open"))
    for command, said in (
        ("issue", "not part of a registered organisation"),
        ("status", "not part of a registered organisation"),
        ("history LU-2026-0007", "There is no item LU-2026-0007 that you can see"),
        ("dashboard", "this Slack account is none of"),
    ):
        body = slack.command(command, user_id=LEAVER).get_json()
        assert said in body["text"], (command, body)
    assert len(slack_api.of("views.open")) == opened, "no form opened for them"
    # What they raised stays with the organisation, and the removal is audited.
    item = db.scalar(select(Issue).where(Issue.reference == "LU-2026-0007"))
    assert item.organisation_id == org.id and item.raised_by == LEAVER
    [row] = _removals(db)
    assert row.actor == OFFICER and row.entity == "organisation" and row.entity_id == str(org.id)
    assert row.before["member"] == LEAVER and row.after["dashboard_sessions_ended"] == 1

    # A second removal (a retried command) changes nothing.
    again = slack.command(f"member remove seacombe {LEAVER}", user_id=OFFICER).get_json()
    assert "was not a member" in again["text"] and len(_removals(db)) == 1


def test_the_officer_adds_a_person_once(slack, slack_api, db, org):
    answer = slack.command(f"member add {org.id} <@{NEWCOMER}|sam>", user_id=OFFICER).get_json()
    assert "is now a member" in answer["text"]
    assert _member(db, NEWCOMER).organisation_id == org.id
    assert (
        "was already" in slack.command(f"member add seacombe {NEWCOMER}", user_id=OFFICER).get_json()["text"]
    )
    assert len(list(db.scalars(select(AuditLog).where(AuditLog.action == "member.added")))) == 1
    # The new member can raise an issue at once (the form opens).
    slack.command("issue", user_id=NEWCOMER)
    assert opened_view(slack_api)["callback_id"]


@pytest.mark.parametrize(
    ("text", "said"),
    [
        (f"member add leasowe {LEAVER}", "remove them there first"),
        (f"member remove seacombe {OFFICER}", "is an officer"),
        (f"member add no-such-org {NEWCOMER}", "No organisation has the id or slug"),
        ("member add seacombe @sam", "Slack member id"),
        ("member remove seacombe", "Type `/linkedup member"),
    ],
)
def test_mistakes_are_explained_and_change_nothing(slack, db, org, text, said):
    answer = slack.command(text, user_id=OFFICER).get_json()
    assert said in answer["text"], answer
    assert _member(db, LEAVER).organisation_id == org.id and _member(db, NEWCOMER) is None
    assert _removals(db) == []


@pytest.mark.parametrize("user", [LEAVER, STAYER, "U0OTHERORG", "U0STRANGER"])
def test_only_the_officer_may_add_or_remove(slack, db, org, user):
    for text in (f"member remove seacombe {LEAVER}", f"member add seacombe {NEWCOMER}"):
        answer = slack.command(text, user_id=user).get_json()
        assert "Only the development officer" in answer["text"], answer
    assert _member(db, LEAVER).organisation_id == org.id and _member(db, NEWCOMER) is None


def _cli(monkeypatch, engine, tmp_path, *argv) -> int:
    monkeypatch.setenv("DATABASE_URL", cli_database_url(engine))
    monkeypatch.chdir(tmp_path)
    return main(list(argv))


def test_org_member_add_and_remove_on_the_command_line(db, engine, org, tmp_path, monkeypatch, capsys):
    assert issue_sign_in_link(db, LEAVER, base_url="http://localhost", secret="s")
    db.commit()
    assert _cli(monkeypatch, engine, tmp_path, "org", "member", "add", "seacombe", NEWCOMER) == 0
    assert f"{NEWCOMER} is now a member of" in capsys.readouterr().out
    db.commit()
    assert _cli(monkeypatch, engine, tmp_path, "org", "member", "remove", str(org.id), LEAVER) == 0
    assert f"{LEAVER} is no longer a member of" in capsys.readouterr().out
    assert _member(db, LEAVER) is None and _member(db, NEWCOMER).organisation_id == org.id
    assert db.scalar(select(SignInLink).where(SignInLink.slack_user_id == LEAVER)) is None
    assert _removals(db)[0].actor == "linkedup org member"
    assert _cli(monkeypatch, engine, tmp_path, "org", "member", "remove", "seacombe", "nobody") == 2
    assert "Slack member id" in capsys.readouterr().err


def test_reloading_the_network_file_names_leavers_then_removes_them_with_yes(
    app, db, engine, session_factory, tmp_path, monkeypatch, capsys
):
    with transaction(session_factory) as session:
        load_path(session, DEMO_NETWORK_FILE)
    text = DEMO_NETWORK_FILE.read_text(encoding="utf-8")
    assert text.count("members: [U0DEMOORG08, U0DEMOORG09]") == 1
    edited = tmp_path / "wirral.yaml"
    edited.write_text(text.replace("members: [U0DEMOORG08, U0DEMOORG09]", "members: [U0DEMOORG08]"))
    browser = sign_in(app, db, "U0DEMOORG09")
    assert browser.get("/dashboard/").status_code == 200

    assert _cli(monkeypatch, engine, tmp_path, "network", "load", str(edited)) == 0
    out = capsys.readouterr().out
    assert "1 member(s) are no longer listed by their organisation and were kept: U0DEMOORG09" in out
    assert "--yes" in out
    assert _member(db, "U0DEMOORG09") is not None and browser.get("/dashboard/").status_code == 200

    assert _cli(monkeypatch, engine, tmp_path, "network", "load", str(edited), "--yes") == 0
    out = capsys.readouterr().out
    assert "Removed 1 member(s) the file no longer lists: U0DEMOORG09" in out
    assert _member(db, "U0DEMOORG09") is None and _member(db, "U0DEMOORG08") is not None
    assert browser.get("/dashboard/").status_code == 302
    [row] = _removals(db)
    assert row.actor == "cli" and "no longer listed by moreton-minds" in row.after["why"]
    [home] = db.scalars(select(OutboxMessage).where(OutboxMessage.topic == "left:U0DEMOORG09"))
    assert home.method == "views.publish" and home.payload["user_id"] == "U0DEMOORG09"
    assert "no longer a member of *Moreton" in json.dumps(home.payload["view"])

    # Loading the same file again: nothing left to remove, nothing changes.
    assert _cli(monkeypatch, engine, tmp_path, "network", "load", str(edited), "--yes") == 0
    assert "no changes" in capsys.readouterr().out and len(_removals(db)) == 1


def _outbox(db, key: str) -> OutboxMessage:
    db.expire_all()
    return db.scalar(select(OutboxMessage).where(OutboxMessage.key == key))


# What waits in the outbox when the officer removes LEAVER: their private messages (a DM, a file in their
# DM, one queued in bulk as a notice's are) and the same for a colleague who stays; a card in a channel.
WAITING = {
    "reminder:leaver": ("dm", {"user": LEAVER, "text": "Seacombe's return is due"}),
    "file:leaver": ("files.upload", {"user": LEAVER, "filename": "a.csv", "content_base64": "YQ=="}),
    "notice:leaver": ("dm", {"user": LEAVER, "text": "Safeguarding update for Seacombe"}),
    "reminder:stayer": ("dm", {"user": STAYER, "text": "Seacombe's return is due"}),
    "card:board": ("chat.postMessage", {"channel": "C0BOARD01", "text": "An issue for the board"}),
}


def test_a_leaver_s_home_says_so_and_what_waited_for_them_is_kept_but_never_sent(
    slack, slack_api, db, session_factory, org
):
    already = outbox.enqueue(db, key="sent:leaver", method="dm", payload={"user": LEAVER, "text": "Hi"})
    already.status = OutboxStatus.SENT
    for key, (method, payload) in WAITING.items():
        if key == "notice:leaver":
            enqueue_rows(db, [{"key": key, "method": method, "payload": payload}])
        else:
            outbox.enqueue(db, key=key, method=method, payload=payload)
    db.commit()

    slack.command(f"member remove seacombe {LEAVER}", user_id=OFFICER)
    deliver(session_factory, slack_api)

    assert dms_to(slack_api, LEAVER) == [] and not slack_api.of("conversations.open")
    assert [m["text"] for m in dms_to(slack_api, STAYER)] == ["Seacombe's return is due"]
    assert len(slack_api.of("chat.postMessage")) == 2  # the stayer's reminder and the board's card
    [home] = [call.args for call in slack_api.of("views.publish") if call.args["user_id"] == LEAVER]
    shown = json.dumps(home["view"])
    assert home["view"]["type"] == "home" and "no longer a member of *Seacombe" in shown
    for key in ("reminder:leaver", "file:leaver", "notice:leaver"):
        row = _outbox(db, key)
        assert row.status == OutboxStatus.FAILED, key
        assert row.last_error.startswith("Not sent: the person it was for is no longer a member of Seacombe")
        assert row.payload == WAITING[key][1], "the record stays as it was queued"
    assert _outbox(db, "sent:leaver").status == OutboxStatus.SENT
    assert {_outbox(db, key).status for key in ("reminder:stayer", "card:board")} == {OutboxStatus.SENT}
    [row] = _removals(db)
    assert row.after["messages_not_sent"] == 3

    # A second removal (a retried command) publishes nothing again.
    slack.command(f"member remove seacombe {LEAVER}", user_id=OFFICER)
    deliver(session_factory, slack_api)
    assert len([c for c in slack_api.of("views.publish") if c.args["user_id"] == LEAVER]) == 1


@pytest.mark.parametrize(
    ("queued", "came_back", "sent"),
    [
        (timedelta(minutes=-1), None, False),  # queued by a transaction that had not seen the removal
        (timedelta(minutes=1), None, False),  # queued afterwards by code that did not ask (a reminder)
        (timedelta(minutes=-1), "added", True),  # the officer added them again
        (timedelta(minutes=1), "applied", True),  # they asked to join again: the receipt is theirs
        (timedelta(minutes=-1), "applied", False),  # ... but not what was queued before they left
    ],
)
def test_delivery_refuses_a_dm_to_someone_who_left_and_has_not_come_back(
    slack, slack_api, db, session_factory, org, queued, came_back, sent
):
    slack.command(f"member remove seacombe {LEAVER}", user_id=OFFICER)
    deliver(session_factory, slack_api)
    if came_back == "added":
        slack.command(f"member add seacombe {LEAVER}", user_id=OFFICER)
    marker = db.scalar(select(OutboxMessage).where(OutboxMessage.topic == f"left:{LEAVER}"))
    if came_back == "applied":
        db.add(
            JoinRequest(
                reference="LU-2026-0099", kind=RequestKind.JOIN, slack_user_id=LEAVER, organisation=org
            )
        )
    message = outbox.enqueue(db, key="late:leaver", method="dm", payload={"user": LEAVER, "text": "Late"})
    message.created_at = marker.created_at + queued
    db.commit()

    deliver(session_factory, slack_api)

    row = _outbox(db, "late:leaver")
    assert [m["text"] for m in dms_to(slack_api, LEAVER)] == (["Late"] if sent else [])
    assert row.status == (OutboxStatus.SENT if sent else OutboxStatus.FAILED)
    if not sent:
        assert row.last_error == "Not sent: the person it was for is no longer a member of the network."
        assert row.attempts == 0, "refused before any attempt"
    # Someone who never left is never refused.
    outbox.enqueue(db, key="note:stayer", method="dm", payload={"user": STAYER, "text": "Note"})
    db.commit()
    deliver(session_factory, slack_api)
    assert [m["text"] for m in dms_to(slack_api, STAYER)] == ["Note"]


def test_erasing_the_organisation_leaves_no_trace_of_its_leaver_in_the_outbox(
    slack, slack_api, db, session_factory, org
):
    from privacy.erase import erase_organisation

    slack.command(f"member remove seacombe {LEAVER}", user_id=OFFICER)
    with transaction(session_factory) as session:
        erase_organisation(session, session.get(type(org), org.id), actor="test")
    db.expire_all()
    for row in db.scalars(select(OutboxMessage)):
        assert LEAVER not in json.dumps([row.key, row.topic, row.payload, row.last_error]), row.key
