"""Intake hands every new issue to routing in the same transaction; held issues go on approval."""

from __future__ import annotations

from sqlalchemy import func, select

from models import Escalation, Issue, OutboxMessage
from tests import factories
from tests.intake_support import action, buttons, deliver, dms_to, opened_view, receipt_of, submit, view_text
from tests.test_intake_join import APPLICANT, OFFICER, _register

MEMBER = "U0MEMBER01"


def _network(db):
    board = factories.board(
        db,
        slug="cjcg",
        name="Children's Joint Commissioning Group",
        channel="C0CJCG0001",
        members=("U0CHAIR01",),
    )
    factories.theme(db, slug="funding", name="Funding and commissioning", board=board, keywords=("funding",))
    factories.theme(db, slug="training", name="Training", keywords=("training",))
    factories.officer(db, OFFICER)
    return board


def _raise(slack, slack_api, *, user: str, text: str, view_id: str):
    slack.command(f"issue {text}", user_id=user)
    return receipt_of(submit(slack, opened_view(slack_api), user_id=user, values={}, view_id=view_id))


def test_submitted_issue_goes_to_the_board_owning_its_theme(slack, slack_api, db, session_factory):
    board = _network(db)
    factories.organisation(db, members=(MEMBER,))
    db.commit()

    receipt = _raise(
        slack, slack_api, user=MEMBER, text="Our funding for the summer scheme ends", view_id="V0R1"
    )

    assert "Sent to the Children's Joint Commissioning Group" in view_text(receipt)
    escalation = db.scalar(select(Escalation))
    assert escalation.board_id == board.id
    deliver(session_factory, slack_api)
    cards = [c.args for c in slack_api.of("chat.postMessage") if c.args.get("channel") == "C0CJCG0001"]
    assert len(cards) == 1
    # A retried submission answers the same way and routes nothing twice.
    again = receipt_of(submit(slack, opened_view(slack_api), user_id=MEMBER, values={}, view_id="V0R1"))
    assert view_text(again) == view_text(receipt)
    assert db.scalar(select(func.count()).select_from(Escalation)) == 1


def test_issue_with_no_owning_board_goes_to_the_officers_triage(slack, slack_api, db, session_factory):
    _network(db)
    factories.organisation(db, members=(MEMBER,))
    db.commit()

    receipt = _raise(slack, slack_api, user=MEMBER, text="We need safer recruitment training", view_id="V0R2")

    assert "The development officer will choose the board" in view_text(receipt)
    assert db.scalar(select(func.count()).select_from(Escalation)) == 0
    deliver(session_factory, slack_api)
    assert any("needs a board" in str(m) for m in dms_to(slack_api, OFFICER))


def test_pending_organisation_issue_is_held_then_routed_on_approval(slack, slack_api, db, session_factory):
    board = _network(db)
    db.commit()
    receipt_of(_register(slack, slack_api))
    _raise(
        slack, slack_api, user=APPLICANT, text="Commissioning funding gap for young carers", view_id="V0R3"
    )
    assert db.scalar(select(func.count()).select_from(Escalation)) == 0
    assert db.scalar(select(func.count()).select_from(Issue)) == 1

    deliver(session_factory, slack_api)
    card = next(m for m in dms_to(slack_api, OFFICER) if buttons(m.get("blocks") or []))
    approve = buttons(card["blocks"])[0]
    action(slack, user_id=OFFICER, action_id=approve["action_id"], value=approve["value"], channel_id="D0O")

    db.expire_all()
    escalation = db.scalar(select(Escalation))
    assert escalation is not None and escalation.board_id == board.id
    assert db.scalar(
        select(func.count()).select_from(OutboxMessage).where(OutboxMessage.method == "chat.postMessage")
    )
