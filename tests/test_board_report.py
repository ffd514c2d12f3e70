"""The quarterly board report: HTML, a PDF whose text reads back with the expected headings, and CSVs
that parse back to the figures; from the CLI and from the officer's dashboard button."""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import UTC, date, datetime

import pytest
from pypdf import PdfReader

from bot.report import write_report
from intake.returns import record_return
from models.errors import ValidationError
from reporting.board_report.report import build_board_report, parse_quarter
from reporting.periods import LONDON, parse_period
from tests import factories
from tests.dashboard_support import CJCG_MEMBER, MEMBER_A, MEMBER_B, OFFICER, _issue, build_world, sign_in
from tests.test_dashboard_pages import _bulletin

HEADINGS = (
    "Third Sector Development Report for the Children's Trust Board",
    "Overall aim of the report",
    "Summary",
    "Key figures",
    "Detailed progress",
    "Communication, information sharing and the bulletin",
    "Representation and the escalation of the sector's issues",
    "Safeguarding",
    "Waiting lists and gaps in provision",
    "Recommendations",
    "Recommendations to be written by the development officer.",
)


QUARTER = "2026Q3"
MOMENT = datetime(2026, 8, 20, 12, 0, tzinfo=UTC)  # every item of the world falls in 2026 Q3


@pytest.fixture
def quarter_data(db):
    """The access-matrix world (21 July – 20 August 2026), the August bulletin and an August return."""
    world = build_world(db, now=MOMENT)
    _bulletin(
        db, "2026-08", delivered=232, opens=70, proxy=None, clicks=[("https://a.example/j", "vacancies", 9)]
    )
    db.commit()
    service = factories.service(db, world.org_a, "Young carers group", category="young carers")
    for row in (world.org_a, world.org_b, service):
        row.created_at = datetime(2026, 1, 10, tzinfo=UTC)  # members since before the quarter
    db.commit()
    record_return(
        db,
        slack_user_id=MEMBER_A,
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
    return world


def read_csv(path_or_text) -> list[dict]:
    text = path_or_text.read_text(encoding="utf-8") if hasattr(path_or_text, "read_text") else path_or_text
    assert text.startswith("\ufeff")  # the BOM Excel needs to read UTF-8
    return list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"))))


def test_report_files_html_pdf_and_csvs(db, quarter_data, tmp_path):
    report = build_board_report(db, parse_quarter(QUARTER))
    paths = write_report(report, tmp_path, tz=LONDON)
    names = {path.name for path in paths}
    stem = "board-report-" + report.period.label.replace(" ", "")
    assert {
        f"{stem}.html",
        f"{stem}.pdf",
        "key_figures.csv",
        "issues_by_theme.csv",
        "board_timeliness.csv",
    } <= names

    html = (tmp_path / f"{stem}.html").read_text()
    assert html.count('role="img"') >= 2  # the bulletin and theme charts
    assert "Worrying pattern" not in html and "Alpha Young Carers" not in html  # aggregates only

    pdf = (tmp_path / f"{stem}.pdf").read_bytes()
    assert pdf.startswith(b"%PDF") and len(pdf) > 5000
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    flat = " ".join(text.split())
    for heading in HEADINGS:
        assert heading.replace("'", "’") in flat.replace("'", "’"), heading

    key = {row["Figure"]: row["Value"] for row in read_csv(tmp_path / "key_figures.csv")}
    assert key["Issues and challenges raised"] == "5"
    assert key["…of which safeguarding-sensitive"] == "1"
    assert key["Member organisations at the end of the quarter"] == "2"
    themes = {row["Theme"]: int(row["Issues"]) for row in read_csv(tmp_path / "issues_by_theme.csv")}
    assert themes == {"Funding": 2, "Youth provision": 1, "No theme (officer's triage)": 2}
    bulletins = read_csv(tmp_path / "bulletins.csv")
    assert len(bulletins) == 1 and float(bulletins[0]["Open rate"]) == pytest.approx(70 / 232, abs=1e-4)
    boards = {row["Board"]: row for row in read_csv(tmp_path / "board_timeliness.csv")}
    cjcg = boards["Children's Joint Commissioning Group"]
    assert int(cjcg["Escalations"]) == 2
    assert float(cjcg["Acknowledged in time"]) == 0.0
    assert float(cjcg["Median time to acknowledge (hours)"]) == pytest.approx(48.0)


def test_quarters_only():
    assert parse_quarter("2026Q3").label == "2026 Q3"
    for bad in ("2026", "2026-07", "Q3", "2026Q5"):
        with pytest.raises(ValidationError):
            parse_quarter(bad)


def test_an_empty_quarter_still_makes_a_report(db, tmp_path):
    report = build_board_report(db, parse_quarter("2001Q1"))
    paths = write_report(report, tmp_path, tz=LONDON)
    pdf = next(p for p in paths if p.suffix == ".pdf")
    text = " ".join(" ".join(page.extract_text() for page in PdfReader(pdf).pages).split())
    assert "No bulletin was sent and reported on in the quarter." in text
    assert read_csv(tmp_path / "issues_by_theme.csv") == []


def test_cli_writes_the_report(tmp_path, monkeypatch, capsys):
    from bot.cli import main
    from models.base import Base
    from models.db import make_engine

    url = f"sqlite:///{tmp_path / 'cli.db'}"
    Base.metadata.create_all(make_engine(url))
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", url)
    assert main(["report", "--quarter", "2026Q3", "--out", str(tmp_path / "out")]) == 0
    out = capsys.readouterr().out
    assert "Board report for 2026 Q3" in out
    assert (tmp_path / "out" / "board-report-2026Q3.pdf").stat().st_size > 0
    assert main(["report", "--quarter", "2026-07", "--out", str(tmp_path / "out")]) == 2
    assert "is not a quarter" in capsys.readouterr().err


def test_dashboard_button_for_the_officer_only(app, db, quarter_data):
    officer = sign_in(app, db, OFFICER)
    page = officer.get("/dashboard/report")
    assert page.status_code == 200
    assert "Board report" in page.get_data(as_text=True)
    key = QUARTER
    html = officer.get(f"/dashboard/report/{key}.html")
    assert html.status_code == 200 and "Overall aim of the report" in html.get_data(as_text=True)
    pdf = officer.get(f"/dashboard/report/{key}.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    assert "attachment" in pdf.headers["Content-Disposition"]
    archive = zipfile.ZipFile(io.BytesIO(officer.get(f"/dashboard/report/{key}.zip").data))
    assert "key_figures.csv" in archive.namelist()
    rows = read_csv(archive.read("issues_by_theme.csv").decode())
    assert sum(int(row["Issues"]) for row in rows) == 5

    assert officer.get("/dashboard/report?quarter=2026-07").status_code == 400
    assert officer.get(f"/dashboard/report/{key}.docx").status_code == 404
    for who in (CJCG_MEMBER, MEMBER_B):
        client = sign_in(app, db, who)
        assert client.get("/dashboard/report").status_code == 403
        assert client.get(f"/dashboard/report/{key}.pdf").status_code == 403
        assert "Board report" not in client.get("/dashboard/").get_data(as_text=True)


def test_dashboard_offers_every_year_and_quarter_with_records(app, db, quarter_data):
    """The page offers what `linkedup report` takes: each year with records, whole, and its quarters so
    far, from the first record's; a year opens like a quarter."""
    from reporting.board_report.choices import key, report_choices

    officer = sign_in(app, db, OFFICER)
    choices = report_choices(db, now=MOMENT)
    assert [key(choice.year) for choice in choices] == ["2026"]
    assert [key(q) for q in choices[0].quarters] == ["2026Q3"]  # the world's first record is in July
    page = officer.get("/dashboard/report?period=2026").get_data(as_text=True)
    assert '<option value="2026" selected>' in page and '<option value="2026Q3">' in page
    assert "/dashboard/report/2026.pdf" in page and "linkedup report --year 2026" in page
    html = officer.get("/dashboard/report/2026.html").get_data(as_text=True)
    assert "Overall aim of the report" in html and "the year" in html
    quarter = officer.get("/dashboard/report?quarter=2026Q3").get_data(as_text=True)
    assert '<option value="2026Q3" selected>' in quarter and "linkedup report --quarter 2026Q3" in quarter
    assert officer.get("/dashboard/report?period=2026-07").status_code == 400


def test_report_choices_run_from_the_first_record_to_now(db):
    from reporting.board_report.choices import key, report_choices

    assert [key(c.year) for c in report_choices(db, now=MOMENT)] == ["2026"]  # nothing yet: this year
    record = factories.organisation(db, "Early Charity", members=("U0EARLY001",))
    _issue(db, "LU-2024-0001", record, "U0EARLY001", "Long waits", at=datetime(2024, 11, 30, tzinfo=UTC))
    db.commit()
    choices = report_choices(db, now=MOMENT)
    assert [key(c.year) for c in choices] == ["2026", "2025", "2024"]
    assert [key(q) for q in choices[0].quarters] == ["2026Q3", "2026Q2", "2026Q1"]
    assert [key(q) for q in choices[1].quarters] == ["2025Q4", "2025Q3", "2025Q2", "2025Q1"]
    assert [key(q) for q in choices[2].quarters] == ["2024Q4"]


def test_figures_outside_the_quarter_are_left_out(db, quarter_data):
    report = build_board_report(db, parse_quarter("2026Q2"))
    assert report.key_figures.rows[2][1] == 0
    assert report.bulletins == []
    august = build_board_report(db, parse_quarter(QUARTER))
    coverage = {row[0]: row[2] for row in august.tables["returns_coverage"].rows}
    assert coverage == {"July 2026": 0, "August 2026": 1, "September 2026": 0}
    services = {row[0]: row[1] for row in august.tables["returns_coverage"].rows}
    assert set(services.values()) == {1}


def test_a_past_periods_report_has_its_own_bulletins_however_many_came_since(db):
    """The report on any past year (the dashboard offers every one) shows that year's bulletins and ranks
    its categories on them alone, not on the latest few bulletins (issue 13: figures for the period)."""
    for year in (2023, 2024, 2025):
        for month in range(1, 13):
            category = "events" if year == 2023 else "vacancies"
            _bulletin(
                db,
                f"{year}-{month:02d}",
                delivered=200,
                opens=40 + month,
                proxy=None,
                clicks=[(f"https://a.example/{year}/{month}", category, 5)],
            )
    db.commit()
    report = build_board_report(db, parse_period("2023"), now=MOMENT)
    assert [row.month for row in report.bulletins] == [f"2023-{m:02d}" for m in range(1, 13)]
    categories = report.tables["bulletin_categories"]
    assert [row[0] for row in categories.rows] == ["Events"] and "the year's bulletins" in categories.title
    q2 = build_board_report(db, parse_period("2024Q2"), now=MOMENT)
    assert [row.month for row in q2.bulletins] == ["2024-04", "2024-05", "2024-06"]
    assert dict(q2.key_figures.rows)["Bulletins sent"] == 3
