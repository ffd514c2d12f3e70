"""The bulletin in Slack: `/linkedup article`, the officer's approve/reject buttons, the monthly
preview with **Approve and schedule** and **Send now**, and the messages about sending.

Listeners stay quick: one domain call, then the reply goes in the ack or through the outbox.
Only the officer may approve; a second press of an approve button changes nothing.
"""

from __future__ import annotations

import enum
import json
from datetime import date, datetime, timedelta

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient
from slack_sdk.models.blocks import (
    ActionsBlock,
    ButtonElement,
    ConfirmObject,
    ContextBlock,
    DatePickerElement,
    HeaderBlock,
    InputBlock,
    MarkdownTextObject,
    Option,
    PlainTextInputElement,
    SectionBlock,
    StaticSelectElement,
)
from slack_sdk.models.views import View
from sqlalchemy import select
from sqlalchemy.orm import Session

from bulletins import articles as article_domain
from bulletins import send as send_domain
from bulletins.config import LONDON, bulletin_config, month_label, shift_month
from bulletins.performance import Performance
from handlers.commands import subcommand
from handlers.forms import refresh_home
from models.base import utcnow
from models.bulletins import Article, ArticleSource, ArticleStatus, Bulletin, BulletinState
from models.errors import NotAllowed, NotFound, NotRegistered, ValidationError
from models.membership import find_member
from models.network import Member, MemberRole
from models.outbox import enqueue

MODAL_BLOCKS_MAX = 100
MESSAGE_BLOCKS_MAX = 50
SECTION_MAX = 3000


class BulletinAction(enum.StrEnum):
    APPROVE_ARTICLE = "bulletin_article_approve"
    REJECT_ARTICLE = "bulletin_article_reject"
    SCHEDULE = "bulletin_approve_schedule"
    SEND_NOW = "bulletin_send_now"
    RETRY = "bulletin_retry"
    PREVIEW_LINK = "bulletin_preview_link"
    VALUE = "value"  # the one action id inside each modal input


class BulletinView(enum.StrEnum):
    ARTICLE = "bulletin_article"
    SCHEDULE = "bulletin_schedule"


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _escape(text: str) -> str:
    return (text or "").replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def officers(db: Session) -> list[str]:
    return list(db.scalars(select(Member.slack_user_id).where(Member.role == MemberRole.OFFICER)))


def _dm(db: Session, *, key: str, user: str, text: str, blocks: list | None = None) -> None:
    payload: dict = {"user": user, "text": text}
    if blocks:
        payload["blocks"] = [b.to_dict() for b in blocks]
    enqueue(db, key=key, method="dm", payload=payload)


def _update(db: Session, *, key: str, channel: str, ts: str, text: str, blocks: list) -> None:
    enqueue(
        db,
        key=key,
        method="chat.update",
        payload={"channel": channel, "ts": ts, "text": text, "blocks": [b.to_dict() for b in blocks]},
    )


# --- articles -------------------------------------------------------------------------------------


def open_months(db: Session, now: datetime | None = None) -> list[str]:
    """This month (while its bulletin is a draft) and the next two."""
    first = article_domain.feed_target_month(db, now)
    return [first, shift_month(first, 1), shift_month(first, 2)]


def article_modal(db: Session, *, link: str = "") -> View:
    config = bulletin_config(db)
    months = open_months(db)
    category_options = [Option(value=c.slug, label=_clip(c.name, 75)) for c in config.categories][:100]
    month_options = [Option(value=m, label=month_label(m)) for m in months]
    return View(
        type="modal",
        callback_id=BulletinView.ARTICLE,
        title="Bulletin article",
        submit="Send for approval",
        close="Cancel",
        blocks=[
            SectionBlock(
                text=MarkdownTextObject(
                    text="Share news for the monthly bulletin. The development officer approves each article."
                )
            ),
            InputBlock(
                block_id="title",
                label="Title",
                element=PlainTextInputElement(action_id=BulletinAction.VALUE, max_length=200),
            ),
            InputBlock(
                block_id="link",
                label="Link (web address)",
                hint="Starts with https:// — where readers find the full article.",
                element=PlainTextInputElement(
                    action_id=BulletinAction.VALUE, initial_value=link or None, placeholder="https://"
                ),
            ),
            InputBlock(
                block_id="summary",
                label="Summary",
                optional=True,
                element=PlainTextInputElement(
                    action_id=BulletinAction.VALUE, multiline=True, max_length=1000
                ),
            ),
            InputBlock(
                block_id="category",
                label="Category",
                element=StaticSelectElement(action_id=BulletinAction.VALUE, options=category_options),
            ),
            InputBlock(
                block_id="month",
                label="Bulletin",
                element=StaticSelectElement(
                    action_id=BulletinAction.VALUE, options=month_options, initial_option=month_options[0]
                ),
            ),
        ],
    )


@subcommand("article", usage="article [link]", summary="send an article for the monthly bulletin")
def open_article_form(ack: Ack, text: str, command: dict, context: BoltContext, client, **_: object) -> None:
    db = context["db"]
    if find_member(db, command["user_id"]) is None:
        raise NotRegistered()
    link = text.strip().strip("<>").split("|", 1)[0]
    view = article_modal(db, link=link)
    db.rollback()  # read only: never leave a transaction open behind a listener
    client.views_open(trigger_id=command["trigger_id"], view=view)
    ack()


def _value(view: dict, block: str):
    state = (view.get("state") or {}).get("values") or {}
    element = (state.get(block) or {}).get(BulletinAction.VALUE) or {}
    if element.get("type") in ("static_select", "external_select"):
        return (element.get("selected_option") or {}).get("value")
    if element.get("type") == "datepicker":
        return element.get("selected_date")
    if "selected_option" in element:
        return (element.get("selected_option") or {}).get("value")
    return element.get("value")


def review_blocks(article: Article, *, label: str, decided: str | None = None) -> list:
    who = "the web-page feed" if article.source == ArticleSource.FEED else f"<@{article.submitted_by}>"
    text = (
        f"*<{article.link}|{_escape(_clip(article.title, 200))}>*\n"
        f"{_escape(label)} · {month_label(article.month)} bulletin · from {who}"
    )
    if article.summary:
        text += "\n" + _escape(_clip(article.summary, 1500))
    blocks: list = [
        SectionBlock(block_id=f"article-{article.id}", text=MarkdownTextObject(text=_clip(text, SECTION_MAX)))
    ]
    if decided:
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=decided)]))
    else:
        blocks.append(
            ActionsBlock(
                block_id=f"review-{article.id}",
                elements=[
                    ButtonElement(
                        text="Approve",
                        action_id=BulletinAction.APPROVE_ARTICLE,
                        value=str(article.id),
                        style="primary",
                    ),
                    ButtonElement(
                        text="Reject",
                        action_id=BulletinAction.REJECT_ARTICLE,
                        value=str(article.id),
                        style="danger",
                    ),
                ],
            )
        )
    return blocks


def queue_review(db: Session, article: Article) -> None:
    """Ask each officer (by DM, through the outbox) to approve or reject the article."""
    label = bulletin_config(db).label(article.category)
    for officer in officers(db):
        _dm(
            db,
            key=f"article:{article.id}:review:{officer}",
            user=officer,
            text=f"New bulletin article to approve: {article.title}",
            blocks=review_blocks(article, label=label),
        )


def submit_article_view(ack: Ack, body: dict, view: dict, context: BoltContext, **_: object) -> None:
    db = context["db"]
    user = body["user"]["id"]
    submitted = article_domain.submit_article(
        db,
        submitted_by=user,
        title=_value(view, "title") or "",
        link=_value(view, "link") or "",
        summary=_value(view, "summary") or "",
        category=_value(view, "category") or "",
        month=_value(view, "month") or "",
    )
    article = submitted.article
    if not submitted.duplicate:
        queue_review(db, article)
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
            f":newspaper: “{article.title}” is already on the {month_label(article.month)} list; it {state}."
            if submitted.duplicate
            else f":newspaper: Thanks — “{article.title}” for {month_label(article.month)} {state}."
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
    ack()
    db = context["db"]
    user = body["user"]["id"]
    approve = action["action_id"] == BulletinAction.APPROVE_ARTICLE
    try:
        article, _changed = article_domain.decide_article(
            db, article_id=int(action["value"]), approve=approve, by=user
        )
    except (NotAllowed, ValueError) as exc:
        db.rollback()
        _dm(db, key=f"article-refused:{action.get('action_ts')}:{user}", user=user, text=f":no_entry: {exc}")
        db.commit()
        return
    channel, ts = _origin(body)
    if (body.get("view") or {}).get("type") == "home":
        db.commit()
        # Imported here: the Home view lists this module's queue, so a module-level import would loop.
        from handlers.home_view import home_view

        refresh_home(client, user, home_view(db, user))
        return
    if channel and ts:
        word = "Approved" if approve else "Rejected"
        moment = (article.decided_at or utcnow()).astimezone(LONDON)
        decided = f"{'✅' if approve else '✖️'} {word} by <@{article.decided_by}> on {moment:%-d %b at %H:%M}"
        _update(
            db,
            key=f"article:{article.id}:decided:{article.status.value}:{ts}",
            channel=channel,
            ts=ts,
            text=f"{word}: {article.title}",
            blocks=review_blocks(article, label=bulletin_config(db).label(article.category), decided=decided),
        )
    db.commit()


def article_queue_blocks(db: Session, *, limit: int = 5) -> list:
    """The officer's Home-tab queue: the oldest articles waiting for a decision, each with its buttons."""
    total = article_domain.pending_article_count(db)
    heading = f"*Bulletin articles to approve* ({total})" if total else "*Bulletin articles to approve*: none"
    blocks: list = [SectionBlock(text=MarkdownTextObject(text=heading))]
    if not total:
        return blocks
    config = bulletin_config(db)
    pending = article_domain.pending_articles(db, limit=limit)
    for article in pending:
        blocks.extend(review_blocks(article, label=config.label(article.category)))
    if total > len(pending):
        more = f"…and {total - len(pending)} more — oldest first; decide these to see the rest."
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=more)]))
    return blocks


# --- the monthly preview ----------------------------------------------------------------------------


def preview_blocks(
    bulletin: Bulletin, *, labels: dict[str, str], counts: dict[str, int], preview_url: str | None,
    extras: dict[str, int], mailchimp_missing: list[str],
) -> list:  # fmt: skip
    """The summary the officer approves from: what is in it, where to see it, the two buttons."""
    label = month_label(bulletin.month)
    lines = [
        f"• {labels.get(slug, slug)}: {counts.get(slug, 0)} article{'s' if counts.get(slug, 0) != 1 else ''}"
        for slug in bulletin.category_order
    ] or ["• no approved articles yet"]
    blocks: list = [
        HeaderBlock(text=_clip(f"{label} bulletin ready for approval", 150)),
        SectionBlock(
            text=MarkdownTextObject(
                text=_clip(
                    f"*Subject:* {_escape(bulletin.subject)}\n*In order of readers' clicks per open:*\n"
                    + "\n".join(lines)
                    + f"\n*You said, we did:* {extras.get('answers', 0)} · *Waiting-list categories:* "
                    f"{extras.get('waiting', 0)} · *Coming meetings:* {extras.get('meetings', 0)}",
                    SECTION_MAX,
                )
            )
        ),
    ]
    elements: list = []
    if preview_url:
        elements.append(
            ButtonElement(text="Preview the email", action_id=BulletinAction.PREVIEW_LINK, url=preview_url)
        )
    elements += [
        ButtonElement(
            text="Approve and schedule",
            action_id=BulletinAction.SCHEDULE,
            value=bulletin.month,
            style="primary",
        ),
        ButtonElement(
            text="Send now",
            action_id=BulletinAction.SEND_NOW,
            value=bulletin.month,
            confirm=ConfirmObject(
                title="Send the bulletin now?",
                text=f"The {label} bulletin goes to the whole Mailchimp audience at once.",
                confirm="Send now",
                deny="Not yet",
            ),
        ),
    ]
    blocks.append(ActionsBlock(block_id=f"bulletin-{bulletin.month}", elements=elements))
    notes = []
    if not preview_url:
        notes.append("Set SECRET_KEY to get a preview link.")
    if mailchimp_missing:
        notes.append(
            f":warning: Mailchimp is not configured: set {', '.join(mailchimp_missing)} before approving."
        )
    if notes:
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=" ".join(notes))]))
    return blocks


def approved_blocks(bulletin: Bulletin, *, by: str) -> list:
    if bulletin.scheduled_for:
        when = bulletin.scheduled_for.astimezone(LONDON)
        what = f"scheduled for {when:%a %-d %b at %H:%M}"
    else:
        what = "to be sent now"
    return [
        SectionBlock(
            text=MarkdownTextObject(
                text=f"*{month_label(bulletin.month)} bulletin* approved by <@{by}>, {what}. "
                "You will get a message when Mailchimp has it."
            )
        )
    ]


def schedule_modal(month: str, *, origin: dict, today: date | None = None) -> View:
    today = today or utcnow().astimezone(LONDON).date()
    times = [
        Option(value=f"{h:02d}:{m:02d}", label=f"{h:02d}:{m:02d}") for h in range(24) for m in (0, 15, 30, 45)
    ]
    return View(
        type="modal",
        callback_id=BulletinView.SCHEDULE,
        title="Schedule bulletin",
        submit="Approve",
        close="Cancel",
        private_metadata=json.dumps({"month": month, **origin}),
        blocks=[
            SectionBlock(
                text=MarkdownTextObject(
                    text=f"Approve the *{month_label(month)}* bulletin and choose when Mailchimp sends it "
                    "(UK time, on the quarter hour)."
                )
            ),
            InputBlock(
                block_id="date",
                label="Date",
                element=DatePickerElement(
                    action_id=BulletinAction.VALUE, initial_date=(today + timedelta(days=1)).isoformat()
                ),
            ),
            InputBlock(
                block_id="time",
                label="Time",
                element=StaticSelectElement(
                    action_id=BulletinAction.VALUE, options=times, initial_option=times[36]
                ),
            ),
        ],
    )


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
    if not is_officer_member(db, user):
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
            text=f"The {month_label(month)} bulletin is already {state}; nothing changed.",
        )
        db.commit()
        return
    channel, ts = _origin(body)
    db.rollback()  # read only so far: never leave a transaction open behind a listener
    client.views_open(
        trigger_id=body["trigger_id"], view=schedule_modal(month, origin={"channel": channel, "ts": ts})
    )


def is_officer_member(db: Session, user: str) -> bool:
    member = find_member(db, user)
    return member is not None and member.role == MemberRole.OFFICER


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
    day, clock = _value(view, "date"), _value(view, "time")
    try:
        send_at = datetime.fromisoformat(f"{day}T{clock}").replace(tzinfo=LONDON)
    except (TypeError, ValueError):
        raise ValidationError({"date": "Choose a date and a time."}) from None
    try:
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


# --- messages the worker sends -----------------------------------------------------------------------


def failure_blocks(bulletin: Bulletin) -> list:
    auto = bulletin.next_attempt_at is not None
    text = (
        f":warning: *The {month_label(bulletin.month)} bulletin stopped at “{bulletin.failed_step}”.*\n"
        f"{_escape(_clip(bulletin.last_error or '', 1500))}\n"
        + (
            "It will be retried automatically."
            if auto
            else "Fix the cause, then press *Retry*; it resumes where it stopped."
        )
    )
    elements = [
        ButtonElement(text="Retry", action_id=BulletinAction.RETRY, value=bulletin.month, style="primary")
    ]
    if bulletin.scheduled_for is not None:
        elements.append(
            ButtonElement(
                text="Send now instead", action_id=BulletinAction.RETRY, value=f"{bulletin.month}:now"
            )
        )
    return [
        SectionBlock(text=MarkdownTextObject(text=_clip(text, SECTION_MAX))),
        ActionsBlock(elements=elements),
    ]


def delivered_text(bulletin: Bulletin) -> str:
    if bulletin.state == BulletinState.SCHEDULED and bulletin.scheduled_for:
        when = bulletin.scheduled_for.astimezone(LONDON)
        return (
            f":calendar: The {month_label(bulletin.month)} bulletin is scheduled in Mailchimp "
            f"for {when:%a %-d %b at %H:%M}."
        )
    return f":incoming_envelope: The {month_label(bulletin.month)} bulletin has been sent through Mailchimp."


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def performance_text(p: Performance) -> str:
    """The monthly performance message: rates with their 95% interval, comparisons, the rankings."""
    lines = [
        f"*{month_label(p.month)} bulletin — {p.checkpoint} after sending*",
        f"Open rate *{_pct(p.open_rate)}* ({p.unique_opens} of {p.delivered} delivered; 95% interval "
        f"{_pct(p.interval.low)}–{_pct(p.interval.high)}).",
    ]
    if p.proxy_excluded_open_rate is not None:
        lines.append(f"Without Apple Mail privacy opens: {_pct(p.proxy_excluded_open_rate)}.")
    verdict = {"above": "above", "below": "below", "in line": "in line with"}
    lines.append(f"That is *{verdict[p.versus_benchmark]}* the benchmark of {_pct(p.benchmark)}.")
    if p.trailing_average is not None:
        lines.append(
            f"Against our own average over the last {p.trailing_count} bulletin(s), "
            f"{_pct(p.trailing_average)}: "
            f"*{verdict[p.versus_trailing]}*"
            + (
                " — the difference is within the noise of a list this size."
                if p.versus_trailing == "in line"
                else "."
            )
        )
    cpo = "—" if p.clicks_per_open is None else f"{p.clicks_per_open:.2f}"
    lines.append(f"Unique clicks per unique open: *{cpo}* (click rate {_pct(p.click_rate)}).")
    if p.categories:
        lines.append("*Categories by clicks per open:* " + ", ".join(
            f"{c.label} {c.clicks_per_open:.2f}" for c in p.categories[:7]))  # fmt: skip
    if p.links:
        lines.append("*Most clicked per open:*")
        lines += [
            f"{i}. {_escape(_clip(link.label, 80))} — {link.clicks_per_open:.2f}"
            for i, link in enumerate(p.links[:5], 1)
        ]
    return _clip("\n".join(lines), SECTION_MAX)


def register(app: App) -> None:
    app.view(BulletinView.ARTICLE)(submit_article_view)
    app.view(BulletinView.SCHEDULE)(submit_schedule)
    app.action(BulletinAction.APPROVE_ARTICLE)(decide_article_action)
    app.action(BulletinAction.REJECT_ARTICLE)(decide_article_action)
    app.action(BulletinAction.SCHEDULE)(open_schedule)
    app.action(BulletinAction.SEND_NOW)(send_now)
    app.action(BulletinAction.RETRY)(retry)
    app.action(BulletinAction.PREVIEW_LINK)(lambda ack: ack())
