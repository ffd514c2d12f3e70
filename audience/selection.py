"""Resolve an `AudienceSpec` (criteria a sender picks) into the people a message goes to.

How the criteria combine, and why:

- Only approved organisations are reached (a pending or declined one has not joined), and simulated
  ones only when the spec says so (the simulation's own notices), so a real notice never DMs a
  made-up Slack id. Leavers are excluded because leaving deletes the `Member` row.
- The organisation selectors are a UNION: `everyone`, service `categories`, `age_range`, `themes`,
  `boards` (through the themes they own) and named `organisations` each add organisations. The one
  exception: `categories` and `age_range` given together INTERSECT, and on the same service — "early
  years and parenting services for ages 0–5" means a service that is both, not an early-years service
  for teenagers next to a parenting course for babies.
- Categories match case-insensitively, ignoring surrounding spaces. An age range overlaps a service
  whose ages meet it at least at one year; a missing `min_age` counts as 0 and a missing `max_age` as no
  upper limit, but a service with neither registered is never matched by ages (we do not guess).
- An organisation belongs to a THEME when one of its services' category or name contains one of the
  theme's keywords, or the theme's name, as whole words: case-insensitive, except keywords written in
  capitals (acronyms such as SEND, MASH), which must match in capitals so SEND is not "send". A BOARD
  selects the organisations of the themes it owns.
- `board_members` adds the members of the named boards (or of every board when none is named), as
  themselves, whichever organisation they belong to (a chair may have none).
- Reach: `EVERY_MEMBER` is everyone in the selected organisations; `ONE_CONTACT` is one named contact
  each — the organisation's longest-standing member (the earliest joined; the lowest id breaks a
  tie), because they are the one most likely to know who else must see it. Board members are reached
  in person either way.
- Each person appears once: someone both in a selected organisation and on a selected board is
  reached as the organisation's member.

An empty result is a `ValidationError`: sending to nobody is always a mistake the sender must see.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.errors import ValidationError
from models.network import Board, BoardMember, Member, Organisation, OrganisationStatus, Service, Theme
from models.people import cached_names


class Reach(StrEnum):
    EVERY_MEMBER = "every_member"
    ONE_CONTACT = "one_contact"


@dataclass(frozen=True)
class AudienceSpec:
    everyone: bool = False
    categories: tuple[str, ...] = ()  # organisations with a service in any of these categories
    age_range: tuple[int, int] | None = None  # ... with a service whose ages overlap this range
    themes: tuple[str, ...] = ()  # theme slugs (see the module docstring)
    boards: tuple[str, ...] = ()  # board slugs: organisations through the themes the board owns
    board_members: bool = False  # the members of the given boards (or of every board)
    organisations: tuple[int, ...] = ()  # named organisations (ids)
    reach: Reach = Reach.EVERY_MEMBER
    include_simulated: bool = False  # the simulation's own notices reach its simulated organisations

    @property
    def selects_organisations(self) -> bool:
        return bool(
            self.everyone
            or self.categories
            or self.age_range is not None
            or self.themes
            or self.boards
            or self.organisations
        )


@dataclass(frozen=True)
class Recipient:
    slack_user_id: str
    organisation_id: int | None
    name: str  # for people to read: the member's name, else the name Slack gave, else the Slack id


@dataclass(frozen=True)
class Audience:
    recipients: tuple[Recipient, ...]  # each person once, in a stable order
    organisation_ids: frozenset[int]  # the selected organisations that have someone to reach
    board_member_ids: frozenset[str] = field(default_factory=frozenset)  # reached as board members

    @property
    def people(self) -> int:
        return len(self.recipients)

    @property
    def organisations(self) -> int:
        return len(self.organisation_ids)


EMPTY = "Nobody matches these choices: no approved organisation with members (or board member) fits them."


def resolve(session: Session, spec: AudienceSpec) -> Audience:
    """The people `spec` reaches (see the module docstring); `ValidationError` when nobody."""
    _check(spec)
    selected = _selected_organisations(session, spec)
    members = _members_of(session, selected)
    by_org: dict[int, list[Member]] = {}
    for member in members:
        by_org.setdefault(member.organisation_id, []).append(member)
    chosen: list[Member] = []
    for org_id in sorted(by_org):
        people = sorted(by_org[org_id], key=lambda m: (m.created_at, m.id))
        chosen.extend(people[:1] if spec.reach is Reach.ONE_CONTACT else people)
    seen = {member.slack_user_id for member in chosen}
    board_people = [uid for uid in _board_member_ids(session, spec) if uid not in seen]
    names = _names(session, chosen, board_people)
    org_names = dict(
        session.execute(select(Organisation.id, Organisation.name).where(Organisation.id.in_(by_org)))
        .tuples()
        .all()
    )
    recipients = [
        Recipient(m.slack_user_id, m.organisation_id, names.get(m.slack_user_id, m.slack_user_id))
        for m in chosen
    ]
    recipients.sort(key=lambda r: (org_names.get(r.organisation_id, ""), r.name.casefold(), r.slack_user_id))
    board_org = _organisation_of(session, board_people)
    recipients.extend(
        sorted(
            (Recipient(uid, board_org.get(uid), names.get(uid, uid)) for uid in board_people),
            key=lambda r: (r.name.casefold(), r.slack_user_id),
        )
    )
    if not recipients:
        raise ValidationError({"audience": EMPTY})
    return Audience(
        recipients=tuple(recipients),
        organisation_ids=frozenset(by_org),
        board_member_ids=frozenset(board_people),
    )


def describe(audience: Audience, spec: AudienceSpec) -> str:
    """One line a sender reads before confirming: "41 people in 17 organisations serving ages 0–5"."""
    people = f"{audience.people} {'person' if audience.people == 1 else 'people'}"
    if spec.reach is Reach.ONE_CONTACT:
        people = f"{people} (one contact each)"
    parts = [people]
    if audience.organisations:
        count = audience.organisations
        parts.append(f"in {count} {'organisation' if count == 1 else 'organisations'}")
    criteria = []
    if spec.everyone:
        criteria.append("across the network")
    else:
        serving = []
        if spec.categories:
            serving.append(_listing(spec.categories))
        if spec.age_range is not None:
            low, high = spec.age_range
            serving.append(f"ages {low}–{high}")
        if serving:
            criteria.append("serving " + ", ".join(serving))
        if spec.themes:
            criteria.append(
                f"in the {_listing(spec.themes)} {'theme' if len(spec.themes) == 1 else 'themes'}"
            )
        if spec.boards:
            criteria.append(f"under {_listing(spec.boards)}")
        if spec.organisations:
            criteria.append(f"named ({len(spec.organisations)})")
    if audience.board_member_ids:
        count = len(audience.board_member_ids)
        criteria.append(f"plus {count} board {'member' if count == 1 else 'members'}")
    return " ".join(parts + ([", ".join(criteria)] if criteria else []))


def _listing(values: Sequence[str]) -> str:
    values = list(values)
    return values[0] if len(values) == 1 else ", ".join(values[:-1]) + " and " + values[-1]


def _check(spec: AudienceSpec) -> None:
    if not spec.selects_organisations and not spec.board_members:
        raise ValidationError({"audience": "Choose who this is for: organisations, a board or everyone."})
    if spec.age_range is not None:
        low, high = spec.age_range
        if low < 0 or high < low:
            raise ValidationError({"ages": "Give an age range from youngest to oldest, e.g. 0 to 5."})


def _selected_organisations(session: Session, spec: AudienceSpec) -> set[int]:
    if not spec.selects_organisations:
        return set()
    query = select(Organisation.id).where(Organisation.status == OrganisationStatus.APPROVED)
    if not spec.include_simulated:
        query = query.where(Organisation.simulated.is_(False))
    approved = set(session.scalars(query))
    if spec.everyone:
        return approved
    chosen = {org_id for org_id in spec.organisations if org_id in approved}
    services = session.execute(
        select(Service.organisation_id, Service.category, Service.name, Service.min_age, Service.max_age)
    ).all()
    services = [row for row in services if row.organisation_id in approved]
    if spec.categories or spec.age_range is not None:
        wanted = {category.strip().casefold() for category in spec.categories}
        for row in services:
            if wanted and row.category.strip().casefold() not in wanted:
                continue
            if spec.age_range is not None and not overlaps(row.min_age, row.max_age, spec.age_range):
                continue
            chosen.add(row.organisation_id)
    theme_slugs = set(spec.themes)
    if spec.boards:
        theme_slugs |= set(
            session.scalars(
                select(Theme.slug).join(Board, Theme.board_id == Board.id).where(Board.slug.in_(spec.boards))
            )
        )
    if theme_slugs:
        themes = session.scalars(select(Theme).where(Theme.slug.in_(theme_slugs))).all()
        patterns = [theme_pattern(theme.name, theme.keywords or ()) for theme in themes]
        for row in services:
            text = f"{row.category}\n{row.name}"
            if any(matches(pattern, text) for pattern in patterns):
                chosen.add(row.organisation_id)
    return chosen


def overlaps(min_age: int | None, max_age: int | None, age_range: tuple[int, int]) -> bool:
    """Whether a service's ages meet `age_range` at least at one year (None: see the module docstring)."""
    if min_age is None and max_age is None:
        return False
    low, high = age_range
    return (min_age or 0) <= high and (max_age is None or max_age >= low)


def theme_pattern(name: str, keywords: Iterable[str]) -> tuple[re.Pattern | None, re.Pattern | None]:
    """Two patterns for a theme: its case-insensitive words, and its acronyms matched in capitals."""
    words = [name, *keywords]
    acronyms = [
        w for w in words if w.strip() and w.strip().upper() == w.strip() and any(c.isalpha() for c in w)
    ]
    plain = [w for w in words if w.strip() and w not in acronyms]

    def compile_(values: list[str], flags: int) -> re.Pattern | None:
        if not values:
            return None
        alternatives = "|".join(re.escape(v.strip()) for v in sorted(set(values), key=len, reverse=True))
        return re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)", flags)

    return compile_(plain, re.IGNORECASE), compile_(acronyms, 0)


def matches(pattern: tuple[re.Pattern | None, re.Pattern | None], text: str) -> bool:
    return any(p is not None and p.search(text) for p in pattern)


def _members_of(session: Session, org_ids: set[int]) -> list[Member]:
    if not org_ids:
        return []
    return list(session.scalars(select(Member).where(Member.organisation_id.in_(org_ids))))


def _board_member_ids(session: Session, spec: AudienceSpec) -> list[str]:
    if not spec.board_members:
        return []
    query = (
        select(BoardMember.slack_user_id)
        .join(Board, BoardMember.board_id == Board.id)
        .where(BoardMember.slack_user_id.is_not(None))  # members reached by e-mail alone get no DM
    )
    chairs = select(Board.chair_slack_user_id).where(Board.chair_slack_user_id.is_not(None))
    if spec.boards:
        query = query.where(Board.slug.in_(spec.boards))
        chairs = chairs.where(Board.slug.in_(spec.boards))
    return sorted(set(session.scalars(query)) | set(session.scalars(chairs)))


def _organisation_of(session: Session, slack_user_ids: list[str]) -> dict[str, int | None]:
    if not slack_user_ids:
        return {}
    rows = session.execute(
        select(Member.slack_user_id, Member.organisation_id).where(Member.slack_user_id.in_(slack_user_ids))
    )
    return dict(rows.tuples().all())


def _names(session: Session, members: list[Member], others: list[str]) -> dict[str, str]:
    names = cached_names(session, [m.slack_user_id for m in members] + others)
    names.update({m.slack_user_id: m.display_name for m in members if m.display_name})
    if others:
        rows = session.execute(
            select(Member.slack_user_id, Member.display_name).where(
                Member.slack_user_id.in_(others), Member.display_name.is_not(None)
            )
        )
        names.update(dict(rows.tuples().all()))
    return names
