"""Escalation flows on both databases: routing, the ladder snapshot, each board action, closing the loop."""

from __future__ import annotations

import threading
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from escalations import flows
from escalations.answers import you_said_we_did
from escalations.errors import MovedOn
from handlers.blockkit import mrkdwn
from handlers.escalation_views import RENDERER
from models import Escalation, EscalationEvent, EscalationState, IssueStatus, OutboxMessage, Urgency
from models.errors import NotAllowed, NotFound, ValidationError
from models.network import OrganisationStatus
from tests.escalation_fixtures import (
    COLLEAGUE,
    CTB_CHANNEL,
    EH_CHANNEL,
    EH_MEMBER,
    EH_MEMBER_2,
    OFFICER,
    RAISER,
    STRANGER,
    WSCB_CHANNEL,
    at,
    issue,
    network,
    pending_organisation,
)

NOW = at("2026-06-01 10:00")


def keys(db) -> list[str]:
    return list(db.scalars(select(OutboxMessage.key).order_by(OutboxMessage.id)))


def outbox(db, key: str) -> OutboxMessage:
    return db.scalar(select(OutboxMessage).where(OutboxMessage.key == key))


def kinds(db, issue_id: int) -> list[str]:
    return list(
        db.scalars(
            select(EscalationEvent.kind)
            .where(EscalationEvent.issue_id == issue_id)
            .order_by(EscalationEvent.id)
        )
    )


def routed(db, theme_attr: str = "early_help", **fields):
    net = network(db)
    item = issue(db, net.organisation, theme=getattr(net, theme_attr), **fields)
    decision = flows.route_received_issue(db, item, now=NOW, render=RENDERER)
    db.commit()
    return net, item, db.get(Escalation, decision.escalation_id) if decision.escalation_id else None, decision


# --- routing ----------------------------------------------------------------------------------


def test_theme_routes_to_owning_board_with_the_ladder_copied(db):
    _, item, escalation, decision = routed(db)
    assert decision.kind == "theme"
    assert decision.board_name == "Early Help Strategic Board"
    assert escalation.state == EscalationState.OPEN
    assert [r.name for r in escalation.rungs] == [
        "Early Help Strategic Board",
        "Children's Trust Board",
        "Health and Wellbeing Board",
    ]
    assert escalation.acknowledge_by == at("2026-06-02 18:00")
    assert escalation.respond_by == at("2026-06-08 18:00")
    assert escalation.next_step_at == at("2026-06-02 09:00")
    card = outbox(db, f"escalation:{escalation.id}:card")
    assert card.method == "chat.postMessage"
    assert card.payload["channel"] == EH_CHANNEL
    assert "Seacombe Young Carers" in str(card.payload["blocks"])
    assert kinds(db, item.id) == ["routed"]


def test_routing_twice_routes_once(db):
    _net, item, escalation, _ = routed(db)
    before = keys(db)
    again = flows.route_received_issue(db, item, now=NOW, render=RENDERER)
    db.commit()
    assert again.kind == "already_routed"
    assert again.escalation_id == escalation.id
    assert keys(db) == before
    assert db.scalar(select(func.count()).select_from(Escalation)) == 1


def test_urgent_halves_the_timeframes(db):
    _, _, escalation, _ = routed(db, urgency=Urgency.URGENT)
    assert escalation.acknowledge_by == at("2026-06-02 18:00")  # 1 stays 1
    assert escalation.respond_by == at("2026-06-04 18:00")  # 5 → 3


def test_sensitive_goes_only_to_the_private_safeguarding_board_and_withholds_the_name(db):
    net, _item, escalation, decision = routed(db, sensitive=True, title="A disclosure at a youth club")
    assert decision.kind == "safeguarding"
    assert escalation.board_id == net.wscb.id
    # The WSCB's parent (the CTB) is public: the ladder stops at the private board.
    assert [r.name for r in escalation.rungs] == ["Wirral Safeguarding Children Board"]
    card = outbox(db, f"escalation:{escalation.id}:card")
    assert card.payload["channel"] == WSCB_CHANNEL
    assert "Seacombe Young Carers" not in str(card.payload)
    assert "withheld" in str(card.payload["blocks"])


def test_no_rule_goes_to_the_officers_triage_queue(db):
    net = network(db)
    item = issue(db, net.organisation, theme=net.orphan)
    decision = flows.route_received_issue(db, item, now=NOW, render=RENDERER)
    db.commit()
    assert decision.kind == "triage"
    assert db.scalar(select(func.count()).select_from(Escalation)) == 0
    triage = outbox(db, f"issue:{item.id}:triage:{OFFICER}")
    assert triage.method == "dm" and triage.payload["user"] == OFFICER
    assert "escalation_route" in str(triage.payload["blocks"])
    assert [i.reference for i in flows.triage_queue(db)] == [item.reference]
    assert kinds(db, item.id) == ["triaged"]


def test_pending_organisation_is_held_until_approval(db):
    net = network(db)
    pending = pending_organisation(db)
    item = issue(db, pending, theme=net.early_help, raised_by="U0PENDING1")
    first = flows.route_received_issue(db, item, now=NOW, render=RENDERER)
    second = flows.route_received_issue(db, item, now=NOW, render=RENDERER)
    db.commit()
    assert first.kind == second.kind == "held"
    assert kinds(db, item.id) == ["held"]
    assert keys(db) == []
    pending.status = OrganisationStatus.APPROVED
    decisions = flows.route_pending_issues_of(db, pending, now=NOW, render=RENDERER)
    db.commit()
    assert [d.kind for d in decisions] == ["theme"]
    assert flows.route_pending_issues_of(db, pending, now=NOW, render=RENDERER) == []


def test_editing_the_network_does_not_change_a_running_ladder(db):
    net, _item, escalation, _ = routed(db)
    net.ctb.respond_days = 20
    net.eh.parent = net.hwb  # re-parented after the escalation started
    db.commit()
    moved = flows.escalate(
        db,
        escalation_id=escalation.id,
        actor=EH_MEMBER,
        reason="needs commissioning",
        now=NOW,
        render=RENDERER,
    )
    db.commit()
    assert moved.board_name == "Children's Trust Board"  # the snapshot's next rung, not the new parent
    assert moved.respond_by == at("2026-06-08 18:00")  # the snapshot's 5 days, not 20
    assert moved.rung == 1 and moved.ladder == escalation.ladder


# --- acting on an escalation --------------------------------------------------------------------


def test_acknowledge_then_a_stale_second_press_changes_nothing(db):
    _net, item, escalation, _ = routed(db)
    flows.acknowledge(db, escalation_id=escalation.id, actor=EH_MEMBER, now=NOW, render=RENDERER)
    db.commit()
    db.refresh(item)
    assert item.status == IssueStatus.ACKNOWLEDGED
    assert escalation.state == EscalationState.ACKNOWLEDGED
    dm = outbox(db, f"issue:{item.id}:status:1")  # routed and acknowledged at once: one note
    assert dm.payload["user"] == RAISER and "acknowledged it" in dm.payload["text"]
    update = outbox(db, f"escalation:{escalation.id}:card:v{escalation.version}")
    assert update.method == "chat.update"
    assert update.payload["ts_from"] == f"escalation:{escalation.id}:card"
    before = keys(db)
    with pytest.raises(MovedOn, match="was acknowledged by @U0EHMEMBR1"):  # a mention in Slack
        flows.acknowledge(db, escalation_id=escalation.id, actor=EH_MEMBER_2, now=NOW, render=RENDERER)
    db.rollback()
    assert keys(db) == before
    assert kinds(db, item.id) == ["routed", "acknowledged"]


def test_only_board_members_chair_and_officer_may_act(db):
    _net, _item, escalation, _ = routed(db)
    with pytest.raises(NotAllowed, match="Only members of the Early Help Strategic Board"):
        flows.acknowledge(db, escalation_id=escalation.id, actor=STRANGER, now=NOW, render=RENDERER)
    db.rollback()
    with pytest.raises(NotAllowed):
        flows.acknowledge(db, escalation_id=escalation.id, actor=RAISER, now=NOW, render=RENDERER)
    db.rollback()
    flows.acknowledge(db, escalation_id=escalation.id, actor=OFFICER, now=NOW, render=RENDERER)
    db.commit()


@pytest.mark.parametrize(
    ("answer", "outcome", "reason", "follow_up", "field"),
    [
        ("", "accepted", "", None, "answer"),
        ("x" * 3001, "accepted", "", None, "answer"),
        ("We will fund it", None, "", None, "outcome"),
        ("We will fund it", "maybe", "", None, "outcome"),
        ("We cannot", "declined", "", None, "decline_reason"),
        ("We cannot", "declined", "   ", None, "decline_reason"),
        ("Later", "partly", "", date(2026, 6, 1), "follow_up_date"),
        ("Later", "partly", "", date(2027, 7, 1), "follow_up_date"),
    ],
)
def test_respond_refuses_bad_input_by_field(db, answer, outcome, reason, follow_up, field):
    _net, _item, escalation, _ = routed(db)
    with pytest.raises(ValidationError) as raised:
        flows.respond(
            db,
            escalation_id=escalation.id,
            actor=EH_MEMBER,
            answer=answer,
            outcome=outcome,
            decline_reason=reason,
            follow_up_date=follow_up,
            now=NOW,
            render=RENDERER,
        )
    assert field in raised.value.errors
    db.rollback()
    assert db.get(Escalation, escalation.id).state == EscalationState.OPEN


def test_respond_answers_the_organisation_and_marks_the_issue_answered(db):
    _net, item, escalation, _ = routed(db)
    flows.respond(
        db,
        escalation_id=escalation.id,
        actor=EH_MEMBER,
        answer="We have asked the family hubs to add a Saturday session.",
        outcome="partly",
        follow_up_date=date(2026, 7, 1),
        now=NOW,
        render=RENDERER,
    )
    db.commit()
    db.refresh(item)
    assert item.status == IssueStatus.ANSWERED
    assert item.answer_text.startswith("We have asked the family hubs")
    assert item.answered_at == NOW
    assert escalation.next_step_at == at("2026-07-01 09:00")
    for user in (RAISER, COLLEAGUE):
        dm = outbox(db, f"escalation:{escalation.id}:answer:v{escalation.version}:{user}")
        assert dm.payload["user"] == user
        assert "escalation_not_satisfied" in str(dm.payload["blocks"])
    answers = you_said_we_did(db, since=NOW - timedelta(days=1), until=NOW + timedelta(days=1))
    assert [(a.reference, a.board, a.outcome) for a in answers] == [
        (item.reference, "Early Help Strategic Board", "partly")
    ]


def test_a_sensitive_answer_goes_to_the_raiser_only_and_never_to_the_bulletin(db):
    _net, _item, escalation, _ = routed(db, sensitive=True)
    flows.respond(
        db,
        escalation_id=escalation.id,
        actor="U0WSCBCHR1",
        answer="Referred to MASH.",
        outcome="accepted",
        now=NOW,
        render=RENDERER,
    )
    db.commit()
    assert outbox(db, f"escalation:{escalation.id}:answer:v{escalation.version}:{RAISER}") is not None
    assert outbox(db, f"escalation:{escalation.id}:answer:v{escalation.version}:{COLLEAGUE}") is None
    assert you_said_we_did(db, since=NOW - timedelta(days=1), until=NOW + timedelta(days=1)) == []


def test_unpublishable_answers_stay_out_of_you_said_we_did(db):
    _net, _item, escalation, _ = routed(db, publish_allowed=False)
    flows.respond(
        db,
        escalation_id=escalation.id,
        actor=EH_MEMBER,
        answer="Done.",
        outcome="accepted",
        now=NOW,
        render=RENDERER,
    )
    db.commit()
    assert you_said_we_did(db, since=NOW - timedelta(days=1), until=NOW + timedelta(days=1)) == []


def test_two_simultaneous_responds_give_one_answer(db, session_factory):
    _net, item, escalation, _ = routed(db)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def press(actor: str, text: str) -> None:
        session = session_factory()
        try:
            barrier.wait()
            flows.respond(
                session,
                escalation_id=escalation.id,
                actor=actor,
                answer=text,
                outcome="accepted",
                now=NOW,
                render=RENDERER,
            )
            session.commit()
            outcomes.append("answered")
        except MovedOn as refused:
            session.rollback()
            outcomes.append(f"moved on: {refused}")
        finally:
            session.close()

    threads = [
        threading.Thread(target=press, args=(EH_MEMBER, "Answer one")),
        threading.Thread(target=press, args=(EH_MEMBER_2, "Answer two")),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(o.split(":")[0] for o in outcomes) == ["answered", "moved on"]
    assert "already answered" in next(o for o in outcomes if o.startswith("moved on"))
    db.expire_all()
    assert kinds(db, item.id).count("responded") == 1
    answer_dms = [k for k in keys(db) if ":answer:" in k]
    assert len(answer_dms) == 2  # raiser and colleague, once


def test_reassign_starts_a_fresh_ladder_at_the_chosen_board(db):
    net, _item, escalation, _ = routed(db)
    with pytest.raises(ValidationError) as raised:
        flows.reassign(
            db,
            escalation_id=escalation.id,
            actor=EH_MEMBER,
            board_id=None,
            reason="",
            now=NOW,
            render=RENDERER,
        )
    assert set(raised.value.errors) == {"board", "reason"}
    db.rollback()
    new = flows.reassign(
        db,
        escalation_id=escalation.id,
        actor=EH_MEMBER,
        board_id=net.ctb.id,
        reason="a commissioning gap",
        now=NOW,
        render=RENDERER,
    )
    db.commit()
    old = db.get(Escalation, escalation.id)
    assert old.state == EscalationState.REASSIGNED and old.next_step_at is None
    assert new.board_name == "Children's Trust Board" and new.rung == 0
    assert [r.name for r in new.rungs] == ["Children's Trust Board", "Health and Wellbeing Board"]
    assert new.previous_id == old.id
    assert outbox(db, f"escalation:{new.id}:card").payload["channel"] == CTB_CHANNEL
    old_card = outbox(db, f"escalation:{old.id}:card:v{old.version}")
    assert "Re-assigned to the Children" in str(old_card.payload["blocks"])
    new_card = outbox(db, f"escalation:{new.id}:card")
    assert "a commissioning gap" in str(new_card.payload["blocks"])  # the history travels with it


def test_a_sensitive_item_cannot_be_reassigned_to_a_public_board(db):
    net, _item, escalation, _ = routed(db, sensitive=True)
    with pytest.raises(ValidationError, match="private board"):
        flows.reassign(
            db,
            escalation_id=escalation.id,
            actor="U0WSCBCHR1",
            board_id=net.ctb.id,
            reason="commissioning",
            now=NOW,
            render=RENDERER,
        )


def test_escalate_climbs_the_snapshot_and_the_top_refuses(db):
    _net, _item, escalation, _ = routed(db)
    with pytest.raises(ValidationError):
        flows.escalate(db, escalation_id=escalation.id, actor=EH_MEMBER, reason=" ", now=NOW, render=RENDERER)
    db.rollback()
    ctb = flows.escalate(
        db, escalation_id=escalation.id, actor=EH_MEMBER, reason="needs the CTB", now=NOW, render=RENDERER
    )
    hwb = flows.escalate(
        db, escalation_id=ctb.id, actor=OFFICER, reason="strategic", now=NOW, render=RENDERER
    )
    db.commit()
    assert hwb.board_name == "Health and Wellbeing Board" and hwb.at_top
    with pytest.raises(NotAllowed, match="top of the ladder"):
        flows.escalate(db, escalation_id=hwb.id, actor=OFFICER, reason="again", now=NOW, render=RENDERER)
    db.rollback()


def test_not_satisfied_reopens_with_a_note_to_the_board(db):
    _net, item, escalation, _ = routed(db)
    flows.respond(
        db,
        escalation_id=escalation.id,
        actor=EH_MEMBER,
        answer="Nothing to do.",
        outcome="declined",
        decline_reason="out of scope",
        now=NOW,
        render=RENDERER,
    )
    db.commit()
    with pytest.raises(NotAllowed):
        flows.not_satisfied(
            db, escalation_id=escalation.id, actor=STRANGER, note="?", now=NOW, render=RENDERER
        )
    db.rollback()
    with pytest.raises(ValidationError):
        flows.not_satisfied(
            db, escalation_id=escalation.id, actor=COLLEAGUE, note=" ", now=NOW, render=RENDERER
        )
    db.rollback()
    later = at("2026-06-03 11:00")
    flows.not_satisfied(
        db,
        escalation_id=escalation.id,
        actor=COLLEAGUE,
        note="It is in scope: see the plan.",
        now=later,
        render=RENDERER,
    )
    db.commit()
    db.refresh(item)
    assert escalation.state == EscalationState.ACKNOWLEDGED
    assert escalation.answer is None and escalation.outcome is None
    assert escalation.respond_by == at("2026-06-10 18:00")
    assert item.status == IssueStatus.ACKNOWLEDGED and item.answer_text is None
    note = outbox(db, f"escalation:{escalation.id}:not_satisfied:v{escalation.version}")
    assert note.payload["channel"] == EH_CHANNEL
    assert "It is in scope" in str(note.payload["blocks"])
    with pytest.raises(MovedOn):
        flows.not_satisfied(
            db, escalation_id=escalation.id, actor=RAISER, note="again", now=later, render=RENDERER
        )


def test_satisfied_closes_the_item(db):
    _net, item, escalation, _ = routed(db)
    flows.respond(
        db,
        escalation_id=escalation.id,
        actor=EH_MEMBER,
        answer="Funded.",
        outcome="accepted",
        now=NOW,
        render=RENDERER,
    )
    flows.satisfied(db, escalation_id=escalation.id, actor=RAISER, now=NOW, render=RENDERER)
    db.commit()
    db.refresh(item)
    assert escalation.state == EscalationState.CLOSED
    assert item.status == IssueStatus.CLOSED
    # Still "you said, we did": it was answered.
    assert len(you_said_we_did(db, since=NOW - timedelta(days=1), until=NOW + timedelta(days=1))) == 1


def test_officer_routes_from_triage_and_re_routes_in_one_action(db):
    net = network(db)
    item = issue(db, net.organisation, theme=None)
    flows.route_received_issue(db, item, now=NOW, render=RENDERER)
    db.commit()
    with pytest.raises(NotAllowed):
        flows.route_by_officer(
            db, reference=item.reference, board="eh", actor=RAISER, now=NOW, render=RENDERER
        )
    with pytest.raises(ValidationError):
        flows.route_by_officer(
            db, reference=item.reference, board="nope", actor=OFFICER, now=NOW, render=RENDERER
        )
    with pytest.raises(NotFound):
        flows.route_by_officer(
            db, reference="LU-1999-0001", board="eh", actor=OFFICER, now=NOW, render=RENDERER
        )
    first = flows.route_by_officer(
        db, reference=item.reference.lower(), board="eh", actor=OFFICER, now=NOW, render=RENDERER
    )
    second = flows.route_by_officer(
        db,
        reference=item.reference,
        board="ctb",
        actor=OFFICER,
        reason="commissioning",
        now=NOW,
        render=RENDERER,
    )
    db.commit()
    assert first.board_name == "Early Help Strategic Board"
    assert second.board_name == "Children's Trust Board"
    assert db.get(Escalation, first.escalation_id).state == EscalationState.REASSIGNED
    assert flows.triage_queue(db) == []


def test_history_is_open_to_the_organisation_and_the_officer_only(db):
    _net, item, escalation, _ = routed(db)
    flows.acknowledge(db, escalation_id=escalation.id, actor=EH_MEMBER, now=NOW, render=RENDERER)
    db.commit()
    for viewer in (RAISER, COLLEAGUE, OFFICER):
        found = flows.history(db, reference=item.reference, viewer=viewer)
        texts = [mrkdwn(line.text) for line in found.lines]
        assert texts[0].startswith("routed to the Early Help Strategic Board")
        assert texts[1] == "acknowledged by <@U0EHMEMBR1> for the Early Help Strategic Board"
    for viewer in (STRANGER, EH_MEMBER):
        with pytest.raises(NotFound, match="open to its organisation and the officer"):
            flows.history(db, reference=item.reference, viewer=viewer)
    with pytest.raises(NotFound):
        flows.history(db, reference="LU-2026-9999", viewer=OFFICER)


def test_snooze_moves_the_next_reminder_but_never_past_the_deadline(db):
    _net, _item, escalation, _ = routed(db)
    flows.snooze(db, escalation_id=escalation.id, actor="U0EHCHAIR1", now=at("2026-06-01 11:00"))
    db.commit()
    # Next working morning is before the acknowledge-by (Tue 18:00): remind again then.
    assert escalation.next_step_at == at("2026-06-02 09:00")
    flows.acknowledge(
        db, escalation_id=escalation.id, actor=EH_MEMBER, now=at("2026-06-02 10:00"), render=RENDERER
    )
    flows.snooze(db, escalation_id=escalation.id, actor="U0EHCHAIR1", now=at("2026-06-08 10:00"))
    db.commit()
    # Snoozing on the respond-by day: the deadline (18:00 today) comes first.
    assert escalation.next_step_at == at("2026-06-08 18:00")
    with pytest.raises(NotAllowed):
        flows.snooze(db, escalation_id=escalation.id, actor=STRANGER, now=NOW)
