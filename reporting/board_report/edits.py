"""What the officer edits before the report goes to the board: the key achievements (drafted from the
figures, to reword, correct, add to or cut), which board meetings the sector's representative attended
(drafted from what is recorded, `models.attendance`; a yes or no here wins for this report only), and
the recommendations. They live in one YAML file that `linkedup report` writes beside the report
(`report-edits.yaml`, drafted the first time); the officer edits it in any text editor and runs the
report again with `--edits` to export the edited version. Nothing in it changes the records."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import yaml

from models.errors import ValidationError
from reporting.board_report.representation import BoardSeat
from reporting.periods import Period

FILE_NAME = "report-edits.yaml"
TEXT_MAX = 2000


@dataclass(frozen=True)
class Achievement:
    title: str
    value: str


@dataclass
class ReportEdits:
    achievements: list[Achievement] | None = None  # None: the drafted ones
    attendance: dict[str, dict[date, bool]] = field(default_factory=dict)  # board slug → meeting → went
    recommendations: str | None = None


def _problem(message: str) -> ValidationError:
    return ValidationError({"edits": f"{FILE_NAME}: {message}"})


def _text(value, where: str) -> str:
    if not isinstance(value, str | int | float) or isinstance(value, bool):
        raise _problem(f"{where} should be text.")
    text = str(value).strip()
    if len(text) > TEXT_MAX:
        raise _problem(f"{where} is longer than {TEXT_MAX} characters.")
    return text


def _attendance(raw) -> dict[str, dict[date, bool]]:
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise _problem("attendance should list boards, each with its meetings' dates.")
    boards: dict[str, dict[date, bool]] = {}
    for slug, meetings in raw.items():
        if meetings is None:
            continue
        if not isinstance(meetings, dict):
            raise _problem(f"attendance for {slug} should be dates, each with yes or no.")
        for day, went in meetings.items():
            if not isinstance(day, date):
                raise _problem(f"{day!r} under {slug} is not a date like 2026-07-14.")
            if went is None:
                continue
            if not isinstance(went, bool):
                raise _problem(f"attendance on {day} at {slug} should be yes, no or left blank.")
            boards.setdefault(str(slug), {})[day] = went
    return boards


def parse_edits(text: str) -> ReportEdits:
    """The officer's edits file; a clear ValidationError (under `edits`) for anything it cannot use."""
    try:
        raw = yaml.safe_load(text) or {}
    except yaml.YAMLError as exc:
        where = getattr(exc, "problem_mark", None)
        line = f" (line {where.line + 1})" if where is not None else ""
        raise _problem(f"this is not YAML the report can read{line}.") from None
    if not isinstance(raw, dict):
        raise _problem("expected achievements, attendance and recommendations.")
    unknown = sorted(set(raw) - {"achievements", "attendance", "recommendations"})
    if unknown:
        raise _problem(f"unknown section {', '.join(map(str, unknown))}.")
    achievements = None
    if raw.get("achievements") is not None:
        if not isinstance(raw["achievements"], list):
            raise _problem("achievements should be a list of items, each with a title and a value.")
        achievements = []
        for number, item in enumerate(raw["achievements"], start=1):
            if not isinstance(item, dict) or "title" not in item:
                raise _problem(f"achievement {number} needs a title (and a value).")
            achievements.append(
                Achievement(
                    _text(item["title"], f"achievement {number}'s title"),
                    _text(item.get("value", ""), f"achievement {number}'s value"),
                )
            )
    recommendations = raw.get("recommendations")
    return ReportEdits(
        achievements=achievements,
        attendance=_attendance(raw.get("attendance")),
        recommendations=_text(recommendations, "recommendations") if recommendations is not None else None,
    )


def draft_edits(
    period: Period, achievements: list[Achievement], seats: list[BoardSeat], recommendations: str | None
) -> str:
    """The edits file for this report, with what it shows now, for the officer to change."""
    key = period.label.replace(" ", "")
    option = "--year" if period.noun == "year" else "--quarter"
    header = (
        f"# Edits to the board report for {period.label}. Change what you need, save, then run\n"
        f"#   linkedup report {option} {key} --out DIR --edits {FILE_NAME}\n"
        "# to export the report with them. Nothing here changes the network's records.\n"
        "#\n"
        "# Key achievements: drafted from the records; reword, correct, add or remove items.\n"
    )
    achievements_yaml = yaml.safe_dump(
        {"achievements": [{"title": a.title, "value": a.value} for a in achievements]},
        allow_unicode=True,
        sort_keys=False,
        width=100,
    )
    attendance = {
        seat.slug: {day: seat.attended.get(day) for day in seat.meetings} for seat in seats if seat.meetings
    }
    attendance_yaml = (
        yaml.safe_dump({"attendance": attendance}, allow_unicode=True, sort_keys=False)
        .replace(": null\n", ": \n")
        .replace(": true\n", ": yes\n")
        .replace(": false\n", ": no\n")
    )
    lines = (recommendations or "").strip().splitlines()
    recommendations_yaml = (
        "recommendations: |\n" + "".join(f"  {line}\n" for line in lines) if lines else ("recommendations:\n")
    )
    return (
        header
        + achievements_yaml
        + "\n# Board meetings held in the period, with the attendance recorded for every report\n"
        "# (`linkedup meeting attendance`, or the dashboard's report page). A change here is for this\n"
        "# report only: after each date write yes if the sector's representative attended, no if not,\n"
        "# or leave it blank.\n"
        + attendance_yaml
        + "\n# Recommendations to the board, in your words.\n"
        + recommendations_yaml
    )
