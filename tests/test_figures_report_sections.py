"""The report for a year, and the 2016 report's sections it lacked: the boards the sector sits on with
attendance at the meetings held, and key achievements the officer edits (with attendance and the
recommendations) in `report-edits.yaml` before export."""

from __future__ import annotations

import csv
from datetime import UTC, datetime

import pytest

from bot.cli import main
from models.base import Base
from models.db import make_engine
from models.errors import ValidationError
from models.network import Meeting
from reporting.board_report.edits import parse_edits
from reporting.board_report.report import build_board_report
from reporting.periods import parse_period
from tests import factories

NOW = datetime(2026, 12, 1, tzinfo=UTC)


@pytest.fixture
def boards(db):
    factories.officer(db)
    ctb = factories.board(db, "ctb", "Children's Trust Board", channel="C0CTB00001")
    ctb.representative_slack_user_id = "U0OFFICER1"
    factories.board(db, "send", "SEND Partnership Board", channel="C0SEND0001")  # nobody from the sector
    for day in ("2026-07-14", "2026-09-08", "2027-01-12"):  # the last is still to come
        start = datetime.fromisoformat(day).replace(hour=9, tzinfo=UTC)
        db.add(Meeting(board=ctb, title="CTB meeting", starts_at=start, uid=f"ctb-{day}@test"))
    db.commit()


def test_boards_represented_and_drafted_achievements(db, boards):
    report = build_board_report(db, parse_period("2026Q3"), now=NOW)
    table = report.tables["boards_represented"]
    assert table.rows == [["Children's Trust Board", "Development Officer", 2, "not recorded"]]
    titles = [row[0] for row in report.tables["key_achievements"].rows]
    assert titles[0] == "Issues and challenges taken to the boards"
    drafted = report.edits_file
    assert "linkedup report --quarter 2026Q3" in drafted and "2026-07-14:" in drafted
    assert "2027-01-12" not in drafted  # not held yet


def test_the_officers_edits_reach_the_report(db, boards):
    drafted = build_board_report(db, parse_period("2026Q3"), now=NOW).edits_file
    edited = (
        drafted.replace("2026-07-14: \n", "2026-07-14: yes\n")
        .replace("2026-09-08: \n", "2026-09-08: no\n")
        .replace(
            "recommendations:\n", "recommendations: |\n  Fund a second worker.\n\n  Keep the bulletin.\n"
        )
    )
    edited = edited.replace(
        "achievements:\n",
        "achievements:\n- title: Safeguarding training\n  value: 40 volunteers trained\n",
        1,
    )
    edits = parse_edits(edited)
    report = build_board_report(db, parse_period("2026Q3"), now=NOW, edits=edits)
    assert report.tables["boards_represented"].rows[0][3] == "1 of 2"
    assert report.tables["key_achievements"].rows[0] == ["Safeguarding training", "40 volunteers trained"]
    assert report.recommendations == "Fund a second worker.\n\nKeep the bulletin."
    again = parse_edits(report.edits_file)  # what the report wrote back reads the same
    assert again == edits


@pytest.mark.parametrize(
    "text, problem",
    [
        ("achievements: [", "not YAML"),
        ("achievements: 3", "should be a list"),
        ("achievements:\n- value: x", "needs a title"),
        ("attendance:\n  ctb:\n    July: yes", "is not a date"),
        ("attendance:\n  ctb:\n    2026-07-14: maybe", "yes, no or left blank"),
        ("minutes: x", "unknown section minutes"),
    ],
)
def test_edits_the_report_cannot_use_are_refused_with_the_reason(text, problem):
    with pytest.raises(ValidationError) as refused:
        parse_edits(text)
    assert problem in refused.value.errors["edits"]


def test_a_year_report_from_the_cli_with_edits(tmp_path, monkeypatch, capsys):
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    Base.metadata.create_all(make_engine(url))
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", url)
    out = tmp_path / "out"
    assert main(["report", "--year", "2026", "--out", str(out)]) == 0
    assert "Board report for 2026:" in capsys.readouterr().out
    key = {
        row["Figure"]: row["Value"]
        for row in csv.DictReader((out / "key_figures.csv").read_text(encoding="utf-8-sig").splitlines())
    }
    assert "Member organisations at the end of the year" in key
    edits = out / "report-edits.yaml"
    assert "linkedup report --year 2026" in edits.read_text()
    edits.write_text(edits.read_text().replace("recommendations:\n", "recommendations: |\n  More funding.\n"))
    assert main(["report", "--year", "2026", "--out", str(out), "--edits", str(edits)]) == 0
    assert "More funding." in (out / "board-report-2026.html").read_text()
    assert main(["report", "--year", "2026-07", "--out", str(out)]) == 2
    assert "is not a year" in capsys.readouterr().err
    assert main(["report", "--year", "2026", "--out", str(out), "--edits", str(tmp_path / "none.yaml")]) == 2
    assert "no such file" in capsys.readouterr().err
