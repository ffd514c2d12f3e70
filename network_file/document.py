"""The network file: one YAML document describing a network's boards, ladder, themes and organisations.

The officer edits this file and reloads it, so every mistake must come back as a sentence that names
the line and the field (`wirral.yaml line 42: boards[3].parent: unknown board 'hwbb' (known: …)`),
and a file with any mistake is refused whole. Parsing happens in three steps, all before any write:
YAML (syntax, with its line), the pydantic schema (types, ranges, unknown keys — `extra="forbid"` so
a typo is never silently ignored), then cross-checks between sections (references, uniqueness, the
ladder having no cycle). Loading into the database lives in `network_file.loader`.
"""

from __future__ import annotations

import difflib
import re
import types
import typing
from datetime import UTC, date, datetime, tzinfo
from pathlib import Path
from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from email_validator import EmailNotValidError, validate_email
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    EmailStr,
    Field,
    PrivateAttr,
    StringConstraints,
    Tag,
    field_validator,
    model_validator,
)
from pydantic import ValidationError as PydanticValidationError

from models.errors import DomainError

DEFAULT_CATEGORIES = (
    "vacancies",
    "training-and-events",
    "service-changes",
    "promotions",
    "safeguarding-updates",
    "the-hive",
    "funding",
)
DEFAULT_TIMEZONE = "Europe/London"
NETWORK_MEETINGS_KEY = "linked-up-meeting"  # uid prefix of the network's own meetings; not a board slug

SLACK_USER_RE = re.compile(r"^[UW][A-Z0-9]{2,}$")
CHANNEL_RE = re.compile(r"^(?:[CG][A-Z0-9]{2,}|#[a-z0-9][a-z0-9_-]{0,78})$")
SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
ORG_ID_RE = re.compile(r"^(?:GB-CHC-\d{6,7}|GB-SC-SC\d{6}|GB-NIC-\d{5,6}|GB-COH-[A-Z0-9]{8})$")
_WHEN_RE = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


class NetworkFileError(DomainError):
    """The network file cannot be loaded; `problems` holds one line per mistake, each naming its line."""

    def __init__(self, problems: list[str], source: str = "network file"):
        self.problems = list(problems)
        self.source = source
        count = len(self.problems)
        header = f"{source}: {count} problem{'s' if count != 1 else ''}, nothing was loaded"
        super().__init__("\n".join([header, *("  " + p for p in self.problems)]))


# --- field types -------------------------------------------------------------------------------


def _no_control_characters(value: str) -> str:
    if _CONTROL_RE.search(value):
        raise ValueError("contains a control character")
    return value


def _text(max_length: int) -> Any:
    """Stripped, non-empty text that fits its column (PostgreSQL enforces VARCHAR lengths)."""
    return Annotated[
        str,
        StringConstraints(strip_whitespace=True, min_length=1, max_length=max_length),
        AfterValidator(_no_control_characters),
    ]


def _pattern(regex: re.Pattern[str], what: str, example: str, max_length: int) -> Any:
    def check(value: str) -> str:
        if not regex.match(value):
            raise ValueError(f"{_short(value)} is not {what} (e.g. {example})")
        return value

    return Annotated[
        str, StringConstraints(strip_whitespace=True, max_length=max_length), AfterValidator(check)
    ]


def _parse_when(value: object) -> object:
    """ISO date and time only: YAML timestamps or strings. Numbers are refused (no epoch seconds)."""
    if isinstance(value, datetime):
        when = value
    elif isinstance(value, date):
        raise ValueError("needs a time as well as a date, e.g. 2026-12-14T09:30")
    elif isinstance(value, str):
        text = value.strip()
        if not _WHEN_RE.match(text):
            raise ValueError(f"{value!r} is not an ISO date and time (e.g. 2026-12-14T09:30)")
        try:
            when = datetime.fromisoformat(text.replace("z", "Z"))
        except ValueError:
            raise ValueError(f"{value!r} is not an ISO date and time (e.g. 2026-12-14T09:30)") from None
    else:
        raise ValueError("should be an ISO date and time like 2026-12-14T09:30")
    if not 2000 <= when.year <= 2100:
        raise ValueError(f"year {when.year} is outside 2000–2100")
    return when


Text40, Text80, Text120, Text200 = _text(40), _text(80), _text(120), _text(200)
LongText = _text(4000)
Slug = _pattern(SLUG_RE, "a slug (lower-case letters, digits and hyphens)", "early-help", 64)
SlackUserId = _pattern(SLACK_USER_RE, "a Slack user id", "U0123ABCD", 32)
Channel = _pattern(CHANNEL_RE, "a Slack channel id or #name", "C0123ABCD or #linkedup-ctb", 80)
OrgIdentifier = _pattern(
    ORG_ID_RE,
    "an org-id identifier",
    "GB-CHC-1234567, GB-SC-SC012345, GB-NIC-123456, GB-COH-01234567",
    40,
)


def _email_address(value: str) -> str:
    """A deliverable-looking address, normalised (lower-case domain) so one person is one string.

    Syntax only: the network file is loaded without the network, so no DNS look-up.
    """
    try:
        return validate_email(value, check_deliverability=False).normalized
    except EmailNotValidError as exc:
        raise ValueError(f"{_short(value)} is not a valid e-mail address ({exc})") from None


Email = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=254), AfterValidator(_email_address)
]


def _person(value: str) -> str:
    """A chair or representative: a Slack user id, or the e-mail address of an e-mail member."""
    if "@" in value:
        return _email_address(value)
    if not SLACK_USER_RE.match(value):
        raise ValueError(
            f"{_short(value)} is not a Slack user id or an e-mail address (e.g. U0123ABCD or "
            "jo.smith@council.gov.uk)"
        )
    return value


PersonRef = Annotated[str, StringConstraints(strip_whitespace=True, max_length=254), AfterValidator(_person)]
When = Annotated[datetime, BeforeValidator(_parse_when)]
Day = Annotated[int, Field(ge=1, le=28)]
WorkingDays = Annotated[int, Field(ge=1, le=60)]
Age = Annotated[int, Field(ge=0, le=25)]


class Section(BaseModel):
    """Strict: YAML already gives real types, so `'5'` for a number or `yes` for a name is a mistake."""

    model_config = ConfigDict(extra="forbid", strict=True)


# --- sections ----------------------------------------------------------------------------------


HttpsUrl = _pattern(re.compile(r"^https://\S+$"), "an https:// address", "https://www.example.org/", 500)


class Bulletin(Section):
    categories: list[Slug] = Field(default=list(DEFAULT_CATEGORIES), min_length=1, max_length=30)
    feed_url: Annotated[str, StringConstraints(pattern=r"^https?://\S+$", max_length=500)] | None = None
    feed_category: Slug | None = None  # where the feed's items go; one of `categories`
    compile_day: Day = 25
    contacts: Annotated[int, Field(ge=0, le=10_000_000)] | None = None
    # What Mailchimp shows as the sender, and where replies go (Mailchimp refuses a campaign
    # without a reply-to address, so the officer should set it before the first send).
    from_name: Text80 | None = None  # the network's name when left out
    reply_to: EmailStr | None = None
    website_url: HttpsUrl | None = None  # linked from the bulletin's footer
    logo_url: HttpsUrl | None = None  # shown at the top of the bulletin (HTTPS: mail clients block the rest)

    @model_validator(mode="after")
    def _feed_category_is_a_category(self) -> Bulletin:
        if self.feed_category is not None and self.feed_category not in self.categories:
            raise ValueError(
                f"feed_category {self.feed_category!r} is not one of the categories: "
                + ", ".join(self.categories)
            )
        return self


class Returns(Section):
    reminder_day: Day = 18


class LinkedUpMeeting(Section):
    cadence: Text80 | None = None
    venue: Text200 | None = None
    meetings: list[When] = Field(default_factory=list)


class NetworkSection(Section):
    slug: Slug
    name: Text200
    timezone: Text80 = DEFAULT_TIMEZONE
    benchmark_open_rate: Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)] = 0.203
    bulletin: Bulletin = Field(default_factory=Bulletin)
    returns: Returns = Field(default_factory=Returns)
    linked_up_meeting: LinkedUpMeeting = Field(default_factory=LinkedUpMeeting)

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r} (e.g. Europe/London)") from None
        return value


class Officer(Section):
    slack_user_id: SlackUserId
    name: Text120


class BoardMeeting(Section):
    starts_at: When
    ends_at: When | None = None
    location: Text200 | None = None


class BoardPerson(Section):
    """A board member written as a mapping: `{email: jo@council.gov.uk, name: Jo Smith, slack: U0…}`.

    Members outside the workspace (council, NHS, police) are reached by e-mail; `slack` is optional.
    A plain `U0…` in the list is the same as `{slack: U0…}`.
    """

    email: Email | None = None
    name: Text120 | None = None
    slack: SlackUserId | None = None

    @model_validator(mode="after")
    def _reachable(self) -> BoardPerson:
        if self.email is None and self.slack is None:
            raise ValueError("a board member needs an email: or a slack: (or both)")
        return self

    def refers_to(self, person: str) -> bool:
        """`person` (a chair or representative) names this member by Slack id or e-mail address."""
        return person == self.slack or (self.email is not None and person.casefold() == self.email.casefold())


# Union tags: hyphenated, so never mistaken for a key; _schema_problems drops them from error paths.
_SLACK_TAG, _PERSON_TAG = "slack-user-id", "board-person"
_UNION_TAGS = frozenset({_SLACK_TAG, _PERSON_TAG})
BoardMemberEntry = Annotated[
    Annotated[SlackUserId, Tag(_SLACK_TAG)] | Annotated[BoardPerson, Tag(_PERSON_TAG)],
    Discriminator(lambda value: _PERSON_TAG if isinstance(value, dict | BoardPerson) else _SLACK_TAG),
]


class BoardSection(Section):
    slug: Slug
    name: Text200
    short_name: Text40 | None = None
    channel: Channel
    private: bool = False
    parent: Slug | None = None
    acknowledge_days: WorkingDays = 1
    respond_days: WorkingDays = 5
    max_reminders: Annotated[int, Field(ge=0, le=10)] = 3
    chair: PersonRef | None = None  # a member's Slack id or e-mail address
    representative: PersonRef | None = None
    members: list[BoardMemberEntry] = Field(default_factory=list)
    cadence: Text80 | None = None
    description: LongText | None = None
    withhold_organisation_when_sensitive: bool = True
    sends_notices: bool = False  # its members may send targeted notices (`/linkedup notice`)
    meetings: list[BoardMeeting] = Field(default_factory=list)

    @property
    def people(self) -> list[BoardPerson]:
        """The members, each as a BoardPerson (a plain Slack id becomes `{slack: U0…}`)."""
        return [m if isinstance(m, BoardPerson) else BoardPerson(slack=m) for m in self.members]

    def person(self, ref: str | None) -> BoardPerson | None:
        """The member a chair or representative reference names, if listed."""
        if ref is None:
            return None
        return next((p for p in self.people if p.refers_to(ref)), None)


class ThemeSection(Section):
    slug: Slug
    name: Text120
    board: Slug | None = None
    keywords: list[Text80] = Field(default_factory=list)


class ServiceSection(Section):
    name: Text200
    category: Text80
    min_age: Age | None = None
    max_age: Age | None = None


class OrganisationSection(Section):
    slug: Slug
    name: Text200
    identifier: OrgIdentifier | None = None
    contact_email: EmailStr
    bulletin_consent: bool = False
    demo: bool = False
    members: list[SlackUserId] = Field(default_factory=list)
    services: list[ServiceSection] = Field(default_factory=list)


class NetworkDocument(Section):
    """A whole network file. Meeting times come out timezone-aware in UTC (naive = network time zone)."""

    network: NetworkSection
    officers: list[Officer] = Field(min_length=1)
    boards: list[BoardSection] = Field(default_factory=list)
    themes: list[ThemeSection] = Field(default_factory=list)
    organisations: list[OrganisationSection] = Field(default_factory=list)

    _source: str = PrivateAttr(default="network file")
    _lines: dict = PrivateAttr(default_factory=dict)

    def locate(self, path: tuple, message: str) -> str:
        """A problem found later (e.g. a clash with the database), worded like the parser's own."""
        return _located(path, message, self._lines, self._source)

    @property
    def source(self) -> str:
        return self._source

    @model_validator(mode="after")
    def _meetings_in_utc(self) -> NetworkDocument:
        zone = ZoneInfo(self.network.timezone)
        linked_up = self.network.linked_up_meeting
        linked_up.meetings = [_utc(m, zone) for m in linked_up.meetings]
        for board in self.boards:
            for meeting in board.meetings:
                meeting.starts_at = _utc(meeting.starts_at, zone)
                if meeting.ends_at is not None:
                    meeting.ends_at = _utc(meeting.ends_at, zone)
        return self


def _utc(when: datetime, zone: tzinfo) -> datetime:
    if when.tzinfo is None:
        when = when.replace(tzinfo=zone)
    return when.astimezone(UTC)


# --- parsing -----------------------------------------------------------------------------------

Path_ = tuple[str, ...]
# Values in the document once YAML aliases are followed. The Wirral file has about 1,500; an alias
# "bomb" (nine lists of nine references, nested nine deep) expands to hundreds of millions, which
# would hang `linkedup network load` instead of being refused.
MAX_VALUES = 200_000


class _Loader(yaml.SafeLoader):
    """SafeLoader whose impossible dates (2026-13-45) are YAML errors with a line, not bare ValueErrors."""

    def construct_yaml_timestamp(self, node):  # type: ignore[override]
        try:
            return super().construct_yaml_timestamp(node)
        except (ValueError, OverflowError) as exc:
            raise yaml.constructor.ConstructorError(
                None, None, f"not a valid date: {node.value!r} ({exc})", node.start_mark
            ) from None


_Loader.add_constructor("tag:yaml.org,2002:timestamp", _Loader.construct_yaml_timestamp)


def parse_network(text: str, source: str = "network file") -> NetworkDocument:
    """Validate a network file completely; raise NetworkFileError listing every problem with its line."""
    try:
        root = yaml.compose(text, Loader=_Loader)
        data = yaml.load(text, Loader=_Loader)  # a SafeLoader subclass
    except yaml.YAMLError as exc:
        raise NetworkFileError([_yaml_problem(exc, source)], source) from None
    except RecursionError:
        raise NetworkFileError([f"{source}: nested too deeply to read"], source) from None
    lines: dict[Path_, int] = {}
    duplicates: list[str] = []
    if root is not None:
        budget = [MAX_VALUES]
        _index_lines(root, (), lines, duplicates, source, set(), budget)
        if budget[0] < 0:
            raise NetworkFileError(
                [
                    f"{source}: more than {MAX_VALUES:,} values once its YAML aliases (*name) are "
                    "followed; write the repeated parts out instead of nesting references"
                ],
                source,
            )
    if duplicates:
        raise NetworkFileError(duplicates, source)
    if not isinstance(data, dict):
        raise NetworkFileError(
            [
                f"{source} line 1: the file must be a mapping with network:, officers:, boards:, themes:, "
                "organisations:"
            ],
            source,
        )
    try:
        document = NetworkDocument.model_validate(data)
    except PydanticValidationError as exc:
        raise NetworkFileError(_schema_problems(exc, lines, source), source) from None
    except RecursionError:
        raise NetworkFileError([f"{source}: nested too deeply (a recursive YAML alias?)"], source) from None
    problems = [_located(path, message, lines, source) for path, message in cross_check(document)]
    if problems:
        raise NetworkFileError(_by_line(problems), source)
    document._source, document._lines = source, lines
    return document


def read_network(path: str | Path) -> NetworkDocument:
    """Read and validate a network file from disk."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise NetworkFileError([f"{path}: no such file"], path.name) from None
    except UnicodeDecodeError as exc:
        raise NetworkFileError([f"{path.name}: not UTF-8 text ({exc.reason})"], path.name) from None
    except OSError as exc:
        raise NetworkFileError([f"{path}: cannot be read ({exc.strerror})"], path.name) from None
    return parse_network(text, source=path.name)


def _yaml_problem(exc: yaml.YAMLError, source: str) -> str:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    problem = getattr(exc, "problem", None) or str(exc)
    context = getattr(exc, "context", None)
    detail = f"{context}: {problem}" if context else problem
    where = f"line {mark.line + 1}" if mark is not None else "line ?"
    kind = "YAML" if isinstance(exc, yaml.constructor.ConstructorError) else "YAML syntax"
    return f"{source} {where}: {kind}: {detail}"


def _index_lines(node, path: Path_, lines, duplicates, source, ancestors, budget: list[int]) -> None:
    """Map each path in the document to the line where it is written (keys: the key's line).

    `budget` counts down the values visited; past zero the walk stops (see MAX_VALUES).
    """
    budget[0] -= 1
    if budget[0] < 0:
        return
    lines.setdefault(path, node.start_mark.line + 1)
    if id(node) in ancestors:  # a recursive alias; pydantic reports it
        return
    ancestors = ancestors | {id(node)}
    if isinstance(node, yaml.MappingNode):
        seen: dict[str, int] = {}
        for key_node, value_node in node.value:
            key = str(key_node.value) if isinstance(key_node, yaml.ScalarNode) else "?"
            line = key_node.start_mark.line + 1
            if key in seen and key != "<<":
                where = _format_path((*path, key))
                duplicates.append(
                    f"{source} line {line}: {where}: duplicate key '{key}' (first at line {seen[key]})"
                )
                continue
            seen[key] = line
            lines[(*path, key)] = line
            _index_lines(value_node, (*path, key), lines, duplicates, source, ancestors, budget)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _index_lines(item, (*path, str(index)), lines, duplicates, source, ancestors, budget)


def _format_path(path: tuple) -> str:
    text = ""
    for part in path:
        if isinstance(part, int) or (isinstance(part, str) and part.isdigit()):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text or "(top level)"


def _located(path: tuple, message: str, lines: dict[Path_, int], source: str) -> str:
    key = tuple(str(p) for p in path)
    while key not in lines and key:
        key = key[:-1]
    line = lines.get(key, 1)
    return f"{source} line {line}: {_format_path(path)}: {message}"


def _schema_problems(exc: PydanticValidationError, lines, source: str) -> list[str]:
    problems = []
    for error in exc.errors(include_url=False):
        loc = tuple(part for part in error["loc"] if part not in _UNION_TAGS)
        problems.append(_located(loc, _schema_message(error, loc), lines, source))
    return _by_line(list(dict.fromkeys(problems)))


def _by_line(problems: list[str]) -> list[str]:
    """Problems in file order, so the officer can fix them top to bottom."""
    number = re.compile(r" line (\d+):")

    def line_of(problem: str) -> int:
        found = number.search(problem)
        return int(found.group(1)) if found else 0

    return sorted(problems, key=line_of)


def _schema_message(error: dict, loc: tuple) -> str:
    kind = error["type"]
    if kind == "extra_forbidden":
        known = _fields_at(loc[:-1])
        message = f"unknown key '{loc[-1]}'"
        if known:
            close = difflib.get_close_matches(str(loc[-1]), known, n=1)
            message += (
                f" (did you mean '{close[0]}'?)" if close else f" (expected one of: {', '.join(known)})"
            )
        return message
    if kind == "missing":
        return "required, but missing"
    if kind == "string_too_short":
        return "must not be empty"
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        return f"should be a mapping of keys and values, got {_short(error.get('input'))}"
    message = error["msg"].removeprefix("Value error, ")
    value = error.get("input")
    if kind.endswith("_type") and not isinstance(value, dict | list):
        message += f", got {_short(value)}"
    return message


def _short(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "…"


def _fields_at(loc: tuple) -> list[str]:
    """The keys the schema accepts at `loc`, for 'did you mean' hints on unknown keys."""
    annotation: Any = NetworkDocument
    for part in loc:
        annotation = _unwrap(annotation)
        if isinstance(part, int):
            args = typing.get_args(annotation)
            annotation = args[0] if typing.get_origin(annotation) is list and args else None
        elif isinstance(annotation, type) and issubclass(annotation, BaseModel):
            field = annotation.model_fields.get(part)
            annotation = field.annotation if field else None
        else:
            return []
    annotation = _unwrap(annotation)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return list(annotation.model_fields)
    return []


def _unwrap(annotation: Any) -> Any:
    """`X | None` → X; `Annotated[X, …]` → X."""
    while True:
        origin = typing.get_origin(annotation)
        if origin is Annotated:
            annotation = typing.get_args(annotation)[0]
        elif origin in (typing.Union, types.UnionType):
            options = [a for a in typing.get_args(annotation) if a is not type(None)]
            if len(options) != 1:  # `U0… | {email: …}`: the mapping's keys are the ones to hint
                options = [a for a in options if _is_section(_unwrap(a))]
                if len(options) != 1:
                    return annotation
            annotation = options[0]
        else:
            return annotation


def _is_section(annotation: Any) -> bool:
    return isinstance(annotation, type) and issubclass(annotation, BaseModel)


# --- cross-checks ------------------------------------------------------------------------------


def cross_check(doc: NetworkDocument) -> list[tuple[tuple, str]]:
    """Mistakes between sections: references, uniqueness, the ladder. (path, message) pairs."""
    problems: list[tuple[tuple, str]] = []
    board_slugs = [b.slug for b in doc.boards]
    known = ", ".join(dict.fromkeys(board_slugs)) or "none defined"

    _unique(problems, [(("boards", i, "slug"), b.slug) for i, b in enumerate(doc.boards)], "board slug")
    _unique(problems, [(("boards", i, "name"), b.name) for i, b in enumerate(doc.boards)], "board name")
    _unique(problems, [(("themes", i, "slug"), t.slug) for i, t in enumerate(doc.themes)], "theme slug")
    _unique(problems, [(("themes", i, "name"), t.name) for i, t in enumerate(doc.themes)], "theme name")
    orgs = list(enumerate(doc.organisations))
    _unique(problems, [(("organisations", i, "slug"), o.slug) for i, o in orgs], "organisation slug")
    _unique(problems, [(("organisations", i, "name"), o.name) for i, o in orgs], "organisation name")
    _unique(
        problems,
        [(("organisations", i, "identifier"), o.identifier) for i, o in orgs if o.identifier],
        "organisation identifier",
    )
    _unique(
        problems,
        [
            (("network", "bulletin", "categories", i), c)
            for i, c in enumerate(doc.network.bulletin.categories)
        ],
        "bulletin category",
    )
    _unique(
        problems,
        [
            (("network", "linked_up_meeting", "meetings", i), m.isoformat())
            for i, m in enumerate(doc.network.linked_up_meeting.meetings)
        ],
        "meeting time",
    )

    for i, board in enumerate(doc.boards):
        at = ("boards", i)
        if board.slug == NETWORK_MEETINGS_KEY:
            problems.append(
                ((*at, "slug"), f"'{NETWORK_MEETINGS_KEY}' is reserved for the network's meetings")
            )
        if board.parent is not None and board.parent not in board_slugs:
            problems.append(((*at, "parent"), f"unknown board '{board.parent}' (known: {known})"))
        if board.respond_days < board.acknowledge_days:
            problems.append(
                (
                    (*at, "respond_days"),
                    f"respond_days ({board.respond_days}) is shorter than acknowledge_days "
                    f"({board.acknowledge_days})",
                )
            )
        people = list(enumerate(board.people))
        _unique(problems, [((*at, "members", j), p.slack) for j, p in people if p.slack], "member")
        _unique(
            problems,
            [((*at, "members", j, "email"), p.email) for j, p in people if p.email],
            "member e-mail address",
        )
        for role in ("chair", "representative"):
            person = getattr(board, role)
            if person is not None and board.person(person) is None:
                problems.append(((*at, role), f"{person} must also be listed in this board's members"))
        _unique(
            problems,
            [
                ((*at, "meetings", j, "starts_at"), m.starts_at.isoformat())
                for j, m in enumerate(board.meetings)
            ],
            "meeting time",
        )
        for j, meeting in enumerate(board.meetings):
            if meeting.ends_at is not None and meeting.ends_at <= meeting.starts_at:
                problems.append(((*at, "meetings", j, "ends_at"), "ends before (or when) the meeting starts"))
    problems.extend(_ladder_cycles(doc))

    for i, theme in enumerate(doc.themes):
        if theme.board is not None and theme.board not in board_slugs:
            problems.append((("themes", i, "board"), f"unknown board '{theme.board}' (known: {known})"))
        _unique(
            problems, [(("themes", i, "keywords", j), k) for j, k in enumerate(theme.keywords)], "keyword"
        )

    people: dict[str, tuple] = {}
    for i, officer in enumerate(doc.officers):
        _claim(problems, people, officer.slack_user_id, ("officers", i, "slack_user_id"), "an officer")
    for i, org in orgs:
        for j, member in enumerate(org.members):
            _claim(problems, people, member, ("organisations", i, "members", j), f"a member of '{org.slug}'")
        _unique(
            problems,
            [(("organisations", i, "services", j, "name"), s.name) for j, s in enumerate(org.services)],
            "service name",
        )
        for j, service in enumerate(org.services):
            if (
                service.min_age is not None
                and service.max_age is not None
                and service.min_age > service.max_age
            ):
                problems.append(
                    (
                        ("organisations", i, "services", j, "max_age"),
                        f"max_age ({service.max_age}) is below min_age ({service.min_age})",
                    )
                )
    return problems


def _unique(problems: list, entries: list[tuple[tuple, str]], what: str) -> None:
    """Report every repeat of a value (compared case-insensitively), pointing at the first one."""
    first: dict[str, tuple] = {}
    for path, value in entries:
        key = value.casefold()
        if key in first:
            problems.append((path, f"duplicate {what} '{value}' (already at {_format_path(first[key])})"))
        else:
            first[key] = path


def _claim(problems: list, people: dict, slack_user_id: str, path: tuple, role: str) -> None:
    """A Slack user is one member row: an officer, or a member of exactly one organisation."""
    if slack_user_id in people:
        earlier_path, earlier_role = people[slack_user_id]
        problems.append(
            (
                path,
                f"{slack_user_id} is already {earlier_role} ({_format_path(earlier_path)}); "
                "a Slack user belongs to one organisation or is an officer",
            )
        )
    else:
        people[slack_user_id] = (path, role)


def _ladder_cycles(doc: NetworkDocument) -> list[tuple[tuple, str]]:
    """The parent links must end at a top board; report each cycle once, at its first board's parent."""
    parent = {b.slug: b.parent for b in doc.boards}
    index = {b.slug: i for i, b in enumerate(doc.boards)}
    problems, reported = [], set()
    for board in doc.boards:
        path, slug = [], board.slug
        while slug is not None and slug in parent and slug not in path:
            path.append(slug)
            slug = parent[slug]
        if slug is not None and slug in path:
            cycle = path[path.index(slug) :]
            if frozenset(cycle) not in reported:
                reported.add(frozenset(cycle))
                start = min(cycle, key=index.__getitem__)
                loop = cycle[cycle.index(start) :] + cycle[: cycle.index(start)] + [start]
                problems.append(
                    (
                        ("boards", index[start], "parent"),
                        f"the ladder has a cycle: {' → '.join(loop)} "
                        "(one board must be the top, with no parent)",
                    )
                )
    return problems


__all__ = [
    "DEFAULT_CATEGORIES",
    "BoardPerson",
    "NetworkDocument",
    "NetworkFileError",
    "cross_check",
    "parse_network",
    "read_network",
]
