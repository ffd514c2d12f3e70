"""The bulletin in Slack through signed requests: the article modal, the officer's decisions, the
preview's Approve and schedule / Send now (twice is once), and who may press them."""

from __future__ import annotations

import json
from datetime import timedelta

from sqlalchemy import func, select

from bot.bulletin_jobs import deliver_due, send_preview
from bulletins.compile import compile_bulletin
from bulletins.config import LONDON, month_label
from handlers.ids import BulletinAction, BulletinView
from models import Article, Bulletin, OutboxMessage
from models.base import utcnow
from models.bulletins import ArticleStatus, BulletinState
from tests import factories
from tests.bulletin_support import article, mailer_for, network, quarter_hour_ahead, this_month
from tests.intake_support import action, assert_view_within_limits, home_opened, published_view
from tests.slack_requests import block_actions_payload, view_submission_payload


def _dms(db, user: str) -> list[dict]:
    rows = db.scalars(select(OutboxMessage).where(OutboxMessage.method == "dm").order_by(OutboxMessage.id))
    return [row.payload for row in rows if row.payload["user"] == user]


def _article_values(
    title="Youth worker vacancy", link="https://www.cvsw.org.uk/jobs/1", category="vacancies"
):
    return {
        "title": {"value": {"type": "plain_text_input", "value": title}},
        "link": {"value": {"type": "plain_text_input", "value": link}},
        "summary": {"value": {"type": "plain_text_input", "value": "18 hours a week"}},
        "category": {"value": {"type": "static_select", "selected_option": {"value": category}}},
        "month": {"value": {"type": "static_select", "selected_option": {"value": this_month()}}},
    }


def _setup(db):
    network(db)
    factories.officer(db)
    factories.organisation(db, members=("U0MEMBER01",))
    db.commit()


def test_article_command_opens_the_modal(slack, slack_api, db):
    _setup(db)
    response = slack.command("article https://www.cvsw.org.uk/jobs/1", user_id="U0MEMBER01")
    assert response.status_code == 200
    (call,) = slack_api.of("views.open")
    view = call["view"]
    assert view["callback_id"] == BulletinView.ARTICLE
    assert len(view["title"]["text"]) <= 24 and len(view["blocks"]) <= 100
    blocks = {b.get("block_id"): b for b in view["blocks"]}
    assert blocks["link"]["element"]["initial_value"] == "https://www.cvsw.org.uk/jobs/1"
    assert len(blocks["category"]["element"]["options"]) == 7


def test_strangers_are_told_how_to_join(slack, slack_api, db):
    _setup(db)
    body = slack.command("article", user_id="U0STRANGER").get_json()
    assert "/linkedup join" in body["text"]
    assert slack_api.of("views.open") == []


def test_submission_stores_article_and_asks_the_officer(slack, db):
    _setup(db)
    payload = view_submission_payload(
        user_id="U0MEMBER01", callback_id=BulletinView.ARTICLE, values=_article_values()
    )
    response = slack.interact(payload)
    assert response.status_code == 200 and not response.get_data()  # modal closes
    article_row = db.scalar(select(Article))
    assert (article_row.title, article_row.status) == ("Youth worker vacancy", ArticleStatus.PENDING)
    (review,) = _dms(db, "U0OFFICER1")
    actions = next(b for b in review["blocks"] if b["type"] == "actions")
    assert [e["action_id"] for e in actions["elements"]] == [
        BulletinAction.APPROVE_ARTICLE,
        BulletinAction.REJECT_ARTICLE,
    ]
    assert "Thanks" in _dms(db, "U0MEMBER01")[0]["text"]

    # A Slack retry of the same submission stores nothing new and asks the officer once.
    slack.interact(payload, headers={"X-Slack-Retry-Num": "1"})
    assert db.scalar(select(func.count()).select_from(Article)) == 1
    assert len(_dms(db, "U0OFFICER1")) == 1


def test_bad_link_is_an_inline_error_and_nothing_is_stored(slack, db):
    _setup(db)
    for link in ("ftp://files.example.org/a", "www.cvsw.org.uk/jobs", "javascript:alert(1)"):
        payload = view_submission_payload(
            user_id="U0MEMBER01", callback_id=BulletinView.ARTICLE, values=_article_values(link=link)
        )
        body = slack.interact(payload).get_json()
        assert body["response_action"] == "errors" and "https://" in body["errors"]["link"]
    assert db.scalar(select(func.count()).select_from(Article)) == 0


def test_officer_approves_and_the_card_updates_members_cannot(slack, db):
    _setup(db)
    row = article(db, "Funding round", category="funding", status=ArticleStatus.PENDING)
    db.commit()
    refused = block_actions_payload(
        user_id="U0MEMBER01", action_id=BulletinAction.APPROVE_ARTICLE, value=str(row.id)
    )
    assert slack.interact(refused).status_code == 200
    db.expire_all()
    assert db.get(Article, row.id).status == ArticleStatus.PENDING
    assert "Only the development officer" in _dms(db, "U0MEMBER01")[-1]["text"]

    approve = block_actions_payload(
        user_id="U0OFFICER1",
        action_id=BulletinAction.APPROVE_ARTICLE,
        value=str(row.id),
        channel_id="D0OFFICER",
    )
    slack.interact(approve)
    db.expire_all()
    assert db.get(Article, row.id).status == ArticleStatus.APPROVED
    update = db.scalar(select(OutboxMessage).where(OutboxMessage.method == "chat.update"))
    assert update.payload["channel"] == "D0OFFICER" and "Approved by <@U0OFFICER1>" in json.dumps(
        update.payload
    )


def _compiled(db, settings):
    _setup(db)
    article(db, "Youth worker vacancy")
    bulletin = compile_bulletin(db, this_month())
    send_preview(db, settings, bulletin)
    db.commit()
    return bulletin


def test_preview_summary_has_both_buttons_within_limits(slack, db, settings):
    _compiled(db, settings)
    (preview,) = _dms(db, "U0OFFICER1")
    assert len(preview["blocks"]) <= 50
    ids = [e["action_id"] for b in preview["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert BulletinAction.SCHEDULE in ids and BulletinAction.SEND_NOW in ids
    assert "MAILCHIMP_API_KEY" in json.dumps(preview)  # the officer is warned before approving


def test_approve_and_schedule_via_modal_twice_schedules_once(
    slack, slack_api, db, settings, session_factory, mailchimp_api
):
    _compiled(db, settings)
    press = block_actions_payload(user_id="U0OFFICER1", action_id=BulletinAction.SCHEDULE, value=this_month(),
                                  channel_id="D0OFFICER", message_ts="1700000000.000200")  # fmt: skip
    slack.interact(press)
    (opened,) = slack_api.of("views.open")
    view = opened["view"]
    assert view["callback_id"] == BulletinView.SCHEDULE
    assert len(next(b for b in view["blocks"] if b.get("block_id") == "time")["element"]["options"]) == 96

    when = quarter_hour_ahead(30).astimezone(LONDON)
    values = {
        "date": {"value": {"type": "datepicker", "selected_date": when.date().isoformat()}},
        "time": {"value": {"type": "static_select", "selected_option": {"value": when.strftime("%H:%M")}}},
    }
    submit = view_submission_payload(user_id="U0OFFICER1", callback_id=BulletinView.SCHEDULE, values=values,
                                     private_metadata=view["private_metadata"])  # fmt: skip
    assert slack.interact(submit).status_code == 200
    assert slack.interact(submit).status_code == 200  # pressed twice
    db.expire_all()
    bulletin = db.scalar(select(Bulletin))
    assert bulletin.state == BulletinState.APPROVED and bulletin.scheduled_for == when
    assert "already approved" in _dms(db, "U0OFFICER1")[-1]["text"]
    card = db.scalar(select(OutboxMessage).where(OutboxMessage.method == "chat.update"))
    assert card.payload["ts"] == "1700000000.000200"

    ctx = type("Ctx", (), {"settings": settings, "session_factory": session_factory})()
    assert deliver_due(ctx, mailer=mailer_for(mailchimp_api)) == [this_month()]
    assert deliver_due(ctx, mailer=mailer_for(mailchimp_api)) == []
    assert mailchimp_api.count("POST", "/campaigns") == 1
    assert mailchimp_api.count("POST", r"/campaigns/\w+/actions/schedule") == 1
    db.expire_all()
    assert "scheduled in Mailchimp" in _dms(db, "U0OFFICER1")[-1]["text"]


def test_schedule_in_the_past_is_an_inline_error(slack, db, settings):
    _compiled(db, settings)
    yesterday = (utcnow() - timedelta(days=1)).astimezone(LONDON)
    values = {
        "date": {"value": {"type": "datepicker", "selected_date": yesterday.date().isoformat()}},
        "time": {"value": {"type": "static_select", "selected_option": {"value": "09:00"}}},
    }
    submit = view_submission_payload(user_id="U0OFFICER1", callback_id=BulletinView.SCHEDULE, values=values,
                                     private_metadata=json.dumps({"month": this_month()}))  # fmt: skip
    body = slack.interact(submit).get_json()
    assert body["response_action"] == "errors" and "five minutes" in body["errors"]["time"]
    db.expire_all()
    assert db.scalar(select(Bulletin)).state == BulletinState.DRAFT


def test_send_now_only_by_the_officer_and_once(slack, db, settings, session_factory, mailchimp_api):
    _compiled(db, settings)
    slack.interact(
        block_actions_payload(user_id="U0MEMBER01", action_id=BulletinAction.SEND_NOW, value=this_month())
    )
    db.expire_all()
    assert db.scalar(select(Bulletin)).state == BulletinState.DRAFT
    press = block_actions_payload(user_id="U0OFFICER1", action_id=BulletinAction.SEND_NOW, value=this_month())
    slack.interact(press)
    slack.interact(
        block_actions_payload(user_id="U0OFFICER1", action_id=BulletinAction.SEND_NOW, value=this_month())
    )
    db.expire_all()
    assert db.scalar(select(Bulletin)).state == BulletinState.APPROVED
    ctx = type("Ctx", (), {"settings": settings, "session_factory": session_factory})()
    deliver_due(ctx, mailer=mailer_for(mailchimp_api))
    assert mailchimp_api.count("POST", r"/campaigns/\w+/actions/send") == 1
    db.expire_all()
    assert db.scalar(select(Bulletin)).state == BulletinState.SENT
    assert f"{month_label(this_month())} bulletin has been sent" in _dms(db, "U0OFFICER1")[-1]["text"]


def test_failure_is_shown_with_retry_and_retry_resumes(slack, db, settings, session_factory, mailchimp_api):
    _compiled(db, settings)
    slack.interact(
        block_actions_payload(user_id="U0OFFICER1", action_id=BulletinAction.SEND_NOW, value=this_month())
    )
    mailchimp_api.fail("POST", "/campaigns", status=400, detail="The reply-to address is not verified.")
    ctx = type("Ctx", (), {"settings": settings, "session_factory": session_factory})()
    deliver_due(ctx, mailer=mailer_for(mailchimp_api))
    db.expire_all()
    failure = _dms(db, "U0OFFICER1")[-1]
    assert "reply-to address is not verified" in json.dumps(failure)
    assert deliver_due(ctx, mailer=mailer_for(mailchimp_api)) == []  # waits for the officer
    slack.interact(
        block_actions_payload(user_id="U0OFFICER1", action_id=BulletinAction.RETRY, value=this_month())
    )
    assert deliver_due(ctx, mailer=mailer_for(mailchimp_api)) == [this_month()]
    db.expire_all()
    assert db.scalar(select(Bulletin)).state == BulletinState.SENT
    assert len(mailchimp_api.campaign_list()) == 1


def test_compile_job_runs_on_the_configured_day_once(db, settings, session_factory):
    from datetime import datetime

    from bot.bulletin_jobs import compile_due, import_feed

    _setup(db)
    ctx = type("Ctx", (), {"settings": settings, "session_factory": session_factory})()
    month = this_month()
    year, mon = (int(p) for p in month.split("-"))
    assert compile_due(ctx, now=datetime(year, mon, 24, 9, tzinfo=LONDON)) is None
    assert compile_due(ctx, now=datetime(year, mon, 25, 7, tzinfo=LONDON)) == month
    assert compile_due(ctx, now=datetime(year, mon, 26, 7, tzinfo=LONDON)) is None
    db.expire_all()
    assert db.scalar(select(func.count()).select_from(Bulletin)) == 1
    assert "ready for your approval" in _dms(db, "U0OFFICER1")[-1]["text"]

    from models import Network

    db.scalar(select(Network)).settings = {"bulletin": {"feed_url": "http://127.0.0.1:9/feed.xml"}}
    db.commit()
    assert import_feed(ctx) == 0
    db.expire_all()
    assert "feed was skipped" in _dms(db, "U0OFFICER1")[-1]["text"]


def test_officer_home_lists_articles_to_approve_and_refreshes_after_a_decision(slack, slack_api, db):
    """The officer decides articles from the Home tab too: the queue shows the oldest five with their
    buttons and a count of the rest; a decision there republishes the Home tab without that article."""
    _setup(db)
    rows = [
        article(db, f"Article {n}", category="funding", status=ArticleStatus.PENDING) for n in range(1, 8)
    ]
    db.commit()
    home_opened(slack, user_id="U0OFFICER1")
    view = published_view(slack_api)
    assert_view_within_limits(view)
    text = json.dumps(view)
    assert "Bulletin articles to approve* (7)" in text and "and 2 more" in text
    assert _approve_values(view) == [str(row.id) for row in rows[:5]]

    action(
        slack,
        user_id="U0OFFICER1",
        action_id=BulletinAction.APPROVE_ARTICLE,
        value=str(rows[0].id),
        view=view,
    )
    db.expire_all()
    assert db.get(Article, rows[0].id).status == ArticleStatus.APPROVED
    refreshed = json.dumps(published_view(slack_api))
    assert "Bulletin articles to approve* (6)" in refreshed
    assert _approve_values(published_view(slack_api)) == [str(row.id) for row in rows[1:6]]
    assert (
        db.scalar(
            select(func.count()).select_from(OutboxMessage).where(OutboxMessage.method == "chat.update")
        )
        == 0
    )

    # A member's Home has no queue.
    home_opened(slack, user_id="U0MEMBER01")
    assert "Bulletin articles to approve" not in json.dumps(published_view(slack_api))


def _approve_values(view: dict) -> list[str]:
    return [
        element["value"]
        for block in view["blocks"]
        if block["type"] == "actions"
        for element in block["elements"]
        if element["action_id"] == BulletinAction.APPROVE_ARTICLE
    ]
