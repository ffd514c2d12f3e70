"""Who may do what, table-driven: every action and page against every role, through signed Slack
requests and the signed-in dashboard. Allowed → the change happens; everyone else → refused with a
reason, and nothing changes.

The roles (see `tests.reliability_support`): the officer; the Early Help board's member and chair
(the board holding the routine item); the Children's Trust Board's chair (the next rung up, not
holding it); the safeguarding board's member and chair (holding the sensitive item); the member of
Seacombe Young Carers who raised both items, and a colleague of theirs; a member of another
organisation; someone in the workspace with no role at all.

Page-level rules already have their own matrix (`test_dashboard_pages.py`: every page × every role,
each list showing exactly what the role may see); this file covers the actions, and the sensitive
item on every surface that shows an item (dashboard page and list, `/linkedup history`).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from sqlalchemy import select

from escalations import flows
from handlers.escalation_views import RENDERER
from handlers.ids import BulletinAction, EscalationAction, EscalationCallback, IntakeAction, IntakeCallback
from models import Article, Bulletin, EscalationState, Feedback, JoinRequest, OutboxMessage
from models.base import utcnow
from models.bulletins import ArticleStatus, BulletinState
from models.joining import RequestStatus
from tests.dashboard_support import link_for, sign_in
from tests.reliability_support import (
    COLLEAGUE,
    CTB_CHAIR,
    EH_CHAIR,
    EH_MEMBER,
    OFFICER,
    OTHER_MEMBER,
    RAISER,
    SENSITIVE_TITLE,
    STRANGER,
    WSCB_CHAIR,
    WSCB_MEMBER,
    World,
    build_world,
    escalation,
    table_counts,
)
from tests.slack_requests import block_actions_payload, view_submission_payload

EVERYONE = (
    OFFICER,
    EH_MEMBER,
    EH_CHAIR,
    CTB_CHAIR,
    WSCB_MEMBER,
    WSCB_CHAIR,
    RAISER,
    COLLEAGUE,
    OTHER_MEMBER,
    STRANGER,
)
NAMES = {
    OFFICER: "officer",
    EH_MEMBER: "early-help-member",
    EH_CHAIR: "early-help-chair",
    CTB_CHAIR: "trust-board-chair",
    WSCB_MEMBER: "safeguarding-member",
    WSCB_CHAIR: "safeguarding-chair",
    RAISER: "raiser",
    COLLEAGUE: "colleague",
    OTHER_MEMBER: "other-organisation",
    STRANGER: "stranger",
}
HOLDING_BOARD = {OFFICER, EH_MEMBER, EH_CHAIR}
SAFEGUARDING_BOARD = {OFFICER, WSCB_MEMBER, WSCB_CHAIR}
OFFICER_ONLY = {OFFICER}


@dataclass(frozen=True)
class Action:
    """One thing someone may try, how to try it, and how to tell that it happened."""

    name: str
    allowed: set[str]
    attempt: Callable  # (slack, world, actor) -> response
    happened: Callable  # (db, world) -> bool


def _press(action_id: str, value: Callable[[World], str]):
    def attempt(slack, world, actor):
        return slack.interact(block_actions_payload(user_id=actor, action_id=action_id, value=value(world)))

    return attempt


def _submit(callback: str, values: dict | Callable[[World], dict], metadata: Callable[[World], dict]):
    def attempt(slack, world, actor):
        payload = view_submission_payload(
            user_id=actor,
            callback_id=callback,
            values=values(world) if callable(values) else values,
            private_metadata=json.dumps(metadata(world)),
        )
        return slack.interact(payload)

    return attempt


def _text(value: str) -> dict:
    return {"value": {"type": "plain_text_input", "value": value}}


def _choice(value: str) -> dict:
    return {"value": {"type": "static_select", "selected_option": {"value": value}}}


def _state_is(attribute: str, state: EscalationState):
    def happened(db, world) -> bool:
        return escalation(db, getattr(world, attribute)).state == state

    return happened


def _row(model, attribute: str, check: Callable) -> Callable:
    def happened(db, world) -> bool:
        db.expire_all()
        return check(db.get(model, getattr(world, attribute)))

    return happened


def _bulletin_approved(db, world) -> bool:
    db.expire_all()
    return db.scalar(select(Bulletin).where(Bulletin.month == world.month)).state != BulletinState.DRAFT


def _triage_routed(db, world) -> bool:
    db.expire_all()
    return flows.live_escalation(db, world.triage_issue_id) is not None


ROUTINE = lambda w: {"escalation_id": w.routine_escalation_id}  # noqa: E731

ACTIONS = [
    Action(
        "acknowledge",
        HOLDING_BOARD,
        _press(EscalationAction.ACKNOWLEDGE, lambda w: str(w.routine_escalation_id)),
        _state_is("routine_escalation_id", EscalationState.ACKNOWLEDGED),
    ),
    Action(
        "acknowledge the safeguarding item",
        SAFEGUARDING_BOARD,
        _press(EscalationAction.ACKNOWLEDGE, lambda w: str(w.sensitive_escalation_id)),
        _state_is("sensitive_escalation_id", EscalationState.ACKNOWLEDGED),
    ),
    Action(
        "respond",
        HOLDING_BOARD,
        _submit(
            EscalationCallback.RESPOND,
            {
                "answer": _text("The room hire is renewed until March 2028."),
                "outcome": {"value": {"type": "radio_buttons", "selected_option": {"value": "accepted"}}},
            },
            ROUTINE,
        ),
        _state_is("routine_escalation_id", EscalationState.RESPONDED),
    ),
    Action(
        "re-assign",
        HOLDING_BOARD,
        _submit(
            EscalationCallback.REASSIGN,
            lambda w: {
                "board": _choice(str(w.board_ids["ctb"])),
                "reason": _text("Commissioning belongs to the trust board."),
            },
            ROUTINE,
        ),
        _state_is("routine_escalation_id", EscalationState.REASSIGNED),
    ),
    Action(
        "escalate",
        HOLDING_BOARD,
        _submit(EscalationCallback.ESCALATE, {"reason": _text("It needs the trust board.")}, ROUTINE),
        _state_is("routine_escalation_id", EscalationState.ESCALATED),
    ),
    Action(
        "route from triage",
        OFFICER_ONLY,
        _submit(
            EscalationCallback.ROUTE,
            {"board": _choice("eh"), "reason": _text("")},
            lambda w: {"reference": w.triage_reference},
        ),
        _triage_routed,
    ),
    Action(
        "approve an organisation",
        OFFICER_ONLY,
        _press(IntakeAction.APPROVE_REQUEST, lambda w: str(w.join_request_id)),
        _row(JoinRequest, "join_request_id", lambda r: r.status == RequestStatus.APPROVED),
    ),
    Action(
        "decline an organisation",
        OFFICER_ONLY,
        _submit(
            IntakeCallback.DECLINE_REASON,
            {"reason": _text("Not a children's-services organisation.")},
            lambda w: {"request": w.join_request_id},
        ),
        _row(JoinRequest, "join_request_id", lambda r: r.status == RequestStatus.DECLINED),
    ),
    Action(
        "approve an article",
        OFFICER_ONLY,
        _press(BulletinAction.APPROVE_ARTICLE, lambda w: str(w.article_id)),
        _row(Article, "article_id", lambda a: a.status == ArticleStatus.APPROVED),
    ),
    Action(
        "approve the bulletin",
        OFFICER_ONLY,
        _press(BulletinAction.SEND_NOW, lambda w: w.month),
        _bulletin_approved,
    ),
    Action(
        "reply to feedback",
        OFFICER_ONLY,
        _submit(
            IntakeCallback.FEEDBACK_REPLY,
            {"reply": _text("Glad it helped; the room is booked for the spring.")},
            lambda w: {"feedback": w.feedback_id},
        ),
        _row(Feedback, "feedback_id", lambda f: f.replied_at is not None),
    ),
]


def _told(slack_api, db, response, actor: str) -> str:
    """Everything the bot said to `actor` about the attempt, wherever it said it."""
    parts = [response.get_data(as_text=True)]
    parts += [c["text"] for c in slack_api.of("chat.postEphemeral") if c.args.get("user") == actor]
    parts += [json.dumps(c["view"]) for c in slack_api.of("views.open")]
    db.expire_all()
    parts += [
        json.dumps(m.payload)
        for m in db.scalars(select(OutboxMessage).where(OutboxMessage.method == "dm"))
        if m.payload.get("user") == actor
    ]
    return "\n".join(parts)


@pytest.fixture
def world(db) -> World:
    return build_world(db)


@pytest.mark.parametrize("actor", EVERYONE, ids=NAMES.get)
@pytest.mark.parametrize("action", ACTIONS, ids=lambda a: a.name)
def test_who_may_act(slack, slack_api, db, engine, world, action, actor):
    assert not action.happened(db, world)
    before = table_counts(engine)
    response = action.attempt(slack, world, actor)
    assert response.status_code == 200
    if actor in action.allowed:
        assert action.happened(db, world), f"{NAMES[actor]} may {action.name}, but it did not happen"
        return
    assert not action.happened(db, world), f"{NAMES[actor]} must not {action.name}"
    said = _told(slack_api, db, response, actor)
    assert "Only " in said or "not part of a registered organisation" in said, said
    after = table_counts(engine)
    changed = {table for table in after if after[table] != before[table]}
    assert changed <= {"outbox", "slack_deliveries"}, f"a refused {action.name} wrote to {changed}"


# --- the safeguarding-sensitive item, on every surface that shows an item ---------------------------

SEES_SENSITIVE_ON_DASHBOARD = {OFFICER, WSCB_MEMBER, WSCB_CHAIR, RAISER}
# `/linkedup history` is the audit trail opened to the item's organisation (and the officer); for a
# sensitive item that narrows to the person who raised it. Boards see their items on their cards.
SEES_SENSITIVE_HISTORY = {OFFICER, RAISER}


def _dashboard(app, db, actor):
    """A client signed in as `actor`, or None when the dashboard refuses them a session."""
    client = app.test_client()
    if client.get(link_for(app, db, actor)).status_code != 200:
        return None
    return sign_in(app, db, actor)


@pytest.mark.parametrize("actor", EVERYONE, ids=NAMES.get)
def test_who_sees_the_sensitive_item_on_the_dashboard(app, db, world, actor):
    client = _dashboard(app, db, actor)
    if client is None:
        assert actor not in SEES_SENSITIVE_ON_DASHBOARD
        return
    page = client.get(f"/dashboard/issues/{world.sensitive_reference}")
    listing = client.get("/dashboard/issues?per_page=100").get_data(as_text=True)
    if actor in SEES_SENSITIVE_ON_DASHBOARD:
        assert page.status_code == 200 and SENSITIVE_TITLE in page.get_data(as_text=True)
        assert world.sensitive_reference in listing
    else:
        assert page.status_code in (403, 404)
        assert SENSITIVE_TITLE not in page.get_data(as_text=True)
        assert world.sensitive_reference not in listing and SENSITIVE_TITLE not in listing


@pytest.mark.parametrize("actor", EVERYONE, ids=NAMES.get)
def test_who_sees_the_sensitive_items_history_in_slack(slack, world, actor):
    answer = slack.command(f"history {world.sensitive_reference}", user_id=actor).get_json()
    text = json.dumps(answer)
    if actor in SEES_SENSITIVE_HISTORY:
        assert SENSITIVE_TITLE in text
    else:
        assert SENSITIVE_TITLE not in text
        assert f"There is no item {world.sensitive_reference} that you can see" in answer["text"]


@pytest.mark.parametrize("actor", [RAISER, COLLEAGUE], ids=NAMES.get)
def test_the_routine_items_history_is_open_to_the_whole_organisation(slack, world, actor):
    text = json.dumps(slack.command(f"history {world.routine_reference}", user_id=actor).get_json())
    assert "Saturday drop-in may close" in text


# --- after the answer, a sensitive item is the raiser's alone, whatever the button says -------------

SETTLES_SENSITIVE = {RAISER}


@pytest.fixture
def answered_sensitive(db, world) -> World:
    """The world with the safeguarding board's answer to the sensitive item given."""
    flows.respond(
        db,
        escalation_id=world.sensitive_escalation_id,
        actor=WSCB_CHAIR,
        answer="The board has asked the police to patrol the drop-in on Saturdays.",
        outcome="accepted",
        now=utcnow(),
        render=RENDERER,
    )
    db.commit()
    return world


SENSITIVE_AFTER_ANSWER = [
    Action(
        "close the sensitive item as satisfied",
        SETTLES_SENSITIVE,
        _press(EscalationAction.SATISFIED, lambda w: str(w.sensitive_escalation_id)),
        _state_is("sensitive_escalation_id", EscalationState.CLOSED),
    ),
    Action(
        "say not satisfied with the sensitive item",
        SETTLES_SENSITIVE,
        _submit(
            EscalationCallback.NOT_SATISFIED,
            {"note": _text("The patrols have not started.")},
            lambda w: {"escalation_id": w.sensitive_escalation_id},
        ),
        _state_is("sensitive_escalation_id", EscalationState.ACKNOWLEDGED),
    ),
]


@pytest.mark.parametrize("actor", EVERYONE, ids=NAMES.get)
@pytest.mark.parametrize("action", SENSITIVE_AFTER_ANSWER, ids=lambda a: a.name)
def test_who_may_settle_a_sensitive_item(slack, slack_api, db, engine, answered_sensitive, action, actor):
    world = answered_sensitive
    assert not action.happened(db, world)
    before = table_counts(engine)
    response = action.attempt(slack, world, actor)
    assert response.status_code == 200
    if actor in action.allowed:
        assert action.happened(db, world), f"{NAMES[actor]} may {action.name}, but it did not happen"
        return
    assert not action.happened(db, world), f"{NAMES[actor]} must not {action.name}"
    said = _told(slack_api, db, response, actor)
    assert "Only " in said or "not part of a registered organisation" in said, said
    assert SENSITIVE_TITLE not in said
    after = table_counts(engine)
    changed = {table for table in after if after[table] != before[table]}
    assert changed <= {"outbox", "slack_deliveries"}, f"a refused {action.name} wrote to {changed}"


@pytest.mark.parametrize("actor", EVERYONE, ids=NAMES.get)
def test_who_may_open_the_not_satisfied_form_of_a_sensitive_item(
    slack, slack_api, db, answered_sensitive, actor
):
    world = answered_sensitive
    payload = block_actions_payload(
        user_id=actor, action_id=EscalationAction.NOT_SATISFIED, value=str(world.sensitive_escalation_id)
    )
    response = slack.interact(payload)
    assert response.status_code == 200
    opened = [json.dumps(c["view"]) for c in slack_api.of("views.open")]
    shown = [view for view in opened if "not_satisfied" in view.lower() or SENSITIVE_TITLE in view]
    if actor in SETTLES_SENSITIVE:
        assert any(SENSITIVE_TITLE in view for view in shown)
        return
    assert not any(SENSITIVE_TITLE in view for view in opened), f"{NAMES[actor]} read the sensitive title"
    said = _told(slack_api, db, response, actor)
    assert "Only " in said or "not part of a registered organisation" in said, said
