"""The board report's waiting lists: how many of the services due a return sent one each month, the
numbers waiting by service category month by month, and the number waiting now in each category
(each service's latest return within the period, which feeds the chart). The figures are
`reporting.figures`'."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session

from reporting.board_report.tables import Column, Table
from reporting.figures import CategoryWaiting, number_waiting, returns_coverage, waiting_by_month


@dataclass
class PeriodWaiting:
    coverage: Table
    waiting: Table
    latest: list[CategoryWaiting]  # each service's latest return in the period, by category, most first
    latest_table: Table

    @property
    def returns_received(self) -> int:
        return sum(row[2] for row in self.coverage.rows)


def _coverage_table(session: Session, months: list[date]) -> Table:
    return Table(
        "returns_coverage",
        "Waiting-list returns received per month",
        [
            Column("Month"),
            Column("Services due a return", "int"),
            Column("Returns received", "int"),
            Column("Coverage", "percent"),
        ],
        [
            [month.period.strftime("%B %Y"), month.due, month.received, month.coverage]
            for month in returns_coverage(session, months)
        ],
        note=(
            "A month's return is due in the month after it, from the services of organisations that "
            "were members by then."
        ),
    )


def period_waiting(session: Session, months: list[date]) -> PeriodWaiting:
    waiting = Table(
        "waiting_lists",
        "Waiting lists by service category, month by month",
        [
            Column("Month"),
            Column("Service category"),
            Column("Services reporting", "int"),
            Column("Number waiting", "int"),
            Column("New referrals", "int"),
            Column("Longest wait reported (weeks)", "weeks"),
        ],
        [
            [
                row.period.strftime("%B %Y"),
                row.category,
                row.services,
                row.number_waiting,
                row.new_referrals,
                row.longest_wait_weeks,
            ]
            for row in waiting_by_month(session, months)
        ],
    )
    latest = number_waiting(session, months)
    latest_table = Table(
        "number_waiting",
        "Number waiting by service category (each service's latest return in the period)",
        [Column("Service category"), Column("Number waiting", "int"), Column("Services covered", "int")],
        [[row.category, row.number_waiting, row.services] for row in latest],
    )
    return PeriodWaiting(_coverage_table(session, months), waiting, latest, latest_table)
