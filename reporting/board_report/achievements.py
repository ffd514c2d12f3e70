"""The board report's key achievements, which the 2016 report led with: drafted from the period's
figures so the officer starts from the records, not a blank page, then edited by her before export
(`reporting.board_report.edits`)."""

from __future__ import annotations

from bulletins.performance import against
from reporting.board_report.bulletins import PeriodBulletins
from reporting.board_report.edits import Achievement
from reporting.board_report.issues import PeriodIssues
from reporting.board_report.tables import Column, Table
from reporting.board_report.timeliness import PeriodTimeliness
from reporting.board_report.waiting import PeriodWaiting
from reporting.periods import Period


def draft_achievements(
    period: Period,
    issues: PeriodIssues,
    timeliness: PeriodTimeliness,
    bulletins: PeriodBulletins,
    waiting: PeriodWaiting,
) -> list[Achievement]:
    drafted = [
        Achievement(
            "Issues and challenges taken to the boards",
            f"{issues.raised} raised by member organisations; {issues.answered} answers given back to them",
        )
    ]
    if timeliness.respond_due:
        drafted.append(
            Achievement(
                "Boards answering within their timeframes",
                f"{timeliness.responded_in_time} of the {timeliness.respond_due} escalations due "
                f"({timeliness.responded_in_time / timeliness.respond_due:.0%})",
            )
        )
    pooled = bulletins.pooled
    if pooled.rate is not None:
        drafted.append(
            Achievement(
                "The monthly bulletin",
                f"{pooled.bulletins} sent; opened by {pooled.rate:.1%} of the people they reached, "
                f"{against(pooled.versus(bulletins.benchmark))} the {bulletins.benchmark:.1%} benchmark",
            )
        )
    due = sum(row[1] for row in waiting.coverage.rows)
    if due:
        drafted.append(
            Achievement(
                "Waiting lists known across the sector",
                f"{waiting.returns_received} waiting-list returns of the {due} due over the {period.noun} "
                f"({waiting.returns_received / due:.0%})",
            )
        )
    return drafted


def achievements_table(achievements: list[Achievement]) -> Table:
    return Table(
        "key_achievements",
        "Key achievements",
        [Column("Achievement"), Column("In figures")],
        [[item.title, item.value] for item in achievements],
    )
