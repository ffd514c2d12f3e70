"""`/linkedup bulletin [YYYY-MM]`: the officer's desk for the month's bulletin, and its buttons.

The command shows where the bulletin stands (`bulletins.desk`) with a button for each step open in
that state: compile (again) — which sends the preview, as the compile-day job does — approve and
schedule, send now, choose a new time, send now instead, cancel the schedule, retry. A press
that the state no longer allows (someone else acted first) is refused with the reason, and each
change is confirmed by DM with the bulletin's new standing, so the officer always sees a way on.
"""

from __future__ import annotations

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient
from sqlalchemy.orm import Session

from bulletins import preview, send
from bulletins.compile import compile_bulletin
from bulletins.config import month_label, month_of, parse_month
from bulletins.desk import standing
from handlers.bulletin_desk_views import standing_blocks
from handlers.bulletin_views import RENDERER, schedule_modal
from handlers.commands import reply, subcommand
from handlers.ids import BulletinAction
from models.base import utcnow
from models.errors import NotAllowed, NotFound, ValidationError
from models.membership import is_officer
from models.outbox import enqueue


def _officer(db: Session, user: str) -> None:
    if not is_officer(db, user):
        raise NotAllowed("Only the development officer can manage the bulletin.")


@subcommand(
    "bulletin",
    usage="bulletin [YYYY-MM]",
    summary="the month's bulletin: state, preview, approve, send (officer)",
)
def show_bulletin(ack: Ack, text: str, command: dict, context: BoltContext, **_: object) -> None:
    db = context["db"]
    _officer(db, command["user_id"])
    try:
        month = parse_month(text.strip()) if text.strip() else month_of(utcnow())
    except ValidationError as exc:
        raise ValidationError(
            {"month": f"{exc.errors.get('month')} Type it as YYYY-MM, e.g. 2026-11."}
        ) from None
    now = standing(db, month)
    db.rollback()  # read only
    reply(ack, now.sentence, [b.to_dict() for b in standing_blocks(now)])


def _tell(db: Session, *, user: str, month: str, done: str, key: str) -> None:
    """DM what was done and where the bulletin stands now, with the next buttons."""
    now = standing(db, month)
    blocks = [b.to_dict() for b in standing_blocks(now)]
    enqueue(
        db, key=key, method="dm", payload={"user": user, "text": f"{done} {now.sentence}", "blocks": blocks}
    )


def _refuse(db: Session, *, user: str, key: str, error: Exception) -> None:
    db.rollback()
    message = "; ".join(error.errors.values()) if isinstance(error, ValidationError) else str(error)
    enqueue(db, key=key, method="dm", payload={"user": user, "text": f":no_entry: {message}"})
    db.commit()


def compile_now(ack: Ack, body: dict, action: dict, context: BoltContext, **_: object) -> None:
    """Compile (again) and send the officers the preview to approve."""
    ack()
    db, settings = context["db"], context["settings"]
    user, month = body["user"]["id"], action["value"]
    key = f"bulletin-desk:{action.get('action_ts')}:{user}"
    try:
        _officer(db, user)
        bulletin = compile_bulletin(db, month, actor=user, base_url=settings.public_base_url)
    except (NotAllowed, NotFound, ValidationError) as exc:
        _refuse(db, user=user, key=key, error=exc)
        return
    secret = settings.secret_key.get_secret_value() if settings.secret_key is not None else None
    link = preview.preview_link(settings.public_base_url, secret, month)
    preview.offer(db, bulletin, link=link, mailchimp_missing=settings.missing_mailchimp(), render=RENDERER)
    db.commit()


def open_reschedule(
    ack: Ack, body: dict, action: dict, context: BoltContext, client: WebClient, **_: object
) -> None:
    """A new time for an approved, scheduled or held bulletin: the schedule form, in reschedule mode."""
    ack()
    db = context["db"]
    user, month = body["user"]["id"], action["value"]
    try:
        _officer(db, user)
        month = parse_month(month)
        if standing(db, month).state in ("not compiled", "draft", "sent"):
            raise NotAllowed(
                f"The {month_label(month)} bulletin is not approved and waiting to go; nothing to move."
            )
    except (NotAllowed, ValidationError) as exc:
        _refuse(db, user=user, key=f"bulletin-desk:{action.get('action_ts')}:{user}", error=exc)
        return
    db.rollback()
    client.views_open(
        trigger_id=body["trigger_id"], view=schedule_modal(month, origin={"mode": "reschedule"})
    )


def send_now_instead(ack: Ack, body: dict, action: dict, context: BoltContext, **_: object) -> None:
    ack()
    db = context["db"]
    user, month = body["user"]["id"], action["value"]
    key = f"bulletin-desk:{action.get('action_ts')}:{user}"
    try:
        send.change_send_time(db, month, by=user, send_at=None)
    except (NotAllowed, NotFound, ValidationError) as exc:
        _refuse(db, user=user, key=key, error=exc)
        return
    _tell(db, user=user, month=month, done=":rocket: Sending now.", key=key)
    db.commit()


def cancel_schedule(ack: Ack, body: dict, action: dict, context: BoltContext, **_: object) -> None:
    ack()
    db = context["db"]
    user, month = body["user"]["id"], action["value"]
    key = f"bulletin-desk:{action.get('action_ts')}:{user}"
    try:
        send.cancel_schedule(db, month, by=user)
    except (NotAllowed, NotFound, ValidationError) as exc:
        _refuse(db, user=user, key=key, error=exc)
        return
    _tell(db, user=user, month=month, done=":pause_button: Schedule cancelled.", key=key)
    db.commit()


def reschedule(db: Session, *, user: str, month: str, send_at, key: str) -> None:
    """The schedule form's submission in reschedule mode (called by `handlers.bulletins.submit_schedule`)."""
    bulletin = send.change_send_time(db, month, by=user, send_at=send_at)
    _tell(db, user=user, month=bulletin.month, done=":calendar: New time set.", key=key)


def register(app: App) -> None:
    app.action(BulletinAction.COMPILE)(compile_now)
    app.action(BulletinAction.RESCHEDULE)(open_reschedule)
    app.action(BulletinAction.SEND_NOW_INSTEAD)(send_now_instead)
    app.action(BulletinAction.CANCEL_SCHEDULE)(cancel_schedule)
