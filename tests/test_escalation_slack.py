"""Escalation cards end to end: signed requests into /slack/events, the outbox delivered to the
local Slack fake, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from datetime import timedelta

from slack_sdk import WebClient
from sqlalchemy import select, update

from bot.outbox import deliver_due
from escalations import flows
from handlers.escalation_views import RENDERER
from handlers.ids import EscalationAction, EscalationCallback
from models import Escalation, EscalationEvent, EscalationState, IssueStatus, OutboxMessage, OutboxStatus
from models.base import utcnow
from tests.escalation_fixtures import (
    COLLEAGUE,
    EH_CHANNEL,
    EH_MEMBER,
    EH_MEMBER_2,
    OFFICER,
    RAISER,
    STRANGER,
    issue,
    network,
)
from tests.slack_requests import block_actions_payload, view_submission_payload


def deliver(session_factory, slack_api) -> int:
    return deliver_due(session_factory, WebClient(base_url=slack_api.base_url, token="xoxb-test-token"))


def make_due(db) -> None:
    """Let time pass for the outbox: everything waiting for a retry is due now."""
    db.execute(
        update(OutboxMessage)
        .where(OutboxMessage.status == OutboxStatus.PENDING)
        .values(next_attempt_at=utcnow() - timedelta(seconds=1))
    )
    db.commit()


def routed_and_posted(db, session_factory, slack_api, **fields):
    net = network(db)
    item = issue(db, net.organisation, theme=net.early_help, **fields)
    decision = flows.route_received_issue(db, item, now=utcnow(), render=RENDERER)
    db.commit()
    deliver(session_factory, slack_api)
    db.expire_all()
    escalation = db.get(Escalation, decision.escalation_id)
    return net, item, escalation


def press(
    slack, action: EscalationAction, user: str, value, *, channel: str = EH_CHANNEL, ts: str = "1.000001"
):
    payload = block_actions_payload(
        user_id=user, action_id=action.value, value=str(value), channel_id=channel, message_ts=ts
    )
    return slack.interact(payload)


def submit(slack, callback: EscalationCallback, user: str, values: dict, metadata: dict):
    payload = view_submission_payload(
        user_id=user, callback_id=callback.value, values=values, private_metadata=json.dumps(metadata)
    )
    return slack.interact(payload)


def text(value: str) -> dict:
    return {"value": {"type": "plain_text_input", "value": value}}


def choice(value: str | None) -> dict:
    return {"value": {"type": "radio_buttons", "selected_option": {"value": value} if value else None}}


def respond_values(answer="We will add a Saturday session.", outcome="accepted", reason="", follow_up=None):
    return {
        "answer": text(answer),
        "outcome": choice(outcome),
        "decline_reason": text(reason),
        "follow_up_date": {"value": {"type": "datepicker", "selected_date": follow_up}},
    }


def ephemeral_texts(slack_api) -> list[str]:
    return [call["text"] for call in slack_api.of("chat.postEphemeral")]


def events(db, issue_id) -> list[str]:
    return list(
        db.scalars(
            select(EscalationEvent.kind)
            .where(EscalationEvent.issue_id == issue_id)
            .order_by(EscalationEvent.id)
        )
    )


# --- the card and its buttons ------------------------------------------------------------------


def test_card_is_posted_and_its_ts_stored_then_updated_in_place(slack, slack_api, db, session_factory):
    _net, _item, escalation = routed_and_posted(db, session_factory, slack_api)
    (post,) = slack_api.of("chat.postMessage")
    assert post["channel"] == EH_CHANNEL
    assert escalation.card_channel == EH_CHANNEL and escalation.card_ts
    actions = next(b for b in post["blocks"] if b["type"] == "actions")
    assert [e["action_id"] for e in actions["elements"]] == [
        EscalationAction.ACKNOWLEDGE,
        EscalationAction.RESPOND,
        EscalationAction.REASSIGN,
        EscalationAction.ESCALATE,
        EscalationAction.CHANGE_THEME,
    ]

    response = press(slack, EscalationAction.ACKNOWLEDGE, EH_MEMBER, escalation.id, ts=escalation.card_ts)
    assert response.status_code == 200
    assert "You acknowledged" in ephemeral_texts(slack_api)[-1]
    deliver(session_factory, slack_api)
    (edit,) = slack_api.of("chat.update")
    assert (edit["channel"], edit["ts"]) == (EH_CHANNEL, escalation.card_ts)
    assert "Acknowledged by <@U0EHMEMBR1>" in json.dumps(edit["blocks"])
    assert EscalationAction.ACKNOWLEDGE not in json.dumps(edit["blocks"])
    assert [c for c in slack_api.of("chat.postMessage") if c["channel"] == "D" + RAISER[1:]] == []
    make_due(db)  # the raiser's note waits a minute for more news: routed and acknowledged, one note
    deliver(session_factory, slack_api)
    dm = [c for c in slack_api.of("chat.postMessage") if c["channel"] == "D" + RAISER[1:]]
    assert dm and "acknowledged" in dm[0]["text"]
    assert len(slack_api.of("chat.postMessage")) == 2  # the card once, the DM once: nothing doubled


def test_someone_outside_the_board_is_told_why_not(slack, slack_api, db, session_factory):
    _net, item, escalation = routed_and_posted(db, session_factory, slack_api)
    press(slack, EscalationAction.ACKNOWLEDGE, STRANGER, escalation.id)
    press(slack, EscalationAction.RESPOND, STRANGER, escalation.id)
    texts = ephemeral_texts(slack_api)
    assert len(texts) == 2 and all("Only members of the Early Help Strategic Board" in t for t in texts)
    assert all(c["user"] == STRANGER for c in slack_api.of("chat.postEphemeral"))
    assert slack_api.of("views.open") == []
    db.expire_all()
    assert db.get(Escalation, escalation.id).state == EscalationState.OPEN
    assert events(db, item.id) == ["routed"]


def test_a_stale_button_answers_with_the_current_state(slack, slack_api, db, session_factory):
    _net, item, escalation = routed_and_posted(db, session_factory, slack_api)
    press(slack, EscalationAction.ACKNOWLEDGE, EH_MEMBER, escalation.id)
    press(slack, EscalationAction.ACKNOWLEDGE, EH_MEMBER_2, escalation.id)  # an old copy of the card
    assert "was acknowledged by <@U0EHMEMBR1>" in ephemeral_texts(slack_api)[-1]
    assert events(db, item.id) == ["routed", "acknowledged"]
    # Answered meanwhile: Respond on the old card explains instead of opening the modal.
    flows.respond(
        db,
        escalation_id=escalation.id,
        actor=EH_MEMBER,
        answer="Done",
        outcome="accepted",
        now=utcnow(),
        render=RENDERER,
    )
    db.commit()
    press(slack, EscalationAction.RESPOND, EH_MEMBER_2, escalation.id)
    assert "already answered by <@U0EHMEMBR1>" in ephemeral_texts(slack_api)[-1]
    assert slack_api.of("views.open") == []


def test_respond_modal_refuses_a_declined_answer_without_a_reason_inline(
    slack, slack_api, db, session_factory
):
    _net, item, escalation = routed_and_posted(db, session_factory, slack_api)
    press(slack, EscalationAction.RESPOND, EH_MEMBER, escalation.id)
    (opened,) = slack_api.of("views.open")
    view = opened["view"]
    assert view["callback_id"] == EscalationCallback.RESPOND
    assert len(view["title"]["text"]) <= 24
    assert {b.get("block_id") for b in view["blocks"]} >= {
        "answer",
        "outcome",
        "decline_reason",
        "follow_up_date",
    }
    metadata = json.loads(view["private_metadata"])

    response = submit(
        slack, EscalationCallback.RESPOND, EH_MEMBER, respond_values(outcome="declined"), metadata
    )
    body = response.get_json()
    assert body["response_action"] == "errors"
    assert "reason" in body["errors"]["decline_reason"]
    db.expire_all()
    assert db.get(Escalation, escalation.id).state == EscalationState.OPEN

    response = submit(
        slack,
        EscalationCallback.RESPOND,
        EH_MEMBER,
        respond_values(answer="Not this year.", outcome="declined", reason="The budget is committed."),
        metadata,
    )
    assert response.status_code == 200 and not response.get_data()
    db.expire_all()
    answered = db.get(Escalation, escalation.id)
    assert (
        answered.state == EscalationState.RESPONDED and answered.decline_reason == "The budget is committed."
    )
    assert db.get(type(item), item.id).status == IssueStatus.ANSWERED


def test_two_responds_through_slack_give_one_answer(slack, slack_api, db, session_factory):
    _net, item, escalation = routed_and_posted(db, session_factory, slack_api)
    metadata = {"escalation_id": escalation.id, "channel": EH_CHANNEL}
    first = submit(slack, EscalationCallback.RESPOND, EH_MEMBER, respond_values(answer="One"), metadata)
    second = submit(slack, EscalationCallback.RESPOND, EH_MEMBER_2, respond_values(answer="Two"), metadata)
    assert first.status_code == 200 and not first.get_data()
    errors = second.get_json()["errors"]
    # A form's errors are plain text in Slack: the person is named without mention markup.
    assert "already answered by @U0EHMEMBR1" in next(iter(errors.values()))
    assert events(db, item.id).count("responded") == 1
    deliver(session_factory, slack_api)
    answers = [c for c in slack_api.of("chat.postMessage") if "has answered" in c["text"]]
    assert sorted(c["channel"] for c in answers) == sorted(["D" + RAISER[1:], "D" + COLLEAGUE[1:]])
    assert all("One" in json.dumps(c["blocks"]) for c in answers)


def test_the_organisation_is_not_satisfied_and_the_board_hears_why(slack, slack_api, db, session_factory):
    _net, _item, escalation = routed_and_posted(db, session_factory, slack_api)
    flows.respond(
        db,
        escalation_id=escalation.id,
        actor=EH_MEMBER,
        answer="Nothing more we can do.",
        outcome="declined",
        decline_reason="No budget",
        now=utcnow(),
        render=RENDERER,
    )
    db.commit()
    deliver(session_factory, slack_api)
    press(slack, EscalationAction.NOT_SATISFIED, STRANGER, escalation.id, channel="D0STRANGER")
    assert "Only Seacombe Young Carers" in ephemeral_texts(slack_api)[-1]
    press(slack, EscalationAction.NOT_SATISFIED, RAISER, escalation.id, channel="D0RAISER01")
    (opened,) = slack_api.of("views.open")
    assert opened["view"]["callback_id"] == EscalationCallback.NOT_SATISFIED
    metadata = json.loads(opened["view"]["private_metadata"])
    response = submit(slack, EscalationCallback.NOT_SATISFIED, RAISER, {"note": text("")}, metadata)
    assert "note" in response.get_json()["errors"]
    response = submit(
        slack,
        EscalationCallback.NOT_SATISFIED,
        RAISER,
        {"note": text("The hubs are closed on Saturdays.")},
        metadata,
    )
    assert response.status_code == 200
    deliver(session_factory, slack_api)
    note = [c for c in slack_api.of("chat.postMessage") if "not satisfied" in c["text"]]
    assert len(note) == 1
    assert note[0]["channel"] == EH_CHANNEL and note[0]["thread_ts"] == escalation.card_ts
    db.expire_all()
    assert db.get(Escalation, escalation.id).state == EscalationState.ACKNOWLEDGED


def test_satisfied_closes_from_the_dm(slack, slack_api, db, session_factory):
    _net, _item, escalation = routed_and_posted(db, session_factory, slack_api)
    flows.respond(
        db,
        escalation_id=escalation.id,
        actor=EH_MEMBER,
        answer="Funded.",
        outcome="accepted",
        now=utcnow(),
        render=RENDERER,
    )
    db.commit()
    press(slack, EscalationAction.SATISFIED, COLLEAGUE, escalation.id, channel="D0COLLEAG1")
    assert "is closed" in ephemeral_texts(slack_api)[-1]
    db.expire_all()
    assert db.get(Escalation, escalation.id).state == EscalationState.CLOSED


def test_reassign_and_escalate_through_their_modals(slack, slack_api, db, session_factory):
    net, item, escalation = routed_and_posted(db, session_factory, slack_api)
    press(slack, EscalationAction.REASSIGN, EH_MEMBER, escalation.id)
    (opened,) = slack_api.of("views.open")
    board_block = next(b for b in opened["view"]["blocks"] if b.get("block_id") == "board")
    names = [o["text"]["text"] for o in board_block["element"]["options"]]
    assert "Early Help Strategic Board" not in names and "Children's Trust Board" in names
    metadata = json.loads(opened["view"]["private_metadata"])
    missing = submit(
        slack,
        EscalationCallback.REASSIGN,
        EH_MEMBER,
        {"board": {"value": {"type": "static_select", "selected_option": None}}, "reason": text("")},
        metadata,
    )
    assert set(missing.get_json()["errors"]) == {"board", "reason"}
    values = {
        "board": {"value": {"type": "static_select", "selected_option": {"value": str(net.ctb.id)}}},
        "reason": text("a commissioning gap"),
    }
    assert submit(slack, EscalationCallback.REASSIGN, EH_MEMBER, values, metadata).status_code == 200
    ctb = flows.live_escalation(db, item.id)
    assert ctb.board_name == "Children's Trust Board"

    press(slack, EscalationAction.ESCALATE, "U0CTBCHAIR", ctb.id, channel="C0CTB00001")
    opened = slack_api.of("views.open")[-1]
    assert "Health and Wellbeing Board" in json.dumps(opened["view"]["blocks"])
    metadata = json.loads(opened["view"]["private_metadata"])
    assert (
        submit(
            slack, EscalationCallback.ESCALATE, "U0CTBCHAIR", {"reason": text("strategic")}, metadata
        ).status_code
        == 200
    )
    db.expire_all()
    assert flows.live_escalation(db, item.id).board_name == "Health and Wellbeing Board"
    # At the top the Escalate button is gone; pressing an old one explains.
    top = flows.live_escalation(db, item.id)
    press(slack, EscalationAction.ESCALATE, OFFICER, top.id)
    assert "top of the ladder" in ephemeral_texts(slack_api)[-1]


def test_officer_routes_from_the_triage_queue(slack, slack_api, db, session_factory):
    net = network(db)
    item = issue(db, net.organisation, theme=None)
    flows.route_received_issue(db, item, now=utcnow(), render=RENDERER)
    db.commit()
    listing = slack.command("triage", user_id=OFFICER).get_json()
    assert item.reference in json.dumps(listing["blocks"])
    assert "Only the Linked-up officer" in slack.command("triage", user_id=RAISER).get_json()["text"]
    press(slack, EscalationAction.ROUTE, RAISER, item.id, channel="D0RAISER01")
    assert "Only the Linked-up officer" in ephemeral_texts(slack_api)[-1]
    press(slack, EscalationAction.ROUTE, OFFICER, item.id, channel="D0OFFICER1")
    (opened,) = slack_api.of("views.open")
    metadata = json.loads(opened["view"]["private_metadata"])
    values = {
        "board": {"value": {"type": "static_select", "selected_option": {"value": str(net.eh.id)}}},
        "reason": text(""),
    }
    assert submit(slack, EscalationCallback.ROUTE, OFFICER, values, metadata).status_code == 200
    assert flows.live_escalation(db, item.id).board_name == "Early Help Strategic Board"


# --- sub-commands ------------------------------------------------------------------------------


def test_history_command(slack, slack_api, db, session_factory):
    _net, item, escalation = routed_and_posted(db, session_factory, slack_api)
    press(slack, EscalationAction.ACKNOWLEDGE, EH_MEMBER, escalation.id)
    mine = slack.command(f"history {item.reference}", user_id=COLLEAGUE).get_json()
    assert mine["response_type"] == "ephemeral"
    assert "acknowledged by" in json.dumps(mine["blocks"])
    refused = slack.command(f"history {item.reference}", user_id=STRANGER).get_json()
    assert "open to its organisation and the officer" in refused["text"]
    assert "history LU-" in slack.command("history", user_id=COLLEAGUE).get_json()["text"]
    help_text = slack.command("help", user_id=STRANGER).get_json()["text"]
    for sub in ("history", "agenda", "route", "meeting", "triage"):
        assert f"/linkedup {sub}" in help_text


def test_route_meeting_and_agenda_commands(slack, slack_api, db, session_factory):
    net = network(db)
    item = issue(db, net.organisation, theme=None)
    flows.route_received_issue(db, item, now=utcnow(), render=RENDERER)
    db.commit()
    answer = slack.command(f"route {item.reference} ctb needs the trust board", user_id=OFFICER).get_json()
    assert "now with the Children's Trust Board" in answer["text"]
    assert "no board" in slack.command(f"route {item.reference} nope", user_id=OFFICER).get_json()["text"]
    assert (
        "Only the Linked-up officer"
        in slack.command(f"route {item.reference} eh", user_id=RAISER).get_json()["text"]
    )
    when = (utcnow() + timedelta(days=30)).strftime("%Y-%m-%d")
    added = slack.command(f"meeting add eh {when} 10:00 Wallasey Town Hall", user_id=OFFICER).get_json()
    assert "Added the Early Help Strategic Board meeting" in added["text"]
    again = slack.command(f"meeting add eh {when} 10:00", user_id=OFFICER).get_json()
    assert "already on the calendar" in again["text"]
    assert "not a date" in slack.command("meeting add eh 31/12 10:00", user_id=OFFICER).get_json()["text"]
    assert (
        "Only the Linked-up officer"
        in slack.command(f"meeting add eh {when} 11:00", user_id=RAISER).get_json()["text"]
    )
    listing = slack.command("meeting list", user_id=RAISER).get_json()
    assert "Wallasey Town Hall" in json.dumps(listing["blocks"])
    agenda = slack.command("agenda", user_id=OFFICER).get_json()
    assert "Issues and challenges" in json.dumps(agenda["blocks"])
    assert item.reference in json.dumps(agenda["blocks"])
    assert "Only the Linked-up officer" in slack.command("agenda", user_id=RAISER).get_json()["text"]


# --- delivery faults ---------------------------------------------------------------------------


def test_a_rate_limited_card_is_retried_after_retry_after_and_posted_once(slack_api, db, session_factory):
    slack_api.rate_limit("chat.postMessage", retry_after=30)
    net = network(db)
    item = issue(db, net.organisation, theme=net.early_help)
    decision = flows.route_received_issue(db, item, now=utcnow(), render=RENDERER)
    db.commit()
    before = utcnow()
    assert deliver(session_factory, slack_api) == 0
    db.expire_all()
    card = db.scalar(
        select(OutboxMessage).where(OutboxMessage.key == f"escalation:{decision.escalation_id}:card")
    )
    assert card.status == OutboxStatus.PENDING and card.attempts == 1
    assert card.next_attempt_at >= before + timedelta(seconds=29)  # Retry-After honoured
    assert "ratelimited" in card.last_error
    # The board acts before the card reached Slack: the update waits for the post.
    flows.acknowledge(
        db, escalation_id=decision.escalation_id, actor=EH_MEMBER, now=utcnow(), render=RENDERER
    )
    db.commit()
    # The raiser's note waits a minute for more news, and the update waits for the post.
    assert deliver(session_factory, slack_api) == 0
    assert slack_api.of("chat.update") == []
    make_due(db)
    deliver(session_factory, slack_api)
    posts = [c for c in slack_api.of("chat.postMessage") if c["channel"] == EH_CHANNEL]
    assert len(posts) == 2  # the 429 and the success: posted once
    (edit,) = slack_api.of("chat.update")
    db.expire_all()
    escalation = db.get(Escalation, decision.escalation_id)
    assert edit["ts"] == escalation.card_ts
    assert deliver(session_factory, slack_api) == 0


def test_a_5xx_on_an_update_backs_off_and_an_older_state_never_wins(slack_api, db, session_factory):
    net = network(db)
    item = issue(db, net.organisation, theme=net.early_help)
    decision = flows.route_received_issue(db, item, now=utcnow(), render=RENDERER)
    db.commit()
    deliver(session_factory, slack_api)  # the card is posted
    slack_api.fail("chat.update", status=503, times=1)
    flows.acknowledge(
        db, escalation_id=decision.escalation_id, actor=EH_MEMBER, now=utcnow(), render=RENDERER
    )
    db.commit()
    deliver(session_factory, slack_api)  # the "acknowledged" update fails and waits
    failed = db.scalar(select(OutboxMessage).where(OutboxMessage.method == "chat.update"))
    db.refresh(failed)
    assert failed.status == OutboxStatus.PENDING and failed.next_attempt_at > utcnow() + timedelta(seconds=20)
    flows.respond(
        db,
        escalation_id=decision.escalation_id,
        actor=EH_MEMBER,
        answer="Answered.",
        outcome="accepted",
        now=utcnow(),
        render=RENDERER,
    )
    db.commit()
    deliver(session_factory, slack_api)  # the "answered" update goes first…
    make_due(db)
    deliver(session_factory, slack_api)  # …then the late "acknowledged" one, and the newest is restored
    edits = slack_api.of("chat.update")
    assert len(edits) == 4  # 503, answered, late acknowledged, answered again
    assert "Answered." in json.dumps(edits[-1]["blocks"])
    assert "Answered." not in json.dumps(edits[2]["blocks"])
    assert deliver(session_factory, slack_api) == 0
