"""A survey from a file to its results: the file refused whole with each problem's line, the template, the
CLI (create, list, results --csv), and the results page, the CSV and the board report section agreeing."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.survey_csv import result_tables, results_csv
from handlers.survey_views import RENDERER
from models import Survey, SurveyState
from reporting.board_report.report import build_board_report, parse_quarter
from reporting.board_report.surveys import survey_row
from reporting.surveys import survey_results
from surveys import answers, lifecycle
from surveys.file import TEMPLATE, SurveyFileError, read_definition
from tests import factories
from tests.dashboard_support import sign_in
from tests.test_browser import OFFICER as BROWSER_OFFICER
from tests.test_browser import chromium, live_dashboard  # noqa: F401 - fixtures

OFFICER = "U0OFFICER1"
NOW = datetime(2026, 11, 2, 11, 0, tzinfo=UTC)  # a Monday in 2026 Q4
CLOSED = NOW + timedelta(days=10)

BAD = """\
title: Have your say
closes: 2026-10-01
audience:
  everyone: true
  colours: [red]
questions:
  - kind: rating
    text: How useful?
  - kind: single
    text: Which one?
    options: [Only]
  - kind: poll
    text: What?
"""


def test_a_bad_file_is_refused_whole_with_each_problem_s_line():
    with pytest.raises(SurveyFileError) as caught:
        read_definition(BAD, now=NOW, source="bad.yaml")
    problems = caught.value.problems
    assert problems == [
        "bad.yaml line 2: closes: the closing date 1 October 2026 has passed; choose a day after today",
        "bad.yaml line 5: audience.colours: unknown audience field "
        "(known: ages, board_members, boards, categories, everyone, organisations)",
        "bad.yaml line 11: questions[1].options: give 2 to 10 options (got 1)",
        "bad.yaml line 12: questions[2].kind: kind must be one of rating, single, multiple, short, long "
        "(got 'poll')",
    ]
    assert "no survey was created" in str(caught.value)
    with pytest.raises(SurveyFileError) as syntax:
        read_definition("title: [unclosed\n", now=NOW, source="x.yaml")
    assert syntax.value.problems[0].startswith("x.yaml line 2: not valid YAML")


def test_the_have_your_say_template_is_a_valid_survey_from_the_2016_themes():
    definition = read_definition(TEMPLATE.read_text(encoding="utf-8"), now=NOW, source=TEMPLATE.name)
    texts = " ".join(q.text for q in definition.questions)
    for theme in ("bulletin", "meeting", "listened to", "represented", "safeguarding", "waiting list"):
        assert theme in texts
    assert definition.anonymous and definition.reminder_days == (3, 1)
    assert len(definition.questions) <= 20


def network(db) -> dict:
    factories.officer(db, OFFICER)
    people = {}
    for n, category in enumerate(
        ["young carers", "young carers", "youth work", "youth work", "send", "send"]
    ):
        org = factories.organisation(db, f"Organisation {n}", members=(f"U0MEMBER{n:02d}",))
        factories.service(db, org, f"Service {n}", category=category)
        people[f"U0MEMBER{n:02d}"] = org.id
    db.commit()
    return people


def run_survey(db, *, anonymous: bool, answerers: int) -> Survey:
    text = TEMPLATE.read_text(encoding="utf-8").replace("closes: 2027-01-29", "closes: 2026-11-27")
    definition = read_definition(text, now=NOW)
    if not anonymous:
        from dataclasses import replace

        definition = replace(definition, anonymous=False)
    survey = lifecycle.create_survey(db, definition, officer=OFFICER, now=NOW, render=RENDERER, source="file")
    lifecycle.open_survey(db, survey.id, officer=OFFICER, now=NOW, render=RENDERER)
    db.commit()
    for n in range(answerers):
        raw = {
            "q1": n % 5 + 1,
            "q2": 4,
            "q3": ["Training and events", "Funding opportunities"][: n % 2 + 1],
            "q4": 3,
            "q5": "Most meetings",
            "q6": 2,
            "q7": 3,
            "q8": ["Children's Trust Board"],
            "q9": "Yes",
            "q10": "No",
            "q12": f"The bulletin's safeguarding training dates <b>{n}</b>",
        }
        answers.submit(db, survey.id, user=f"U0MEMBER{n:02d}", raw=raw, now=NOW, render=RENDERER)
        db.commit()
    lifecycle.close_survey(db, survey.id, now=CLOSED, render=RENDERER)
    db.commit()
    return survey


def _csv_tables(text: str) -> list[list[list[str]]]:
    assert text.startswith("\ufeff") and text.count("\ufeff") == 1
    blocks = text.removeprefix("\ufeff").split("\r\n\r\n")
    return [list(csv.reader(io.StringIO(block))) for block in blocks]


def test_page_csv_and_report_section_agree(app, db):
    network(db)
    survey = run_survey(db, anonymous=False, answerers=5)
    results = survey_results(db, survey.id)
    assert results.state is SurveyState.CLOSED
    assert (results.people.answered, results.people.reached) == (5, 6)
    assert (results.organisations.answered, results.organisations.reached) == (5, 6)
    row = survey_row(results)
    # The board report's section is the same row.
    report = build_board_report(db, parse_quarter("2026Q4"), now=CLOSED + timedelta(days=1))
    assert report.tables["surveys"].rows == [row]
    from bot.report import render_html
    from reporting.periods import LONDON

    printed = render_html(report, tz=LONDON)
    assert "Have your say: surveys of the network" in printed and "83.3%" in printed
    # The CSV's first table is the same row (rates as fractions).
    tables = _csv_tables(results_csv(results))
    header, values = tables[0]
    assert header[0] == "Survey" and values[0] == results.title
    assert [float(v) if v else None for v in values[1:9]] == [
        round(v, 4) if v is not None else None for v in row[1:9]
    ]  # the CSV keeps 4 decimals of a rate
    assert values[9] == results.comparison.verdict
    # Who said what, for a named survey; formula-like text neutralised.
    assert [t.slug for t in result_tables(results)][-1] == "respondents"
    # The page shows the same counts and the comparison with 2016.
    officer = sign_in(app, db, OFFICER)
    page = officer.get(f"/dashboard/surveys/{survey.id}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert '<td class="num">6</td><td class="num">5</td><td class="num">83%</td>' in html
    assert "against 54 of 200 in 2016 (27%" in html
    assert "&lt;b&gt;0&lt;/b&gt;" in html and "<b>0</b>" not in html  # answers are escaped
    assert html.count("<figure") >= 8  # a chart per choice or rating question, each with its table
    assert "Who said what" in html and "<summary>U0MEMBER00 (Organisation 0)</summary>" in html
    listing = officer.get("/dashboard/surveys").get_data(as_text=True)
    assert "5 of 6 (83%)" in listing
    # A member is refused the officer's pages.
    member = sign_in(app, db, "U0MEMBER00")
    assert member.get(f"/dashboard/surveys/{survey.id}").status_code in (403, 404)


def test_an_anonymous_survey_shows_no_answers_below_five(app, db):
    network(db)
    survey = run_survey(db, anonymous=True, answerers=4)
    results = survey_results(db, survey.id)
    assert results.withheld and results.questions == [] and results.respondents == []
    assert all(row.suppressed for row in results.by_category)  # 2 people a category, fewer than 5
    html = sign_in(app, db, OFFICER).get(f"/dashboard/surveys/{survey.id}").get_data(as_text=True)
    assert "Fewer than 5 answers" in html and "<figure" not in html
    assert "U0MEMBER" not in results_csv(results)


def test_cli_creates_lists_and_writes_results(tmp_path, monkeypatch, capsys):
    from bot.cli import main
    from models.base import Base, frozen_clock
    from models.db import make_engine, make_session_factory

    url = f"sqlite:///{tmp_path / 'cli.db'}"
    engine = make_engine(url)
    Base.metadata.create_all(engine)
    with make_session_factory(engine)() as session:
        network(session)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", url)
    bad = tmp_path / "bad.yaml"
    bad.write_text(BAD, encoding="utf-8")
    with frozen_clock(NOW):
        assert main(["survey", "create", str(bad)]) == 2
        assert "bad.yaml line 11: questions[1].options" in capsys.readouterr().err
        assert main(["survey", "create", str(TEMPLATE), "--closes", "2026-11-27"]) == 0
        out = capsys.readouterr().out
        assert "Survey #1" in out and "6 people in 6 organisations" in out
        assert main(["survey", "list"]) == 0
        assert "#1  draft" in capsys.readouterr().out
        assert main(["survey", "results", "1", "--csv", str(tmp_path / "r.csv")]) == 0
        assert "0 of 0" in capsys.readouterr().out
        assert (tmp_path / "r.csv").read_text(encoding="utf-8").startswith("\ufeff")
        assert main(["survey", "results", "9"]) == 2
    with make_session_factory(engine)() as session:
        assert session.scalar(select(Survey.state)) is SurveyState.DRAFT


def test_survey_pages_reflow_at_320px(chromium, live_dashboard):  # noqa: F811
    """The simulated quarter's closed survey: its list and results pages fit a 320 px screen (WCAG 1.4.10)
    and their charts' text stays legible (as `tests/test_reflow.py` holds the other pages)."""
    from models.db import transaction
    from models.sign_in import issue_sign_in_link
    from tests.test_reflow import MEASURE

    base, app, session_factory = live_dashboard
    with transaction(session_factory) as session:
        survey_id = session.scalar(select(Survey.id).order_by(Survey.id))
        link = issue_sign_in_link(session, BROWSER_OFFICER, base_url=base, secret=app.secret_key)
    assert survey_id is not None, "the simulated quarter sends Have your say"
    page = chromium.new_page(viewport={"width": 320, "height": 640})
    page.goto(link)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base}/dashboard/")
    for path in ("/dashboard/surveys", f"/dashboard/surveys/{survey_id}"):
        page.goto(base + path)
        measured = page.evaluate(MEASURE)
        assert measured["scrollWidth"] <= 320, (path, measured["scrollWidth"], measured["wide"])
        assert all(size >= 11 for size in measured["chartText"]), path
    page.close()
