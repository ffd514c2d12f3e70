"""Routing is a pure function of the issue's facts and the network's rules (table-driven)."""

from __future__ import annotations

import pytest

from escalations.routing import BoardFacts, IssueFacts, RouteKind, RoutingRules, route, rules_from_network
from models import Network
from tests.escalation_fixtures import network

BOARDS = {
    1: BoardFacts(1, "Early Help Strategic Board", private=False),
    2: BoardFacts(2, "Children's Trust Board", private=False),
    3: BoardFacts(3, "Wirral Safeguarding Children Board", private=True),
    4: BoardFacts(4, "Youth Reference Group", private=False),
}
RULES = RoutingRules(
    boards=BOARDS,
    theme_owner={10: 1, 11: 2, 12: 3},
    theme_names={10: "Early help", 11: "Funding", 12: "Safeguarding", 13: "Transport"},
    safeguarding_board_id=3,
)
NO_SAFEGUARDING = RoutingRules(boards=BOARDS, theme_owner={10: 1}, theme_names={10: "Early help"})
PUBLIC_SAFEGUARDING = RoutingRules(boards=BOARDS, theme_owner={10: 1}, safeguarding_board_id=4)


@pytest.mark.parametrize(
    ("facts", "rules", "kind", "board", "reason_has"),
    [
        (IssueFacts(10, False), RULES, RouteKind.THEME, 1, "owns the theme “Early help”"),
        (IssueFacts(11, False), RULES, RouteKind.THEME, 2, "Funding"),
        (IssueFacts(12, False), RULES, RouteKind.THEME, 3, "Safeguarding"),
        (IssueFacts(13, False), RULES, RouteKind.TRIAGE, None, "no board owns the theme “Transport”"),
        (IssueFacts(99, False), RULES, RouteKind.TRIAGE, None, "no board owns"),
        (IssueFacts(None, False), RULES, RouteKind.TRIAGE, None, "no theme"),
        # Sensitive goes to the safeguarding board whatever the theme says.
        (IssueFacts(10, True), RULES, RouteKind.SAFEGUARDING, 3, "safeguarding-sensitive"),
        (IssueFacts(None, True), RULES, RouteKind.SAFEGUARDING, 3, "only"),
        (IssueFacts(13, True), RULES, RouteKind.SAFEGUARDING, 3, "only"),
        # …and never to a public channel: with no private safeguarding board, the officer decides.
        (IssueFacts(10, True), NO_SAFEGUARDING, RouteKind.TRIAGE, None, "no private safeguarding board"),
        (IssueFacts(10, True), PUBLIC_SAFEGUARDING, RouteKind.TRIAGE, None, "no private safeguarding board"),
        (IssueFacts(10, False), NO_SAFEGUARDING, RouteKind.THEME, 1, "Early help"),
    ],
)
def test_route(facts, rules, kind, board, reason_has):
    decision = route(facts, rules)
    assert decision.kind == kind
    assert decision.board_id == board
    assert reason_has in decision.reason


def test_rules_come_from_the_loaded_network(db):
    net = network(db)
    db.commit()
    rules = rules_from_network(db)
    assert rules.theme_owner[net.early_help.id] == net.eh.id
    assert net.orphan.id not in rules.theme_owner
    # No setting names it, so the private board owning the "safeguarding" theme is the safeguarding board.
    assert rules.safeguarding_board_id == net.wscb.id


def test_network_setting_names_the_safeguarding_board(db):
    net = network(db)
    other = net.ctb
    other.private = True
    db.add(Network(slug="wirral", name="Wirral", settings={"safeguarding_board": "ctb"}))
    db.commit()
    assert rules_from_network(db).safeguarding_board_id == other.id
