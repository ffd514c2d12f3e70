"""The board report's bulletins: each bulletin sent in the period with its open rate by people (machine
opens left out where Mailchimp counts them), interval and standing against the benchmark, the rate
including machine opens beside it, the period's pooled open rate, and clicks per open by category."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session

from bulletins.performance import PooledOpens
from reporting.board_report.tables import Column, Table
from reporting.bulletins import BulletinRow, bulletin_figures
from reporting.periods import Period


@dataclass
class PeriodBulletins:
    rows: list[BulletinRow]  # the period's bulletins, oldest first
    benchmark: float
    table: Table
    categories_table: Table

    @property
    def pooled(self) -> PooledOpens:
        """The period's opens pooled over every email delivered (by people, and with machine opens)."""
        return PooledOpens(
            len(self.rows),
            sum(row.trials for row in self.rows),
            sum(row.unique_opens for row in self.rows),
            sum(row.people_trials for row in self.rows),
            sum(row.people_opens for row in self.rows),
        )


def period_bulletins(session: Session, period: Period, months: list[date]) -> PeriodBulletins:
    # The period's bulletins however long ago it was (not the latest few): those of its months.
    figures = bulletin_figures(
        session, months=len(months), since_month=f"{period.start:%Y-%m}", before_month=f"{period.end:%Y-%m}"
    )
    rows = [row for row in figures.rows if date.fromisoformat(row.month + "-01") in months]
    table = Table(
        "bulletins",
        f"Bulletins sent in the {period.noun}",
        [
            Column("Bulletin"),
            Column("Delivered", "int"),
            Column("Unique opens", "int"),
            Column("Open rate", "percent"),
            Column("95% interval, low", "percent"),
            Column("95% interval, high", "percent"),
            Column("Open rate including machine opens", "percent"),
            Column("Against the benchmark"),
        ],
        [
            [
                row.label,
                row.delivered,
                row.unique_opens,
                row.people_open_rate,
                row.people_interval.low,
                row.people_interval.high,
                row.open_rate,
                row.versus_benchmark,
            ]
            for row in rows
        ],
        note=(
            f"Benchmark open rate: {figures.benchmark * 100:.1f}%. The open rate, its interval and the "
            "verdict leave out Apple Mail's machine opens where Mailchimp counts them; the rate "
            "including them is shown beside it."
        ),
    )
    categories = Table(
        "bulletin_categories",
        f"Unique clicks per unique open, by category (the {period.noun}'s bulletins)",
        [Column("Category"), Column("Clicks per open", "ratio")],
        [[label, rate] for label, rate in figures.categories],
    )
    return PeriodBulletins(rows, figures.benchmark, table, categories)
