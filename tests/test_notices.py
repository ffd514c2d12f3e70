"""Issue 17's "done when": a safeguarding update to the organisations serving ages 0–5 and a MASH training
notice with 10 places to two service categories reach exactly the right people, once each; some
acknowledge; places are asked for past the cap (a waiting list); reminders go only to the outstanding,
in working hours, capped; the sender is told at the deadline; and the report page, the CSV and the
quarterly figures agree. Then each kind of bad input gets a clear answer and stores nothing."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from audience.selection import AudienceSpec
from bot.outbox import deliver_due
from bot.slack import web_client
from handlers.notice_views import RENDERER
from models import (
    Member,
    Notice,
    NoticeRecipient,
    NoticeStatus,
    OrganisationStatus,
    OutboxMessage,
    OutboxStatus,
)
from models.errors import NotAllowed, ValidationError
from models.notices import PlaceStatus
from notices.compose import Draft, create_draft
from notices.delivery import confirm, due_ids, send_scheduled
from notices.reminders import MAX_REMINDERS, remind_due, summarise_due
from notices.responses import acknowledge, request_place
from reporting.board_report.notices import quarterly_rows
from reporting.notices import delivery_report, figures_by_kind, report_csv, totals_of
from reporting.periods import LONDON, parse_period
from tests import factories
from tests.dashboard_support import sign_in

OFFICER = "U0OFFICER1"
WSCB_MEMBER = "U0WSCB0001"
WSCB_CHAIR = "U0WSCBCHR1"
SENT = datetime(2027, 1, 11, 10, 0, tzinfo=UTC)  # a Monday; London is on UTC in January
DEADLINE = datetime(2027, 1, 15, 17, 0, tzinfo=UTC)

EARLY_YEARS = ("U0NURSE001", "U0NURSE002")  # stay and play, 0–4
FAMILY_SAFETY = ("U0SAFE0001",)  # recovery group 0–11 (and a 13–18 programme)
PARENTS = ("U0PARENT01",)  # parenting course 3–11
YOUTH = tuple(f"U0YOUTH{n:03d}" for n in range(6))  # youth club 8–19
MINDS = tuple(f"U0MINDS{n:03d}" for n in range(6))  # mental health 11–25
TEENS_ONLY = ("U0TEENS001",)  # 13–18 only: not 0–5
PENDING = ("U0PEND0001",)  # a pending organisation serving 0–4: reached by nobody


@pytest.fixture
def world(db):
    factories.officer(db, OFFICER)
    wscb = factories.board(db, "wscb", "Safeguarding Children Board", members=(WSCB_MEMBER,))
    wscb.sends_notices = True
    wscb.chair_slack_user_id = WSCB_CHAIR
    factories.board(db, "cjcg", "Joint Commissioning Group", members=("U0CJCG0001",))
    nursery = factories.organisation(db, "Little Steps Nursery", members=EARLY_YEARS)
    factories.service(db, nursery, "Stay and play", category="early years", min_age=0, max_age=4)
    safety = factories.organisation(db, "Family Safety Project", members=FAMILY_SAFETY)
    factories.service(db, safety, "Recovery group", category="domestic abuse support", min_age=0, max_age=11)
    factories.service(db, safety, "Teen workshops", category="domestic abuse support", min_age=13, max_age=18)
    parents = factories.organisation(db, "Parents Together", members=PARENTS)
    factories.service(db, parents, "Parenting course", category="parenting", min_age=3, max_age=11)
    youth = factories.organisation(db, "Wallasey Youth Club", members=YOUTH)
    factories.service(db, youth, "Senior club", category="youth club", min_age=8, max_age=19)
    minds = factories.organisation(db, "Moreton Minds", members=MINDS)
    factories.service(db, minds, "Counselling", category="mental health", min_age=11, max_age=25)
    teens = factories.organisation(db, "Teen Voices", members=TEENS_ONLY)
    factories.service(db, teens, "Forum", category="participation", min_age=13, max_age=18)
    pending = factories.organisation(db, "Pending Tots", members=PENDING, status=OrganisationStatus.PENDING)
    factories.service(db, pending, "Tots", category="early years", min_age=0, max_age=4)
    db.commit()


def safeguarding_draft(**changes) -> Draft:
    fields = dict(
        kind="safeguarding",
        title="Sentinel notice: unsafe sleeping products",
        body="Please share with all staff working with babies. Details: https://example.org/sentinel",
        audience=AudienceSpec(age_range=(0, 5)),
        requires_acknowledgement=True,
        deadline=DEADLINE,
        channel="C0GENERAL1",
    )
    return Draft(**{**fields, **changes})


def training_draft(**changes) -> Draft:
    fields = dict(
        kind="training",
        title="MASH training: making a referral",
        body="Half-day session on the Multi-Agency Safeguarding Hub.",
        link="https://example.org/mash",
        audience=AudienceSpec(categories=("youth club", "mental health")),
        places=10,
    )
    return Draft(**{**fields, **changes})


def send(db, sender: str, draft: Draft, now: datetime = SENT) -> Notice:
    preview = create_draft(db, sender, draft, now=now)
    notice = confirm(db, preview.notice.id, sender, RENDERER, now=now)
    db.commit()
    return notice


def dms(slack_api, notice_id: int) -> dict[str, int]:
    """How many DMs of this notice's card each person's DM received."""
    counts: dict[str, int] = {}
    for call in slack_api.of("chat.postMessage"):
        blocks = json.dumps(call.args.get("blocks") or [])
        if call.args.get("addressed_to") and f'"value": "{notice_id}"' in blocks:
            counts[call.args["addressed_to"]] = counts.get(call.args["addressed_to"], 0) + 1
    return counts


def test_a_safeguarding_update_and_a_mash_training_notice_from_sending_to_the_report(
    app, db, session_factory, settings, slack_api, world
):
    client = web_client(settings)
    update = send(db, WSCB_MEMBER, safeguarding_draft())
    training = send(db, OFFICER, training_draft())
    assert update.audience_summary == "4 people in 3 organisations serving ages 0–5"
    assert training.audience_summary == "12 people in 2 organisations serving youth club and mental health"
    # The Slack side: every DM, the channel pointer and the notes to the senders, delivered.
    while deliver_due(session_factory, client):
        pass
    assert dms(slack_api, update.id) == dict.fromkeys(EARLY_YEARS + FAMILY_SAFETY + PARENTS, 1)
    assert dms(slack_api, training.id) == dict.fromkeys(YOUTH + MINDS, 1)
    assert slack_api.of("conversations.open") == [], "DMs go to the user id"
    [pointer] = [c for c in slack_api.of("chat.postMessage") if c.args.get("channel") == "C0GENERAL1"]
    assert "unsafe sleeping" not in json.dumps(pointer.args).lower(), "no safeguarding detail in a channel"
    assert "sentinel" not in json.dumps(pointer.args).lower()

    # Acknowledgements: two of four; a second press changes nothing.
    for person in ("U0NURSE001", "U0SAFE0001"):
        assert acknowledge(db, update.id, person, RENDERER, now=SENT + timedelta(hours=1)).changed
    assert not acknowledge(db, update.id, "U0NURSE001", RENDERER, now=SENT + timedelta(hours=2)).changed
    db.commit()

    # Places: twelve ask for ten places, in order; the last two wait, numbered.
    answers = [
        request_place(db, training.id, person, RENDERER, now=SENT + timedelta(minutes=n))
        for n, person in enumerate(YOUTH + MINDS)
    ]
    db.commit()
    assert [a.recipient.place for a in answers] == [PlaceStatus.PLACE] * 10 + [PlaceStatus.WAITING] * 2
    assert "number 2" in answers[-1].sentence
    again = request_place(db, training.id, YOUTH[0], RENDERER, now=SENT + timedelta(hours=3))
    assert not again.changed and again.recipient.place is PlaceStatus.PLACE
    while deliver_due(session_factory, client):
        pass
    updates = [c for c in slack_api.of("chat.update") if c.args.get("channel") == "D" + "U0NURSE001"[1:]]
    assert len(updates) == 1 and "You acknowledged this" in json.dumps(updates[0].args)

    # Reminders: only the two outstanding, a working day apart, in working hours, at most twice.
    assert remind_due(db, RENDERER, now=SENT + timedelta(hours=2)) == 0, "less than a working day on"
    assert remind_due(db, RENDERER, now=SENT + timedelta(days=1, hours=1)) == 2
    assert remind_due(db, RENDERER, now=SENT + timedelta(days=1, hours=2)) == 0, "not again so soon"
    assert remind_due(db, RENDERER, now=SENT + timedelta(days=2, hours=12)) == 0, "22:00: out of hours"
    assert remind_due(db, RENDERER, now=SENT + timedelta(days=3, hours=1)) == 2
    assert remind_due(db, RENDERER, now=SENT + timedelta(days=4, hours=1)) == 0, f"at most {MAX_REMINDERS}"
    db.commit()
    reminded = db.scalars(
        select(OutboxMessage.payload["user"].as_string()).where(OutboxMessage.key.like("notice:%:reminder:%"))
    ).all()
    assert sorted(reminded) == ["U0NURSE002", "U0NURSE002", "U0PARENT01", "U0PARENT01"]

    # The deadline: the sender, a board member, is told who is outstanding, and so is the officer.
    assert summarise_due(db, RENDERER, now=DEADLINE - timedelta(minutes=1)) == 0
    assert summarise_due(db, RENDERER, now=DEADLINE) == 1
    assert summarise_due(db, RENDERER, now=DEADLINE + timedelta(hours=1)) == 0, "once"
    db.commit()
    summaries = db.scalars(select(OutboxMessage).where(OutboxMessage.key.like("notice:%:summary:%"))).all()
    assert {m.payload["user"] for m in summaries} == {WSCB_MEMBER, OFFICER}
    assert "2 of 4 acknowledged" in summaries[0].payload["text"]

    # The report, the CSV and the quarter agree.
    while deliver_due(session_factory, client):
        pass
    report = delivery_report(db, update.id)
    assert (report.totals.people, report.totals.sent, report.totals.acknowledged) == (4, 4, 2)
    rows = list(csv.DictReader(io.StringIO(report_csv(report, tz=LONDON))))
    assert len(rows) == 4 and sum(1 for r in rows if r["Acknowledged at"]) == 2
    assert sum(1 for r in rows if r["Delivery"] == "sent") == report.totals.sent
    places = delivery_report(db, training.id)
    assert (places.totals.places, places.totals.waiting) == (10, 2)
    quarter = {f.kind.value: f for f in figures_by_kind(db, parse_period("2027Q1"))}
    assert quarter["safeguarding"].notices == 1 and quarter["training"].notices == 1
    assert quarter["safeguarding"].acknowledgement_rate == report.acknowledgement_rate == 0.5
    assert quarter["training"].tally.places == 10 and quarter["general"].notices == 0

    # The dashboard page and its CSV show the same figures (the officer sees every notice).
    client = sign_in(app, db, OFFICER)
    for notice, expected in ((update, report), (training, places)):
        page = client.get(f"/dashboard/notices/{notice.id}").get_data(as_text=True)
        shown = dict(re.findall(r'data-figure="(\w+)">(\d+)<', page))
        assert {k: int(v) for k, v in shown.items()} == vars(expected.totals)
        downloaded = client.get(f"/dashboard/notices/{notice.id}.csv").get_data(as_text=True)
        assert downloaded == report_csv(expected, tz=LONDON)
    assert YOUTH[0] in client.get(f"/dashboard/notices/{training.id}.csv").get_data(as_text=True)
    quarter_rows = quarterly_rows(db, parse_period("2027Q1"))
    assert quarter_rows["Safeguarding update"][1:] == [1, 4, 4, 2, 0.5]
    assert quarter_rows["Training"][1:] == [1, 12, 12, 0, None]
    # A sender sees their own notice, not another's; a member sees none.
    board_member = sign_in(app, db, WSCB_MEMBER)
    assert board_member.get(f"/dashboard/notices/{update.id}").status_code == 200
    assert board_member.get(f"/dashboard/notices/{training.id}").status_code == 404
    assert sign_in(app, db, YOUTH[1]).get("/dashboard/notices").status_code == 403


def _stored(db) -> tuple[int, int, int]:
    db.expire_all()
    return (
        db.scalar(select(func.count(Notice.id)).where(Notice.status != NoticeStatus.DRAFT)),
        db.scalar(select(func.count(NoticeRecipient.id))),
        db.scalar(select(func.count(OutboxMessage.id))),
    )


@pytest.mark.parametrize(
    ("draft", "field", "words"),
    [
        (safeguarding_draft(audience=AudienceSpec(categories=("astronomy",))), "audience", "Nobody matches"),
        (safeguarding_draft(deadline=SENT - timedelta(hours=1)), "deadline", "has passed"),
        (safeguarding_draft(deadline=None), "deadline", "Give a deadline"),
        (safeguarding_draft(body="x" * 3001), "body", "at most 3,000"),
        (safeguarding_draft(title="t" * 151), "title", "at most 150"),
        (safeguarding_draft(send_at=SENT - timedelta(days=1)), "send_at", "has passed"),
        (safeguarding_draft(link="javascript:alert(1)"), "link", "https://"),
        (safeguarding_draft(places=5), "places", "training"),
        (training_draft(places=0), "places", "from 1"),
        (safeguarding_draft(kind="gossip"), "kind", "kind of notice"),
    ],
)
def test_bad_input_is_answered_on_its_field_and_nothing_is_stored(db, world, draft, field, words):
    before = _stored(db)
    with pytest.raises(ValidationError) as refused:
        create_draft(db, OFFICER, draft, now=SENT)
    assert words in refused.value.errors[field]
    db.rollback()
    assert _stored(db) == before


def test_only_officers_and_members_of_sending_boards_may_send(db, world):
    for person in (YOUTH[0], "U0CJCG0001", "U0STRANGER"):
        with pytest.raises(NotAllowed) as refused:
            create_draft(db, person, training_draft(), now=SENT)
        assert "Only the development officer" in str(refused.value)
    assert create_draft(db, WSCB_CHAIR, training_draft(), now=SENT).audience.people == 12
    draft = create_draft(db, OFFICER, training_draft(), now=SENT).notice
    with pytest.raises(NotAllowed):
        confirm(db, draft.id, WSCB_CHAIR, RENDERER, now=SENT)


def test_only_the_people_a_notice_was_sent_to_may_acknowledge_or_ask_for_a_place(db, world):
    update = send(db, WSCB_MEMBER, safeguarding_draft())
    training = send(db, OFFICER, training_draft(places=1))
    for notice_id, person in ((update.id, YOUTH[0]), (training.id, EARLY_YEARS[0]), (update.id, OFFICER)):
        with pytest.raises(NotAllowed) as refused:
            acknowledge(db, notice_id, person, RENDERER, now=SENT)
        assert "not sent to you" in str(refused.value)
        with pytest.raises(NotAllowed):
            request_place(db, notice_id, person, RENDERER, now=SENT)
    with pytest.raises(NotAllowed):
        request_place(db, update.id, EARLY_YEARS[0], RENDERER, now=SENT)  # not a training notice
    with pytest.raises(NotAllowed):
        acknowledge(db, training.id, YOUTH[0], RENDERER, now=SENT)  # asks for no acknowledgement
    first = request_place(db, training.id, YOUTH[0], RENDERER, now=SENT)
    over = request_place(db, training.id, YOUTH[1], RENDERER, now=SENT)
    assert first.recipient.place is PlaceStatus.PLACE and over.recipient.place is PlaceStatus.WAITING
    assert "All 1 places are taken" in over.sentence and "number 1" in over.sentence
    db.commit()
    assert delivery_report(db, training.id).totals.places == 1, "the cap held"


def test_a_scheduled_notice_goes_once_when_due_to_whoever_is_in_the_network_then(db, world):
    later = SENT + timedelta(hours=3)
    notice = send(db, OFFICER, training_draft(send_at=later))
    assert notice.status is NoticeStatus.SCHEDULED and _stored(db)[1] == 0
    assert due_ids(db, now=later - timedelta(minutes=1)) == []
    leaver = db.scalar(select(Member).where(Member.slack_user_id == YOUTH[0]))
    db.add(Member(slack_user_id="U0YOUTHNEW", organisation_id=leaver.organisation_id))
    db.delete(leaver)
    db.commit()
    [due] = due_ids(db, now=later)
    assert send_scheduled(db, due, RENDERER, now=later) == 12
    assert send_scheduled(db, due, RENDERER, now=later) == 0, "a second worker sends nothing"
    db.commit()
    people = {row.slack_user_id for row in delivery_report(db, notice.id).people}
    assert YOUTH[0] not in people and len(people) == 12


def test_a_double_confirmation_sends_once(db, world):
    preview = create_draft(db, OFFICER, training_draft(), now=SENT)
    confirm(db, preview.notice.id, OFFICER, RENDERER, now=SENT)
    confirm(db, preview.notice.id, OFFICER, RENDERER, now=SENT)
    db.commit()
    assert _stored(db)[1] == 12
    keys = db.scalars(
        select(OutboxMessage.key).where(OutboxMessage.key.like(f"notice:{preview.notice.id}:to:%"))
    )
    assert len(keys.all()) == 12


def test_an_organisations_export_holds_its_notices_and_erasure_takes_its_people_off_them(db, world):
    from privacy.erase import erase_organisation
    from privacy.export import export_organisation

    update = send(db, WSCB_MEMBER, safeguarding_draft())
    acknowledge(db, update.id, EARLY_YEARS[0], RENDERER, now=SENT + timedelta(hours=1))
    db.commit()
    nursery = db.scalar(select(Member).where(Member.slack_user_id == EARLY_YEARS[0])).organisation
    exported = export_organisation(db, nursery)["notice_recipients"]
    assert {row["slack_user_id"] for row in exported} == set(EARLY_YEARS)
    assert any(row["acknowledged_at"] for row in exported)
    erase_organisation(db, nursery, actor=OFFICER)
    db.commit()
    people = {row.slack_user_id for row in delivery_report(db, update.id).people}
    assert people == set(FAMILY_SAFETY + PARENTS), "the erased organisation's people are gone from it"


def test_hostile_titles_bodies_and_names_reach_slack_as_typed(db, world):
    from tests.test_slack_escaping import HOSTILE, TITLE, assert_safe

    factories.organisation(db, "Tots <!channel> & Co", members=("U0HOSTILE1",))
    db.scalar(select(Member).where(Member.slack_user_id == "U0HOSTILE1")).display_name = HOSTILE[:120]
    db.flush()
    spec = AudienceSpec(everyone=True)
    update = send(db, OFFICER, safeguarding_draft(title=TITLE, body=HOSTILE * 3, audience=spec))
    training = send(db, OFFICER, training_draft(title=TITLE, body=HOSTILE, audience=spec, places=1))
    acknowledge(db, update.id, "U0HOSTILE1", RENDERER, now=SENT + timedelta(hours=1))
    for person in ("U0HOSTILE1", YOUTH[0]):
        request_place(db, training.id, person, RENDERER, now=SENT + timedelta(hours=1))
    remind_due(db, RENDERER, now=SENT + timedelta(days=1, hours=1))
    summarise_due(db, RENDERER, now=DEADLINE)
    db.commit()
    messages = db.scalars(select(OutboxMessage).where(OutboxMessage.key.like("notice:%"))).all()
    assert {m.key.split(":")[2] for m in messages} >= {"to", "ack", "place", "reminder", "summary", "channel"}
    for message in messages:
        assert_safe(message.payload, message.key)


def test_the_notices_job_sends_what_is_due_reminds_summarises_and_drops_stale_drafts(
    db, session_factory, world
):
    from types import SimpleNamespace

    from bot.notice_jobs import run_notices

    later = SENT + timedelta(hours=1)
    scheduled = send(db, OFFICER, safeguarding_draft(send_at=later))
    forgotten = create_draft(db, OFFICER, training_draft(), now=SENT).notice
    forgotten.created_at = SENT - timedelta(days=2)
    db.commit()
    forgotten_id, scheduled_id = forgotten.id, scheduled.id
    ctx = SimpleNamespace(session_factory=session_factory)
    assert run_notices(ctx, now=later) == {"sent": 1, "reminders": 0, "summaries": 0}
    assert run_notices(ctx, now=later)["sent"] == 0, "once"
    assert run_notices(ctx, now=SENT + timedelta(days=1, hours=2))["reminders"] == 4
    assert run_notices(ctx, now=DEADLINE)["summaries"] == 1
    db.expire_all()
    assert db.get(Notice, forgotten_id) is None and db.get(Notice, scheduled_id).status is NoticeStatus.SENT


def test_the_command_line_lists_notices_and_writes_the_same_csv(
    db, engine, world, tmp_path, monkeypatch, capsys
):
    from bot.cli import main
    from tests.test_bulletin_compile import cli_database_url

    update = send(db, WSCB_MEMBER, safeguarding_draft())
    acknowledge(db, update.id, PARENTS[0], RENDERER, now=SENT + timedelta(hours=1))
    db.commit()
    monkeypatch.setenv("DATABASE_URL", cli_database_url(engine))
    monkeypatch.chdir(tmp_path)
    assert main(["notice", "list"]) == 0
    listed = capsys.readouterr().out
    assert "Sentinel notice" in listed and "1 acknowledged (25%)" in listed
    assert main(["notice", "report", str(update.id), "--csv", str(tmp_path / "report.csv")]) == 0
    assert (tmp_path / "report.csv").read_bytes().decode("utf-8") == report_csv(
        delivery_report(db, update.id), tz=LONDON
    )
    assert main(["notice", "report", "x"]) == 2
    assert "by its number" in capsys.readouterr().err


def test_a_member_who_left_is_not_reminded(db, world):
    from handlers.intake_views import RENDERER as INTAKE
    from models import Member
    from models.leavers import remove_member, use_leaver_home

    use_leaver_home(INTAKE)
    update = send(db, OFFICER, safeguarding_draft())
    gone = db.scalar(select(Member).where(Member.slack_user_id == PARENTS[0]))
    remove_member(db, gone, actor=OFFICER, why="left the charity")
    db.commit()
    assert remind_due(db, RENDERER, now=SENT + timedelta(days=1, hours=1)) == 3
    db.commit()
    reminded = db.scalars(
        select(OutboxMessage.payload["user"].as_string()).where(
            OutboxMessage.key.like(f"notice:{update.id}:reminder:%")
        )
    ).all()
    assert PARENTS[0] not in reminded and len(reminded) == 3


@pytest.mark.parametrize("sent_count", [2, 23])
def test_the_home_tab_counts_every_notice_still_to_acknowledge_not_just_those_it_lists(db, world, sent_count):
    """The Home tab lists the soonest 20; its heading says how many there are in all, and the list how
    many more wait (it said "(20)" to someone with 23 to acknowledge)."""
    from handlers.notices import home_blocks
    from models.base import utcnow

    now = utcnow()
    for n in range(sent_count):
        send(db, OFFICER, safeguarding_draft(title=f"Update {n}", deadline=now + timedelta(days=3 + n)), now)
    text = "\n".join(block.text.text for block in home_blocks(db, EARLY_YEARS[0]) if block.text is not None)
    assert f"*Notices to acknowledge* ({sent_count})" in text
    listed = len(re.findall(r"\*Update \d+\*", text))
    assert listed == min(sent_count, 20)
    assert ("more, with later deadlines" in text) is (sent_count > listed)
    if sent_count > listed:
        assert f"…and {sent_count - listed} more" in text


def test_confirming_a_notice_whose_audience_has_emptied_is_refused_and_sends_nothing(db, world):
    """Everyone the draft reached left before the sender pressed Send: the confirmation screen says so
    and the draft stays a draft, where before it said "Sent: … is on its way" for a notice that went to
    nobody (and was marked sent)."""
    from models.network import Organisation

    preview = create_draft(
        db, OFFICER, training_draft(audience=AudienceSpec(categories=("parenting",))), now=SENT
    )
    db.commit()
    notice_id = preview.notice.id
    parents = db.scalar(select(Organisation).where(Organisation.name == "Parents Together"))
    parents.status = OrganisationStatus.PENDING
    db.commit()
    with pytest.raises(ValidationError) as refused:
        confirm(db, notice_id, OFFICER, RENDERER, now=SENT)
    db.rollback()
    assert "nothing was sent" in refused.value.errors["audience"]
    assert db.get(Notice, notice_id).status is NoticeStatus.DRAFT
    queued = db.scalar(
        select(func.count(OutboxMessage.id)).where(OutboxMessage.key.like(f"notice:{notice_id}:%"))
    )
    assert queued == 0


def test_a_scheduled_notice_whose_audience_emptied_tells_its_sender_in_one_sentence(db, world):
    """Nobody fits when its time comes: nothing goes, and the sender reads why and what to do next."""
    from models.network import Organisation

    later = SENT + timedelta(hours=3)
    notice = send(
        db, OFFICER, training_draft(audience=AudienceSpec(categories=("parenting",)), send_at=later)
    )
    parents = db.scalar(select(Organisation).where(Organisation.name == "Parents Together"))
    parents.status = OrganisationStatus.PENDING
    db.commit()
    [due] = due_ids(db, now=later)
    assert send_scheduled(db, due, RENDERER, now=later) == 0
    db.commit()
    [note] = db.scalars(select(OutboxMessage).where(OutboxMessage.key.like(f"notice:{notice.id}:unsent%")))
    text = note.payload["text"]
    assert "was not sent: when its time came, nobody fitted its audience any more" in text
    assert "Nobody matches" not in text, "one sentence, not an error message stuck to another"
    assert "/linkedup notice" in text


def test_the_home_tabs_counted_totals_equal_the_reports_in_every_state(db, world):
    """`totals_of` counts in SQL what `delivery_report` counts row by row: equal for every mix of DM
    sent, failed, still pending or not yet queued, acknowledged or not, a place, waiting or neither."""
    asked = {"requires_acknowledgement": True, "deadline": DEADLINE}
    training = send(db, OFFICER, training_draft(places=3, **asked))
    other = send(db, OFFICER, training_draft(title="Another session"))
    people = sorted(
        r.slack_user_id
        for r in db.scalars(select(NoticeRecipient).where(NoticeRecipient.notice_id == training.id))
    )
    deliveries = ["sent", "failed", "pending", "missing"]
    for n, person in enumerate(people):
        message = db.scalar(
            select(OutboxMessage).where(OutboxMessage.key == f"notice:{training.id}:to:{person}")
        )
        state = deliveries[n % 4]
        if state == "missing":
            db.delete(message)
        elif state != "pending":
            message.status = OutboxStatus(state)
        if n % 3 == 0:
            acknowledge(db, training.id, person, RENDERER, now=SENT + timedelta(minutes=n))
        if n % 2 == 0:
            request_place(db, training.id, person, RENDERER, now=SENT + timedelta(minutes=n))
    db.commit()
    counted = totals_of(db, [training.id, other.id, 999_999])
    assert counted[training.id] == delivery_report(db, training.id).totals
    assert counted[other.id] == delivery_report(db, other.id).totals
    assert counted[999_999].people == 0
    tally = counted[training.id]
    assert tally.sent + tally.failed + tally.queued == tally.people == len(people)
    assert tally.failed > 0 and tally.queued > 0 and tally.places == 3 and tally.waiting > 0
