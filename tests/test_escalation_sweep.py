"""The deadline sweep with a frozen clock (every call passes `now=`), on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from datetime import date

import pytest
from sqlalchemy import func, select

from bot.escalation_jobs import run_sweep
from escalations import flows
from escalations.sweep import sweep
from handlers.escalation_views import RENDERER
from models import Escalation, EscalationEvent, EscalationState, OutboxMessage
from models.db import make_session_factory
from tests.escalation_fixtures import (
    CTB_CHAIR,
    CTB_CHANNEL,
    EH_CHAIR,
    EH_MEMBER,
    EH_MEMBER_2,
    HWB_CHANNEL,
    OFFICER,
    at,
    issue,
    network,
)

START = at("2026-06-01 10:00")  # Monday


def keys(db) -> list[str]:
    return list(db.scalars(select(OutboxMessage.key).order_by(OutboxMessage.id)))


def message(db, key: str) -> OutboxMessage:
    return db.scalar(select(OutboxMessage).where(OutboxMessage.key == key))


def events(db, escalation_id: int) -> list[str]:
    return list(
        db.scalars(
            select(EscalationEvent.kind)
            .where(EscalationEvent.escalation_id == escalation_id)
            .order_by(EscalationEvent.id)
        )
    )


def run(db, moment: str):
    report = sweep(db, now=at(moment), render=RENDERER)
    db.commit()
    return report


def start(db, **board_settings):
    net = network(db)
    for name, value in board_settings.items():
        setattr(net.eh, name, value)
    item = issue(db, net.organisation, theme=net.early_help)
    decision = flows.route_received_issue(db, item, now=START, render=RENDERER)
    db.commit()
    return net, item, db.get(Escalation, decision.escalation_id)


def live(db, item) -> Escalation:
    db.expire_all()
    return flows.live_escalation(db, item.id)


def test_the_whole_ladder_ending_with_the_officers_alert(db):
    _net, item, eh = start(db)
    assert run(db, "2026-06-01 10:05").claimed == 0

    # Tuesday 09:00: the day the acknowledgement is due, the chair is reminded.
    report = run(db, "2026-06-02 09:00")
    assert report.reminders == 1
    nudge = message(db, f"escalation:{eh.id}:nudge:1")
    assert nudge.method == "dm" and nudge.payload["user"] == EH_CHAIR
    assert "escalation_snooze" in str(nudge.payload["blocks"])

    # Tuesday 18:00 the acknowledgement is overdue, but nobody is nudged after hours…
    report = run(db, "2026-06-02 18:00")
    assert report.deferred == 1 and report.acknowledge_overdue == 0
    assert live(db, item).next_step_at == at("2026-06-03 09:00")
    # …so it is Wednesday morning: the overdue notice (reminder 2) and the card shows it.
    report = run(db, "2026-06-03 09:00")
    assert report.acknowledge_overdue == 1
    eh = live(db, item)
    assert message(db, f"escalation:{eh.id}:nudge:2").payload["user"] == EH_CHAIR
    assert "overdue" in str(message(db, f"escalation:{eh.id}:card:v{eh.version}").payload["blocks"])
    assert eh.next_step_at == at("2026-06-05 09:00")  # the working day before the respond-by

    report = run(db, "2026-06-05 09:00")
    assert report.reminders == 1
    assert live(db, item).reminders_sent == 3

    # Monday 8 June 18:00: no response — up the ladder to the Children's Trust Board, automatically.
    report = run(db, "2026-06-08 18:00")
    assert report.escalated == 1
    ctb = live(db, item)
    assert ctb.board_name == "Children's Trust Board" and ctb.rung == 1 and ctb.previous_id == eh.id
    assert db.get(Escalation, eh.id).state == EscalationState.ESCALATED
    assert ctb.acknowledge_by == at("2026-06-09 18:00") and ctb.respond_by == at("2026-06-15 18:00")
    card = message(db, f"escalation:{ctb.id}:card")
    assert card.payload["channel"] == CTB_CHANNEL
    assert "escalated from Early Help Strategic Board to Children" in str(card.payload["blocks"])
    assert "automatically" in str(card.payload["blocks"])

    # Nobody at the CTB acts either; a sweep after its respond-by escalates at once (the deadline
    # outranks the reminders that were due before it).
    report = run(db, "2026-06-15 18:00")
    assert report.escalated == 1
    hwb = live(db, item)
    assert hwb.board_name == "Health and Wellbeing Board" and hwb.at_top
    assert message(db, f"escalation:{hwb.id}:card").payload["channel"] == HWB_CHANNEL
    assert hwb.respond_by == at("2026-06-29 18:00")

    # The top rung passes its deadline at 18:00: the officer is alerted the next working morning.
    assert run(db, "2026-06-29 18:00").deferred == 1
    report = run(db, "2026-06-30 09:00")
    assert report.officer_alerts == 1
    alert = message(db, f"escalation:{hwb.id}:officer_alert:{OFFICER}")
    assert alert.method == "dm" and "escalation_route" in str(alert.payload["blocks"])
    hwb = live(db, item)
    assert hwb.officer_alerted_at == at("2026-06-30 09:00") and hwb.next_step_at is None
    assert hwb.state == EscalationState.OPEN  # still the HWB's until someone acts
    assert run(db, "2026-07-30 09:00").claimed == 0

    assert events(db, eh.id) == [
        "routed",
        "reminder_sent",
        "acknowledge_overdue",
        "reminder_sent",
        "escalated",
    ]
    assert events(db, hwb.id) == ["received", "officer_alerted"]
    found = flows.history(db, reference=item.reference, viewer=OFFICER)
    history = [line.text.typed_text() for line in found.lines]
    assert any(
        "escalated from the Children's Trust Board to the Health and Wellbeing Board automatically" in t
        for t in history
    )


def test_sweeping_twice_sends_nothing_twice(db):
    _net, _item, _eh = start(db)
    for moment in ("2026-06-02 09:00", "2026-06-03 09:00", "2026-06-08 18:00"):
        run(db, moment)
        before = keys(db)
        again = run(db, moment)
        assert again.claimed == 0
        assert keys(db) == before
    assert len(set(keys(db))) == len(keys(db))


def test_reminders_stop_at_the_cap_from_the_snapshot(db):
    _net, _item, eh = start(db, max_reminders=1)
    run(db, "2026-06-02 09:00")
    run(db, "2026-06-03 09:00")  # acknowledgement overdue: over the cap, so no DM (the card still shows it)
    run(db, "2026-06-05 09:00")
    nudges = [k for k in keys(db) if ":nudge:" in k]
    first = f"escalation:{eh.id}:nudge:1"
    assert nudges == [first, f"{first}:{EH_MEMBER}", f"{first}:{EH_MEMBER_2}"]  # the chair, then the members
    assert events(db, eh.id).count("reminder_capped") == 2
    # Deadlines still apply after the cap.
    assert run(db, "2026-06-08 18:00").escalated == 1


def test_a_weekend_or_bank_holiday_sweep_nudges_nobody(db):
    net = network(db)
    item = issue(db, net.organisation, theme=net.early_help)
    # Thursday 24 December 2026: acknowledge by Tuesday 29th (Christmas, Boxing Day and its substitute).
    decision = flows.route_received_issue(db, item, now=at("2026-12-24 10:00"), render=RENDERER)
    db.commit()
    escalation = db.get(Escalation, decision.escalation_id)
    assert escalation.acknowledge_by == at("2026-12-29 18:00")
    assert escalation.next_step_at == at("2026-12-29 09:00")
    for moment in ("2026-12-25 10:00", "2026-12-26 10:00", "2026-12-28 10:00"):
        assert run(db, moment).claimed == 0
    assert run(db, "2026-12-29 09:00").reminders == 1


def test_a_missed_reminder_found_on_saturday_waits_for_monday(db):
    _net, item, _eh = start(db)
    report = run(db, "2026-06-06 11:00")  # the worker was down all week: Saturday now
    # The acknowledge-by passed; the overdue notice waits for Monday 09:00 (its respond-by is Monday 18:00).
    assert report.deferred == 1
    assert live(db, item).next_step_at == at("2026-06-08 09:00")
    assert run(db, "2026-06-08 09:00").acknowledge_overdue == 1


def test_snoozed_reminder_comes_back_the_next_working_morning(db):
    _net, item, eh = start(db)
    run(db, "2026-06-02 09:00")
    flows.snooze(db, escalation_id=eh.id, actor=EH_CHAIR, now=at("2026-06-02 09:30"))
    db.commit()
    assert live(db, item).next_step_at == at("2026-06-02 18:00")  # the deadline comes before tomorrow
    flows.acknowledge(db, escalation_id=eh.id, actor=EH_MEMBER, now=at("2026-06-02 10:00"), render=RENDERER)
    db.commit()
    run(db, "2026-06-05 09:00")  # respond reminder
    flows.snooze(db, escalation_id=eh.id, actor=EH_CHAIR, now=at("2026-06-05 09:10"))
    db.commit()
    assert live(db, item).next_step_at == at("2026-06-08 09:00")
    assert run(db, "2026-06-08 09:00").reminders == 1
    chairs = [k for k in keys(db) if ":nudge:" in k and not k.endswith((EH_MEMBER, EH_MEMBER_2))]
    assert chairs == [f"escalation:{eh.id}:nudge:{n}" for n in (1, 2, 3)]
    assert "snoozed" in events(db, eh.id)


def test_acknowledging_skips_the_acknowledgement_steps(db):
    _net, item, eh = start(db)
    flows.acknowledge(db, escalation_id=eh.id, actor=EH_MEMBER, now=at("2026-06-01 11:00"), render=RENDERER)
    db.commit()
    assert live(db, item).next_step_at == at("2026-06-05 09:00")
    assert run(db, "2026-06-02 09:00").claimed == 0
    assert run(db, "2026-06-05 09:00").reminders == 1


def test_follow_up_date_reminds_the_chair(db):
    _net, _item, eh = start(db)
    flows.respond(
        db,
        escalation_id=eh.id,
        actor=EH_MEMBER,
        answer="A pilot starts in July.",
        outcome="partly",
        follow_up_date=date(2026, 7, 1),
        now=at("2026-06-02 10:00"),
        render=RENDERER,
    )
    db.commit()
    assert run(db, "2026-06-30 09:00").claimed == 0
    assert run(db, "2026-07-01 09:00").follow_ups == 1
    follow_up = message(db, f"escalation:{eh.id}:follow_up:2026-07-01")
    assert follow_up.payload["user"] == EH_CHAIR
    assert events(db, eh.id)[-1] == "follow_up_due"


def test_a_reminder_goes_to_the_chair_and_each_member(db):
    start(db)
    run(db, "2026-06-02 09:00")
    nudges = [message(db, k) for k in keys(db) if ":nudge:" in k]
    assert [(n.method, n.payload["user"]) for n in nudges] == [
        ("dm", EH_CHAIR), ("dm", EH_MEMBER), ("dm", EH_MEMBER_2)
    ]  # fmt: skip


def test_a_board_without_a_chair_reminds_its_members_not_the_channel(db):
    _net, _item, eh = start(db, chair_slack_user_id=None)
    run(db, "2026-06-02 09:00")
    nudge = message(db, f"escalation:{eh.id}:nudge:1")
    assert nudge.method == "dm" and nudge.payload["user"] == EH_MEMBER
    assert message(db, f"escalation:{eh.id}:nudge:1:{EH_MEMBER_2}").payload["user"] == EH_MEMBER_2
    assert not [k for k in keys(db) if ":nudge:" in k and message(db, k).method != "dm"]


def test_a_board_with_nobody_named_reminds_the_officers(db):
    net, _item, eh = start(db, chair_slack_user_id=None)
    for member in list(net.eh.members):
        db.delete(member)
    db.commit()
    run(db, "2026-06-02 09:00")
    nudge = message(db, f"escalation:{eh.id}:nudge:1")
    assert nudge.method == "dm" and nudge.payload["user"] == OFFICER


def test_top_rung_without_officers_alerts_the_boards_channel(db):
    net = network(db, officer=False)
    item = issue(db, net.organisation, theme=net.funding)
    decision = flows.route_received_issue(db, item, now=START, render=RENDERER)
    db.commit()
    ctb = db.get(Escalation, decision.escalation_id)
    run(db, "2026-06-08 18:00")  # up to the HWB
    hwb = live(db, item)
    run(db, "2026-06-23 09:00")
    assert message(db, f"escalation:{hwb.id}:officer_alert:channel").payload["channel"] == HWB_CHANNEL
    assert ctb.board_name == "Children's Trust Board"


@pytest.mark.postgres_only
def test_two_workers_sweeping_at_once_share_the_work_and_send_nothing_twice(backend, db, engine):
    if backend != "postgresql":
        pytest.skip("row locks with SKIP LOCKED: PostgreSQL only")
    net = network(db)
    for n in range(120):
        item = issue(db, net.organisation, theme=net.early_help, title=f"Item {n}")
        flows.route_received_issue(db, item, now=START, render=RENDERER)
    db.commit()
    before = set(keys(db))
    factories_ = [make_session_factory(engine), make_session_factory(engine)]
    barrier = threading.Barrier(2)
    reports = []

    def worker(factory):
        barrier.wait()
        reports.append(run_sweep(factory, now=at("2026-06-02 09:00"), render=RENDERER, batch=7))

    threads = [threading.Thread(target=worker, args=(f,)) for f in factories_]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert sum(r.claimed for r in reports) == 120
    assert sum(r.reminders for r in reports) == 120
    new = [k for k in keys(db) if k not in before]
    assert len(new) == len(set(new)) == 120 * 3  # each reminder to the chair and the board's two members
    assert (
        db.scalar(
            select(func.count()).select_from(EscalationEvent).where(EscalationEvent.kind == "reminder_sent")
        )
        == 120
    )
    assert {r.claimed > 0 for r in reports} == {True}  # both workers took a share
    assert CTB_CHAIR  # the chair of the next rung is untouched: nothing was escalated
    assert db.scalar(select(func.count()).select_from(Escalation)) == 120
