"""Loading a validated network file into the database (describing what is loaded: `network_file.describe`).

Rows are matched by their key in the file (slug; Slack user id for people; uid for meetings) and only
the attributes that differ are written, so re-loading the same file issues no UPDATE at all and every
`updated_at` stays put. Boards, themes, board members and the file's meetings that left the file are
removed. Organisations and their services are never deleted by a load — they may have issues,
returns and feedback registered against them — and are reported as "kept". A member a listed
organisation no longer lists is a leaver: removed only when the caller asks (`remove_leavers`, the
CLI's `--yes`), as every removal is (`models.leavers`: sessions ended, audited, what they raised kept);
otherwise kept and reported as "kept, not in file", so the officer sees who would go first. Officers
left out of the file lose the officer role (their row stays). Every conflict with rows the file does
not own is found before the first write, so a refused load leaves the database exactly as it was.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import false, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from models.audit import record
from models.base import utcnow
from models.leavers import remove_member
from models.network import (
    Board,
    BoardMember,
    Meeting,
    Member,
    MemberRole,
    Network,
    Organisation,
    OrganisationStatus,
    Service,
    Theme,
)
from network_file.document import (
    NETWORK_MEETINGS_KEY,
    BoardPerson,
    BoardSection,
    NetworkDocument,
    NetworkFileError,
    read_network,
)

KINDS = (
    "network",
    "officers",
    "boards",
    "board_members",
    "meetings",
    "themes",
    "organisations",
    "services",
    "members",
)
_SINGULAR = {
    "network": "network",
    "officers": "officer",
    "boards": "board",
    "board_members": "board member",
    "meetings": "meeting",
    "themes": "theme",
    "organisations": "organisation",
    "services": "service",
    "members": "member",
}
NETWORK_MEETING_TITLE = "Linked-up network meeting"
MEETING_SOURCE = "network_file"


@dataclass
class KindChanges:
    """What one load did to one kind of row, by key (slug, Slack id, meeting uid)."""

    created: list[str] = field(default_factory=list)
    updated: dict[str, list[str]] = field(default_factory=dict)
    unchanged: int = 0
    removed: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)

    @property
    def in_file(self) -> int:
        return len(self.created) + len(self.updated) + self.unchanged

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated or self.removed)


@dataclass
class LoadReport:
    source: str
    kinds: dict[str, KindChanges] = field(default_factory=lambda: {k: KindChanges() for k in KINDS})

    def __getitem__(self, kind: str) -> KindChanges:
        return self.kinds[kind]

    @property
    def changed(self) -> bool:
        return any(changes.changed for changes in self.kinds.values())

    @property
    def leavers_kept(self) -> list[str]:
        """Members no longer listed by their organisation in the file, kept because nobody said --yes."""
        return list(self.kinds["members"].kept)

    def summary(self) -> str:
        """One line: '10 boards (10 new), 11 themes (1 updated, 1 removed), …' or 'no changes (…)'."""
        parts = []
        for kind, changes in self.kinds.items():
            if kind == "network":
                continue
            count = changes.in_file
            noun = _SINGULAR[kind] if count == 1 else kind.replace("_", " ")
            detail = [
                f"{n} {label}"
                for n, label in (
                    (len(changes.created), "new"),
                    (len(changes.updated), "updated"),
                    (len(changes.removed), "demoted" if kind == "officers" else "removed"),
                    (len(changes.kept), "kept, not in file"),
                )
                if n
            ]
            parts.append(f"{count} {noun}" + (f" ({', '.join(detail)})" if detail else ""))
        network = self.kinds["network"]
        if network.created:
            parts.insert(0, "network created")
        elif network.updated:
            parts.insert(0, f"network updated ({', '.join(next(iter(network.updated.values())))})")
        text = ", ".join(parts)
        return text if self.changed else f"no changes ({text})"

    def as_audit(self) -> dict[str, Any]:
        return {
            kind: {
                key: value
                for key, value in (
                    ("created", changes.created),
                    ("updated", changes.updated),
                    ("removed", changes.removed),
                )
                if value
            }
            for kind, changes in self.kinds.items()
            if changes.changed
        }


def load_path(
    session: Session, path: str | Path, *, actor: str = "network-file", remove_leavers: bool = False
) -> LoadReport:
    """Read, validate and load a network file (nothing is written if it has any problem)."""
    document = read_network(path)
    return load_network(session, document, actor=actor, source=Path(path).name, remove_leavers=remove_leavers)


def one_change_at_a_time(session: Session) -> None:
    """Two changes at once (two officers, or one and `network load`) would each read the network
    before the other was made, and the second would undo the first (or trip on what the first added).
    So a change, and a load, first takes the network row's lock (FOR UPDATE on PostgreSQL; on SQLite
    a writing statement, which takes the database's writer gate), and what it then reads includes
    every change committed before. Taken twice in one transaction, it is simply held."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(select(Network.id).with_for_update())
    else:
        session.execute(update(Network).where(false()).values(slug=Network.slug))


def load_network(
    session: Session,
    document: NetworkDocument,
    *,
    actor: str = "network-file",
    source: str = "network file",
    remove_leavers: bool = False,
) -> LoadReport:
    """Bring the database in line with the document; the caller commits (or rolls back on error)."""
    report = LoadReport(source)
    one_change_at_a_time(session)
    with session.no_autoflush:
        state = _State.read(session)
        _refuse_conflicts(document, state, source)
    try:
        _Writer(session, document, state, report, actor, remove_leavers=remove_leavers).run()
        session.flush()
    except IntegrityError as exc:
        # Rows outside the file's control (e.g. a table added later pointing at a board) can still
        # refuse a change; the caller's transaction rolls everything back.
        raise NetworkFileError([f"{source}: the database refused the change: {exc.orig}"], source) from None
    return report


def _digest(document: NetworkDocument) -> str:
    """Of the validated content, so comments and layout changes are not changes."""
    return hashlib.sha256(document.model_dump_json().encode()).hexdigest()


@dataclass
class _State:
    network: Network | None
    boards: dict[str, Board]
    themes: dict[str, Theme]
    organisations: list[Organisation]
    members: dict[str, Member]
    meetings: dict[str, Meeting]

    @classmethod
    def read(cls, session: Session) -> _State:
        boards = session.scalars(select(Board).options(selectinload(Board.members))).all()
        return cls(
            network=session.scalars(select(Network).order_by(Network.id)).first(),
            boards={b.slug: b for b in boards},
            themes={t.slug: t for t in session.scalars(select(Theme))},
            organisations=list(
                session.scalars(select(Organisation).options(selectinload(Organisation.services)))
            ),
            members={m.slack_user_id: m for m in session.scalars(select(Member))},
            meetings={m.uid: m for m in session.scalars(select(Meeting))},
        )


def _refuse_conflicts(document: NetworkDocument, state: _State, source: str) -> None:
    """Clashes with rows the file does not own (registered through Slack), found before writing."""
    problems = []
    by_slug = {o.slug: o for o in state.organisations if o.slug}
    by_name = {o.name.casefold(): o for o in state.organisations}
    mine_by_slug = {
        o.slug: by_slug.get(o.slug) or _adoptable(by_name.get(o.name.casefold()))
        for o in document.organisations
    }
    claimed = {id(row) for row in mine_by_slug.values() if row is not None}
    for index, org in enumerate(document.organisations):
        for other in state.organisations:
            if other is mine_by_slug[org.slug] or id(other) in claimed:
                continue
            if other.name.casefold() == org.name.casefold():
                problems.append(
                    document.locate(
                        ("organisations", index, "name"),
                        f"'{org.name}' is already registered "
                        f"({f'as {other.slug!r}' if other.slug else 'through Slack'})",
                    )
                )
            if org.identifier and other.org_identifier == org.identifier:
                problems.append(
                    document.locate(
                        ("organisations", index, "identifier"),
                        f"{org.identifier} is already registered to '{other.name}'",
                    )
                )
    file_meetings = {
        (None, when): ("network", "linked_up_meeting", "meetings", j)
        for j, when in enumerate(document.network.linked_up_meeting.meetings)
    }
    for i, board in enumerate(document.boards):
        for j, meeting in enumerate(board.meetings):
            file_meetings[(board.slug, meeting.starts_at)] = ("boards", i, "meetings", j, "starts_at")
    slug_of = {b.id: slug for slug, b in state.boards.items()}
    for meeting in state.meetings.values():
        path = file_meetings.get((slug_of.get(meeting.board_id), _as_utc(meeting.starts_at)))
        if meeting.source != MEETING_SOURCE and path is not None:
            problems.append(
                document.locate(path, f"a meeting at this time already exists (added as {meeting.source})")
            )
    if problems:
        raise NetworkFileError(problems, source)


def _adoptable(org: Organisation | None) -> Organisation | None:
    """An organisation registered through Slack with the file's name becomes the file's (gets its slug)."""
    return org if org is not None and org.slug is None else None


class _Writer:
    def __init__(
        self,
        session: Session,
        document: NetworkDocument,
        state: _State,
        report: LoadReport,
        actor: str,
        *,
        remove_leavers: bool = False,
    ):
        self.session, self.doc, self.state, self.report = session, document, state, report
        self.actor = actor
        self.remove_leavers = remove_leavers

    def run(self) -> None:
        self.remove_departed()
        self.boards()
        self.themes()
        self.meetings()
        self.people_and_organisations()
        self.network()
        if self.report.changed:
            record(
                self.session,
                actor=self.actor,
                action="network.load",
                entity="network",
                entity_id=self.doc.network.slug,
                after={
                    "source": self.report.source,
                    "summary": self.report.summary(),
                    "changes": self.report.as_audit(),
                },
            )

    def _apply(self, kind: str, key: str, row: Any, values: dict[str, Any], *, created: bool) -> None:
        """Set only the attributes that differ, so an unchanged row gets no UPDATE."""
        changed = [name for name, value in values.items() if not _same(getattr(row, name), value)]
        for name in changed:
            setattr(row, name, values[name])
        changes = self.report[kind]
        if created:
            changes.created.append(key)
        elif changed:
            changes.updated.setdefault(key, []).extend(changed)
        else:
            changes.unchanged += 1

    def _row(self, rows: dict[str, Any], key: str, make: Callable[[str], Any]) -> tuple[Any, bool]:
        """The row `rows` holds under `key`, else a new one `make(key)` (added to the session and to
        `rows`); and whether it is new. Every kind the file lists is matched to its rows this way."""
        row = rows.get(key)
        if row is not None:
            return row, False
        row = make(key)
        self.session.add(row)
        rows[key] = row
        return row, True

    def _member(self, slack_user_id: str) -> tuple[Member, bool]:
        """An officer's or an organisation member's row by Slack id (one row a person, whichever they are)."""
        return self._row(self.state.members, slack_user_id, lambda key: Member(slack_user_id=key))

    def _mark_updated(self, kind: str, key: str, what: str) -> None:
        changes = self.report[kind]
        if key not in changes.updated:
            changes.unchanged -= 1
            changes.updated[key] = []
        changes.updated[key].append(what)

    def remove_departed(self) -> None:
        """Meetings, themes and boards no longer in the file go first, freeing their names."""
        wanted = self.desired_meetings()
        arriving: dict[str | None, list[str]] = {}  # board slug → keys new to the file, soonest first
        for uid, spec in sorted(wanted.items(), key=lambda item: item[1]["starts_at"]):
            if uid not in self.state.meetings:
                arriving.setdefault(spec["board"], []).append(uid)
        slug_of = {board.id: slug for slug, board in self.state.boards.items()}
        departing = [
            (uid, meeting)
            for uid, meeting in self.state.meetings.items()
            if meeting.source == MEETING_SOURCE and uid not in wanted
        ]
        for uid, meeting in sorted(departing, key=lambda item: item[1].starts_at):
            if moved_to := arriving.get(slug_of.get(meeting.board_id), []):
                # A board's meeting left the file as another arrived: the same meeting, moved. The row
                # stays (its calendar UID with it) under its new key; meetings() updates its time.
                new_uid = moved_to.pop(0)
                meeting.uid = new_uid
                self.state.meetings[new_uid] = self.state.meetings.pop(uid)
                continue
            self.session.delete(meeting)
            self.report["meetings"].removed.append(uid)
            del self.state.meetings[uid]
        theme_slugs = {t.slug for t in self.doc.themes}
        for slug, theme in sorted(self.state.themes.items()):
            if slug not in theme_slugs:
                self.session.delete(theme)
                self.report["themes"].removed.append(slug)
                del self.state.themes[slug]
        board_slugs = {b.slug for b in self.doc.boards}
        for slug, board in sorted(self.state.boards.items()):
            if slug not in board_slugs:
                for child in self.state.boards.values():
                    if child.parent_id == board.id:
                        child.parent = None
                for member in board.members:
                    self.report["board_members"].removed.append(_member_key(slug, member))
                self.session.delete(board)
                self.report["boards"].removed.append(slug)
                del self.state.boards[slug]
        self.session.flush()

    def _free_names(self, rows: dict[str, Any], wanted: dict[str, str], attr: str = "name") -> None:
        """Renames that swap or reuse names would trip the unique index mid-flush: park them first."""
        holders = {getattr(row, attr).casefold(): key for key, row in rows.items() if getattr(row, attr)}
        parked = False
        for key, value in wanted.items():
            holder = holders.get(value.casefold())
            if (
                holder is not None and holder != key
            ):  # names are unique in the file: the holder is renamed too
                setattr(rows[holder], attr, f"\u2063{holder}")  # invisible, never a real name
                parked = True
        if parked:
            self.session.flush()

    def boards(self) -> None:
        existing = self.state.boards
        self._free_names(existing, {b.slug: b.name for b in self.doc.boards})
        for spec in self.doc.boards:
            row, created = self._row(existing, spec.slug, lambda slug: Board(slug=slug))
            chair, representative = spec.person(spec.chair), spec.person(spec.representative)
            self._apply(
                "boards",
                spec.slug,
                row,
                {
                    "name": spec.name,
                    "short_name": spec.short_name,
                    "slack_channel": spec.channel,
                    "private": spec.private,
                    "acknowledge_days": spec.acknowledge_days,
                    "respond_days": spec.respond_days,
                    "max_reminders": spec.max_reminders,
                    "chair_slack_user_id": chair.slack if chair else None,
                    "chair_email": chair.email if chair else None,
                    "representative_slack_user_id": representative.slack if representative else None,
                    "representative_email": representative.email if representative else None,
                    "cadence": spec.cadence,
                    "withhold_organisation_when_sensitive": spec.withhold_organisation_when_sensitive,
                    "sends_notices": spec.sends_notices,
                    "description": spec.description,
                },
                created=created,
            )
        self.session.flush()
        for spec in self.doc.boards:
            row = existing[spec.slug]
            parent = existing[spec.parent] if spec.parent else None
            if row.parent_id != (parent.id if parent else None):
                row.parent = parent
                if spec.slug not in self.report["boards"].created:
                    self._mark_updated("boards", spec.slug, "parent")
            self.board_members(row, spec)

    def board_members(self, board: Board, spec: BoardSection) -> None:
        """Each listed person matched to their row by Slack id, else by e-mail address; the rest go.

        Removals are flushed first: a person who gained an address another row held must not meet
        that row in the (board, e-mail) unique index.
        """
        changes = self.report["board_members"]
        remaining = list(board.members)
        matched: list[tuple[BoardPerson, BoardMember | None]] = []
        for person in spec.people:
            row = next((m for m in remaining if person.slack and m.slack_user_id == person.slack), None)
            if row is None and person.email:
                row = next((m for m in remaining if m.email and _same_address(m.email, person.email)), None)
            if row is not None:
                remaining.remove(row)
            matched.append((person, row))
        for member in remaining:
            board.members.remove(member)
            changes.removed.append(_member_key(board.slug, member))
        if remaining and any(row is not None for _, row in matched):
            self.session.flush()
        for person, row in matched:
            created = row is None
            if created:
                row = BoardMember()
                board.members.append(row)
            values = {"slack_user_id": person.slack, "email": person.email, "name": person.name}
            self._apply("board_members", _member_key(board.slug, person), row, values, created=created)

    def themes(self) -> None:
        existing = self.state.themes
        self._free_names(existing, {t.slug: t.name for t in self.doc.themes})
        for position, spec in enumerate(self.doc.themes):
            row, created = self._row(existing, spec.slug, lambda slug: Theme(slug=slug))
            board = self.state.boards[spec.board] if spec.board else None
            self._apply(
                "themes",
                spec.slug,
                row,
                {
                    "name": spec.name,
                    "keywords": list(spec.keywords),
                    "position": position,
                    "board_id": board.id if board else None,
                },
                created=created,
            )

    def desired_meetings(self) -> dict[str, dict[str, Any]]:
        """uid → values; the uid is stable while the board and start time stay the same."""
        wanted = {}
        linked_up = self.doc.network.linked_up_meeting
        for when in linked_up.meetings:
            wanted[_uid(NETWORK_MEETINGS_KEY, when)] = {
                "board": None,
                "title": NETWORK_MEETING_TITLE,
                "starts_at": when,
                "ends_at": None,
                "location": linked_up.venue,
            }
        for board in self.doc.boards:
            for meeting in board.meetings:
                wanted[_uid(board.slug, meeting.starts_at)] = {
                    "board": board.slug,
                    "title": board.name,
                    "starts_at": meeting.starts_at,
                    "ends_at": meeting.ends_at,
                    "location": meeting.location,
                }
        return wanted

    def meetings(self) -> None:
        for uid, spec in sorted(self.desired_meetings().items()):
            row, created = self._row(
                self.state.meetings, uid, lambda key: Meeting(uid=key, source=MEETING_SOURCE)
            )
            board = self.state.boards[spec["board"]] if spec["board"] else None
            values = {k: v for k, v in spec.items() if k != "board"}
            values["board_id"] = board.id if board else None
            moved = not created and any(
                not _same(getattr(row, name), values[name]) for name in ("starts_at", "ends_at", "location")
            )
            self._apply("meetings", uid, row, values, created=created)
            if moved:
                row.sequence = (row.sequence or 0) + 1

    def people_and_organisations(self) -> None:
        members = self.state.members
        officer_ids = {o.slack_user_id for o in self.doc.officers}
        org_member_ids = {m for org in self.doc.organisations for m in org.members}
        for spec in self.doc.officers:
            row, created = self._member(spec.slack_user_id)
            self._apply(
                "officers",
                spec.slack_user_id,
                row,
                {"role": MemberRole.OFFICER, "organisation_id": None, "display_name": spec.name},
                created=created,
            )
        for slack_user_id, row in sorted(members.items()):
            if row.role == MemberRole.OFFICER and slack_user_id not in officer_ids | org_member_ids:
                row.role = MemberRole.MEMBER
                self.report["officers"].removed.append(slack_user_id)

        by_slug = {o.slug: o for o in self.state.organisations if o.slug}
        by_name = {o.name.casefold(): o for o in self.state.organisations}
        rows: dict[str, Organisation] = {}
        for spec in self.doc.organisations:
            row = by_slug.get(spec.slug) or _adoptable(by_name.get(spec.name.casefold()))
            if row is not None:
                rows[spec.slug] = row
        self._free_names(rows, {o.slug: o.name for o in self.doc.organisations})
        self._free_identifiers(rows)
        for spec in self.doc.organisations:
            row = rows.get(spec.slug)
            created = row is None
            if created:
                row = Organisation(status=OrganisationStatus.APPROVED)
                self.session.add(row)
                self.state.organisations.append(row)
                rows[spec.slug] = row
            self._apply(
                "organisations",
                spec.slug,
                row,
                {
                    "slug": spec.slug,
                    "name": spec.name,
                    "org_identifier": spec.identifier,
                    "contact_email": spec.contact_email,
                    "bulletin_consent": spec.bulletin_consent,
                    "simulated": spec.demo,
                },
                created=created,
            )
            self.services(row, spec)
        self.session.flush()
        for spec in self.doc.organisations:
            org = rows[spec.slug]
            for slack_user_id in spec.members:
                row, created = self._member(slack_user_id)
                self._apply(
                    "members",
                    slack_user_id,
                    row,
                    {"role": MemberRole.MEMBER, "organisation_id": org.id},
                    created=created,
                )
            listed = set(spec.members)
            for slack_user_id, row in sorted(members.items()):
                if row.organisation_id != org.id or slack_user_id in listed:
                    continue
                if self.remove_leavers:
                    why = f"no longer listed by {spec.slug} in {self.report.source}"
                    remove_member(self.session, row, actor=self.actor, why=why)
                    del members[slack_user_id]
                    self.report["members"].removed.append(slack_user_id)
                else:
                    self.report["members"].kept.append(slack_user_id)
        file_slugs = {o.slug for o in self.doc.organisations}
        for org in self.state.organisations:
            if org.slug and org.slug not in file_slugs:
                self.report["organisations"].kept.append(org.slug)

    def _free_identifiers(self, rows: dict[str, Organisation]) -> None:
        wanted = {o.slug: o.identifier for o in self.doc.organisations if o.identifier}
        holders = {row.org_identifier: slug for slug, row in rows.items() if row.org_identifier}
        moved = False
        for slug, identifier in wanted.items():
            holder = holders.get(identifier)
            if holder is not None and holder != slug:
                rows[holder].org_identifier = None
                moved = True
        if moved:
            self.session.flush()

    def services(self, org: Organisation, spec) -> None:
        current = {s.name: s for s in org.services}
        for service in spec.services:
            row = current.get(service.name)
            created = row is None
            if created:
                row = Service(name=service.name)
                org.services.append(row)
            self._apply(
                "services",
                f"{spec.slug}/{service.name}",
                row,
                {"category": service.category, "min_age": service.min_age, "max_age": service.max_age},
                created=created,
            )
        listed = {s.name for s in spec.services}
        for name in sorted(set(current) - listed):
            self.report["services"].kept.append(f"{spec.slug}/{name}")

    def network(self) -> None:
        net = self.doc.network
        row = self.state.network
        created = row is None
        if created:
            row = Network()
            self.session.add(row)
        linked_up = net.linked_up_meeting
        settings = {
            "timezone": net.timezone,
            "bulletin": net.bulletin.model_dump(mode="json"),
            "returns": net.returns.model_dump(mode="json"),
            "linked_up_meeting": {"cadence": linked_up.cadence, "venue": linked_up.venue},
        }
        self._apply(
            "network",
            net.slug,
            row,
            {
                "slug": net.slug,
                "name": net.name,
                "benchmark_open_rate": net.benchmark_open_rate,
                "settings": settings,
            },
            created=created,
        )
        if self.report.changed:
            row.file_digest = _digest(self.doc)
            row.loaded_at = utcnow()


def _same_address(one: str, other: str) -> bool:
    return one.casefold() == other.casefold()


def _member_key(board_slug: str, person: BoardMember | BoardPerson) -> str:
    """How the load report names a board member: never by e-mail address (reports are printed and
    audited, and addresses stay out of both), so an e-mail member is their name or a masked address."""
    slack = person.slack_user_id if isinstance(person, BoardMember) else person.slack
    if slack:
        return f"{board_slug}/{slack}"
    if person.name:
        return f"{board_slug}/{person.name}"
    local, _, domain = (person.email or "").partition("@")
    return f"{board_slug}/{local[:1]}…@{domain}"


def _same(current: Any, wanted: Any) -> bool:
    """Equal as stored; a naive time read back from SQLite is UTC (that is how it was written)."""
    if isinstance(current, datetime) and isinstance(wanted, datetime):
        return _as_utc(current) == _as_utc(wanted)
    return current == wanted


def _as_utc(when: datetime) -> datetime:
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


def _uid(key: str, when: datetime) -> str:
    return f"{key}/{when:%Y-%m-%dT%H:%MZ}@linkedup"
