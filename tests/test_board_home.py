"""A board's chair or member opens the App Home and sees their boards' open items — what each waits
for, by when, overdue marked — with Acknowledge and Respond, instead of "Register your organisation"."""

from __future__ import annotations

import json

from escalations import flows
from escalations.board_items import open_items
from handlers.escalation_views import RENDERER
from handlers.home_view import BOARD_ITEMS_SHOWN, home_view
from handlers.ids import EscalationAction
from tests.escalation_fixtures import EH_CHAIR, EH_MEMBER, at, issue, network
from tests.intake_support import assert_view_within_limits, home_opened, published_view

START = at("2026-06-01 10:00")


def _items(db, net, count: int):
    routed = []
    for n in range(count):
        item = issue(db, net.organisation, theme=net.early_help, title=f"Holiday club waiting list {n}")
        routed.append(flows.route_received_issue(db, item, now=START, render=RENDERER).escalation_id)
    db.commit()
    return routed


def _buttons(view: dict) -> list[tuple[str, str]]:
    return [
        (e["action_id"], e["value"])
        for b in view["blocks"]
        if b["type"] == "actions" and b.get("block_id", "").startswith("board-item-")
        for e in b["elements"]
    ]


def test_a_board_member_s_home_lists_the_board_s_open_items_with_buttons(slack, slack_api, db):
    net = network(db)
    first, second = _items(db, net, 2)
    flows.acknowledge(db, escalation_id=second, actor=EH_MEMBER, now=at("2026-06-01 11:00"), render=RENDERER)
    db.commit()
    home_opened(slack, user_id=EH_MEMBER)
    view = published_view(slack_api)
    assert_view_within_limits(view)
    text = json.dumps(view)
    assert "Welcome to Linked-up" not in text and "Register" not in text
    assert "Your boards" in text and "Holiday club waiting list 0" in text and "Open items* (2)" in text
    assert "acknowledgement due Tue 2 Jun 2026" in text  # not yet acknowledged: its acknowledge-by date
    assert _buttons(view) == [
        (EscalationAction.ACKNOWLEDGE, str(first)),
        (EscalationAction.RESPOND, str(first)),
        (EscalationAction.RESPOND, str(second)),  # acknowledged: an answer is what is due
    ]


def test_overdue_items_are_marked_and_the_list_is_bounded(db):
    net = network(db)
    _items(db, net, BOARD_ITEMS_SHOWN + 5)
    later = at("2026-06-10 10:00")
    board_items = open_items(db, EH_CHAIR, now=later, limit=BOARD_ITEMS_SHOWN)
    assert board_items.total == BOARD_ITEMS_SHOWN + 5 and len(board_items.items) == BOARD_ITEMS_SHOWN
    assert all(item.overdue for item in board_items.items)
    view = home_view(db, EH_CHAIR).to_dict()
    assert "…and 5 more" in json.dumps(view, ensure_ascii=False) and len(view["blocks"]) <= 100


def test_someone_on_no_board_and_in_no_organisation_is_still_welcomed(db):
    network(db)
    assert open_items(db, "U0NOBODY01", now=START) is None
    assert "Welcome to Linked-up" in json.dumps(home_view(db, "U0NOBODY01").to_dict())
