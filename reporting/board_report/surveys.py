"""The board report's survey section: each survey that closed in the period, with its response rate
and the comparison with 2016's "Have your Say" (54 of 200+), from `reporting.surveys.survey_results` —
the same figures the dashboard page and `linkedup survey results --csv` show."""

from __future__ import annotations

from sqlalchemy.orm import Session

from reporting.board_report.tables import Column, Table
from reporting.periods import Period
from reporting.surveys import SurveyResults, surveys_closed_between

COLUMNS = [
    Column("Survey"),
    Column("Organisations reached", "int"),
    Column("Organisations answered", "int"),
    Column("Organisation response rate", "percent"),
    Column("95% interval from", "percent"),
    Column("95% interval to", "percent"),
    Column("People reached", "int"),
    Column("People answered", "int"),
    Column("People response rate", "percent"),
    Column("Against 2016 (54 of 200, 27%)"),
]


def survey_row(results: SurveyResults) -> list:
    """One survey's figures as the report, the page and the CSV give them."""
    organisations, people = results.organisations, results.people
    interval = organisations.interval
    return [
        results.title,
        organisations.reached,
        organisations.answered,
        organisations.value if organisations.reached else None,
        interval.low if organisations.reached else None,
        interval.high if organisations.reached else None,
        people.reached,
        people.answered,
        people.value if people.reached else None,
        results.comparison.verdict,
    ]


def surveys_table(results: list[SurveyResults]) -> Table:
    return Table(
        slug="surveys",
        title="Surveys closed in the period (Have your say)",
        columns=COLUMNS,
        rows=[survey_row(r) for r in results],
        note="An organisation has answered when any of its people answered (or answered for it). "
        "Above or below 2016 only when the two 95% intervals (Wilson) do not overlap.",
    )


def period_surveys(session: Session, period: Period) -> Table:
    return surveys_table(surveys_closed_between(session, period.start_utc, period.end_utc))
