"""`/linkedup notice`: compose a targeted notice, see who it reaches, confirm; and the buttons on the
DM card ("Read and understood", "I'd like a place"). Thin: parse → one domain call → render."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient

from audience.selection import AudienceSpec, Reach
from handlers.commands import subcommand
from handlers.errors import refuse_in_modal, whisper
from handlers.forms import metadata, open_modal
from handlers.ids import NoticeAction, NoticeCallback, NoticeField
from handlers.notice_views import (
    RENDERER,
    SentNotice,
    WaitingNotice,
    compose_modal,
    confirm_modal,
    confirmed_sentence,
    home_notice_blocks,
    sent_modal,
)
from models.base import utcnow
from models.errors import ValidationError
from models.notices import NoticeStatus
from notices.compose import Draft, choices, create_draft
from notices.delivery import confirm
from notices.responses import acknowledge, request_place
from notices.senders import check_sender, may_send
from reporting.notices import Tally, notices_of, totals_of, unacknowledged_count, unacknowledged_for

AGES = re.compile(r"^\s*(\d{1,2})\s*(?:-|–|—|to)\s*(\d{1,2})\s*$|^\s*(\d{1,2})\s*$")
HOME_SENT_SHOWN = 5


def parse_ages(text: str | None) -> tuple[tuple[int, int] | None, str | None]:
    """ "0-5", "0–5", "0 to 5" or "5": an age range; anything else: the error to show."""
    if not text or not text.strip():
        return None, None
    found = AGES.match(text)
    if not found:
        return None, "Write the ages as a range, e.g. 0-5, or one age, e.g. 4."
    if found.group(3) is not None:
        age = int(found.group(3))
        return (age, age), None
    return (int(found.group(1)), int(found.group(2))), None


def picked_time(view: dict, block_id: str) -> datetime | None:
    """A date-and-time picker's choice (Slack sends it as a Unix time, in `selected_date_time`)."""
    values = (view.get("state") or {}).get("values") if isinstance(view, dict) else None
    state = values.get(block_id) if isinstance(values, dict) else None
    for element in state.values() if isinstance(state, dict) else ():
        stamp = element.get("selected_date_time") if isinstance(element, dict) else None
        if isinstance(stamp, int) and 0 < stamp < 32_503_680_000:  # before the year 3000
            return datetime.fromtimestamp(stamp, UTC)
    return None


def _text(value: object) -> str:
    """A typed field's value; anything but text (a crafted payload) counts as empty."""
    return value if isinstance(value, str) else ""


def _chosen(value: object) -> list[str]:
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def draft_from(form: dict, view: dict) -> Draft:
    errors: dict[str, str] = {}
    ages, ages_error = parse_ages(_text(form.get(NoticeField.AGES)))
    if ages_error:
        errors[NoticeField.AGES] = ages_error
    places = _text(form.get(NoticeField.PLACES)).strip()
    if places and not (places.isascii() and places.isdigit() and len(places) <= 6):
        errors[NoticeField.PLACES] = "Give the number of places as a whole number, or leave it empty."
    also = set(_chosen(form.get(NoticeField.AUDIENCE)))
    reach = _text(form.get(NoticeField.REACH)) or Reach.EVERY_MEMBER.value
    if reach not in {r.value for r in Reach}:
        errors[NoticeField.REACH] = "Choose whom to reach in each organisation."
        reach = Reach.EVERY_MEMBER.value
    audience = AudienceSpec(
        everyone="everyone" in also,
        categories=tuple(_chosen(form.get(NoticeField.CATEGORIES))),
        age_range=ages,
        themes=tuple(_chosen(form.get(NoticeField.THEMES))),
        boards=tuple(_chosen(form.get(NoticeField.BOARDS))),
        board_members="board_members" in also,
        organisations=tuple(
            int(v) for v in _chosen(form.get(NoticeField.ORGANISATIONS)) if v.isascii() and v.isdigit()
        ),
        reach=Reach(reach),
    )
    return Draft(
        kind=_text(form.get(NoticeField.KIND)),
        title=_text(form.get(NoticeField.TITLE)),
        body=_text(form.get(NoticeField.BODY)),
        audience=audience,
        link=_text(form.get(NoticeField.LINK)) or None,
        requires_acknowledgement="required" in _chosen(form.get(NoticeField.ACKNOWLEDGEMENT)),
        deadline=picked_time(view, NoticeField.DEADLINE),
        send_at=picked_time(view, NoticeField.SEND_AT),
        places=int(places) if places.isascii() and places.isdigit() and len(places) <= 6 else None,
        channel=_text(form.get(NoticeField.CHANNEL)) or None,
        errors=errors,
    )


def open_compose(client: WebClient, context: BoltContext, user: str, trigger_id: str) -> None:
    db = context["db"]
    check_sender(db, user)
    open_modal(client, db, trigger_id, compose_modal(choices(db)))


@subcommand(
    "notice",
    usage="notice",
    summary="send a targeted notice: a safeguarding update, training, a service change (officers, boards)",
)
def notice_command(ack: Ack, command: dict, context: BoltContext, client: WebClient, **_) -> None:
    open_compose(client, context, command["user_id"], command["trigger_id"])
    ack()


def open_from_home(ack: Ack, body: dict, client: WebClient, context: BoltContext) -> None:
    ack()
    open_compose(client, context, body["user"]["id"], body["trigger_id"])


def submit_compose(ack: Ack, body: dict, view: dict, context: BoltContext) -> None:
    db = context["db"]
    preview = create_draft(db, body["user"]["id"], draft_from(context["form"], view), now=utcnow())
    db.commit()
    notice = preview.notice
    ack(
        response_action="update",
        view=confirm_modal(
            notice.id, notice.title, preview.summary, send_at=notice.send_at, kind=notice.kind
        ),
    )


def submit_confirm(ack: Ack, body: dict, view: dict, context: BoltContext) -> None:
    db = context["db"]
    notice_id = metadata(view).get("notice")
    try:
        notice = confirm(
            db, notice_id if isinstance(notice_id, int) else 0, body["user"]["id"], RENDERER, now=utcnow()
        )
    except ValidationError as refused:
        db.rollback()
        ack(response_action="update", view=sent_modal(" ".join(refused.errors.values())))
        return
    db.commit()
    send_at = notice.send_at if notice.status is NoticeStatus.SCHEDULED else None
    ack(
        response_action="update",
        view=sent_modal(confirmed_sentence(notice.title, notice.audience_summary, send_at)),
    )


def press_acknowledge(ack: Ack, body: dict, client: WebClient, context: BoltContext) -> None:
    ack()
    db = context["db"]
    answer = acknowledge(db, _notice_id(body), body["user"]["id"], RENDERER, now=utcnow())
    db.commit()
    whisper(client, body, answer.sentence)


def press_place(ack: Ack, body: dict, client: WebClient, context: BoltContext) -> None:
    ack()
    db = context["db"]
    answer = request_place(db, _notice_id(body), body["user"]["id"], RENDERER, now=utcnow())
    db.commit()
    whisper(client, body, answer.sentence)


def _notice_id(body: dict) -> int:
    """The notice a card's button names (0, found by nobody, for anything but a number)."""
    actions = body.get("actions")
    first = actions[0] if isinstance(actions, list) and actions else None
    value = first.get("value") if isinstance(first, dict) else None
    return (
        int(value)
        if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) < 10
        else 0
    )


def home_blocks(db, user: str) -> list:
    """The Home tab's notices: what this person has still to acknowledge; a sender's notices, live."""
    now = utcnow()
    waiting = [WaitingNotice(n.title, n.kind, n.deadline) for n in unacknowledged_for(db, user, now=now)]
    to_acknowledge = unacknowledged_count(db, user, now=now) if waiting else 0
    sender = may_send(db, user)
    sent = []
    if sender:
        latest = notices_of(db, user, limit=HOME_SENT_SHOWN)
        counted = totals_of(db, [notice.id for notice in latest if notice.status is NoticeStatus.SENT])
        for notice in latest:
            totals = counted.get(notice.id) or Tally()
            sent.append(
                SentNotice(
                    notice_id=notice.id,
                    title=notice.title,
                    kind=notice.kind,
                    status=notice.status.value,
                    people=totals.people,
                    delivered=totals.sent,
                    failed=totals.failed,
                    acknowledged=totals.acknowledged,
                    requires_acknowledgement=notice.requires_acknowledgement,
                    places_taken=totals.places,
                    waiting=totals.waiting,
                    places=notice.places,
                )
            )
    return home_notice_blocks(waiting, sent, may_send=sender, to_acknowledge=to_acknowledge)


def register(app: App) -> None:
    app.view(NoticeCallback.COMPOSE)(submit_compose)
    app.view(NoticeCallback.CONFIRM)(submit_confirm)
    app.action(NoticeAction.ACKNOWLEDGE)(press_acknowledge)
    app.action(NoticeAction.REQUEST_PLACE)(press_place)
    app.action(NoticeAction.COMPOSE, middleware=[refuse_in_modal])(open_from_home)
    app.action(NoticeAction.OPEN_LINK)(lambda ack: ack())  # a link button: Slack opens the address
