"""Routing's reads on the submission path: the rules read as plain columns in one statement agree with
the network as the ORM sees it, and a change the transaction has not flushed yet is still seen."""

from __future__ import annotations

import pytest

from escalations import routing
from escalations.starting import route_received_issue
from handlers.escalation_views import RENDERER
from models import Network
from tests.escalation_fixtures import at, issue, network


@pytest.mark.parametrize("setting", [None, "ctb", "wscb", "no-such-board"])
@pytest.mark.parametrize("owner", ["wscb", "ctb", None])
@pytest.mark.parametrize("ctb_private", [False, True])
@pytest.mark.parametrize("themes", [True, False])
def test_rules_agree_with_the_orm_reading(db, setting, owner, ctb_private, themes):
    net = network(db)
    net.ctb.private = ctb_private
    net.safeguarding.board = getattr(net, owner) if owner else None
    if setting is not None:
        db.add(Network(slug="wirral", name="Wirral", settings={routing.SAFEGUARDING_SETTING: setting}))
    if not themes:
        for theme in (net.early_help, net.funding, net.safeguarding, net.orphan):
            db.delete(theme)
    db.commit()
    expected = routing.safeguarding_board(db)
    rules = routing.rules_from_network(db)
    assert rules.safeguarding_board_id == (expected.id if expected is not None else None)
    if themes:
        assert rules.theme_owner[net.funding.id] == net.ctb.id
        assert rules.theme_names[net.orphan.id] == net.orphan.name
        assert net.orphan.id not in rules.theme_owner
    else:
        assert rules.theme_owner == {} and rules.theme_names == {}


def test_a_fresh_issue_is_routed_by_the_transactions_unflushed_changes(db):
    net = network(db)
    db.commit()
    item = issue(db, net.organisation, theme=net.funding)
    net.funding.board = net.hwb  # not flushed: routing's reads must still see it
    decision = route_received_issue(db, item, now=at("2026-06-01 10:00"), render=RENDERER, just_raised=True)
    assert decision.board_id == net.hwb.id
