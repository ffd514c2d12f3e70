"""A board member outside Slack is named by name wherever people read an item's history: in
`/linkedup issue history` and on the dashboard's issue page, where both said "acknowledged by mail:12"
(the actor key the history stores for them)."""

from __future__ import annotations

from datetime import UTC, datetime

from escalations import flows
from escalations.history import history
from handlers.blockkit import mrkdwn
from handlers.escalation_views import RENDERER
from models import Escalation
from models.email_links import actor_of
from reporting.access import viewer_for
from reporting.issues import issue_history
from tests import factories
from tests.email_support import email_board
from tests.escalation_fixtures import OFFICER, issue, network


def test_an_email_members_acknowledgement_is_told_with_their_name(db):
    net = network(db)
    board, chair, _member = email_board(db, parent=net.ctb)
    theme = factories.theme(db, "commissioning", "Commissioning", board=board)
    item = issue(db, net.organisation, theme=theme, title="Short breaks closing")
    now = datetime.now(UTC)
    decision = flows.route_received_issue(db, item, now=now, render=RENDERER)
    db.commit()
    escalation = db.get(Escalation, decision.escalation_id)
    flows.acknowledge(db, escalation_id=escalation.id, actor=actor_of(chair), now=now, render=RENDERER)
    db.commit()

    in_slack = [mrkdwn(line.text) for line in history(db, reference=item.reference, viewer=OFFICER).lines]
    on_page = [e.sentence for e in issue_history(db, viewer_for(db, OFFICER), item.reference).entries]
    on_page_actors = [e.actor for e in issue_history(db, viewer_for(db, OFFICER), item.reference).entries]
    for said in (in_slack, on_page, on_page_actors):
        assert not any("mail:" in line for line in said), said
        assert any("Jo Smith" in line for line in said), said


def test_the_slack_card_says_by_name_who_outside_slack_re_assigned_or_escalated_it(db):
    """Re-assigning or escalating from an e-mail's link redraws the old board's Slack card: "Re-assigned
    to the … by Jo Smith (by e-mail)", where it said "by mail:3"."""
    import json

    from sqlalchemy import select

    from models import OutboxMessage

    net = network(db)
    board, chair, member = email_board(db, parent=net.ctb)
    theme = factories.theme(db, "commissioning", "Commissioning", board=board)
    now = datetime.now(UTC)
    moved = []
    for n, move in enumerate(("reassign", "escalate")):
        item = issue(db, net.organisation, theme=theme, title=f"Short breaks closing {n}")
        decision = flows.route_received_issue(db, item, now=now, render=RENDERER)
        db.commit()
        if move == "reassign":
            flows.reassign(
                db,
                escalation_id=decision.escalation_id,
                actor=actor_of(chair),
                board_id=net.ctb.id,
                reason="The trust board commissions this",
                now=now,
                render=RENDERER,
            )
        else:
            flows.escalate(
                db,
                escalation_id=decision.escalation_id,
                actor=actor_of(member),
                reason="Needs the trust board",
                now=now,
                render=RENDERER,
            )
        db.commit()
        moved.append(decision.escalation_id)
    updates = [
        json.dumps(row.payload)
        for row in db.scalars(select(OutboxMessage).where(OutboxMessage.method == "chat.update"))
    ]
    said = [u for u in updates if "Re-assigned to the" in u or "Escalated to the" in u]
    assert len(said) == 2, updates
    assert not any("mail:" in u for u in said), said
    assert any("Jo Smith (by e-mail)" in u for u in said) and any("Sam Patel (by e-mail)" in u for u in said)
