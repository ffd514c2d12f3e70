"""`linkedup org export ID` and `linkedup org erase ID --yes`, through the command line.

The organisation erased has done everything an organisation can: raised a routine and a sensitive
issue (answered, argued with, re-answered, reminded about), sent returns and feedback (answered),
had its cards and DMs delivered, signed in to the dashboard, been in a compiled bulletin's "You said,
we did", been unsubscribed by a Mailchimp webhook. After erasure, every text and JSON column of
every table is searched for every personal value the export showed — nothing may remain — and the
dashboard's and the board report's figures must be exactly what they were.
"""

from __future__ import annotations

import dataclasses
import html
import json
from datetime import timedelta

import pytest
from slack_sdk import WebClient
from sqlalchemy import JSON, String, Text, select

from bot.cli import main
from bot.escalation_jobs import run_sweep
from bot.outbox import deliver_due
from bulletins.compile import compile_bulletin
from bulletins.webhooks import apply_webhook
from escalations import flows
from handlers.escalation_views import RENDERER
from intake.feedback import reply_to_feedback
from models import BulletinContact, Issue, Member, Organisation
from models.base import Base, utcnow
from models.sign_in import issue_sign_in_link
from privacy.erase import MIN_SCRUB_LENGTH
from reporting.access import viewer_for
from reporting.board_report.report import build_board_report, parse_quarter
from reporting.open_issues import issue_totals, open_issues_by_board, open_issues_by_theme
from reporting.timeliness import board_timeliness
from reporting.waiting import capacity_now, waiting_by_category
from tests.reliability_support import (
    COLLEAGUE,
    EH_MEMBER,
    OFFICER,
    OTHER_MEMBER,
    RAISER,
    WSCB_MEMBER,
    build_world,
)
from tests.test_bulletin_compile import cli_database_url

ANSWER = "We have renewed the room hire at the Seacombe hub until March 2028."
SECOND_ANSWER = "Confirmed in writing: the Saturday drop-in keeps its room; the letter is on its way."
NOTE = "We still have no letter confirming the room, so families are worried about March."
SENSITIVE_ANSWER = "The designated officer met the school and the police on Thursday."
REPLY = "Thank you - the spring meeting will be in the same room."
OTHER_TITLE = "Leasowe youth club minibus has failed its MOT"


@pytest.fixture
def lived_in(db, session_factory, slack_api):
    """The world of `reliability_support`, after a few weeks of real use (see the module docstring)."""
    world = build_world(db)
    client = WebClient(base_url=slack_api.base_url, token="xoxb-test-token")
    now = utcnow()
    deliver_due(session_factory, client)
    flows.respond(
        db, escalation_id=world.routine_escalation_id, actor=EH_MEMBER, answer=ANSWER, outcome="accepted",
        now=now, render=RENDERER,
    )  # fmt: skip
    flows.not_satisfied(
        db, escalation_id=world.routine_escalation_id, actor=RAISER, note=NOTE, now=now, render=RENDERER
    )
    flows.respond(
        db, escalation_id=world.routine_escalation_id, actor=EH_MEMBER, answer=SECOND_ANSWER,
        outcome="accepted",
        now=now, render=RENDERER,
    )  # fmt: skip
    flows.acknowledge(
        db, escalation_id=world.sensitive_escalation_id, actor=WSCB_MEMBER, now=now, render=RENDERER
    )
    flows.respond(
        db, escalation_id=world.sensitive_escalation_id, actor=WSCB_MEMBER, answer=SENSITIVE_ANSWER,
        outcome="accepted", now=now, render=RENDERER,
    )  # fmt: skip
    reply_to_feedback(db, feedback_id=world.feedback_id, officer=OFFICER, text=REPLY)
    issue_sign_in_link(db, RAISER, base_url="http://localhost", secret="test-secret")
    organisation = db.get(Organisation, world.organisation_id)
    organisation.slug = "seacombe-young-carers"
    organisation.org_identifier = "GB-CHC-1234567"
    db.add(BulletinContact(email=organisation.contact_email, organisation_id=organisation.id))
    db.flush()
    apply_webhook(
        db,
        {"type": "unsubscribe", "fired_at": "2026-11-20 09:00:00", "data[email]": organisation.contact_email},
    )
    # Another organisation's item, which the erasure must leave exactly as it is.
    other = db.get(Organisation, world.other_organisation_id)
    other.contact_email = "minibus@leasowe-youth.example.org"
    db.add(
        Issue(reference="LU-2026-0900", organisation=other, raised_by=OTHER_MEMBER, title=OTHER_TITLE,
              description="It cannot take the youth club to the Saturday drop-in any more.")
    )  # fmt: skip
    db.commit()
    compile_bulletin(db, world.month, now=now + timedelta(minutes=1), actor=OFFICER)  # with the answer
    db.commit()
    run_sweep(session_factory, now=now + timedelta(days=30))
    deliver_due(session_factory, client)
    return world


def _cli(monkeypatch, engine, tmp_path, *argv) -> int:
    monkeypatch.setenv("DATABASE_URL", cli_database_url(engine))
    monkeypatch.chdir(tmp_path)
    return main(list(argv))


def _export(monkeypatch, engine, tmp_path, capsys, key) -> dict:
    assert _cli(monkeypatch, engine, tmp_path, "org", "export", str(key)) == 0
    out, err = capsys.readouterr()
    data = json.loads(out)
    if data["sensitive_issues"]:
        assert "share those only with whoever raised them" in err
    return data


def test_export_gives_the_organisation_all_its_data(lived_in, engine, tmp_path, monkeypatch, capsys):
    data = _export(monkeypatch, engine, tmp_path, capsys, lived_in.organisation_id)
    assert data["organisation"]["name"] == "Seacombe Young Carers (demo)"
    assert [s["name"] for s in data["services"]] == ["Young carers group"]
    assert {m["slack_user_id"] for m in data["members"]} == {RAISER, COLLEAGUE}
    issues = {i["reference"]: i for i in data["issues"]}
    assert set(issues) == {
        lived_in.routine_reference,
        lived_in.sensitive_reference,
        lived_in.triage_reference,
    }
    routine = issues[lived_in.routine_reference]
    assert routine["description"].startswith("The Saturday drop-in")
    assert [e["board_id"] for e in routine["escalations"]] == [lived_in.board_ids["eh"]]
    assert routine["escalations"][0]["answer"] == SECOND_ANSWER
    kinds = [line["kind"] for line in routine["history"]]
    assert {"routed", "responded", "not_satisfied"} <= set(kinds), kinds
    assert any(line["detail"].get("note") == NOTE for line in routine["history"])
    assert data["sensitive_issues"] == [lived_in.sensitive_reference]
    assert [r["number_waiting"] for r in data["waiting_list_returns"]] == [14]
    assert data["feedback"][0]["reply_text"] == REPLY
    assert data["bulletin_contacts"][0]["email"] == "hello@example.org"
    audited = {(a["entity"], a["action"]) for a in data["audit"]}
    assert ("issue", "issue.raised") in audited and ("feedback", "feedback.given") in audited
    assert ("bulletin_contact", "mailchimp.unsubscribe") in audited
    # Nothing of anyone else's.
    text = json.dumps(data)
    assert OTHER_TITLE not in text and OTHER_MEMBER not in text and "Birkenhead Parents Forum" not in text
    # By slug too, and to a file.
    out = tmp_path / "seacombe.json"
    assert (
        _cli(monkeypatch, engine, tmp_path, "org", "export", "seacombe-young-carers", "--out", str(out)) == 0
    )
    assert json.loads(out.read_text())["organisation"]["id"] == lived_in.organisation_id


def test_an_unknown_organisation_is_named_in_the_error(lived_in, engine, tmp_path, monkeypatch, capsys):
    for key in ("999999", "no-such-org", "²", "9" * 5000):
        assert _cli(monkeypatch, engine, tmp_path, "org", "export", key) == 2
        assert "No organisation has the id or slug" in capsys.readouterr().err


def _personal_values(data: dict) -> set[str]:
    """Every personal value the export showed: what the erasure promises to remove."""
    values = {data["organisation"][k] for k in ("name", "slug", "org_identifier", "contact_email")}
    values |= {m["slack_user_id"] for m in data["members"]} | {m["display_name"] for m in data["members"]}
    for issue in data["issues"]:
        values |= {issue[k] for k in ("title", "description", "affected_group", "source_link", "answer_text")}
        values.add(issue["raised_by"])
        values |= {e[k] for e in issue["escalations"] for k in ("answer", "decline_reason")}
        values |= {
            line["detail"].get(k)
            for line in issue["history"]
            if line["actor"] != "system"
            for k in ("note", "answer")
        }
    values |= {r["notes"] for r in data["waiting_list_returns"]} | {
        r["submitted_by"] for r in data["waiting_list_returns"]
    }
    values |= {f[k] for f in data["feedback"] for k in ("comment", "subject", "reply_text", "slack_user_id")}
    values |= {c["email"] for c in data["bulletin_contacts"]}
    return {v for v in values if isinstance(v, str) and len(v) >= MIN_SCRUB_LENGTH}


def _forms(value: str) -> set[str]:
    return {value, json.dumps(value)[1:-1], html.escape(value)}


def _everything_textual(engine) -> list[tuple[str, str, str]]:
    """(table, column, value) for every text or JSON value in the database."""
    found = []
    with engine.connect() as connection:
        for table in Base.metadata.sorted_tables:
            columns = [c for c in table.columns if isinstance(c.type, String | Text | JSON)]
            if not columns:
                continue
            for row in connection.execute(select(*columns)):
                for column, value in zip(columns, row, strict=True):
                    if value is not None:
                        text = value if isinstance(value, str) else json.dumps(value)
                        found.append((table.name, column.name, text))
    return found


def _figures(db, tmp_quarter) -> dict:
    """What the dashboard and the board report show the officer, organisation names aside."""
    db.expire_all()
    viewer = viewer_for(db, OFFICER)
    now = utcnow()
    report = dataclasses.asdict(build_board_report(db, tmp_quarter, now=now))
    report.pop("generated_at")
    return {
        "totals": issue_totals(db, viewer),
        "by_theme": open_issues_by_theme(db, viewer),
        "by_board": open_issues_by_board(db, viewer),
        "timeliness": [dataclasses.asdict(row) for row in board_timeliness(db, viewer, now=now)],
        "waiting": repr(waiting_by_category(db, viewer)),
        "capacity": [repr(row) for row in capacity_now(db, viewer)],
        "report": json.dumps(report, default=str),
    }


def _without_names(figures: dict, names: list[str]) -> str:
    def plain(text: str) -> str:
        for name in names:
            text = text.replace(name, "NAME")
        return text

    # Capacity rows come in the order of their category's name, which erasure may replace.
    figures = {**figures, "capacity": sorted(plain(row) for row in figures["capacity"])}
    return plain(json.dumps(figures, default=str))


def test_erase_without_yes_only_says_what_would_go(lived_in, engine, tmp_path, monkeypatch, capsys):
    before = _everything_textual(engine)
    assert _cli(monkeypatch, engine, tmp_path, "org", "erase", str(lived_in.organisation_id)) == 2
    out, err = capsys.readouterr()
    assert "This would erase:" in out and "Seacombe Young Carers (demo)" in out
    assert "issues emptied of text (kept for the counts): 3" in out
    assert "Mailchimp" in out and "network file" in out
    assert "nothing was erased; run again with --yes" in err
    assert _everything_textual(engine) == before


def test_erase_leaves_nothing_personal_and_every_figure_as_it_was(
    lived_in, db, engine, tmp_path, monkeypatch, capsys
):
    data = _export(monkeypatch, engine, tmp_path, capsys, lived_in.organisation_id)
    personal = _personal_values(data)
    assert {
        RAISER,
        COLLEAGUE,
        NOTE,
        ANSWER,
        SECOND_ANSWER,
        SENSITIVE_ANSWER,
        REPLY,
        "hello@example.org",
    } <= personal
    quarter = parse_quarter(f"{utcnow().year}Q{(utcnow().month - 1) // 3 + 1}")
    figures_before = _figures(db, quarter)
    textual_before = _everything_textual(engine)
    assert any(SECOND_ANSWER in text for table, _, text in textual_before if table == "bulletins"), (
        "the answer was in the bulletin's You said, we did"
    )

    assert _cli(monkeypatch, engine, tmp_path, "org", "erase", "seacombe-young-carers", "--yes") == 0
    out = capsys.readouterr().out
    assert out.startswith("Erased:")

    left = [
        f"{table}.{column}: …{text[max(0, text.find(form) - 40) : text.find(form) + 40]}…"
        for table, column, text in _everything_textual(engine)
        for value in personal
        for form in _forms(value)
        if form in text
    ]
    assert left == [], "\n".join(left[:20])

    # Every figure the officer and the boards see is unchanged (only the names differ).
    erased_name = f"Erased organisation {lived_in.organisation_id}"
    names = [
        "Seacombe Young Carers (demo)",
        erased_name,
        "Young carers group",
        f"Service {lived_in.service_id}",
        "erased category",  # its services' category, used by no other organisation, is a label too
        "young carers",
    ]
    assert _without_names(_figures(db, quarter), names) == _without_names(figures_before, names)

    # The organisation stays (renamed, no members); another organisation is untouched.
    db.expire_all()
    organisation = db.get(Organisation, lived_in.organisation_id)
    assert organisation.name == erased_name and organisation.contact_email is None
    assert db.scalars(select(Member).where(Member.organisation_id == organisation.id)).all() == []
    assert db.scalar(select(Member).where(Member.slack_user_id == OFFICER)) is not None
    other = db.scalar(select(Issue).where(Issue.reference == "LU-2026-0900"))
    assert other.title == OTHER_TITLE and other.raised_by == OTHER_MEMBER
    assert (
        db.scalar(select(Member).where(Member.slack_user_id == OTHER_MEMBER)).organisation_id
        == lived_in.other_organisation_id
    )
    # The erasure is itself audited, with counts only.
    assert _cli(monkeypatch, engine, tmp_path, "org", "export", str(lived_in.organisation_id)) == 0
    again = json.loads(capsys.readouterr().out)
    assert [a["action"] for a in again["audit"]][-1] == "organisation.erased"
    assert again["members"] == [] and all(i["title"] == "Erased issue" for i in again["issues"])
