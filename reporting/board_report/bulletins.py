"""The board report's bulletins: each bulletin sent in the quarter with its open rate, interval and
standing against the benchmark, the quarter's average open rate, and clicks per open by category."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session

from reporting.board_report.tables import Column, Table
from reporting.bulletins import BulletinRow, bulletin_figures


@dataclass
class QuarterBulletins:
    rows: list[BulletinRow]  # the quarter's bulletins, oldest first
    benchmark: float
    table: Table
    categories_table: Table

    @property
    def average_open_rate(self) -> float | None:
        return sum(row.open_rate for row in self.rows) / len(self.rows) if self.rows else None


def quarter_bulletins(session: Session, months: list[date]) -> QuarterBulletins:
    figures = bulletin_figures(session, months=24)
    rows = [row for row in figures.rows if date.fromisoformat(row.month + "-01") in months]
    table = Table(
        "bulletins",
        "Bulletins sent in the quarter",
        [
            Column("Bulletin"),
            Column("Delivered", "int"),
            Column("Unique opens", "int"),
            Column("Open rate", "percent"),
            Column("95% interval, low", "percent"),
            Column("95% interval, high", "percent"),
            Column("Open rate excluding privacy-proxy opens", "percent"),
            Column("Against the benchmark"),
        ],
        [
            [
                row.label,
                row.delivered,
                row.unique_opens,
                row.open_rate,
                row.interval.low,
                row.interval.high,
                row.proxy_excluded_open_rate,
                row.versus_benchmark,
            ]
            for row in rows
        ],
        note=f"Benchmark open rate: {figures.benchmark * 100:.1f}%.",
    )
    categories = Table(
        "bulletin_categories",
        "Unique clicks per unique open, by category (recent bulletins)",
        [Column("Category"), Column("Clicks per open", "ratio")],
        [[label, rate] for label, rate in figures.categories],
    )
    return QuarterBulletins(rows, figures.benchmark, table, categories)
