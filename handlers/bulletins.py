"""The bulletin in Slack: `/linkedup article`, the officer's approve/reject buttons, the monthly
preview's **Approve and schedule** and **Send now**, and **Retry** after a failed send.

Listeners stay quick: one domain call, then the reply goes in the ack or through the outbox. The
Block Kit they send is built in `handlers.bulletin_views`; the officers' notices go through
`bulletins.notices`. Only the officer may approve; a second press of an approve button changes nothing.
"""

from __future__ import annotations

import json
from datetime import datetime

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from bulletins import articles as article_domain
from bulletins import send as send_domain
from bulletins.config import LONDON, bulletin_config, month_label
from bulletins.notices import ask_for_review, report_decision
from handlers.blockkit import escape
from handlers.bulletin_desk import reschedule
from handlers.bulletin_views import (
    RENDERER,
    approved_blocks,
    article_modal,
    decided_review,
    reject_modal,
    schedule_modal,
)
from handlers.commands import subcommand
from handlers.forms import refresh_home
from handlers.home_view import home_view
from handlers.ids import BulletinAction, BulletinView
from models.bulletins import Article, ArticleStatus, Bulletin, BulletinState
from models.errors import NotAllowed, NotFound, NotRegistered, ValidationError
from models.membership import is_officer, may_contribute
from models.outbox import card_topic, enqueue


def _dm(db: Session, *, key: str, user: str, text: str, blocks: list | None = None) -> None:
    payload: dict = {"user": user, "text": text}
    if blocks:
        payload["blocks"] = [b.to_dict() for b in blocks]
    enqueue(db, key=key, method="dm", payload=payload)


def _update(db: Session, *, key: str, channel: str, ts: str, text: str, blocks: list) -> None:
    """Edit a card in place. An article's card can be decided twice before Slack shows the first
    decision (Approve, then Reject from a form opened earlier): its updates share a card topic, so
    one delivered late is followed by the newest again."""
    enqueue(
        db,
        key=key,
        method="chat.update",
        payload={"channel": channel, "ts": ts, "text": text, "blocks": [b.to_dict() for b in blocks]},
        topic=card_topic(f"{channel}:{ts}"),
    )


@subcommand("article", usage="article [link]", summary="send an article for the monthly bulletin")
def open_article_form(ack: Ack, text: str, command: dict, context: BoltContext, client, **_: object) -> None:
    db = context["db"]
    if not may_contribute(db, command["user_id"]):
        raise NotRegistered()
    link = text.strip().strip("<>").split("|", 1)[0]
    view = article_modal(db, link=link)
    db.rollback()  # read only: never leave a transaction open behind a listener
    client.views_open(trigger_id=command["trigger_id"], view=view)
    ack()


def submit_article_view(ack: Ack, body: dict, view: dict, context: BoltContext, **_: object) -> None:
    db, form = context["db"], context["form"]
    user = body["user"]["id"]
    submitted = article_domain.submit_article(
        db,
        submitted_by=user,
        title=form.get("title") or "",
        link=form.get("link") or "",
        summary=form.get("summary") or "",
        category=form.get("category") or "",
        month=form.get("month") or "",
    )
    article = submitted.article
    if not submitted.duplicate:
        ask_for_review(db, article, render=RENDERER)
    state = (
        "is waiting for the officer's approval"
        if article.status == ArticleStatus.PENDING
        else (f"was {article.status.value}")
    )
    _dm(
        db,
        key=f"article:{article.id}:thanks:{user}",
        user=user,
        text=(
            f":newspaper: “{escape(article.title)}” is already on the {month_label(article.month)} list; "
            f"it {state}."
            if submitted.duplicate
            else f":newspaper: Thanks — “{escape(article.title)}” for {month_label(article.month)} {state}."
        ),
    )
    db.commit()
    ack()


def _origin(body: dict) -> tuple[str | None, str | None]:
    container = body.get("container") or {}
    if container.get("type") == "message":
        return container.get("channel_id"), container.get("message_ts")
    return None, None


def decide_article_action(
    ack: Ack, body: dict, action: dict, context: BoltContext, client: WebClient, **_: object
) -> None:
    """Approve: decided at once. Reject: a form asks why first (the submitter is told the reason)."""
    ack()
    db = context["db"]
    user = body["user"]["id"]
    approve = action["action_id"] == BulletinAction.APPROVE_ARTICLE
    channel, ts = _origin(body)
    if not approve:
        home = (body.get("view") or {}).get("type") == "home"
        origin = {"channel": channel, "ts": ts, "home": home}
        _open_reject_form(db, client, body, action, user=user, origin=origin)
        return
    refusal_key = f"article-refused:{action.get('action_ts')}:{user}"
    try:
        article, changed = article_domain.decide_article(
            db, article_id=int(action["value"]), approve=True, by=user
        )
    except (NotAllowed, NotFound, ValueError) as exc:
        db.rollback()
        _dm(db, key=refusal_key, user=user, text=f":no_entry: {exc}")
        db.commit()
        return
    home = (body.get("view") or {}).get("type") == "home"
    _after_decision(db, client, user, article, changed=changed, reason="", origin=(channel, ts), home=home)


def _open_reject_form(
    db: Session, client: WebClient, body: dict, action: dict, *, user: str, origin: dict
) -> None:
    refusal_key = f"article-refused:{action.get('action_ts')}:{user}"
    try:
        if not is_officer(db, user):
            raise NotAllowed("Only the development officer can approve or reject bulletin articles.")
        article = db.get(Article, int(action["value"]))
        if article is None:
            raise NotFound("That article no longer exists.")
    except (NotAllowed, NotFound, ValueError) as exc:
        db.rollback()
        _dm(db, key=refusal_key, user=user, text=f":no_entry: {exc}")
        db.commit()
        return
    view = reject_modal(article, origin=origin)
    db.rollback()  # read only: never leave a transaction open behind a listener
    client.views_open(trigger_id=body["trigger_id"], view=view)


def submit_reject_view(
    ack: Ack, body: dict, view: dict, context: BoltContext, client: WebClient, **_: object
) -> None:
    db = context["db"]
    user = body["user"]["id"]
    try:
        meta = json.loads(view.get("private_metadata") or "{}")
        article_id = int(meta["article"])
    except (ValueError, KeyError, TypeError):
        raise NotFound("This form no longer matches an article, so nothing was rejected.") from None
    article, changed = article_domain.decide_article(
        db, article_id=article_id, approve=False, by=user, reason=str(context["form"].get("reason") or "")
    )
    origin = (meta.get("channel"), meta.get("ts"))
    reason = str(context["form"].get("reason") or "")
    _after_decision(
        db, client, user, article, changed=changed, reason=reason, origin=origin, home=bool(meta.get("home"))
    )
    ack()


def _after_decision(
    db: Session,
    client: WebClient,
    user: str,
    article,
    *,
    changed: bool,
    reason: str,
    origin: tuple,
    home: bool,
) -> None:
    """Tell the submitter (once per decision), then update the card (or the Home) the officer pressed on."""
    approve = article.status == ArticleStatus.APPROVED
    if changed:
        report_decision(db, article, reason=reason, render=RENDERER)
    channel, ts = origin
    if home:
        db.commit()
        refresh_home(client, user, home_view(db, user))
        return
    if channel and ts:
        label = bulletin_config(db).label(article.category)
        text, blocks = decided_review(article, label=label, approve=approve)
        _update(
            db,
            key=f"article:{article.id}:decided:{article.status.value}:{ts}",
            channel=channel,
            ts=ts,
            text=text,
            blocks=blocks,
        )
    db.commit()


def open_schedule(ack: Ack, body: dict, action: dict, context: BoltContext, client, **_: object) -> None:
    db = context["db"]
    user = body["user"]["id"]
    month = action["value"]
    bulletin = db.scalar(select(Bulletin).where(Bulletin.month == month))
    ack()
    if bulletin is None:  # a button of a bulletin since removed, or a crafted value
        _dm(db, key=f"bulletin-missing:{action.get('action_ts')}:{user}", user=user,
            text=":no_entry: That bulletin no longer exists; nothing changed.")  # fmt: skip
        db.commit()
        return
    if not is_officer(db, user):
        _dm(db, key=f"bulletin-refused:{action.get('action_ts')}:{user}", user=user,
            text=":no_entry: Only the development officer can approve the bulletin.")  # fmt: skip
        db.commit()
        return
    if bulletin is not None and bulletin.state != BulletinState.DRAFT:
        state = bulletin.state.value.replace("_", " ")
        _dm(
            db,
            key=f"bulletin-already:{action.get('action_ts')}:{user}",
            user=user,
            text=f"The {month_label(month)} bulletin is already {state}; nothing changed. "
            "`/linkedup bulletin` shows what can still be done.",
        )
        db.commit()
        return
    channel, ts = _origin(body)
    db.rollback()  # read only so far: never leave a transaction open behind a listener
    client.views_open(
        trigger_id=body["trigger_id"], view=schedule_modal(month, origin={"channel": channel, "ts": ts})
    )


def _after_approval(
    db: Session, approval: send_domain.Approval, *, user: str, origin: dict, key: str
) -> None:
    bulletin = approval.bulletin
    if approval.already:
        _dm(
            db,
            key=f"bulletin-already:{key}",
            user=user,
            text=f"The {month_label(bulletin.month)} bulletin was already approved; nothing changed.",
        )
        return
    if origin.get("channel") and origin.get("ts"):
        blocks = approved_blocks(bulletin, by=user)
        _update(
            db,
            key=f"bulletin:{bulletin.month}:approved-card",
            channel=origin["channel"],
            ts=origin["ts"],
            text=f"{month_label(bulletin.month)} bulletin approved",
            blocks=blocks,
        )


def submit_schedule(ack: Ack, body: dict, view: dict, context: BoltContext, **_: object) -> None:
    db = context["db"]
    user = body["user"]["id"]
    meta = schedule_metadata(view)
    day, clock = context["form"].get("date"), context["form"].get("time")
    try:
        send_at = datetime.fromisoformat(f"{day}T{clock}").replace(tzinfo=LONDON)
    except (TypeError, ValueError):
        raise ValidationError({"date": "Choose a date and a time."}) from None
    key = view.get("id") or body.get("trigger_id", "")
    try:
        if meta.get("mode") == "reschedule":
            reschedule(db, user=user, month=meta["month"], send_at=send_at, key=f"bulletin-desk:{key}:{user}")
            db.commit()
            ack()
            return
        approval = send_domain.approve_bulletin(db, meta["month"], by=user, send_at=send_at)
    except ValidationError as exc:
        raise ValidationError({"time": exc.errors.get("schedule") or str(exc)}) from None
    _after_approval(db, approval, user=user, origin=meta, key=view.get("id") or body.get("trigger_id", ""))
    db.commit()
    ack()


def schedule_metadata(view: dict) -> dict:
    """What the schedule modal was opened for ({"month", "channel", "ts"}), as the bot wrote it.

    It comes back from Slack; metadata that names no month is refused with a message (it can only
    be an edited or out-of-date form) instead of failing the listener.
    """
    try:
        meta = json.loads(view.get("private_metadata") or "{}")
    except ValueError:
        meta = None
    if not isinstance(meta, dict) or not isinstance(meta.get("month"), str):
        raise NotFound(
            "This form no longer matches a bulletin, so nothing was approved. Close it and try again."
        )
    return meta


def send_now(ack: Ack, body: dict, action: dict, context: BoltContext, **_: object) -> None:
    ack()
    db = context["db"]
    user = body["user"]["id"]
    try:
        approval = send_domain.approve_bulletin(db, action["value"], by=user, send_at=None)
    except (NotAllowed, ValidationError) as exc:
        db.rollback()
        _dm(db, key=f"bulletin-refused:{action.get('action_ts')}:{user}", user=user, text=f":no_entry: {exc}")
        db.commit()
        return
    channel, ts = _origin(body)
    _after_approval(
        db, approval, user=user, origin={"channel": channel, "ts": ts}, key=str(action.get("action_ts"))
    )
    db.commit()


def retry(ack: Ack, body: dict, action: dict, context: BoltContext, **_: object) -> None:
    ack()
    db = context["db"]
    user = body["user"]["id"]
    value = action["value"]
    month, _, mode = value.partition(":")
    try:
        if mode == "now":
            send_domain.change_send_time(db, month, by=user, send_at=None)
        else:
            send_domain.retry_bulletin(db, month, by=user)
    except NotAllowed as exc:
        db.rollback()
        _dm(db, key=f"bulletin-refused:{action.get('action_ts')}:{user}", user=user, text=f":no_entry: {exc}")
        db.commit()
        return
    _dm(
        db,
        key=f"bulletin-retry:{action.get('action_ts')}:{user}",
        user=user,
        text=f":arrows_counterclockwise: The {month_label(month)} bulletin will be retried within a minute.",
    )
    db.commit()


def register(app: App) -> None:
    app.view(BulletinView.ARTICLE)(submit_article_view)
    app.view(BulletinView.SCHEDULE)(submit_schedule)
    app.view(BulletinView.REJECT_ARTICLE)(submit_reject_view)
    app.action(BulletinAction.APPROVE_ARTICLE)(decide_article_action)
    app.action(BulletinAction.REJECT_ARTICLE)(decide_article_action)
    app.action(BulletinAction.SCHEDULE)(open_schedule)
    app.action(BulletinAction.SEND_NOW)(send_now)
    app.action(BulletinAction.RETRY)(retry)
    app.action(BulletinAction.PREVIEW_LINK)(lambda ack: ack())
