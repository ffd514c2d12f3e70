"""The person who sent an article hears what became of it: approved, rejected with the officer's reason
(the Reject button asks for one), and in the bulletin once it is sent — each once, however often pressed.
Board members (not in any organisation) and officers may send articles too."""

from __future__ import annotations

import json

from sqlalchemy import select

from bot.bulletin_jobs import deliver_due, send_preview
from bulletins.compile import compile_bulletin
from bulletins.config import month_label
from handlers.ids import BulletinAction, BulletinView
from models import Article, OutboxMessage
from models.bulletins import ArticleStatus
from tests import factories
from tests.bulletin_support import article, mailer_for, network, this_month
from tests.slack_requests import block_actions_payload, view_submission_payload
from tests.test_bulletin_slack import _article_values


def _dms(db, user: str) -> list[dict]:
    rows = db.scalars(select(OutboxMessage).where(OutboxMessage.method == "dm").order_by(OutboxMessage.id))
    return [row.payload for row in rows if row.payload["user"] == user]


def _setup(db):
    network(db)
    factories.officer(db)
    factories.organisation(db, members=("U0MEMBER01",))
    db.commit()


def _reason(text: str) -> dict:
    return {"reason": {"value": {"type": "plain_text_input", "value": text}}}


def test_approval_tells_the_submitter_once(slack, db):
    _setup(db)
    row = article(db, "Funding round", category="funding", status=ArticleStatus.PENDING)
    db.commit()
    press = block_actions_payload(
        user_id="U0OFFICER1", action_id=BulletinAction.APPROVE_ARTICLE, value=str(row.id)
    )
    slack.interact(press)
    slack.interact(press)
    (told,) = _dms(db, "U0MEMBER01")
    assert "“Funding round” was approved" in told["text"] and month_label(this_month()) in told["text"]


def test_reject_asks_why_and_the_submitter_gets_the_reason(slack, slack_api, db):
    _setup(db)
    row = article(db, "Summer fair", category="promotions", status=ArticleStatus.PENDING)
    db.commit()
    press = block_actions_payload(
        user_id="U0OFFICER1", action_id=BulletinAction.REJECT_ARTICLE, value=str(row.id),
        channel_id="D0OFFICER", message_ts="1700000000.000300",
    )  # fmt: skip
    slack.interact(press)
    db.expire_all()
    assert db.get(Article, row.id).status == ArticleStatus.PENDING  # nothing decided until a reason is given
    (opened,) = slack_api.of("views.open")
    view = opened["view"]
    assert view["callback_id"] == BulletinView.REJECT_ARTICLE and len(view["title"]["text"]) <= 24

    def submit(text):
        return slack.interact(
            view_submission_payload(
                user_id="U0OFFICER1",
                callback_id=BulletinView.REJECT_ARTICLE,
                values=_reason(text),
                private_metadata=view["private_metadata"],
            )
        )

    body = submit("   ").get_json()
    assert body["response_action"] == "errors" and "Say why" in body["errors"]["reason"]
    assert _dms(db, "U0MEMBER01") == []

    assert submit("The fair is in Cheshire, outside Wirral & <not> ours").status_code == 200
    db.expire_all()
    assert db.get(Article, row.id).status == ArticleStatus.REJECTED
    (told,) = _dms(db, "U0MEMBER01")
    assert "“Summer fair” will not go in" in told["text"]
    assert "outside Wirral &amp; &lt;not&gt; ours" in told["text"]  # escaped for Slack
    update = db.scalar(select(OutboxMessage).where(OutboxMessage.method == "chat.update"))
    assert update.payload["channel"] == "D0OFFICER" and "Rejected by" in json.dumps(update.payload)


def test_members_cannot_open_the_reject_form(slack, slack_api, db):
    _setup(db)
    row = article(db, "Summer fair", status=ArticleStatus.PENDING)
    db.commit()
    slack.interact(
        block_actions_payload(
            user_id="U0MEMBER01", action_id=BulletinAction.REJECT_ARTICLE, value=str(row.id)
        )
    )
    assert slack_api.of("views.open") == []
    assert "Only the development officer" in _dms(db, "U0MEMBER01")[-1]["text"]


def test_the_sent_bulletin_tells_each_submitter_their_article_is_in(
    slack, db, settings, session_factory, mailchimp_api
):
    _setup(db)
    article(db, "Youth worker vacancy")
    article(db, "Turned down", status=ArticleStatus.REJECTED)
    send_preview(db, settings, compile_bulletin(db, this_month()))
    db.commit()
    slack.interact(
        block_actions_payload(user_id="U0OFFICER1", action_id=BulletinAction.SEND_NOW, value=this_month())
    )
    ctx = type("Ctx", (), {"settings": settings, "session_factory": session_factory})()
    deliver_due(ctx, mailer=mailer_for(mailchimp_api))
    deliver_due(ctx, mailer=mailer_for(mailchimp_api))
    db.expire_all()
    told = [dm["text"] for dm in _dms(db, "U0MEMBER01")]
    month = month_label(this_month())
    assert told == [
        f":newspaper: The {month} bulletin has been sent, with your article “Youth worker vacancy” in it."
    ]


def test_a_board_member_and_the_officer_may_send_articles(slack, slack_api, db):
    _setup(db)
    factories.board(db, "wscb", "Wirral Safeguarding Children Board", members=("U0DEMOWSCB1",))
    db.commit()
    for user, link in (
        ("U0DEMOWSCB1", "https://www.cvsw.org.uk/a"),
        ("U0OFFICER1", "https://www.cvsw.org.uk/b"),
    ):
        assert slack.command("article", user_id=user).status_code == 200
        payload = view_submission_payload(
            user_id=user, callback_id=BulletinView.ARTICLE, values=_article_values(link=link)
        )
        assert slack.interact(payload).status_code == 200
    assert len(slack_api.of("views.open")) == 2
    assert sorted(db.scalars(select(Article.submitted_by))) == ["U0DEMOWSCB1", "U0OFFICER1"]
    assert "Thanks" in _dms(db, "U0DEMOWSCB1")[0]["text"]
    assert "/linkedup join" in slack.command("article", user_id="U0STRANGER").get_json()["text"]
