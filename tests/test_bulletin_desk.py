"""`/linkedup bulletin`: the officer can take the month's bulletin on from every state — compile and
preview, approve and schedule, send now, choose a new time, send now instead, cancel the schedule,
retry — and every press the state no longer allows is refused with the reason. The command-line
compile sends the same preview, and writes a sent bulletin as sent instead of refusing."""

from __future__ import annotations

import json

from sqlalchemy import select

from bot.bulletin_jobs import deliver_due
from bulletins.compile import compile_bulletin
from bulletins.config import LONDON, month_label
from bulletins.desk import Step, standing
from handlers.ids import BulletinAction, BulletinView
from models import Bulletin, OutboxMessage
from models.bulletins import BulletinState
from tests import factories
from tests.bulletin_support import article, mailer_for, network, quarter_hour_ahead, this_month
from tests.slack_requests import block_actions_payload, view_submission_payload

OFFICER = "U0OFFICER1"


def _dms(db, user: str = OFFICER) -> list[dict]:
    rows = db.scalars(select(OutboxMessage).where(OutboxMessage.method == "dm").order_by(OutboxMessage.id))
    return [row.payload for row in rows if row.payload["user"] == user]


def _setup(db):
    network(db)
    factories.officer(db)
    factories.organisation(db, members=("U0MEMBER01",))
    article(db, "Youth worker vacancy")
    db.commit()


def _desk(slack) -> tuple[str, list[str]]:
    """What `/linkedup bulletin` shows the officer: its text and its buttons' action ids."""
    body = slack.command("bulletin", user_id=OFFICER).get_json()
    buttons = [
        e["action_id"] for b in body.get("blocks", []) if b["type"] == "actions" for e in b["elements"]
    ]
    return body["text"], buttons


def _press(slack, action_id: str, user: str = OFFICER):
    return slack.interact(block_actions_payload(user_id=user, action_id=action_id, value=this_month()))


def _choose_time(slack, slack_api, action_id: str, hours: int):
    _press(slack, action_id)
    view = slack_api.of("views.open")[-1]["view"]
    when = quarter_hour_ahead(hours).astimezone(LONDON)
    values = {
        "date": {"value": {"type": "datepicker", "selected_date": when.date().isoformat()}},
        "time": {"value": {"type": "static_select", "selected_option": {"value": when.strftime("%H:%M")}}},
    }
    payload = view_submission_payload(
        user_id=OFFICER,
        callback_id=BulletinView.SCHEDULE,
        values=values,
        private_metadata=view["private_metadata"],
    )
    assert slack.interact(payload).status_code == 200
    return when


def _bulletin(db) -> Bulletin:
    db.expire_all()
    return db.scalar(select(Bulletin))


def test_from_nothing_to_scheduled_held_moved_and_sent(
    slack, slack_api, db, settings, session_factory, mailchimp_api
):
    _setup(db)
    ctx = type("Ctx", (), {"settings": settings, "session_factory": session_factory})()
    deliver = lambda: deliver_due(ctx, mailer=mailer_for(mailchimp_api))  # noqa: E731

    assert (
        "Only the development officer" in slack.command("bulletin", user_id="U0MEMBER01").get_json()["text"]
    )

    # Not compiled: Compile sends the preview, as the compile-day job does.
    text, buttons = _desk(slack)
    assert "not compiled yet" in text and buttons == [BulletinAction.COMPILE]
    _press(slack, BulletinAction.COMPILE)
    assert _bulletin(db).state == BulletinState.DRAFT
    assert "ready for your approval" in _dms(db)[-1]["text"]

    # Draft: compile again (a new preview), approve and schedule, or send now.
    text, buttons = _desk(slack)
    assert "draft" in text
    assert buttons == [BulletinAction.COMPILE, BulletinAction.SCHEDULE, BulletinAction.SEND_NOW]
    _press(slack, BulletinAction.COMPILE)
    assert _bulletin(db).compile_version == 2 and len(_dms(db)) == 2
    first = _choose_time(slack, slack_api, BulletinAction.SCHEDULE, 30)
    assert _bulletin(db).state == BulletinState.APPROVED

    # Approved for a time: move it, send it now instead, or cancel; a compile is refused.
    text, buttons = _desk(slack)
    assert "approved for" in text
    assert buttons == [
        BulletinAction.RESCHEDULE,
        BulletinAction.SEND_NOW_INSTEAD,
        BulletinAction.CANCEL_SCHEDULE,
    ]
    _press(slack, BulletinAction.COMPILE)
    assert "cannot be recompiled" in _dms(db)[-1]["text"]
    assert deliver() == [this_month()]
    bulletin = _bulletin(db)
    assert bulletin.state == BulletinState.SCHEDULED and bulletin.scheduled_for == first

    # Scheduled in Mailchimp: cancel → unscheduled there, held here until the officer chooses.
    text, buttons = _desk(slack)
    assert "scheduled in Mailchimp" in text
    assert buttons == [
        BulletinAction.RESCHEDULE,
        BulletinAction.SEND_NOW_INSTEAD,
        BulletinAction.CANCEL_SCHEDULE,
    ]
    _press(slack, BulletinAction.CANCEL_SCHEDULE)
    assert "Schedule cancelled" in _dms(db)[-1]["text"]
    deliver()
    assert mailchimp_api.count("POST", r"/campaigns/\w+/actions/unschedule") == 1
    assert deliver() == []  # held: nothing more happens on its own
    text, buttons = _desk(slack)
    assert "schedule was cancelled" in text
    assert buttons == [BulletinAction.RESCHEDULE, BulletinAction.SEND_NOW_INSTEAD]

    # Held → a new time → scheduled again; then moved again while scheduled.
    second = _choose_time(slack, slack_api, BulletinAction.RESCHEDULE, 40)
    deliver()
    bulletin = _bulletin(db)
    assert bulletin.state == BulletinState.SCHEDULED and bulletin.scheduled_for == second
    third = _choose_time(slack, slack_api, BulletinAction.RESCHEDULE, 50)
    deliver()
    bulletin = _bulletin(db)
    assert bulletin.state == BulletinState.SCHEDULED and bulletin.scheduled_for == third
    assert mailchimp_api.count("POST", r"/campaigns/\w+/actions/unschedule") == 2
    assert mailchimp_api.count("POST", "/campaigns") == 1  # one campaign throughout

    # Scheduled → send now instead → sent; then nothing can change, and the desk says how to read it.
    _press(slack, BulletinAction.SEND_NOW_INSTEAD)
    deliver()
    assert _bulletin(db).state == BulletinState.SENT
    assert mailchimp_api.count("POST", r"/campaigns/\w+/actions/send") == 1
    text, buttons = _desk(slack)
    assert "was sent" in text and "linkedup bulletin compile" in text and buttons == []
    for action_id in (BulletinAction.CANCEL_SCHEDULE, BulletinAction.SEND_NOW_INSTEAD):
        _press(slack, action_id)
        assert "has been sent; it cannot be changed" in _dms(db)[-1]["text"]
    _press(slack, BulletinAction.RESCHEDULE)
    assert "nothing to move" in _dms(db)[-1]["text"]


def test_a_stopped_send_offers_retry_and_the_other_ways_on(
    slack, db, settings, session_factory, mailchimp_api
):
    _setup(db)
    _press(slack, BulletinAction.COMPILE)
    _press(slack, BulletinAction.SEND_NOW)
    mailchimp_api.fail("POST", "/campaigns", status=400, detail="The reply-to address is not verified.")
    ctx = type("Ctx", (), {"settings": settings, "session_factory": session_factory})()
    deliver_due(ctx, mailer=mailer_for(mailchimp_api))
    text, buttons = _desk(slack)
    assert "stopped at campaign create" in text and "reply-to address" in text
    assert buttons == [
        BulletinAction.RETRY,
        BulletinAction.RESCHEDULE,
        BulletinAction.SEND_NOW_INSTEAD,
        BulletinAction.CANCEL_SCHEDULE,
    ]
    _press(slack, BulletinAction.RETRY)
    assert deliver_due(ctx, mailer=mailer_for(mailchimp_api)) == [this_month()]
    assert _bulletin(db).state == BulletinState.SENT


def test_every_state_offers_a_step_except_sent(db):
    _setup(db)
    month = this_month()
    assert standing(db, month).steps == (Step.COMPILE,)
    bulletin = compile_bulletin(db, month)
    for state in BulletinState:
        bulletin.state = state
        steps = standing(db, month).steps
        assert bool(steps) == (state != BulletinState.SENT), state


def test_a_month_that_is_not_a_month_is_refused_with_the_form_to_use(slack, db):
    _setup(db)
    body = slack.command("bulletin 2026-13", user_id=OFFICER).get_json()
    assert "YYYY-MM" in body["text"]


def test_cli_compile_sends_the_preview_and_writes_a_sent_bulletin_as_sent(
    engine, session_factory, tmp_path, monkeypatch, capsys
):
    from bot.cli import main
    from tests.test_bulletin_compile import cli_database_url

    with session_factory() as db:
        _setup(db)
    monkeypatch.setenv("DATABASE_URL", cli_database_url(engine))
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "bulletin.html"
    assert main(["bulletin", "compile", "--month", this_month(), "--out", str(out)]) == 0
    assert "preview sent in Slack to 1 officer(s)" in capsys.readouterr().out
    with session_factory() as db:
        assert "ready for your approval" in _dms(db)[-1]["text"]
        bulletin = db.scalar(select(Bulletin))
        bulletin.state = BulletinState.SENT
        bulletin.sent_at = bulletin.compiled_at
        db.commit()
    assert main(["bulletin", "compile", "--month", this_month(), "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "is sent: written as sent" in printed and "not recompiled" in printed
    html = out.read_text()
    assert html.startswith(f"<!-- The {month_label(this_month())} bulletin as sent on ")
    assert "Youth worker vacancy" in html
    assert (
        out.with_suffix(".txt").read_text().startswith(f"[The {month_label(this_month())} bulletin as sent")
    )
    with session_factory() as db:
        assert db.scalar(select(Bulletin)).compile_version == 1  # not recompiled
        assert json.dumps(_dms(db)).count("ready for your approval") == 1
