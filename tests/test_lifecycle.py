"""The raiser hears every change to their issue, and `/linkedup status` agrees with what they heard.

An issue is played through its whole life by signed Slack requests and the sweep — routed by the
officer, acknowledged, re-assigned, escalated by the sweep, answered, reopened, answered again and
closed — and after each change the raiser has exactly one new direct message naming the board it is
with now and its due date, and the status command says the same.
"""

from __future__ import annotations

import json
import re
from datetime import timedelta

from slack_sdk import WebClient
from sqlalchemy import select, update

from bot.bulletin_jobs import refresh_drafts
from bot.escalation_jobs import run_sweep
from bot.outbox import deliver_due
from bot.people_jobs import learn_names
from bot.runtime import Context
from bulletins.compile import compile_bulletin
from bulletins.config import month_of
from escalations import flows
from escalations.lifecycle import due_in_words, standing_of, working_days_between
from escalations.people import names_of
from escalations.themes import correct_theme
from escalations.working_days import describe
from handlers.escalation_views import RENDERER
from handlers.ids import EscalationAction, EscalationCallback
from models import Bulletin, Escalation, EscalationEvent, OutboxMessage, OutboxStatus
from models.base import utcnow
from models.bulletins import BulletinState
from models.people import remember_name
from tests.dashboard_support import OFFICER as DASHBOARD_OFFICER
from tests.dashboard_support import build_world, sign_in
from tests.escalation_fixtures import (
    CTB_CHANNEL,
    EH_CHANNEL,
    EH_MEMBER,
    HWB_CHAIR,
    HWB_CHANNEL,
    OFFICER,
    RAISER,
    STRANGER,
    WSCB_CHAIR,
    at,
    issue,
    network,
)
from tests.slack_requests import block_actions_payload, fixture_json, view_submission_payload
from tests.test_dashboard_pages import text_of

RAISER_DM = "D" + RAISER[1:]


class Raiser:
    """What the raiser has been sent so far, read from the Slack fake after the outbox is delivered."""

    def __init__(self, db, session_factory, slack_api):
        self.db, self.session_factory, self.slack_api = db, session_factory, slack_api
        self.seen = 0

    def new_messages(self) -> list[dict]:
        """Let a minute pass for the outbox (the raiser's note waits that long for more news), deliver."""
        self.db.execute(
            update(OutboxMessage)
            .where(OutboxMessage.status == OutboxStatus.PENDING)
            .values(next_attempt_at=utcnow() - timedelta(seconds=1))
        )
        self.db.commit()
        client = WebClient(base_url=self.slack_api.base_url, token="xoxb-test-token")
        while deliver_due(self.session_factory, client):
            pass
        dms = [c for c in self.slack_api.of("chat.postMessage") if c["channel"] == RAISER_DM]
        fresh, self.seen = dms[self.seen :], len(dms)
        return fresh


def press(slack, action: EscalationAction, user: str, value, channel: str):
    payload = block_actions_payload(
        user_id=user, action_id=action.value, value=str(value), channel_id=channel, message_ts="1.000001"
    )
    assert slack.interact(payload).status_code == 200


def submit(slack, callback: EscalationCallback, user: str, values: dict, metadata: dict):
    payload = view_submission_payload(
        user_id=user, callback_id=callback.value, values=values, private_metadata=json.dumps(metadata)
    )
    response = slack.interact(payload)
    assert response.status_code == 200 and not response.get_data(), response.get_data()


def typed(value: str) -> dict:
    return {"value": {"type": "plain_text_input", "value": value}}


def answer_values(answer: str) -> dict:
    return {
        "answer": typed(answer),
        "outcome": {"value": {"type": "radio_buttons", "selected_option": {"value": "partly"}}},
        "decline_reason": typed(""),
        "follow_up_date": {"value": {"type": "datepicker", "selected_date": None}},
    }


def status_text(slack) -> str:
    body = slack.command("status", user_id=RAISER).get_json()
    return json.dumps(body["blocks"], ensure_ascii=False)


def live(db, item) -> Escalation:
    db.expire_all()
    return flows.live_escalation(db, item.id)


def said(message) -> str:
    return message["text"] + json.dumps(message.args.get("blocks", []), ensure_ascii=False)


def test_the_raiser_hears_every_change_once_and_status_agrees(slack, slack_api, db, session_factory):
    net = network(db)
    item = issue(db, net.organisation, theme=None, title="No Saturday family support in Birkenhead")
    assert flows.route_received_issue(db, item, now=utcnow(), render=RENDERER).kind == "triage"
    db.commit()
    raiser = Raiser(db, session_factory, slack_api)
    raiser.new_messages()

    # Routed by the officer.
    reply = slack.command(f"route {item.reference} eh it is about early help", user_id=OFFICER).get_json()
    assert "Early Help Strategic Board" in reply["text"]
    eh = live(db, item)
    (note,) = raiser.new_messages()
    assert "Sent to the Early Help Strategic Board" in said(note)
    assert describe(eh.acknowledge_by) in said(note)  # waiting for the board to acknowledge it, by then
    status = status_text(slack)
    assert "With the Early Help Strategic Board, waiting for the board to acknowledge it" in status
    assert describe(eh.acknowledge_by) in status

    # Acknowledged on the card.
    press(slack, EscalationAction.ACKNOWLEDGE, EH_MEMBER, eh.id, EH_CHANNEL)
    eh = live(db, item)
    (note,) = raiser.new_messages()
    assert "The Early Help Strategic Board acknowledged it" in said(note)
    assert describe(eh.respond_by) in said(note)
    status = status_text(slack)
    assert "With the Early Help Strategic Board, waiting for the board's answer" in status
    assert describe(eh.respond_by) in status

    # Re-assigned to the Children's Trust Board, with the reason.
    values = {
        "board": {"value": {"type": "static_select", "selected_option": {"value": str(net.ctb.id)}}},
        "reason": typed("It needs money the trust holds."),
    }
    submit(
        slack, EscalationCallback.REASSIGN, EH_MEMBER, values, {"escalation_id": eh.id, "channel": EH_CHANNEL}
    )
    ctb = live(db, item)
    assert ctb.board_name == "Children's Trust Board"
    (note,) = raiser.new_messages()
    text = said(note)
    assert "Re-assigned from the Early Help Strategic Board to the Children's Trust Board" in text
    assert "It needs money the trust holds." in text
    assert describe(ctb.respond_by) in text and describe(ctb.acknowledge_by) in text
    status = status_text(slack)
    assert "With the Children's Trust Board, waiting for the board to acknowledge it" in status
    assert describe(ctb.acknowledge_by) in status

    # Nobody at the trust answers in time: the sweep escalates it to the top of the ladder.
    past = utcnow() - timedelta(hours=1)
    db.execute(
        update(Escalation)
        .where(Escalation.id == ctb.id)
        .values(acknowledge_by=past, respond_by=past, next_step_at=past)
    )
    db.commit()
    report = run_sweep(session_factory, render=RENDERER)
    assert report.escalated == 1
    hwb = live(db, item)
    assert hwb.board_name == "Health and Wellbeing Board" and hwb.current_rung.channel == HWB_CHANNEL
    (note,) = raiser.new_messages()
    text = said(note)
    assert "Escalated from the Children's Trust Board to the Health and Wellbeing Board automatically" in text
    assert "no response by" in text and describe(hwb.respond_by) in text
    status = status_text(slack)
    assert "With the Health and Wellbeing Board, waiting for the board to acknowledge it" in status
    assert describe(hwb.acknowledge_by) in status

    # The board answers: the answer itself is the raiser's one message, with its buttons.
    submit(
        slack,
        EscalationCallback.RESPOND,
        HWB_CHAIR,
        answer_values("A Saturday pilot in Birkenhead from March."),
        {"escalation_id": hwb.id, "channel": HWB_CHANNEL},
    )
    (note,) = raiser.new_messages()
    assert "The Health and Wellbeing Board has answered" in said(note)
    assert EscalationAction.NOT_SATISFIED.value in said(note)
    assert "waiting for the organisation to say whether the answer settles it" in status_text(slack)

    # Not satisfied: it reopens with the same board and a new due date.
    submit(
        slack,
        EscalationCallback.NOT_SATISFIED,
        RAISER,
        {"note": typed("A pilot is not a service: families need it every week.")},
        {"escalation_id": hwb.id, "channel": RAISER_DM},
    )
    reopened = live(db, item)
    (note,) = raiser.new_messages()
    text = said(note)
    assert "Reopened: you told the Health and Wellbeing Board the answer does not settle it" in text
    assert describe(reopened.respond_by) in text
    status = status_text(slack)
    assert "With the Health and Wellbeing Board, waiting for the board's answer" in status
    assert describe(reopened.respond_by) in status

    # Answered again, and the raiser accepts it: closed.
    submit(
        slack,
        EscalationCallback.RESPOND,
        HWB_CHAIR,
        answer_values("Every Saturday in Birkenhead from March, funded for two years."),
        {"escalation_id": hwb.id, "channel": HWB_CHANNEL},
    )
    (note,) = raiser.new_messages()
    assert "funded for two years" in said(note)
    press(slack, EscalationAction.SATISFIED, RAISER, hwb.id, RAISER_DM)
    (note,) = raiser.new_messages()
    assert "Closed: you accepted the Health and Wellbeing Board's answer" in said(note)
    assert "Open issues*: none" in status_text(slack)
    history = slack.command(f"history {item.reference}", user_id=RAISER).get_json()
    assert "the organisation accepted the answer" in json.dumps(history["blocks"], ensure_ascii=False)
    # Nothing else reached the raiser; no card went to a channel twice.
    assert raiser.new_messages() == []
    assert len([c for c in slack_api.of("chat.postMessage") if c["channel"] == CTB_CHANNEL]) == 1


def test_changes_within_a_minute_are_one_note(db):
    net = network(db)
    item = issue(db, net.organisation, theme=net.early_help)
    now = utcnow()
    decision = flows.route_received_issue(db, item, now=now, render=RENDERER)
    flows.acknowledge(db, escalation_id=decision.escalation_id, actor=EH_MEMBER, now=now, render=RENDERER)
    flows.reassign(
        db,
        escalation_id=decision.escalation_id,
        actor=EH_MEMBER,
        board_id=net.ctb.id,
        reason="The trust holds the budget.",
        now=now + timedelta(seconds=20),
        render=RENDERER,
    )
    db.commit()
    (note,) = db.scalars(select(OutboxMessage).where(OutboxMessage.key.like(f"issue:{item.id}:status:%")))
    assert note.payload["user"] == RAISER and note.next_attempt_at > now
    text = json.dumps(note.payload["blocks"], ensure_ascii=False)
    assert text.index("Sent to the Early Help") < text.index("acknowledged it") < text.index("Re-assigned")
    assert "With the Children's Trust Board" in text  # where it stands when the note goes
    # After the minute a new change is a new note.
    flows.acknowledge(
        db,
        escalation_id=flows.live_escalation(db, item.id).id,
        actor="U0CTBCHAIR",
        now=now + timedelta(minutes=2),
        render=RENDERER,
    )
    db.commit()
    keys = db.scalars(select(OutboxMessage.key).where(OutboxMessage.key.like(f"issue:{item.id}:status:%")))
    assert sorted(keys) == [f"issue:{item.id}:status:1", f"issue:{item.id}:status:2"]


def test_standing_says_by_when_in_working_days_and_a_date(db):
    net = network(db)
    item = issue(db, net.organisation, theme=net.early_help)
    monday = at("2026-06-01 10:00")
    flows.route_received_issue(db, item, now=monday, render=RENDERER)
    db.flush()
    standing = standing_of(db, item, now=monday)
    assert standing.board == "Early Help Strategic Board"
    assert standing.due_words == "in 1 working day (Tue 2 Jun 2026, 18:00)"
    assert working_days_between(at("2026-06-05 10:00").date(), at("2026-06-08 10:00").date()) == 1
    assert due_in_words(at("2026-06-02 18:00"), at("2026-06-04 09:00")).endswith("overdue by 2 working days")
    assert due_in_words(at("2026-06-02 18:00"), at("2026-06-02 09:00")) == "today (Tue 2 Jun 2026, 18:00)"


def test_a_corrected_theme_reroutes_the_item_and_tells_the_raiser_once(slack, slack_api, db, session_factory):
    net = network(db)
    item = issue(db, net.organisation, theme=net.early_help, title="Holiday club waiting list in Wallasey")
    flows.route_received_issue(db, item, now=utcnow(), render=RENDERER)
    db.commit()
    raiser = Raiser(db, session_factory, slack_api)
    raiser.new_messages()

    refused = slack.command(f"theme {item.reference} funding", user_id=STRANGER).get_json()
    assert "Only the Linked-up officer or the board that has" in refused["text"]
    unknown = slack.command(f"theme {item.reference} holidays", user_id=EH_MEMBER).get_json()
    assert "There is no theme “holidays”" in unknown["text"] and "Funding" in unknown["text"]

    done = slack.command(f"theme {item.reference} Funding", user_id=EH_MEMBER).get_json()
    assert "now has the theme Funding. It moved to the Children's Trust Board" in done["text"]
    db.expire_all()
    assert db.get(type(item), item.id).theme_id == net.funding.id
    assert live(db, item).board_name == "Children's Trust Board"
    (note,) = raiser.new_messages()  # the correction and the move it caused: one note
    text = said(note)
    assert "Theme corrected from “Early help” to “Funding”" in text
    assert "Re-assigned from the Early Help Strategic Board to the Children's Trust Board" in text
    kinds = list(db.scalars(select(EscalationEvent.kind).where(EscalationEvent.issue_id == item.id)))
    assert kinds[-3:] == ["theme_changed", "reassigned", "received"]

    history = slack.command(f"history {item.reference}", user_id=RAISER).get_json()
    assert "theme corrected from “Early help” to “Funding” by <@U0EHMEMBR1>" in json.dumps(
        history["blocks"], ensure_ascii=False
    )
    again = slack.command(f"theme {item.reference} funding", user_id=OFFICER).get_json()
    assert "already has the theme Funding" in again["text"]


def test_every_overdue_item_on_the_dashboard_says_why_it_still_waits(app, db):
    build_world(db)
    overview = text_of(sign_in(app, db, DASHBOARD_OFFICER).get("/dashboard/"))
    assert "Why it still waits" in overview
    rows = re.findall(r'<span class="tag overdue">.*?</span></td>\s*<td>(.*?)</td>', overview, re.S)
    assert len(rows) >= 2
    assert all("has not acknowledged it" in row or "no answer from the" in row for row in rows), rows


def test_the_organisations_dashboard_page_tells_the_whole_history_in_sentences(app, db):
    net = network(db)
    remember_name(db, EH_MEMBER, "Sam Board", now=utcnow())  # a board member, named by Slack once
    item = issue(db, net.organisation, theme=net.early_help)
    now = utcnow()
    decision = flows.route_received_issue(db, item, now=now, render=RENDERER)
    flows.acknowledge(db, escalation_id=decision.escalation_id, actor=EH_MEMBER, now=now, render=RENDERER)
    flows.reassign(
        db,
        escalation_id=decision.escalation_id,
        actor=EH_MEMBER,
        board_id=net.ctb.id,
        reason="The trust holds the budget.",
        now=now,
        render=RENDERER,
    )
    db.commit()
    page = text_of(sign_in(app, db, RAISER).get(f"/dashboard/issues/{item.reference}"))
    history = page.split("<h2>History</h2>", 1)[1]
    assert "Routed to the Early Help Strategic Board (Early Help Strategic Board owns the theme" in history
    assert "Acknowledged by Sam Board for the Early Help Strategic Board" in history, history
    assert (
        "Re-assigned by Sam Board from the Early Help Strategic Board to the Children&#39;s Trust Board: "
        "“The trust holds the budget.”" in history
    )
    assert EH_MEMBER not in history


def test_board_people_are_named_once_from_slack_and_the_raiser_reads_names(db, session_factory, slack_api):
    net = network(db)
    item = issue(db, net.organisation, theme=net.early_help)
    now = utcnow()
    decision = flows.route_received_issue(db, item, now=now, render=RENDERER)
    db.commit()
    client = WebClient(base_url=slack_api.base_url, token="xoxb-test-token")
    asked = learn_names(session_factory, client)
    # Board members and chairs (bare ids in the network file) are asked about; members with names are not.
    looked_up = {call["user"] for call in slack_api.of("users.info")}
    assert asked == len(looked_up) and EH_MEMBER in looked_up and RAISER not in looked_up
    assert learn_names(session_factory, client) == 0  # once: nobody is asked twice
    assert names_of(db, [EH_MEMBER]) == {EH_MEMBER: "Some One"}
    flows.acknowledge(db, escalation_id=decision.escalation_id, actor=EH_MEMBER, now=now, render=RENDERER)
    db.commit()
    (note,) = db.scalars(select(OutboxMessage).where(OutboxMessage.key.like(f"issue:{item.id}:status:%")))
    assert "acknowledged it (by Some One)" in json.dumps(note.payload["blocks"], ensure_ascii=False)


def test_a_withdrawn_answer_leaves_the_draft_bulletin(db, engine, session_factory, settings):
    net = network(db)
    item = issue(db, net.organisation, theme=net.early_help, title="Saturday family support")
    now = utcnow()
    decision = flows.route_received_issue(db, item, now=now - timedelta(hours=2), render=RENDERER)
    flows.respond(
        db,
        escalation_id=decision.escalation_id,
        actor=EH_MEMBER,
        answer="A Saturday pilot starts in March.",
        outcome="accepted",
        now=now - timedelta(hours=1),
        render=RENDERER,
    )
    db.commit()
    draft = compile_bulletin(db, month_of(now), now=now - timedelta(minutes=30))
    db.commit()
    assert "A Saturday pilot starts in March." in draft.text
    ctx = Context(settings, engine, session_factory)
    assert refresh_drafts(ctx) == []  # nothing it quotes has changed

    flows.not_satisfied(
        db,
        escalation_id=decision.escalation_id,
        actor=RAISER,
        note="A pilot is not a service.",
        now=now - timedelta(minutes=10),
        render=RENDERER,
    )
    db.commit()
    assert refresh_drafts(ctx) == [month_of(now)]
    db.expire_all()
    fresh = db.scalar(select(Bulletin).where(Bulletin.month == month_of(now)))
    assert fresh.compile_version == 2 and fresh.state == BulletinState.DRAFT
    assert "A Saturday pilot starts in March." not in fresh.text
    assert refresh_drafts(ctx) == []  # compiled again once, not on every run


def test_you_said_we_did_uses_the_corrected_theme(db, engine, session_factory, settings):
    net = network(db)
    item = issue(db, net.organisation, theme=net.safeguarding, title="Holiday club waiting list")
    item.sensitive = False
    now = utcnow()
    decision = flows.route_received_issue(db, item, now=now - timedelta(hours=2), render=RENDERER)
    flows.respond(
        db,
        escalation_id=decision.escalation_id,
        actor=WSCB_CHAIR,
        answer="Two more holiday clubs open at Easter.",
        outcome="accepted",
        now=now - timedelta(hours=1),
        render=RENDERER,
    )
    db.commit()
    assert "[Safeguarding]" in compile_bulletin(db, month_of(now), now=now - timedelta(minutes=30)).text
    db.commit()
    corrected = correct_theme(
        db,
        reference=item.reference,
        theme="funding",
        actor=OFFICER,
        now=now - timedelta(minutes=5),
        render=RENDERER,
    )
    db.commit()
    assert corrected.moved_to is None  # answered: the theme changes, the item stays where it was answered
    assert refresh_drafts(Context(settings, engine, session_factory)) == [month_of(now)]
    db.expire_all()
    text = db.scalar(select(Bulletin.text).where(Bulletin.month == month_of(now)))
    assert "[Funding]" in text and "[Safeguarding]" not in text


def test_the_board_changes_the_theme_from_the_card(slack, slack_api, db, session_factory):
    net = network(db)
    item = issue(db, net.organisation, theme=net.early_help, title="Holiday club waiting list")
    decision = flows.route_received_issue(db, item, now=utcnow(), render=RENDERER)
    db.commit()
    press(slack, EscalationAction.CHANGE_THEME, EH_MEMBER, decision.escalation_id, EH_CHANNEL)
    (opened,) = slack_api.of("views.open")
    view = opened["view"]
    assert view["callback_id"] == EscalationCallback.THEME and len(view["title"]["text"]) <= 24
    select_ = next(b for b in view["blocks"] if b.get("block_id") == "theme")["element"]
    assert select_["initial_option"]["text"]["text"] == "Early help"
    metadata = json.loads(view["private_metadata"])
    unchanged = {
        "theme": {"value": {"type": "static_select", "selected_option": {"value": str(net.early_help.id)}}}
    }
    refused = slack.interact(
        view_submission_payload(
            user_id=EH_MEMBER,
            callback_id=EscalationCallback.THEME.value,
            values=unchanged,
            private_metadata=json.dumps(metadata),
        )
    ).get_json()
    assert "already has the theme Early help" in refused["errors"]["theme"]
    funding = {
        "theme": {"value": {"type": "static_select", "selected_option": {"value": str(net.funding.id)}}}
    }
    submit(slack, EscalationCallback.THEME, EH_MEMBER, funding, metadata)
    assert live(db, item).board_name == "Children's Trust Board"
    assert db.get(type(item), item.id).theme_id == net.funding.id


def test_the_app_home_says_where_each_item_stands(slack, slack_api, db):
    net = network(db)
    item = issue(db, net.organisation, theme=net.early_help, title="No Saturday family support")
    flows.route_received_issue(db, item, now=utcnow(), render=RENDERER)
    db.commit()
    event = dict(fixture_json("event_callback.app_home_opened.bolt-python.json")["event"])
    event.update({"user": RAISER, "tab": "home", "channel": "D0HOME"})
    assert slack.event(event).status_code == 200
    (published,) = slack_api.of("views.publish")
    home = json.dumps(published["view"], ensure_ascii=False)
    eh = live(db, item)
    assert item.reference in home
    assert "With the Early Help Strategic Board, waiting for the board to acknowledge it" in home
    assert describe(eh.acknowledge_by) in home
