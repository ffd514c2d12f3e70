"""The figures' invariants over simulated histories (Hypothesis): every rate between 0 and 100%, every
numerator within its denominator, and the same figure for the same period wherever it appears — the
report's data, HTML, PDF text and CSVs, the dashboard's bulletin rows, and `linkedup simulate`'s health
figures.

One simulated half-year on a module-scoped SQLite file carries most of the properties (a simulation
takes seconds); a few small histories from other seeds check the invariants do not hang on one seed.
"""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import UTC, date, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pypdf import PdfReader

from bot.paths import DEMO_NETWORK_FILE
from bot.report import _cell, csv_zip, render_html, render_pdf
from models.base import Base
from models.db import make_engine, make_session_factory, transaction
from network_file.loader import load_path
from reporting.board_report.report import BoardReport, build_board_report
from reporting.bulletins import bulletin_figures
from reporting.periods import LONDON, parse_period
from simulation import network_health, simulate_year

START = date(2026, 1, 5)
MONTHS = 7  # 5 January to 5 August 2026: Q1 and Q2 whole
NOW = datetime(2026, 12, 1, tzinfo=UTC)
PERIODS = ("2026Q1", "2026Q2", "2026Q3", "2026")
FAST = settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def _simulated(path, *, months: int, seed: int):
    engine = make_engine(f"sqlite:///{path}")
    Base.metadata.create_all(engine)
    session_factory = make_session_factory(engine)
    with transaction(session_factory) as session:
        load_path(session, DEMO_NETWORK_FILE)
    health = simulate_year(session_factory, months=months, seed=seed, start=START)
    return engine, session_factory, health


@pytest.fixture(scope="module")
def history(tmp_path_factory):
    engine, session_factory, health = _simulated(
        tmp_path_factory.mktemp("figures") / "half-year.db", months=MONTHS, seed=3
    )
    yield session_factory, health
    engine.dispose()


def _shares(report: BoardReport):
    """Every (numerator, denominator) the report shows."""
    for share in report.health:
        yield share.label, share.part, share.whole
    for row in report.tables["returns_coverage"].rows:
        yield f"returns {row[0]}", row[2], row[1]
    for row in report.tables["waiting_lists"].rows:
        yield f"services reporting {row[0]} {row[1]}", row[2], None
    for board in report.tables["board_timeliness"].rows:
        yield f"escalations {board[0]}", None, board[1]


def assert_invariants(report: BoardReport) -> None:
    for label, part, whole in _shares(report):
        assert part is None or part >= 0, label
        assert part is None or whole is None or part <= whole, (label, part, whole)
    for table in report.tables.values():
        for row in table.rows:
            for column, value in zip(table.columns, row, strict=True):
                if column.kind == "percent" and value is not None:
                    assert 0.0 <= value <= 1.0, (table.slug, row)
    for row in report.bulletins:
        for rate in (row.open_rate, row.people_open_rate, row.people_interval.low, row.people_interval.high):
            assert 0.0 <= rate <= 1.0, row
        assert row.people_interval.low <= row.people_open_rate <= row.people_interval.high
        assert row.people_opens <= row.people_trials <= row.trials and row.unique_opens <= row.trials
    for waiting in report.number_waiting:
        assert waiting.number_waiting >= 0 and waiting.services >= 1
    members = dict(report.key_figures.rows)
    noun = report.period.noun
    assert (
        members[f"Organisations that joined in the {noun}"]
        <= members[f"Member organisations at the end of the {noun}"]
    )


@FAST
@given(period=st.sampled_from(PERIODS))
def test_every_rate_within_bounds_and_every_count_within_its_total(history, period):
    session_factory, _ = history
    with session_factory() as session:
        assert_invariants(build_board_report(session, parse_period(period), now=NOW))


@FAST
@given(period=st.sampled_from(PERIODS))
def test_simulate_and_the_report_agree(history, period):
    """`linkedup simulate`'s health figures for the same window count the same returns and issues."""
    session_factory, _ = history
    span = parse_period(period)
    with session_factory() as session:
        report = build_board_report(session, span, now=NOW)
        # The simulation's window for returns due in the report's months: the month after each.
        due_from = datetime.combine(_next(span.start), datetime.min.time(), LONDON).astimezone(UTC)
        due_to = datetime.combine(_next(span.end), datetime.min.time(), LONDON).astimezone(UTC)
        health = network_health(session, since=due_from, until=due_to, simulated=True)
        raised = network_health(session, since=span.start_utc, until=span.end_utc, simulated=True)
    coverage = [(row[1], row[2]) for row in report.tables["returns_coverage"].rows]
    assert coverage == [(month.expected, month.returned) for month in health.returns_coverage]
    assert dict(report.key_figures.rows)["Issues and challenges raised"] == raised.issues
    # "Routed without the officer" and "answered within the timeframe": the report's health shares.
    shares = {share.label: (share.part, share.whole) for share in report.health}
    routed = raised.routed_without_officer
    answered = raised.answered_within_timeframe
    assert shares["Issues sent straight to a board without the officer"] == (routed.count, routed.total)
    assert shares["Escalations answered within the board's timeframe"] == (answered.count, answered.total)
    assert answered.total > 0 or period == "2026Q3"  # the history ends in August


def _next(month: date) -> date:
    return date(month.year + (month.month == 12), month.month % 12 + 1, 1)


def test_simulated_history_reads_as_at_the_time(history):
    """The demo's founding organisations are members from before the history begins; the joiners from
    their approval: no month's coverage passes 100%, and membership grows with the joiners."""
    session_factory, health = history
    assert all(month.expected > 0 and month.returned <= month.expected for month in health.returns_coverage)
    with session_factory() as session:
        q1, q2 = (build_board_report(session, parse_period(q), now=NOW) for q in ("2026Q1", "2026Q2"))
    members = [dict(r.key_figures.rows)["Member organisations at the end of the quarter"] for r in (q1, q2)]
    joined = dict(q2.key_figures.rows)["Organisations that joined in the quarter"]
    assert members[0] >= 7 and members[1] == members[0] + joined
    # The boards met in the history (the calendar's meetings, a year earlier): the report counts them.
    held = {row[0]: row[2] for row in q1.tables["boards_represented"].rows}
    assert held["Children's Trust Board"] >= 1 and sum(held.values()) >= 3


def _number(text: str) -> float:
    text = text.strip().replace(",", "")
    return float(text[:-1]) / 100 if text.endswith("%") else float(text)


def test_report_html_pdf_csvs_and_dashboard_agree(history):
    session_factory, _ = history
    with session_factory() as session:
        report = build_board_report(session, parse_period("2026Q2"), now=NOW)
        dashboard = {row.month: row for row in bulletin_figures(session, months=24).rows}
    html = render_html(report, tz=LONDON)
    pdf = " ".join(
        " ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(render_pdf(html))).pages
    )
    archive = zipfile.ZipFile(io.BytesIO(csv_zip(report)))

    def csv_rows(slug: str) -> list[list[str]]:
        return list(csv.reader(io.StringIO(archive.read(f"{slug}.csv").decode("utf-8-sig"))))[1:]

    coverage = report.tables["returns_coverage"]
    assert len(coverage.rows) == 3
    for row, written in zip(coverage.rows, csv_rows("returns_coverage"), strict=True):
        assert [_number(cell) for cell in written[1:3]] == row[1:3]
        assert _number(written[3]) == pytest.approx(row[3], abs=1e-3)
        shown = _cell(row[3], "percent")
        assert shown in html and shown in pdf, (row, shown)
    for label, value in report.key_figures.rows[:6]:
        written = dict((r[0], r[1]) for r in csv_rows("key_figures"))[label]
        assert _number(written) == value
        assert f"{label.replace(chr(39), '’')} {value}" in pdf.replace("'", "’"), label
    assert report.bulletins, "the simulated quarter has bulletins"
    for row, written in zip(report.bulletins, csv_rows("bulletins"), strict=True):
        assert _number(written[3]) == pytest.approx(row.people_open_rate, abs=1e-3)
        assert written[-1] == row.versus_benchmark
        seen = dashboard[row.month]
        assert (seen.people_open_rate, seen.versus_benchmark) == (row.people_open_rate, row.versus_benchmark)
        assert _cell(row.people_open_rate, "percent") in pdf
    for waiting, written in zip(report.number_waiting, csv_rows("number_waiting"), strict=True):
        assert written[0] == waiting.category
        assert (_number(written[1]), _number(written[2])) == (waiting.number_waiting, waiting.services)


@settings(max_examples=2, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(min_value=10, max_value=10_000))
def test_invariants_hold_for_other_histories(tmp_path_factory, seed):
    engine, session_factory, health = _simulated(
        tmp_path_factory.mktemp("seed") / "history.db", months=3, seed=seed
    )
    try:
        for month in health.returns_coverage:
            assert 0 <= month.returned <= month.expected
        with session_factory() as session:
            for period in ("2026Q1", "2026"):
                assert_invariants(build_board_report(session, parse_period(period), now=NOW))
    finally:
        engine.dispose()
