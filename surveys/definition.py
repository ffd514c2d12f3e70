"""What a survey is made of, and every rule a definition must meet, checked in one place.

The modal and the YAML file both come down to the same plain dict, checked here, so a survey from
either door obeys the same limits. The limits are Slack's, because every question becomes a field
of the answer modal: a label, at most 10 radio buttons or checkboxes (Slack's own cap), option
texts of 75 characters; answers are held to what the result pages can show in one section.

`check_definition` returns every problem at once, each with the path of the field it is about
(`("questions", 3, "options")`), so the file can name the line and the modal the field.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

from audience.selection import AudienceSpec
from escalations.working_days import LONDON

RATING = "rating"
SINGLE = "single"
MULTIPLE = "multiple"
SHORT = "short"
LONG = "long"
KINDS = {
    RATING: "Rating 1–5",
    SINGLE: "Single choice",
    MULTIPLE: "Multiple choice",
    SHORT: "Short text",
    LONG: "Long text",
}
CHOICE_KINDS = (SINGLE, MULTIPLE)
RATING_VALUES = (1, 2, 3, 4, 5)

QUESTIONS_MAX = 20
TITLE_MAX = 150  # a header block
INTRODUCTION_MAX = 2000
QUESTION_MAX = 250
OPTIONS_MIN = 2
OPTIONS_MAX = 10  # Slack's radio buttons and checkboxes hold at most 10
OPTION_MAX = 75  # Slack's option text
SHORT_ANSWER_MAX = 250
LONG_ANSWER_MAX = 2000
REMINDERS_MAX = 3
REMINDER_DAYS_MAX = 20
CLOSES_AT = time(17, 0)  # a survey closes at the end of the working day of its closing date
DEFAULT_REMINDERS = (3, 1)

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")

Path = tuple[str | int, ...]


@dataclass(frozen=True)
class Question:
    id: str  # q1, q2… in order: the key of its answer
    kind: str
    text: str
    options: tuple[str, ...] = ()
    required: bool = True

    def as_dict(self) -> dict:
        return {
            "id": self.id,
            "kind": self.kind,
            "text": self.text,
            "options": list(self.options),
            "required": self.required,
        }

    @classmethod
    def from_dict(cls, raw: dict) -> Question:
        return cls(
            id=raw["id"],
            kind=raw["kind"],
            text=raw["text"],
            options=tuple(raw.get("options") or ()),
            required=bool(raw.get("required", True)),
        )


@dataclass(frozen=True)
class Definition:
    title: str
    introduction: str
    questions: tuple[Question, ...]
    closes_on: date
    anonymous: bool = False
    per_organisation: bool = False
    reminder_days: tuple[int, ...] = DEFAULT_REMINDERS
    audience: AudienceSpec = field(default_factory=lambda: AudienceSpec(everyone=True))
    organisation_names: tuple[str, ...] = ()  # named organisations, resolved against the registry

    @property
    def closes_at(self) -> datetime:
        return closing_moment(self.closes_on)


def closing_moment(day: date) -> datetime:
    return datetime.combine(day, CLOSES_AT, tzinfo=LONDON)


def _text(value: Any, path: Path, problems: list, *, limit: int, what: str, required: bool = True) -> str:
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            problems.append((path, f"{what} is missing"))
        return ""
    if not isinstance(value, str | int | float) or isinstance(value, bool):
        problems.append((path, f"{what} must be text"))
        return ""
    text = str(value).strip()
    if _CONTROL.search(text):
        problems.append((path, f"{what} contains a control character"))
    if len(text) > limit:
        problems.append((path, f"{what} is {len(text)} characters; the most Slack shows is {limit}"))
    return text


def _flag(value: Any, path: Path, problems: list, what: str) -> bool:
    if value is None:
        return False
    if not isinstance(value, bool):
        problems.append((path, f"{what} must be yes or no (true/false)"))
        return False
    return value


def check_question(raw: Any, index: int, problems: list) -> Question | None:
    path: Path = ("questions", index)
    if not isinstance(raw, dict):
        problems.append((path, "each question needs kind: and text:"))
        return None
    unknown = sorted(set(raw) - {"kind", "text", "options", "required"})
    if unknown:
        problems.append(
            (path, f"unknown field {', '.join(map(str, unknown))} (known: kind, text, options, required)")
        )
    kind = raw.get("kind")
    if kind not in KINDS:
        problems.append(((*path, "kind"), f"kind must be one of {', '.join(KINDS)} (got {kind!r})"))
    text = _text(raw.get("text"), (*path, "text"), problems, limit=QUESTION_MAX, what="the question")
    options: list[str] = []
    raw_options = raw.get("options")
    if kind in CHOICE_KINDS:
        if not isinstance(raw_options, list):
            problems.append(((*path, "options"), f"a {KINDS[kind].lower()} question needs a list of options"))
        else:
            if not OPTIONS_MIN <= len(raw_options) <= OPTIONS_MAX:
                problems.append(
                    (
                        (*path, "options"),
                        f"give {OPTIONS_MIN} to {OPTIONS_MAX} options (got {len(raw_options)})",
                    )
                )
            for n, option in enumerate(raw_options[:OPTIONS_MAX]):
                options.append(
                    _text(option, (*path, "options", n), problems, limit=OPTION_MAX, what="an option")
                )
            folded = [o.casefold() for o in options if o]
            if len(set(folded)) != len(folded):
                problems.append(((*path, "options"), "two options are the same"))
    elif raw_options not in (None, []):
        problems.append(((*path, "options"), "only single and multiple choice questions have options"))
    required = raw.get("required", True)
    if not isinstance(required, bool):
        problems.append(((*path, "required"), "required must be true or false"))
        required = True
    if kind not in KINDS or not text:
        return None
    return Question(id=f"q{index + 1}", kind=kind, text=text, options=tuple(options), required=required)


def check_definition(raw: Any, *, now: datetime) -> tuple[Definition | None, list[tuple[Path, str]]]:
    """The definition, or None and every problem found (path, sentence); nothing is half-accepted."""
    problems: list[tuple[Path, str]] = []
    if not isinstance(raw, dict):
        return None, [((), "a survey is a mapping with title:, closes:, audience: and questions:")]
    known = {"title", "introduction", "anonymous", "one_answer_per_organisation", "closes", "reminders"}
    known |= {"audience", "questions"}
    for key in sorted(set(raw) - known, key=str):
        problems.append(((key,), f"unknown field (known: {', '.join(sorted(known))})"))
    title = _text(raw.get("title"), ("title",), problems, limit=TITLE_MAX, what="the title")
    introduction = _text(
        raw.get("introduction"),
        ("introduction",),
        problems,
        limit=INTRODUCTION_MAX,
        what="the introduction",
        required=False,
    )
    anonymous = _flag(raw.get("anonymous"), ("anonymous",), problems, "anonymous")
    per_org = _flag(
        raw.get("one_answer_per_organisation"),
        ("one_answer_per_organisation",),
        problems,
        "one answer per organisation",
    )
    closes_on = _closing_date(raw.get("closes"), now, problems)
    reminders = _reminders(raw.get("reminders", list(DEFAULT_REMINDERS)), problems)
    audience, names = _audience(raw.get("audience"), problems)
    raw_questions = raw.get("questions")
    questions: list[Question] = []
    if not isinstance(raw_questions, list) or not raw_questions:
        problems.append((("questions",), "a survey needs at least one question"))
    else:
        if len(raw_questions) > QUESTIONS_MAX:
            problems.append(
                (("questions",), f"{len(raw_questions)} questions; a survey holds at most {QUESTIONS_MAX}")
            )
        for index, item in enumerate(raw_questions[:QUESTIONS_MAX]):
            question = check_question(item, index, problems)
            if question is not None:
                questions.append(question)
    if problems or closes_on is None or audience is None:
        return None, problems
    return (
        Definition(
            title=title,
            introduction=introduction,
            questions=tuple(questions),
            closes_on=closes_on,
            anonymous=anonymous,
            per_organisation=per_org,
            reminder_days=reminders,
            audience=audience,
            organisation_names=names,
        ),
        [],
    )


def _closing_date(value: Any, now: datetime, problems: list) -> date | None:
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value.strip())
        except ValueError:
            problems.append((("closes",), f"the closing date {value!r} is not a date like 2026-07-31"))
            return None
    if not isinstance(value, date):
        problems.append((("closes",), "the closing date is missing (closes: 2026-07-31)"))
        return None
    if closing_moment(value) <= now:
        problems.append(
            (("closes",), f"the closing date {value:%-d %B %Y} has passed; choose a day after today")
        )
        return None
    return value


def _reminders(value: Any, problems: list) -> tuple[int, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, int) and not isinstance(v, bool) for v in value):
        problems.append((("reminders",), "reminders are working days before the close, e.g. [3, 1]"))
        return ()
    days = sorted(set(value), reverse=True)
    if len(days) > REMINDERS_MAX:
        problems.append((("reminders",), f"at most {REMINDERS_MAX} reminders (people tire of more)"))
    if any(not 1 <= d <= REMINDER_DAYS_MAX for d in days):
        problems.append(
            (("reminders",), f"each reminder is 1 to {REMINDER_DAYS_MAX} working days before the close")
        )
    return tuple(days[:REMINDERS_MAX])


def _audience(value: Any, problems: list) -> tuple[AudienceSpec | None, tuple[str, ...]]:
    if value == "everyone" or value is None:
        return AudienceSpec(everyone=True), ()
    if not isinstance(value, dict):
        problems.append((("audience",), "audience is `everyone` or a mapping (categories:, ages:, boards:…)"))
        return None, ()
    known = {"everyone", "categories", "ages", "boards", "board_members", "organisations"}
    for key in sorted(set(value) - known, key=str):
        problems.append((("audience", key), f"unknown audience field (known: {', '.join(sorted(known))})"))

    def strings(key: str) -> tuple[str, ...]:
        items = value.get(key) or []
        if not isinstance(items, list) or not all(isinstance(i, str | int) for i in items):
            problems.append((("audience", key), f"{key} is a list"))
            return ()
        return tuple(str(i).strip() for i in items if str(i).strip())

    ages = value.get("ages")
    age_range = None
    if ages is not None:
        if (
            not isinstance(ages, list)
            or len(ages) != 2
            or not all(isinstance(a, int) and not isinstance(a, bool) for a in ages)
            or not 0 <= ages[0] <= ages[1] <= 25
        ):
            problems.append((("audience", "ages"), "ages is [youngest, oldest], e.g. [0, 5]"))
        else:
            age_range = (ages[0], ages[1])
    spec = AudienceSpec(
        everyone=_flag(value.get("everyone"), ("audience", "everyone"), problems, "everyone"),
        categories=strings("categories"),
        age_range=age_range,
        boards=strings("boards"),
        board_members=_flag(
            value.get("board_members"), ("audience", "board_members"), problems, "board_members"
        ),
    )
    names = strings("organisations")
    if not (spec.selects_organisations or spec.board_members or names):
        problems.append((("audience",), "choose who the survey is for: everyone, categories, ages, boards…"))
    return spec, names


# --- answers ----------------------------------------------------------------------------------


def check_answer(question: Question, value: Any) -> tuple[Any, str | None]:
    """The answer as stored (None when not answered), or a sentence saying what is wrong with it."""
    if value in (None, "", []):
        return None, ("Please answer this question." if question.required else None)
    if question.kind == RATING:
        try:
            number = int(str(value))
        except ValueError:
            return None, "Choose a rating from 1 to 5."
        if number not in RATING_VALUES:
            return None, "Choose a rating from 1 to 5."
        return number, None
    if question.kind == SINGLE:
        if not isinstance(value, str) or value not in question.options:
            return None, "Choose one of the options."
        return value, None
    if question.kind == MULTIPLE:
        values = value if isinstance(value, list) else [value]
        if not all(isinstance(v, str) and v in question.options for v in values):
            return None, "Choose among the options."
        return [o for o in question.options if o in values], None
    if not isinstance(value, str):
        return None, "Write your answer as text."
    text = value.strip()
    limit = SHORT_ANSWER_MAX if question.kind == SHORT else LONG_ANSWER_MAX
    if len(text) > limit:
        return None, f"Please keep this to {limit} characters (it is {len(text)})."
    if not text:
        return None, ("Please answer this question." if question.required else None)
    return text, None


# --- the modal's questions box: one question a line ---------------------------------------------

QUESTION_LINES_HELP = (
    "One question a line, in order, starting with its kind: rating:, single:, multiple:, short:, long:. "
    "Choices follow the question after | (single: How often do you attend? | Always | Sometimes | Never). "
    "End a line with (optional) if it need not be answered."
)
_OPTIONAL = re.compile(r"\s*\(optional\)\s*$", re.IGNORECASE)


def parse_question_lines(text: str | None) -> tuple[list[dict], list[str]]:
    """The questions typed in the modal's box as raw dicts for `check_definition`, and the lines that
    are not questions (each named by its number)."""
    raw, problems = [], []
    for number, line in enumerate((text or "").splitlines(), start=1):
        line = line.strip()
        if not line:
            continue
        kind, colon, rest = line.partition(":")
        kind = kind.strip().lower()
        if not colon or kind not in KINDS:
            problems.append(
                f"Line {number} does not start with rating:, single:, multiple:, short: or long:."
            )
            continue
        required = not _OPTIONAL.search(rest)
        rest = _OPTIONAL.sub("", rest)
        parts = [part.strip() for part in rest.split("|")]
        item: dict = {"kind": kind, "text": parts[0], "required": required}
        if kind in CHOICE_KINDS or len(parts) > 1:
            item["options"] = [p for p in parts[1:] if p]
        raw.append(item)
    return raw, problems
