"""Composing a notice: check what was typed, show the sender who it reaches, then confirm.

The modal's first submission makes a DRAFT (checked, its audience resolved and summed up in one
line: "41 people in 17 organisations serving ages 0–5"); the sender confirms on the next screen,
and only then is it sent or scheduled (`confirm`). A draft holds what was typed so the confirmation
screen need not carry it (a view's private metadata holds at most 3,000 characters, a body as
many). Each limit below is Slack's (a header's 150 characters, a typed field's 3,000) or the
report's (a link fits a button), so nothing is accepted that could not be shown whole.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from audience.choosing import nameable_organisations
from audience.selection import Audience, AudienceSpec, Reach, describe, resolve
from models.errors import NotAllowed, NotFound, ValidationError
from models.network import Board, Organisation, OrganisationStatus, Service, Theme
from models.notices import Notice, NoticeKind, NoticeStatus
from notices.senders import check_sender

TITLE_MAX = 150  # a header block
BODY_MAX = 3000  # a typed field in a Slack modal, and a section of the card
LINK_MAX = 500
PLACES_MAX = 10_000
SCHEDULE_SLACK = timedelta(minutes=2)  # a "send at" this close behind now means now (the form took time)
_URL = re.compile(r"^https?://[^\s<>|]+$", re.IGNORECASE)
_CHANNEL = re.compile(r"^[CG][A-Z0-9]{2,20}$")


@dataclass(frozen=True)
class Draft:
    """What the sender typed, as plain values (the modal's fields by name)."""

    kind: str
    title: str
    body: str
    audience: AudienceSpec
    link: str | None = None
    requires_acknowledgement: bool = False
    deadline: datetime | None = None
    send_at: datetime | None = None  # None: now
    places: int | None = None
    channel: str | None = None
    errors: dict[str, str] = field(default_factory=dict)  # found while parsing (e.g. "ages": "0 to 5?")


@dataclass(frozen=True)
class Preview:
    notice: Notice
    audience: Audience
    summary: str


@dataclass(frozen=True)
class Choices:
    """What the compose form offers from the registry: service categories in use, themes, boards and
    approved organisations, each sorted by name."""

    categories: tuple[str, ...]
    themes: tuple[tuple[str, str], ...]  # (slug, name)
    boards: tuple[tuple[str, str], ...]
    organisations: tuple[tuple[int, str], ...]


def choices(session: Session) -> Choices:
    approved = (Organisation.status == OrganisationStatus.APPROVED) & Organisation.simulated.is_(False)
    categories = session.scalars(
        select(Service.category)
        .join(Organisation, Organisation.id == Service.organisation_id)
        .where(approved)
    ).all()
    return Choices(
        categories=tuple(sorted({c.strip() for c in categories if c and c.strip()}, key=str.casefold)),
        themes=tuple(session.execute(select(Theme.slug, Theme.name).order_by(Theme.name)).tuples()),
        boards=tuple(session.execute(select(Board.slug, Board.name).order_by(Board.name)).tuples()),
        organisations=tuple(nameable_organisations(session)),
    )


def spec_to_dict(spec: AudienceSpec) -> dict:
    data = asdict(spec)
    data["reach"] = spec.reach.value
    data["age_range"] = list(spec.age_range) if spec.age_range is not None else None
    return data


def spec_from_dict(data: dict) -> AudienceSpec:
    data = dict(data or {})
    for name in ("categories", "themes", "boards", "organisations"):
        data[name] = tuple(data.get(name) or ())
    age_range = data.get("age_range")
    data["age_range"] = (int(age_range[0]), int(age_range[1])) if age_range else None
    data["reach"] = Reach(data.get("reach") or Reach.EVERY_MEMBER)
    known = AudienceSpec.__dataclass_fields__
    return AudienceSpec(**{key: value for key, value in data.items() if key in known})


def check(draft: Draft, *, now: datetime) -> NoticeKind:
    """Every mistake at once, each on its own field; returns the kind."""
    errors = dict(draft.errors)
    try:
        kind = NoticeKind(draft.kind or "")
    except ValueError:
        kind = NoticeKind.GENERAL
        errors["kind"] = "Choose what kind of notice this is."
    title, body = (draft.title or "").strip(), (draft.body or "").strip()
    if not title:
        errors["title"] = "Give the notice a title."
    elif len(title) > TITLE_MAX:
        errors["title"] = f"The title is {len(title)} characters; Slack shows at most {TITLE_MAX}."
    if not body:
        errors["body"] = "Write what the notice says."
    elif len(body) > BODY_MAX:
        errors["body"] = (
            f"The notice is {len(body):,} characters; Slack shows at most {BODY_MAX:,} in one message. "
            "Shorten it, or put the rest behind the link."
        )
    link = (draft.link or "").strip()
    if link and (len(link) > LINK_MAX or not _URL.match(link)):
        errors["link"] = "Give a web address starting https:// (at most 500 characters)."
    send_at = draft.send_at
    if send_at is not None and send_at < now - SCHEDULE_SLACK:
        errors["send_at"] = "That time has passed. Leave it empty to send now."
    starts = max(send_at or now, now)
    if draft.requires_acknowledgement and draft.deadline is None:
        errors["deadline"] = "Give a deadline for acknowledging, or untick “acknowledgement required”."
    if draft.deadline is not None:
        if draft.deadline <= now:
            errors["deadline"] = "The deadline has passed. Choose a time in the future."
        elif draft.deadline <= starts:
            errors["deadline"] = "The deadline must come after the notice is sent."
    if draft.places is not None:
        if kind is not NoticeKind.TRAINING:
            errors["places"] = "Places are for training notices; leave it empty for this kind."
        elif not 1 <= draft.places <= PLACES_MAX:
            errors["places"] = f"Give a number of places from 1 to {PLACES_MAX:,}, or leave it empty."
    if draft.channel and not _CHANNEL.match(draft.channel):
        errors["channel"] = "Choose a channel from the list."
    if errors:
        raise ValidationError(errors)
    return kind


def create_draft(session: Session, sender: str, draft: Draft, *, now: datetime) -> Preview:
    """Check the draft and who it reaches; store it as a DRAFT for the sender to confirm."""
    check_sender(session, sender)
    kind = check(draft, now=now)
    audience = resolve(session, draft.audience)
    summary = describe(audience, draft.audience)
    notice = Notice(
        kind=kind,
        status=NoticeStatus.DRAFT,
        title=draft.title.strip(),
        body=draft.body.strip(),
        link=(draft.link or "").strip() or None,
        sender_slack_user_id=sender,
        audience=spec_to_dict(draft.audience),
        audience_summary=summary[:300],
        requires_acknowledgement=draft.requires_acknowledgement or draft.deadline is not None,
        deadline=draft.deadline,
        places=draft.places,
        channel=draft.channel or None,
        send_at=draft.send_at if draft.send_at and draft.send_at > now else None,
        simulated=draft.audience.include_simulated,
    )
    session.add(notice)
    session.flush()
    return Preview(notice, audience, summary)


DRAFTS_KEPT = timedelta(days=1)


def drop_stale_drafts(session: Session, *, now: datetime) -> int:
    """Drafts never confirmed (the sender closed the confirmation) are deleted after a day."""
    stale = session.scalars(
        select(Notice).where(Notice.status == NoticeStatus.DRAFT, Notice.created_at < now - DRAFTS_KEPT)
    ).all()
    for notice in stale:
        session.delete(notice)
    return len(stale)


def confirmable(session: Session, notice_id: int, sender: str) -> Notice:
    """The sender's own draft (a confirmed one answers as it stands: a double click sends once)."""
    notice = session.get(Notice, notice_id, with_for_update=True)
    if notice is None:
        raise NotFound("That notice draft no longer exists. Start again with `/linkedup notice`.")
    if notice.sender_slack_user_id != sender:
        raise NotAllowed("Only the person who wrote this notice can send it.")
    check_sender(session, sender)
    return notice
