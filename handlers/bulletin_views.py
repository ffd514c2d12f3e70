"""Block Kit for the bulletin: the article form, an article to review, the Home-tab queue, the
monthly preview, the schedule form, and the worker's messages about sending.

`SlackBulletinRenderer` implements `bulletins.ports.BulletinRenderer`, so the domain's notices
(`bulletins.notices`) get their bodies here; the listeners in `handlers.bulletins` use the same
builders for their replies and card updates.
"""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta

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
from sqlalchemy.orm import Session

from bulletins import articles as article_domain
from bulletins.config import LONDON, bulletin_config, month_label, shift_month
from bulletins.performance import Performance
from bulletins.ports import Preview
from handlers.blockkit import OPTION_TEXT_MAX, OPTIONS_MAX, SECTION_MAX, clip, escape, link, mention
from handlers.ids import BulletinAction, BulletinView
from models.base import utcnow
from models.bulletins import Article, ArticleSource, Bulletin, BulletinState

# --- articles -------------------------------------------------------------------------------------


def open_months(db: Session, now: datetime | None = None) -> list[str]:
    """This month (while its bulletin is a draft) and the next two."""
    first = article_domain.feed_target_month(db, now)
    return [first, shift_month(first, 1), shift_month(first, 2)]


def article_modal(db: Session, *, link: str = "") -> View:
    config = bulletin_config(db)
    months = open_months(db)
    categories = list(config.categories)[:OPTIONS_MAX]
    category_options = [Option(value=c.slug, label=clip(c.name, OPTION_TEXT_MAX)) for c in categories]
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


def review_blocks(article: Article, *, label: str, decided: str | None = None) -> list:
    who = "the web-page feed" if article.source == ArticleSource.FEED else mention(article.submitted_by)
    text = (
        f"*{link(article.link, clip(article.title, 200))}*\n"
        f"{escape(label)} · {month_label(article.month)} bulletin · from {who}"
    )
    if article.summary:
        text += "\n" + escape(clip(article.summary, 1500))
    blocks: list = [
        SectionBlock(block_id=f"article-{article.id}", text=MarkdownTextObject(text=clip(text, SECTION_MAX)))
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


def decided_review(article: Article, *, label: str, approve: bool) -> tuple[str, list]:
    """The text and blocks that replace an article's buttons once it is decided."""
    word = "Approved" if approve else "Rejected"
    moment = (article.decided_at or utcnow()).astimezone(LONDON)
    who = mention(article.decided_by)
    decided = f"{'✅' if approve else '✖️'} {word} by {who} on {moment:%-d %b at %H:%M}"
    return f"{word}: {escape(article.title)}", review_blocks(article, label=label, decided=decided)


def reject_modal(article: Article, *, origin: dict) -> View:
    """Asks the officer why an article is rejected: the person who sent it is told the reason."""
    return View(
        type="modal",
        callback_id=BulletinView.REJECT_ARTICLE,
        title="Reject article",
        submit="Reject",
        close="Cancel",
        private_metadata=json.dumps({"article": article.id, **origin}),
        blocks=[
            SectionBlock(
                text=MarkdownTextObject(
                    text=clip(
                        f"*{escape(clip(article.title, 200))}* · {month_label(article.month)} bulletin",
                        SECTION_MAX,
                    )
                )
            ),
            InputBlock(
                block_id="reason",
                label="Why is it not going in?",
                hint="Sent to the person who submitted it, so they can change it or send another.",
                element=PlainTextInputElement(
                    action_id=BulletinAction.VALUE,
                    multiline=True,
                    max_length=article_domain.REASON_MAX,
                    placeholder="e.g. The closing date is before the bulletin goes out.",
                ),
            ),
        ],
    )


def outcome_text(article: Article, *, outcome: str, reason: str = "") -> str:
    """The submitter's DM about their article: approved, rejected (why), or in the sent bulletin."""
    title = f"“{escape(clip(article.title, 200))}”"
    month = month_label(article.month)
    if outcome == "approved":
        return f":white_check_mark: Your article {title} was approved for the {month} bulletin."
    if outcome == "rejected":
        why = f" The officer's reason: {escape(clip(reason, 1000))}" if reason else ""
        return (
            f":x: Your article {title} will not go in the {month} bulletin.{why}\n"
            "You can send a changed version with `/linkedup article`."
        )
    return f":newspaper: The {month} bulletin has been sent, with your article {title} in it."


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


def web_only_note(moved: int) -> str:
    """Why some articles are only in the web version (`bulletins.budget`), for the officer approving it."""
    if not moved:
        return ""
    articles = "article" if moved == 1 else "articles"
    return (
        f"\n:scissors: *{moved} {articles} moved to the web version*, which the e-mail links to: with every "
        "article the e-mail would be over 100 KB, and Gmail clips longer e-mails, hiding the unsubscribe "
        "link and the postal address."
    )


def preview_blocks(preview: Preview) -> list:
    """The summary the officer approves from: what is in it, where to see it, the two buttons."""
    bulletin, labels, counts, extras = preview.bulletin, preview.labels, preview.counts, preview.extras
    preview_url, mailchimp_missing = preview.preview_url, preview.mailchimp_missing
    label = month_label(bulletin.month)
    lines = [
        f"• {escape(labels.get(slug, slug))}: {counts.get(slug, 0)} "
        f"article{'s' if counts.get(slug, 0) != 1 else ''}"
        for slug in bulletin.category_order
    ] or ["• no approved articles yet"]
    blocks: list = [
        HeaderBlock(text=clip(f"{label} bulletin ready for approval", 150)),
        SectionBlock(
            text=MarkdownTextObject(
                text=clip(
                    f"*Subject:* {escape(bulletin.subject)}\n*In order of readers' clicks per open:*\n"
                    + "\n".join(lines)
                    + f"\n*You said, we did:* {extras.get('answers', 0)} · *Waiting-list categories:* "
                    f"{extras.get('waiting', 0)} · *Coming meetings:* {extras.get('meetings', 0)}"
                    + web_only_note(extras.get("web_only", 0)),
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
                text=f"*{month_label(bulletin.month)} bulletin* approved by {mention(by)}, {what}. "
                "You will get a message when Mailchimp has it."
            )
        )
    ]


def schedule_modal(month: str, *, origin: dict, today: date | None = None) -> View:
    today = today or utcnow().astimezone(LONDON).date()
    times = [
        Option(value=f"{h:02d}:{m:02d}", label=f"{h:02d}:{m:02d}") for h in range(24) for m in (0, 15, 30, 45)
    ]
    moving = origin.get("mode") == "reschedule"  # an approved bulletin's new time, from /linkedup bulletin
    label = month_label(month)
    intro = (
        f"Choose when Mailchimp sends the *{label}* bulletin instead"
        if moving
        else f"Approve the *{label}* bulletin and choose when Mailchimp sends it"
    )
    return View(
        type="modal",
        callback_id=BulletinView.SCHEDULE,
        title="Schedule bulletin",
        submit="Save the time" if moving else "Approve",
        close="Cancel",
        private_metadata=json.dumps({"month": month, **origin}),
        blocks=[
            SectionBlock(text=MarkdownTextObject(text=f"{intro} (UK time, on the quarter hour).")),
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


# --- messages the worker sends -----------------------------------------------------------------------


def failure_blocks(bulletin: Bulletin) -> list:
    auto = bulletin.next_attempt_at is not None
    text = (
        f":warning: *The {month_label(bulletin.month)} bulletin stopped at "
        f"“{escape(bulletin.failed_step)}”.*\n"
        f"{escape(clip(bulletin.last_error or '', 1500))}\n"
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
        SectionBlock(text=MarkdownTextObject(text=clip(text, SECTION_MAX))),
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
    lines = [f"*{month_label(p.month)} bulletin — {p.checkpoint} after sending*"]
    interval = f"95% interval {_pct(p.people_interval.low)}–{_pct(p.people_interval.high)}"
    if p.proxy_excluded_open_rate is None:
        counts = f"{p.unique_opens} of {p.delivered} delivered"
        lines.append(f"Open rate *{_pct(p.open_rate)}* ({counts}; {interval}).")
    else:
        lines.append(
            f"Open rate *{_pct(p.people_open_rate)}* without Apple Mail's machine opens ({interval}); "
            f"{_pct(p.open_rate)} including them ({p.unique_opens} of {p.delivered} delivered)."
        )
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
            f"{escape(c.label)} {c.clicks_per_open:.2f}" for c in p.categories[:7]))  # fmt: skip
    if p.links:
        lines.append("*Most clicked per open:*")
        lines += [
            f"{i}. {escape(clip(link.label, 80))} — {link.clicks_per_open:.2f}"
            for i, link in enumerate(p.links[:5], 1)
        ]
    return clip("\n".join(lines), SECTION_MAX)


def _body(text: str, blocks: list | None = None) -> dict:
    return {"text": text, "blocks": [b.to_dict() for b in blocks]} if blocks else {"text": text}


class SlackBulletinRenderer:
    """Block Kit for the bulletin domain's notices (`bulletins.ports.BulletinRenderer`)."""

    def article_review(self, article: Article, *, label: str) -> dict:
        text = f"New bulletin article to approve: {escape(article.title)}"
        return _body(text, review_blocks(article, label=label))

    def article_outcome(self, article: Article, *, outcome: str, reason: str = "") -> dict:
        return _body(outcome_text(article, outcome=outcome, reason=reason))

    def preview(self, preview: Preview) -> dict:
        text = f"The {month_label(preview.bulletin.month)} bulletin is ready for your approval."
        return _body(text, preview_blocks(preview))

    def delivered(self, bulletin: Bulletin) -> dict:
        return _body(delivered_text(bulletin))

    def failed(self, bulletin: Bulletin) -> dict:
        text = f"The {month_label(bulletin.month)} bulletin stopped at {escape(bulletin.failed_step)}."
        return _body(text, failure_blocks(bulletin))

    def not_configured(self, reason: str) -> dict:
        return _body(f":warning: {escape(reason)}")

    def feed_skipped(self, error: str) -> dict:
        return _body(
            f":warning: The web-page feed was skipped today: {escape(error)}. "
            "Articles can still be sent with `/linkedup article`."
        )

    def performance(self, performance: Performance) -> str:
        return performance_text(performance)


RENDERER = SlackBulletinRenderer()
