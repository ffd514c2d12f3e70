"""Issue 16: each rating and choice question's answers by the service category of the answering
organisation — the function, the results page and the CSV agree, and an anonymous survey never shows a
group (its answers hold no organisation, so none can be formed; the page says why)."""

from __future__ import annotations

import csv
import io
from dataclasses import replace
from html.parser import HTMLParser

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from bot.survey_csv import result_tables, results_csv
from handlers.survey_views import RENDERER
from models import Organisation, Survey
from reporting.surveys import (
    ANONYMOUS_CATEGORY_NOTE,
    NO_CATEGORY,
    SMALLEST_GROUP,
    answers_by_category,
    survey_results,
)
from surveys import answers, lifecycle
from surveys.definition import RATING, RATING_VALUES, Question
from surveys.file import TEMPLATE, read_definition
from tests.dashboard_support import sign_in
from tests.test_surveys_results import CLOSED, NOW, OFFICER, network

FAST = settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
MEMBERS = [f"U0MEMBER{n:02d}" for n in range(6)]
# network(): members 0–1 young carers, 2–3 youth work, 4–5 send (one organisation each).
CATEGORY_OF = dict(zip(MEMBERS, ["young carers"] * 2 + ["youth work"] * 2 + ["send"] * 2, strict=True))


def _survey(db, *, anonymous: bool, given_answers: dict[str, dict]) -> Survey:
    text = TEMPLATE.read_text(encoding="utf-8").replace("closes: 2027-01-29", "closes: 2026-11-27")
    definition = replace(read_definition(text, now=NOW), anonymous=anonymous)
    survey = lifecycle.create_survey(db, definition, officer=OFFICER, now=NOW, render=RENDERER, source="file")
    lifecycle.open_survey(db, survey.id, officer=OFFICER, now=NOW, render=RENDERER)
    db.commit()
    for user, raw in given_answers.items():
        answers.submit(db, survey.id, user=user, raw=raw, now=NOW, render=RENDERER)
        db.commit()
    lifecycle.close_survey(db, survey.id, now=CLOSED, render=RENDERER)
    db.commit()
    return survey


def _raw(n: int, rating: int, chosen: list[str]) -> dict:
    return {
        "q1": rating,
        "q2": 4,
        "q3": chosen,
        "q4": 3,
        "q5": "Most meetings",
        "q6": 2,
        "q7": 3,
        "q8": ["Children's Trust Board"],
        "q9": "Yes",
        "q10": "No",
        "q12": f"<b>{n}</b> says hello",
    }


class _Tables(HTMLParser):
    """The page's "By service category" tables, each as rows of cell texts (header row first)."""

    def __init__(self):
        super().__init__()
        self.tables, self._table, self._row, self._cell, self._caption = [], None, None, None, None

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self._table = []
        elif tag == "caption":
            self._caption = ""
        elif tag == "tr" and self._table is not None:
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell = ""

    def handle_endtag(self, tag):
        if tag == "caption":
            self._keep = self._caption == "By service category"
            self._caption = None
        elif tag in ("td", "th") and self._cell is not None:
            self._row.append(self._cell.strip())
            self._cell = None
        elif tag == "tr" and self._row is not None:
            self._table.append(self._row)
            self._row = None
        elif tag == "table":
            if getattr(self, "_keep", False):
                self.tables.append(self._table)
            self._table, self._keep = None, False

    def handle_data(self, data):
        if self._caption is not None:
            self._caption += data
        elif self._cell is not None:
            self._cell += data


def _page_tables(app, db, survey_id: int) -> tuple[str, list]:
    html = sign_in(app, db, OFFICER).get(f"/dashboard/surveys/{survey_id}").get_data(as_text=True)
    parser = _Tables()
    parser.feed(html)
    return html, parser.tables


def _csv_rows(text: str) -> list[list[str]]:
    """The CSV's "Answers by service category" table (the one whose header names a service category
    and a mean rating), without its header."""
    for block in text.removeprefix("\ufeff").split("\r\n\r\n"):
        rows = list(csv.reader(io.StringIO(block)))
        if rows and "Mean rating" in rows[0]:
            assert rows[0] == [
                "Question",
                "Kind",
                "Service category",
                "Answers",
                "Answer",
                "Count",
                "Mean rating",
            ]
            return rows[1:]
    raise AssertionError("no answers-by-category table in the CSV")


def test_page_csv_and_function_agree_for_a_named_survey(app, db):
    network(db)
    given = {
        MEMBERS[0]: _raw(0, 1, ["Training and events"]),
        MEMBERS[1]: _raw(1, 2, ["Training and events", "Funding opportunities"]),
        MEMBERS[2]: _raw(2, 4, ["Funding opportunities"]),
        MEMBERS[4]: _raw(4, 5, ["Training and events"]),
    }
    survey = _survey(db, anonymous=False, given_answers=given)
    results = survey_results(db, survey.id)
    assert results.category_note == ""
    rating = next(q for q in results.questions if q.question.id == "q1")
    choice = next(q for q in results.questions if q.question.id == "q3")
    text = next(q for q in results.questions if q.question.id == "q12")
    # The function, against the answers as given.
    assert [(r.category, r.answered, r.mean) for r in rating.by_category] == [
        ("send", 1, 5.0),
        ("young carers", 2, 1.5),
        ("youth work", 1, 4.0),
    ]
    counts = {r.category: dict(r.counts) for r in choice.by_category}
    assert counts["young carers"]["Training and events"] == 2
    assert counts["young carers"]["Funding opportunities"] == 1
    assert counts["youth work"]["Funding opportunities"] == 1 and counts["send"]["Funding opportunities"] == 0
    assert text.by_category == []  # free text is grouped by theme, not by category
    for item in results.questions:  # each category's answers are the answers of its organisations
        for row in item.by_category:
            expected = [
                raw[item.question.id]
                for user, raw in given.items()
                if CATEGORY_OF[user] == row.category and item.question.id in raw
            ]
            assert row.answered == len(expected)

    # The page: one table per rating or choice question answered, the same figures.
    html, tables = _page_tables(app, db, survey.id)
    shown = [q for q in results.questions if q.by_category]
    assert len(tables) == len(shown)
    for item, table in zip(shown, tables, strict=True):
        header, *rows = table
        assert header[:2] == ["Service category", "Answers"]
        if item.question.kind == RATING:
            assert header[2:] == ["Mean rating"]
            assert rows == [[r.category, str(r.answered), f"{r.mean:.1f}"] for r in item.by_category]
        else:
            assert header[2:] == list(item.question.options)
            assert rows == [
                [r.category, str(r.answered), *[str(n) for _, n in r.counts]] for r in item.by_category
            ]
    assert ANONYMOUS_CATEGORY_NOTE not in html

    # The CSV: one row a mean or an option's count, the same figures.
    expected_csv = []
    for item in results.questions:
        for r in item.by_category:
            if r.mean is not None:
                expected_csv.append([item.question.text, r.category, str(r.answered), "", "", str(r.mean)])
            for label, number in r.counts:
                expected_csv.append([item.question.text, r.category, str(r.answered), label, str(number), ""])
    written = _csv_rows(results_csv(results))
    assert [[q, c, a, ans, n, m] for q, _kind, c, a, ans, n, m in written] == expected_csv
    assert [t.slug for t in result_tables(results)][-1] == "respondents"


def test_an_answer_from_an_organisation_without_a_service_keeps_its_own_row(app, db):
    network(db)
    survey = _survey(db, anonymous=False, given_answers={MEMBERS[0]: _raw(0, 3, ["Training and events"])})
    # The organisation's services are gone (or it was erased): its answer still counts, in its own row.
    org = db.scalar(select(Organisation).where(Organisation.name == "Organisation 0"))
    for service in list(org.services):
        db.delete(service)
    db.commit()
    rating = next(q for q in survey_results(db, survey.id).questions if q.question.id == "q1")
    assert [(r.category, r.answered, r.mean) for r in rating.by_category] == [(NO_CATEGORY, 1, 3.0)]


@FAST
@given(
    answered=st.lists(
        st.tuples(st.sampled_from(MEMBERS), st.sampled_from(RATING_VALUES), st.booleans()),
        unique_by=lambda t: t[0],
        max_size=6,
    )
)
def test_an_anonymous_survey_shows_no_category_group(app, db, answered):
    """Whatever the answers, an anonymous survey shows no group by category on the page, in the CSV or
    from the function; the page and the CSV say why once there are answers to show."""
    if db.scalar(select(Organisation)) is None:
        network(db)
    given_answers = {
        user: _raw(n, rating, ["Training and events"] if training else ["Funding opportunities"])
        for n, (user, rating, training) in enumerate(answered)
    }
    survey = _survey(db, anonymous=True, given_answers=given_answers)
    results = survey_results(db, survey.id)
    assert results.withheld == (len(answered) < SMALLEST_GROUP)
    assert all(item.by_category == [] for item in results.questions)
    assert results.category_note == ANONYMOUS_CATEGORY_NOTE
    html, tables = _page_tables(app, db, survey.id)
    assert tables == []
    assert ANONYMOUS_CATEGORY_NOTE in html
    assert _csv_rows(results_csv(results)) == []


_QUESTION = st.sampled_from(
    [
        Question(id="q", kind="rating", text="How useful?", options=(), required=False),
        Question(id="q", kind="multiple", text="Which?", options=("A", "B", "C"), required=False),
        Question(id="q", kind="single", text="One?", options=("A", "B"), required=False),
    ]
)


@settings(max_examples=200, deadline=None)
@given(
    question=_QUESTION,
    sizes=st.dictionaries(st.sampled_from(["send", "youth work", "young carers"]), st.integers(0, 12)),
    anonymous=st.booleans(),
    data=st.data(),
)
def test_no_anonymous_group_under_five_whatever_the_grouping(question, sizes, anonymous, data):
    """The rule is held by the function itself, whatever groups a caller brings: an anonymous question
    never shows a group of fewer than 5 answers; a named one shows every group with an answer."""
    if question.kind == RATING:
        value = st.sampled_from(RATING_VALUES)
    elif question.kind == "single":
        value = st.sampled_from(question.options)
    else:
        value = st.lists(st.sampled_from(question.options), min_size=1, unique=True)
    groups = {category: [{"q": data.draw(value)} for _ in range(size)] for category, size in sizes.items()}
    rows = answers_by_category(question, groups, anonymous=anonymous)
    shown = {r.category: r for r in rows}
    for category, size in sizes.items():
        visible = size >= SMALLEST_GROUP if anonymous else size > 0
        assert (category in shown) == visible
        if visible:
            assert shown[category].answered == size
    for row in rows:
        assert not anonymous or row.answered >= SMALLEST_GROUP
        if question.kind == RATING:
            assert 1 <= row.mean <= 5 and row.counts == []
        else:
            assert row.mean is None and all(0 <= n <= row.answered for _, n in row.counts)


def test_the_results_command_prints_each_category(tmp_path, monkeypatch, capsys):
    from bot.cli import main
    from models.base import Base
    from models.db import make_engine, make_session_factory

    url = f"sqlite:///{tmp_path / 'cli.db'}"
    engine = make_engine(url)
    Base.metadata.create_all(engine)
    with make_session_factory(engine)() as session:
        network(session)
        named = _survey(
            session,
            anonymous=False,
            given_answers={
                MEMBERS[0]: _raw(0, 1, ["Training and events"]),
                MEMBERS[1]: _raw(1, 2, ["Funding opportunities"]),
            },
        )
        anonymous = _survey(
            session,
            anonymous=True,
            given_answers={m: _raw(n, 3, ["Funding opportunities"]) for n, m in enumerate(MEMBERS)},
        )
        named_id, anonymous_id = named.id, anonymous.id
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", url)
    assert main(["survey", "results", str(named_id)]) == 0
    out = capsys.readouterr().out
    assert "    young carers (2 answered): mean 1.5" in out
    assert (
        "    young carers (2 answered): Local third sector vacancies: 0, Training and events: 1, "
        "Service changes: 0, Funding opportunities: 1, Safeguarding updates: 0"
    ) in out
    assert main(["survey", "results", str(anonymous_id)]) == 0
    out = capsys.readouterr().out
    assert ANONYMOUS_CATEGORY_NOTE in out and "answered): mean" not in out
