"""The officer's changes to the network, applied the way a reload of the network file is.

The dashboard's admin pages change boards, themes, meetings and organisations, and the officer must
not get a second, weaker set of rules than the file has. So every change goes the file's way: the
network as it stands is exported as a document (`network_file.export`), one change is made to that
document, the result is validated exactly as a file is (`network_file.document.parse_network`: the
schema, then the cross-checks), and the loader applies it (`network_file.loader.load_network`), which
writes only what differs. Open escalations keep the ladder snapshotted when they started (the loader
never touches them), and a board holding open items cannot be removed from under them.

A refused change raises `ChangeRefused` before anything is written, each problem one sentence naming
the board, theme or organisation by its name. The caller commits on success and rolls back on
refusal. Each change is audited as `network.edit` with who made it and what changed in words, beside
the loader's own `network.load` row with the changes by key.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models.audit import record
from models.errors import DomainError
from models.escalations import LIVE_STATES, Escalation
from models.issues import Issue
from models.network import Board, Meeting, Theme
from network_file.document import DEFAULT_TIMEZONE, SLACK_USER_RE, NetworkFileError, parse_network
from network_file.export import dump_yaml, export_data
from network_file.loader import LoadReport, load_network, one_change_at_a_time

SOURCE = "the dashboard"
_PROBLEM_RE = re.compile(r"^.*? line \d+: (?P<path>[^:]+): (?P<message>.*)$", re.S)


class ChangeRefused(DomainError):
    """The change was not made; `problems` holds one sentence each (usually just one)."""

    def __init__(self, problems: list[str]):
        self.problems = [p if p.endswith((".", "?", ")")) else p + "." for p in problems]
        super().__init__(" ".join(self.problems))


@dataclass(frozen=True)
class Edited:
    """What a change did: in words for the officer, the loader's summary, and any warnings."""

    said: str
    report: LoadReport
    warnings: tuple[str, ...] = ()


Document = dict[str, Any]
Change = Callable[[Document, Session], str]
"""Makes one change to the document in place and says it in words (or raises ChangeRefused)."""


def apply_change(session: Session, change: Change, *, actor: str, by: str | None = None) -> Edited:
    """Export, change, validate as a file, load; nothing is written when anything is refused.

    `actor` is who made the change as the audit log keys people (a Slack id); `by` their name, kept
    beside the words so the log reads without a look-up."""
    one_change_at_a_time(session)
    document = export_data(session)
    before = copy.deepcopy(document)
    said = change(document, session)
    problems = _boards_left_unable_to_act(before, document)
    if problems:
        raise ChangeRefused(problems)
    try:
        parsed = parse_network(dump_yaml(document), source=SOURCE)
    except NetworkFileError as exc:
        raise ChangeRefused([_in_words(problem, document) for problem in exc.problems]) from None
    try:
        report = load_network(session, parsed, actor=actor, source=SOURCE, remove_leavers=True)
    except NetworkFileError as exc:
        raise ChangeRefused([_loader_words(problem, document) for problem in exc.problems]) from None
    if report.changed:
        record(
            session,
            actor=actor,
            action="network.edit",
            entity="network",
            entity_id=document["network"]["slug"],
            after={"change": said, "by": by or actor, "summary": report.summary()},
        )
    return Edited(said=said, report=report, warnings=tuple(_clashes_made(session, before, document)))


# --- boards ------------------------------------------------------------------------------------


@dataclass
class BoardForm:
    """The board page's fields, already read from the form (numbers as numbers, members as entries)."""

    name: str
    channel: str
    acknowledge_days: int
    respond_days: int
    parent: str | None  # a board's slug, or None for the top of the ladder
    chair: str | None  # a member's Slack id or e-mail address
    members: list[str | dict[str, str]]
    private: bool
    slug: str | None = None  # for a new board


@dataclass
class SaveBoard:
    """Create a board (`slug` None) or change one; what the form does not show is kept as it was."""

    form: BoardForm
    slug: str | None = None

    def __call__(self, document: Document, session: Session) -> str:
        boards = document["boards"]
        form = self.form
        if self.slug is None:
            wanted = (form.slug or "").strip()
            taken = _find(boards, wanted)
            if taken is not None:
                raise ChangeRefused([f"There is already a board with the slug '{wanted}': {taken['name']}"])
            board: dict[str, Any] = {"slug": wanted}
            boards.append(board)
            before = {}
        else:
            board = _board(document, self.slug)
            before = copy.deepcopy(board)
        board.update(
            {
                "name": form.name,
                "channel": form.channel,
                "acknowledge_days": form.acknowledge_days,
                "respond_days": form.respond_days,
                "private": form.private,
                "members": list(form.members),
            }
        )
        _refuse_name_taken(boards, board, "board")
        _set_or_drop(board, "parent", form.parent)
        _set_or_drop(board, "chair", form.chair)
        if board.get("representative") and not _listed(board, board["representative"]):
            board.pop("representative")  # the representative left the board: no longer its representative
        _refuse_loop(document, board)
        if not before:
            return f"Added the board {board['name']}"
        return f"Changed the board {board['name']}: " + _differences(before, board, document)


@dataclass
class RemoveBoard:
    slug: str

    def __call__(self, document: Document, session: Session) -> str:
        board = _board(document, self.slug)
        name = board["name"]
        held = session.scalar(
            select(func.count(Escalation.id))
            .join(Board, Board.id == Escalation.board_id)
            .where(Board.slug == self.slug, Escalation.state.in_(LIVE_STATES))
        )
        if held:
            raise ChangeRefused(
                [
                    f"{name} holds {held} open item{'s' if held != 1 else ''}; re-assign "
                    f"{'them' if held != 1 else 'it'} to another board before removing it"
                ]
            )
        themes = [t["name"] for t in document["themes"] if t.get("board") == self.slug]
        if themes:
            raise ChangeRefused(
                [f"{name} still owns the theme{'s' if len(themes) != 1 else ''} {_and(themes)}; "
                 "give them to another board first"]
            )  # fmt: skip
        children = [b["name"] for b in document["boards"] if b.get("parent") == self.slug]
        if children:
            raise ChangeRefused(
                [f"{_and(children)} escalate{'s' if len(children) == 1 else ''} to {name}; "
                 "give them another parent on the ladder first"]
            )  # fmt: skip
        document["boards"].remove(board)
        return f"Removed the board {name}"


def _boards_left_unable_to_act(before: Document, after: Document) -> list[str]:
    """A board whose members the change touched must keep someone who can act on its items."""
    was = {b["slug"]: b.get("members", []) for b in before["boards"]}
    problems = []
    for board in after["boards"]:
        members = board.get("members", [])
        if members == was.get(board["slug"], object()) or members:
            continue
        problems.append(
            f"{board['name']} would have no member able to act on its items; "
            "list at least one person by Slack id or e-mail address"
        )
    return problems


def _refuse_loop(document: Document, board: dict[str, Any]) -> None:
    """Said with names, before the file's own cycle check would say it with slugs."""
    names = {b["slug"]: b["name"] for b in document["boards"]}
    parents = {b["slug"]: b.get("parent") for b in document["boards"]}
    path, slug = [], board["slug"]
    while slug is not None and slug not in path:
        path.append(slug)
        slug = parents.get(slug)
    if slug is not None:
        loop = " → ".join(names.get(s, s) for s in [*path[path.index(slug) :], slug])
        raise ChangeRefused(
            [f"That would make a loop in the escalation ladder ({loop}); one board must be the top"]
        )


def _listed(board: dict[str, Any], person: str) -> bool:
    for entry in board.get("members", []):
        if isinstance(entry, str):
            if entry == person:
                return True
        elif person in (entry.get("slack"), entry.get("email")):
            return True
    return False


# --- themes ------------------------------------------------------------------------------------


@dataclass
class SaveTheme:
    """Create a theme (`slug` None, `new_slug` given) or change one's name, board and keywords."""

    name: str
    board: str | None
    keywords: list[str]
    slug: str | None = None
    new_slug: str | None = None

    def __call__(self, document: Document, session: Session) -> str:
        themes = document["themes"]
        if self.slug is None:
            wanted = (self.new_slug or "").strip()
            taken = _find(themes, wanted)
            if taken is not None:
                raise ChangeRefused([f"There is already a theme with the slug '{wanted}': {taken['name']}"])
            theme: dict[str, Any] = {"slug": wanted}
            themes.append(theme)
            before: dict[str, Any] = {}
        else:
            theme = _theme(document, self.slug)
            before = copy.deepcopy(theme)
        theme["name"] = self.name
        _refuse_name_taken(themes, theme, "theme")
        _set_or_drop(theme, "board", self.board)
        _set_or_drop(theme, "keywords", list(self.keywords) or None)
        if not before:
            return f"Added the theme {theme['name']}"
        return f"Changed the theme {theme['name']}: " + _differences(before, theme, document)


@dataclass
class RemoveTheme:
    slug: str

    def __call__(self, document: Document, session: Session) -> str:
        theme = _theme(document, self.slug)
        filed = session.scalar(
            select(func.count(Issue.id))
            .join(Theme, Theme.id == Issue.theme_id)
            .where(Theme.slug == self.slug)
        )
        if filed:
            raise ChangeRefused(
                [
                    f"{filed} issue{'s are' if filed != 1 else ' is'} filed under {theme['name']}, and the "
                    "reports count them there; rename the theme or give it another board instead"
                ]
            )
        document["themes"].remove(theme)
        return f"Removed the theme {theme['name']}"


# --- meetings ----------------------------------------------------------------------------------


@dataclass
class AddMeeting:
    """A meeting of a board (`board` its slug) or of the Linked-up network itself (`board` None).

    Times are local text as the form's date-and-time field gives them (`2027-01-13T10:00`), which
    the file reads in the network's time zone."""

    starts_at: str
    board: str | None = None
    ends_at: str | None = None
    location: str | None = None

    def __call__(self, document: Document, session: Session) -> str:
        when = _local_words(self.starts_at)
        if self.board is None:
            if self.ends_at or self.location:
                raise ChangeRefused(
                    ["Network meetings all take place at the network's venue and have no end time here"]
                )
            linked_up = document["network"].setdefault("linked_up_meeting", {})
            linked_up.setdefault("meetings", []).append(self.starts_at)
            return f"Added a Linked-up network meeting on {when}"
        board = _board(document, self.board)
        zone = _zone(document)
        moment = _moment(self.starts_at, zone)
        if moment is not None and any(
            _same_moment(m["starts_at"], moment, zone) for m in board.get("meetings", [])
        ):
            raise ChangeRefused([f"{board['name']} already meets on {when}"])
        meeting = {"starts_at": self.starts_at}
        _set_or_drop(meeting, "ends_at", self.ends_at)
        _set_or_drop(meeting, "location", self.location)
        board.setdefault("meetings", []).append(meeting)
        return f"Added a meeting of {board['name']} on {when}"


@dataclass
class RemoveMeeting:
    """Removes a meeting the network file holds, found by its board and start time (its file key)."""

    starts_at: datetime
    board: str | None = None

    def __call__(self, document: Document, session: Session) -> str:
        zone = _zone(document)
        if self.board is None:
            meetings = document["network"].get("linked_up_meeting", {}).get("meetings", [])
            for text in list(meetings):
                if _same_moment(text, self.starts_at, zone):
                    meetings.remove(text)
                    return f"Removed the Linked-up network meeting of {_local_words(text)}"
        else:
            board = _board(document, self.board)
            for meeting in list(board.get("meetings", [])):
                if _same_moment(meeting["starts_at"], self.starts_at, zone):
                    board["meetings"].remove(meeting)
                    return f"Removed the meeting of {board['name']} on {_local_words(meeting['starts_at'])}"
        raise ChangeRefused(["That meeting is not on the schedule any more (or was added in Slack)"])


@dataclass(frozen=True)
class Clash:
    """Two boards meeting in the same half day (local time): people sit on several boards."""

    day: str  # e.g. "Tue 9 Feb 2027 afternoon"
    meetings: tuple[str, ...]  # "Children's Trust Board at 14:00", …

    @property
    def sentence(self) -> str:
        return f"{self.day}: {_and(list(self.meetings))} meet within the same half day"


def clashes(session: Session, *, now: datetime, zone: ZoneInfo) -> list[Clash]:
    """Coming meetings of different boards (or a board and the network meeting) in one half day."""
    rows = session.scalars(
        select(Meeting).where(Meeting.starts_at >= now - timedelta(hours=12)).order_by(Meeting.starts_at)
    ).all()
    return _clashes([(m.board_id, m.title, _utc(m.starts_at)) for m in rows], zone)


def _clashes(meetings: list[tuple[Any, str, datetime]], zone: ZoneInfo) -> list[Clash]:
    halves: dict[tuple, list[tuple[Any, str, datetime]]] = {}
    for key, title, moment in meetings:
        local = moment.astimezone(zone)
        halves.setdefault((local.date(), local.hour >= 12), []).append((key, title, local))
    found = []
    for (_day, afternoon), group in sorted(halves.items()):
        if len({key for key, _, _ in group}) < 2:
            continue
        label = f"{group[0][2]:%a %-d %b %Y} {'afternoon' if afternoon else 'morning'}"
        found.append(Clash(label, tuple(f"{title} at {local:%H:%M}" for _, title, local in group)))
    return found


def _clashes_made(session: Session, before: Document, after: Document) -> list[str]:
    """The clashes this change brought: among the file's meetings now, not there before it."""
    zone = _zone(after)
    old = {c.sentence for c in _clashes(_file_meetings(before, zone), zone)}
    return [c.sentence for c in _clashes(_file_meetings(after, zone), zone) if c.sentence not in old]


def _file_meetings(document: Document, zone: ZoneInfo) -> list[tuple[Any, str, datetime]]:
    found = [
        (None, "Linked-up network meeting", _moment(text, zone))
        for text in document["network"].get("linked_up_meeting", {}).get("meetings", [])
    ]
    for board in document["boards"]:
        for meeting in board.get("meetings", []):
            found.append((board["slug"], board["name"], _moment(meeting["starts_at"], zone)))
    return [item for item in found if item[2] is not None]


# --- organisations -----------------------------------------------------------------------------


@dataclass
class SaveOrganisation:
    """Create an organisation (`slug` None, `new_slug` given) or change one; its services are kept.

    A Slack id the organisation no longer lists is a leaver: removed at once (their dashboard
    sessions end; what they raised stays with the organisation), as `network load --yes` does."""

    name: str
    contact_email: str
    identifier: str | None
    bulletin_consent: bool
    members: list[str] = field(default_factory=list)
    slug: str | None = None
    new_slug: str | None = None

    def __call__(self, document: Document, session: Session) -> str:
        organisations = document["organisations"]
        if self.slug is None:
            wanted = (self.new_slug or "").strip()
            taken = _find(organisations, wanted)
            if taken is not None:
                raise ChangeRefused(
                    [f"There is already an organisation with the slug '{wanted}': {taken['name']}"]
                )
            org: dict[str, Any] = {"slug": wanted}
            organisations.append(org)
            before: dict[str, Any] = {}
        else:
            org = _organisation(document, self.slug)
            before = copy.deepcopy(org)
        org["name"] = self.name
        _refuse_name_taken(organisations, org, "organisation")
        org["contact_email"] = self.contact_email
        _set_or_drop(org, "identifier", self.identifier)
        org["bulletin_consent"] = self.bulletin_consent
        _set_or_drop(org, "members", sorted(dict.fromkeys(self.members)) or None)
        if not before:
            return f"Added the organisation {org['name']}"
        return f"Changed the organisation {org['name']}: " + _differences(before, org, document)


# --- reading what the officer typed ------------------------------------------------------------

_EMAIL_IN_TEXT = re.compile(r"<([^<>\s]+@[^<>\s]+)>|(?<![\w.+-])([^<>\s]+@[^<>\s]+)")


def parse_member_line(line: str) -> str | dict[str, str]:
    """One board member as the officer types it: `U0123ABCD`, `jo@council.gov.uk`, `Jo Smith
    <jo@council.gov.uk>`, or a name, an address and a Slack id together, in any order."""
    text = line.strip()
    slack = None
    for token in text.split():
        if SLACK_USER_RE.match(token.strip("<>@,;()")):
            slack = token.strip("<>@,;()")
            text = text.replace(token, " ", 1)
            break
    email = None
    found = _EMAIL_IN_TEXT.search(text)
    if found:
        email = found.group(1) or found.group(2)
        text = text[: found.start()] + " " + text[found.end() :]
    name = " ".join(text.replace("<>", " ").split()).strip(" ,;-") or None
    if slack and not email and not name:
        return slack
    if not slack and not email:
        raise ChangeRefused(
            [f"“{line.strip()[:60]}” has neither a Slack member id (U…) nor an e-mail address"]
        )
    entry = {"email": email, "name": name, "slack": slack}
    return {k: v for k, v in entry.items() if v}


def member_line(entry: str | dict[str, str]) -> str:
    """A board member written back the way `parse_member_line` reads it."""
    if isinstance(entry, str):
        return entry
    parts = [
        entry.get("name") or "",
        f"<{entry['email']}>" if entry.get("email") else "",
        entry.get("slack") or "",
    ]
    return " ".join(part for part in parts if part)


# --- helpers -----------------------------------------------------------------------------------


def _find(rows: list[dict[str, Any]], slug: str) -> dict[str, Any] | None:
    return next((row for row in rows if row.get("slug", "").casefold() == slug.casefold()), None)


def _board(document: Document, slug: str) -> dict[str, Any]:
    found = _find(document["boards"], slug)
    if found is None:
        raise ChangeRefused(["That board is not in the network any more"])
    return found


def _theme(document: Document, slug: str) -> dict[str, Any]:
    found = _find(document["themes"], slug)
    if found is None:
        raise ChangeRefused(["That theme is not in the network any more"])
    return found


def _organisation(document: Document, slug: str) -> dict[str, Any]:
    found = _find(document["organisations"], slug)
    if found is None:
        raise ChangeRefused(["That organisation is not in the network file's list"])
    return found


def _refuse_name_taken(rows: list[dict[str, Any]], row: dict[str, Any], kind: str) -> None:
    """Names are unique (compared case-insensitively, as the file compares them)."""
    name = str(row.get("name") or "").strip()
    for other in rows:
        if other is not row and str(other.get("name", "")).strip().casefold() == name.casefold() and name:
            raise ChangeRefused([f"Another {kind} is already called {other['name']}"])


def _set_or_drop(row: dict[str, Any], key: str, value: Any) -> None:
    if value is None or value == "":
        row.pop(key, None)
    else:
        row[key] = value


_FIELD_WORDS = {
    "name": "name",
    "channel": "channel",
    "acknowledge_days": "time to acknowledge",
    "respond_days": "time to respond",
    "parent": "parent on the ladder",
    "chair": "chair",
    "representative": "representative",
    "members": "members",
    "private": "private channel",
    "board": "board",
    "keywords": "routing keywords",
    "contact_email": "contact e-mail",
    "identifier": "charity or company number",
    "bulletin_consent": "bulletin consent",
    "slug": "slug",
    "starts_at": "start",
    "ends_at": "end",
    "location": "place",
    "email": "e-mail address",
    "slack": "Slack id",
    "short_name": "short name",
    "timezone": "time zone",
}


def _differences(before: dict[str, Any], after: dict[str, Any], document: Document) -> str:
    """What changed, in words: `channel #a → #b; members added Jo Smith, removed U0…` (no address)."""
    names = {b["slug"]: b["name"] for b in document["boards"]}
    parts = []
    for key in dict.fromkeys([*before, *after]):
        old, new = before.get(key), after.get(key)
        if old == new:
            continue
        label = _FIELD_WORDS.get(key, key.replace("_", " "))
        if key == "members":
            old_people = {_identity(m): m for m in old or []}
            new_people = {_identity(m): m for m in new or []}
            added = [_who(m) for k, m in new_people.items() if k not in old_people]
            removed = [_who(m) for k, m in old_people.items() if k not in new_people]
            renamed = [_who(m) for k, m in new_people.items() if k in old_people and old_people[k] != m]
            said = "; ".join(
                text for text in (
                    f"added {_and(added)}" if added else "",
                    f"removed {_and(removed)}" if removed else "",
                    f"changed the details of {_and(renamed)}" if renamed else "",
                ) if text
            )  # fmt: skip
            parts.append(f"members {said or 'reordered'}")
        elif key in ("chair", "representative"):
            people = [*(before.get("members") or []), *(after.get("members") or [])]
            parts.append(f"{label} {_named(old, people)} → {_named(new, people)}")
        elif key == "contact_email":
            parts.append(f"{label} changed")
        elif key in ("parent", "board"):
            parts.append(f"{label} {names.get(old, old) or 'none'} → {names.get(new, new) or 'none'}")
        elif isinstance(old, bool) or isinstance(new, bool):
            parts.append(f"{label} {'yes' if new else 'no'}")
        elif isinstance(old, list) or isinstance(new, list):
            parts.append(f"{label} now {', '.join(map(str, new or [])) or 'none'}")
        else:
            parts.append(
                f"{label} {old if old is not None else 'none'} → {new if new is not None else 'none'}"
            )
    return "; ".join(parts) or "nothing"


def _loader_words(problem: str, document: Document) -> str:
    """The loader's own refusals; the database's (a row outside the file's control) in plain words."""
    if problem.startswith(f"{SOURCE}: the database refused the change"):
        return (
            "The database refused the change (it would clash with records kept elsewhere); "
            "reload the page and try again"
        )
    return _in_words(problem, document)


def _identity(entry: str | dict[str, str]) -> str:
    if isinstance(entry, str):
        return entry
    return (entry.get("email") or "").casefold() or entry.get("slack") or ""


def _who(entry: str | dict[str, str]) -> str:
    """A board member in the words of the audit log and the page's notice: their name, else their
    Slack id, never their address (the log is kept and read; the loader's report keeps addresses out
    the same way), which is masked to its first letter and domain."""
    if isinstance(entry, str):
        return entry
    if entry.get("name") or entry.get("slack"):
        return entry.get("name") or entry["slack"]
    local, _, domain = (entry.get("email") or "").partition("@")
    return f"{local[:1]}…@{domain}"


def _named(ref: str | None, people: list[str | dict[str, str]]) -> str:
    """A chair or representative (a Slack id or an address) as `_who` words them."""
    if ref is None:
        return "none"
    for entry in people:
        if isinstance(entry, dict) and ref in (entry.get("slack"), entry.get("email")):
            return _who(entry)
    return ref if "@" not in ref else _who({"email": ref})


def _in_words(problem: str, document: Document) -> str:
    """A parser problem (`the dashboard line 40: boards[3].members[0].email: …`) as one sentence with
    names: `Children's Trust Board, member 1's e-mail address: 'jo@council' is not a valid …`."""
    found = _PROBLEM_RE.match(problem)
    if not found:
        return problem
    path = re.findall(r"[A-Za-z_]+|\[\d+\]", found["path"])
    owner, rest = "The network", path[1:] if path[:1] == ["network"] else path
    section = path[0] if path else ""
    if section in _SECTIONS and len(path) > 1 and path[1].startswith("["):
        index = int(path[1][1:-1])
        rows = document.get(section, [])
        name = rows[index].get("name") if index < len(rows) and isinstance(rows[index], dict) else None
        owner = name or f"The new {_SECTIONS[section]}"
        rest = path[2:]
    words: list[str] = []
    for part in rest:
        if part.startswith("[") and words:
            words[-1] = f"{_SINGULAR.get(words[-1], words[-1])} {int(part[1:-1]) + 1}"
        elif not part.startswith("["):
            words.append(_FIELD_WORDS.get(part, part.replace("_", " ")))
    message = re.sub(r" \(already at [^)]*\)", "", found["message"].strip())
    message = message.replace("Input should be", "must be")
    if not words:
        return f"{owner}: {message}"
    where = "'s ".join(words)
    return f"{owner}, {where}: {message}"


_SECTIONS = {"boards": "board", "themes": "theme", "organisations": "organisation", "officers": "officer"}
_SINGULAR = {"members": "member", "meetings": "meeting", "routing keywords": "keyword", "services": "service"}


def _and(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def _zone(document: Document) -> ZoneInfo:
    return ZoneInfo(document["network"].get("timezone") or DEFAULT_TIMEZONE)


def _moment(text: Any, zone: ZoneInfo) -> datetime | None:
    try:
        moment = datetime.fromisoformat(str(text))
    except ValueError:
        return None
    return (moment.replace(tzinfo=zone) if moment.tzinfo is None else moment).astimezone(UTC)


def _same_moment(text: Any, moment: datetime, zone: ZoneInfo) -> bool:
    return _moment(text, zone) == _utc(moment)


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _local_words(text: str) -> str:
    try:
        return f"{datetime.fromisoformat(str(text)):%a %-d %b %Y at %H:%M}"
    except ValueError:
        return str(text)


__all__ = [
    "AddMeeting",
    "BoardForm",
    "ChangeRefused",
    "Clash",
    "Edited",
    "RemoveBoard",
    "RemoveMeeting",
    "RemoveTheme",
    "SaveBoard",
    "SaveOrganisation",
    "SaveTheme",
    "apply_change",
    "clashes",
    "member_line",
    "parse_member_line",
]
