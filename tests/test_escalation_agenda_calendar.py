"""The meeting agenda, the board calendar (parsed back with icalendar), the pre-meeting digest, the
jobs and the CLI, and Block Kit limits for everything the escalation domain renders."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from icalendar import Calendar
from sqlalchemy import select, text

from bot.escalation_jobs import run_sweep, send_meeting_digests, sweep_escalations
from bot.runtime import Context
from escalations import flows
from escalations.agenda import draft_agenda, render_text
from escalations.digest import send_digests
from escalations.meetings import add_meeting, parse_meeting
from escalations.views import CardAction, CardView, DigestItem, DigestView, Notice, NoticeKind
from handlers.blockkit import render as render_blocks
from handlers.escalation_views import RENDERER, SlackRenderer, agenda_blocks
from models import Escalation, EscalationEvent, Meeting, OutboxMessage
from models.base import utcnow
from models.db import make_session_factory
from models.errors import NotAllowed, ValidationError
from tests import factories
from tests.conftest import engine_url
from tests.escalation_fixtures import OFFICER, RAISER, at, issue, network

NOW = at("2026-06-10 11:00")  # Wednesday


def meeting(db, board, when: str, title: str, uid: str, location: str | None = None) -> Meeting:
    row = Meeting(
        board=board, title=title, starts_at=at(when), location=location, uid=uid, source="network_file"
    )
    db.add(row)
    db.flush()
    return row


# --- agenda ------------------------------------------------------------------------------------


def test_agenda_groups_items_since_the_last_meeting_and_flags_systemic_themes(db):
    net = network(db)
    other = factories.organisation(db, "Leasowe Youth Club (demo)", members=("U0LEASOWE1",))
    third = factories.organisation(db, "Birkenhead Foodbank (demo)", members=("U0BIRKEN01",))
    meeting(db, None, "2026-05-20 10:00", "Linked-up network meeting", "lu-may")
    meeting(db, None, "2026-07-22 10:00", "Linked-up network meeting", "lu-july")
    # Funding: raised by three organisations within 90 days (one before the last meeting): systemic.
    old = issue(db, third, theme=net.funding, title="Grant cut", created_at=at("2026-04-01 10:00"))
    a = issue(db, net.organisation, theme=net.funding, title="Core costs", created_at=at("2026-06-01 10:00"))
    b = issue(db, other, theme=net.funding, title="Rent rise", created_at=at("2026-06-02 10:00"))
    hidden = issue(
        db, other, theme=net.funding, title="Sensitive", sensitive=True, created_at=at("2026-06-03 10:00")
    )
    # Early help: one organisation, twice; one of them overdue at its board.
    c = issue(db, net.organisation, theme=net.early_help, created_at=at("2026-05-25 10:00"))
    issue(db, net.organisation, theme=net.early_help, title="Second", created_at=at("2026-06-04 10:00"))
    too_old = issue(db, other, theme=net.early_help, title="Ancient", created_at=at("2026-01-05 10:00"))
    flows.route_received_issue(db, c, now=at("2026-05-25 10:00"), render=RENDERER)
    db.commit()

    draft = draft_agenda(db, now=NOW)
    assert draft.meeting.startswith("Linked-up network meeting — Wed 22 Jul 2026")
    assert draft.since == at("2026-05-20 10:00")
    assert draft.items == 5 and draft.overdue == 1
    themes = {t.theme: t for t in draft.themes}
    assert themes["Funding"].items == 3 and themes["Funding"].organisations == 2
    assert themes["Funding"].references == (a.reference, b.reference)
    assert themes["Funding"].sensitive == 1
    assert themes["Early help"].overdue == 1
    assert dict(themes["Early help"].states) == {"received": 2}
    (systemic,) = draft.systemic
    assert systemic.theme == "Funding" and systemic.organisations == 3
    assert old.reference in systemic.references and hidden.reference not in systemic.references
    assert too_old.reference not in render_text(draft)
    printed = render_text(draft)
    assert "Funding: 3 items from 2 organisations" in printed
    assert "(+1 safeguarding-sensitive, not listed)" in printed
    assert "Systemic issues (3+ organisations in 90 days):" in printed
    # Titles, and why the overdue one still waits (it sits at the Early Help board past both deadlines).
    assert f"{a.reference} “Core costs”" in printed and f"{b.reference} “Rent rise”" in printed
    (late,) = [item for item in themes["Early help"].listed if item.overdue_reason]
    assert late.reference == c.reference
    assert "no answer from the Early Help Strategic Board" in late.overdue_reason
    assert "the next sweep moves it up to the Children's Trust Board" in late.overdue_reason
    assert f"{c.reference} “{c.title}” — overdue: no answer from" in printed
    blocks = render_blocks(agenda_blocks(draft))
    assert len(blocks) <= 50
    assert "“Core costs”" in json.dumps(blocks, ensure_ascii=False)


def test_agenda_with_no_meetings_covers_the_last_two_months(db):
    net = network(db)
    issue(db, net.organisation, theme=None, created_at=NOW - timedelta(days=10))
    db.commit()
    draft = draft_agenda(db, now=NOW)
    assert draft.meeting is None and draft.items == 1
    assert draft.themes[0].theme.startswith("No theme yet")
    assert "No theme was raised by 3 or more" in render_text(draft)


def test_cli_agenda_and_calendar(engine, session_factory, tmp_path, monkeypatch, capsys):
    from bot.cli import main

    with session_factory() as db:
        net = network(db)
        issue(db, net.organisation, theme=net.funding, created_at=utcnow() - timedelta(days=1))
        ctb_id = meeting(db, net.ctb, "2030-01-15 10:00", "Children's Trust Board", "ctb-2030").id
        db.commit()
    url = engine_url(engine)
    if engine.dialect.name == "postgresql":
        with engine.connect() as connection:
            schema = connection.execute(text("SHOW search_path")).scalar()
        url += f"?options=-csearch_path%3D{schema}"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.chdir(tmp_path)
    assert main(["agenda"]) == 0
    out = capsys.readouterr().out
    assert "Issues and challenges" in out and "Funding: 1 item from 1 organisation" in out
    assert main(["agenda", "--since", "yesterday"]) == 2
    assert "--since" in capsys.readouterr().err
    assert main(["calendar", "--board", "ctb", "-o", str(tmp_path / "ctb.ics")]) == 0
    parsed = Calendar.from_ical((tmp_path / "ctb.ics").read_bytes())
    assert [str(e["uid"]).partition("@")[0] for e in parsed.walk("VEVENT")] == [f"meeting-{ctb_id}"]
    assert main(["calendar", "--board", "nope"]) == 2
    assert main(["sweep"]) == 0
    assert "sweep:" in capsys.readouterr().out


# --- calendar ----------------------------------------------------------------------------------


def test_calendar_ics_parses_back(app, db):
    net = network(db)
    first = meeting(
        db, net.ctb, "2026-07-14 10:00", "Children's Trust Board", "ctb-2026-07", "Wallasey Town Hall"
    )
    lu = meeting(db, None, "2026-12-01 14:00", "Linked-up network meeting", "lu-2026-12")
    added = add_meeting(db, actor=OFFICER, text="eh 2026-09-03 09:30 Birkenhead Library", now=NOW)
    db.commit()
    response = app.test_client().get("/calendar.ics")
    assert response.status_code == 200
    assert response.mimetype == "text/calendar"
    calendar = Calendar.from_ical(response.data)
    assert str(calendar["prodid"]).startswith("-//Linked-up bot")
    events = {str(e["uid"]): e for e in calendar.walk("VEVENT")}
    uids = {
        row: next(uid for uid in events if uid.startswith(f"meeting-{row.id}@")) for row in (first, lu, added)
    }
    assert set(events) == set(uids.values())
    assert not any(re.search(r"20\d\d", uid) for uid in events)  # no start time in a UID
    assert all(int(e["sequence"]) == 0 for e in events.values())
    ctb = events[uids[first]]
    assert ctb.decoded("dtstart") == at("2026-07-14 10:00")  # 09:00 UTC in BST
    assert ctb.decoded("dtend") - ctb.decoded("dtstart") == timedelta(hours=2)
    assert str(ctb["summary"]) == "Children's Trust Board" and str(ctb["location"]) == "Wallasey Town Hall"
    assert events[uids[lu]].decoded("dtstart") == at("2026-12-01 14:00")  # GMT in winter
    only = Calendar.from_ical(app.test_client().get("/calendar.ics?board=eh").data)
    assert [str(e["uid"]) for e in only.walk("VEVENT")] == [uids[added]]
    assert app.test_client().get("/calendar.ics?board=nope").status_code == 404


@pytest.mark.parametrize(
    ("text_", "error"),
    [
        ("eh", "Type `meeting add"),
        ("eh 2026-13-01 10:00", "is not a date and time"),
        ("eh 2026-06-01 10:00", "has passed"),
        ("eh 2030-06-01 10:00", "two years"),
        ("nope 2026-09-01 10:00", "There is no board “nope”"),
    ],
)
def test_meeting_add_refuses_bad_input(db, text_, error):
    network(db)
    with pytest.raises(ValidationError) as raised:
        add_meeting(db, actor=OFFICER, text=text_, now=NOW)
    assert error in raised.value.errors["meeting"]


def test_only_the_officer_adds_meetings_and_times_are_london(db):
    network(db)
    with pytest.raises(NotAllowed):
        add_meeting(db, actor=RAISER, text="eh 2026-09-03 09:30", now=NOW)
    request = parse_meeting("linkedup 2026-11-03 09:30 Town hall", now=NOW)
    assert request.board == "linkedup" and request.starts_at == at("2026-11-03 09:30")
    assert request.location == "Town hall"


# --- the pre-meeting digest --------------------------------------------------------------------


def test_digest_goes_to_the_representative_two_working_days_before(db):
    net = network(db)
    item = issue(db, net.organisation, theme=net.funding, title="Rent rise")
    secret = issue(db, net.organisation, theme=net.funding, title="Named child", sensitive=True)
    flows.route_received_issue(db, item, now=at("2026-06-01 10:00"), render=RENDERER)
    flows.route_by_officer(
        db,
        reference=secret.reference,
        board="wscb",
        actor=OFFICER,
        now=at("2026-06-01 10:00"),
        render=RENDERER,
    )
    meeting(db, net.ctb, "2026-06-11 10:00", "Children's Trust Board meeting", "ctb-june")  # Thursday
    db.commit()
    assert send_digests(db, now=at("2026-06-08 10:00"), render=RENDERER) == 0  # Monday: too early
    assert send_digests(db, now=at("2026-06-09 08:00"), render=RENDERER) == 0  # before working hours
    assert send_digests(db, now=at("2026-06-09 10:00"), render=RENDERER) == 1  # Tuesday
    db.commit()
    digest = db.scalar(select(OutboxMessage).where(OutboxMessage.key.like("meeting:%:digest")))
    assert digest.method == "dm" and digest.payload["user"] == "U0CTBREP01"
    blocks = str(digest.payload["blocks"])
    assert item.reference in blocks and "Rent rise" in blocks
    assert secret.reference not in blocks  # the WSCB's item is not the CTB's
    assert send_digests(db, now=at("2026-06-09 15:00"), render=RENDERER) == 0  # once only
    assert send_digests(db, now=at("2026-06-10 10:00"), render=RENDERER) == 0
    kinds = db.scalars(select(EscalationEvent.kind).where(EscalationEvent.kind == "digest_sent")).all()
    assert kinds == ["digest_sent"]


def test_a_digest_missed_while_the_worker_was_down_is_sent_late(db):
    net = network(db)
    meeting(db, net.ctb, "2026-06-11 10:00", "Children's Trust Board meeting", "ctb-june")
    db.commit()
    assert send_digests(db, now=at("2026-06-10 16:00"), render=RENDERER) == 1
    db.commit()
    digest = db.scalar(select(OutboxMessage).where(OutboxMessage.key.like("meeting:%:digest")))
    assert "Nothing is pending" in str(digest.payload["blocks"])


def test_the_jobs_run_against_the_database(engine, session_factory, settings):
    with session_factory() as db:
        net = network(db)
        item = issue(db, net.organisation, theme=net.early_help)
        flows.route_received_issue(db, item, now=utcnow() - timedelta(days=30), render=RENDERER)
        meeting(db, net.ctb, "2031-01-15 10:00", "Children's Trust Board meeting", "ctb-2031")
        db.commit()
    ctx = Context(settings, engine, session_factory)
    assert sweep_escalations(ctx) >= 1  # a month overdue: it moves up the ladder now
    assert send_meeting_digests(ctx) == 0
    with session_factory() as db:
        assert flows.live_escalation(db, item.id).board_name == "Children's Trust Board"


class FailsFor(SlackRenderer):
    """A renderer that breaks on one item, to prove one bad row does not stop the sweep."""

    def __init__(self, reference: str):
        self.reference = reference

    def notice(self, view: Notice) -> dict:
        if view.reference == self.reference:
            raise RuntimeError("broken template")
        return super().notice(view)


def test_one_failing_row_is_postponed_and_the_rest_are_swept(engine, session_factory):
    with session_factory() as db:
        net = network(db)
        items = [issue(db, net.organisation, theme=net.early_help, title=f"Item {n}") for n in range(3)]
        for item in items:
            flows.route_received_issue(db, item, now=at("2026-06-01 10:00"), render=RENDERER)
        db.commit()
        bad = items[1].reference
    report = run_sweep(make_session_factory(engine), now=at("2026-06-02 09:00"), render=FailsFor(bad))
    assert report.reminders == 2
    with session_factory() as db:
        rows = {e.issue.reference: e for e in db.scalars(select(Escalation))}
        assert rows[bad].reminders_sent == 0 and rows[bad].next_step_at == at("2026-06-02 09:15")
        assert all(rows[i.reference].reminders_sent == 1 for i in items if i.reference != bad)


# --- Block Kit limits ---------------------------------------------------------------------------


def _card(**overrides) -> CardView:
    fields = dict(
        escalation_id=7,
        reference="LU-2026-0042",
        title="T" * 150,
        description="Long description. " * 400,
        theme="Theme " * 30,
        urgency="urgent",
        organisation="O" * 200,
        organisation_withheld=False,
        sensitive=False,
        board="Board " * 40,
        ladder=tuple(f"Board {n}" for n in range(30)),
        rung=3,
        state="responded",
        acknowledge_by="Tue 2 Jun 2026, 18:00",
        respond_by="Mon 8 Jun 2026, 18:00",
        acknowledge_overdue=True,
        respond_overdue=True,
        acknowledged="<@U1>, Tue 2 Jun 2026, 10:00",
        responded="<@U1>, Tue 2 Jun 2026, 11:00",
        outcome="declined",
        answer="Answer. " * 500,
        decline_reason="Reason. " * 200,
        follow_up="Wed 1 Jul 2026",
        officer_alerted=True,
        moved_on="Moved " * 800,
        history=tuple(f"line {n} " + "x" * 200 for n in range(60)),
        affected="12-15, young carers " * 20,
        source_link="https://linkedup.slack.com/archives/C1/p1",
        actions=tuple(CardAction),
    )
    fields.update(overrides)
    return CardView(**fields)


def test_the_largest_card_fits_slacks_limits():
    body = RENDERER.card(_card())
    assert len(body["blocks"]) <= 50 and len(body["text"]) <= 3000
    for block in body["blocks"]:
        if block["type"] == "section" and "text" in block:
            assert len(block["text"]["text"]) <= 3000
        if block["type"] == "header":
            assert len(block["text"]["text"]) <= 150
        for field in block.get("fields", []):
            assert len(field["text"]) <= 2000


def test_a_withheld_organisation_never_appears_on_the_card():
    body = RENDERER.card(_card(organisation=None, organisation_withheld=True, sensitive=True))
    assert "OOOO" not in str(body) and "withheld" in str(body)


def test_a_digest_of_two_hundred_items_and_long_notices_fit():
    items = tuple(
        DigestItem(f"LU-2026-{n:04d}", "Title " * 20, "open", "Mon 8 Jun 2026, 18:00", n % 2 == 0)
        for n in range(200)
    )
    body = RENDERER.digest(DigestView(board="CTB", meeting="CTB meeting", when="Thu", items=items))
    assert len(body["blocks"]) <= 50
    notice = RENDERER.notice(
        Notice(
            kind=NoticeKind.ANSWER,
            reference="LU-1",
            title="t",
            heading="H" * 400,
            lines=tuple("line " * 300 for _ in range(100)),
            escalation_id=1,
        )
    )
    assert len(notice["blocks"]) <= 50
