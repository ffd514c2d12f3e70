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
