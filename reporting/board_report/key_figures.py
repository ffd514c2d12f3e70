"""The board report's key figures: the handful of numbers the board reads first — membership, issues
raised and answered, bulletins sent and their average open rate against the benchmark. Membership is
`reporting.figures`': organisations approved by the period's end."""

from __future__ import annotations

from sqlalchemy.orm import Session

from bulletins.performance import against
from reporting.board_report.bulletins import PeriodBulletins
from reporting.board_report.issues import PeriodIssues
from reporting.board_report.tables import Column, Measure, Table
from reporting.figures import member_organisations, organisations_joined
from reporting.periods import Period


def key_figures(session: Session, period: Period, issues: PeriodIssues, bulletins: PeriodBulletins) -> Table:
    organisations = member_organisations(session, period.end_utc)
    joined = organisations_joined(session, period)
    pooled = bulletins.pooled
    noun = period.noun
    benchmark = f"{bulletins.benchmark * 100:.1f}%"
    verdict = ""
    if pooled.rate is not None:
        verdict = f"{against(pooled.versus(bulletins.benchmark))} the benchmark"
    return Table(
        "key_figures",
        "Key figures",
        [Column("Figure"), Column("Value")],
        [
            [f"Member organisations at the end of the {noun}", organisations],
            [f"Organisations that joined in the {noun}", joined],
            ["Issues and challenges raised", issues.raised],
            ["…of which safeguarding-sensitive", issues.sensitive],
            ["Answers given back to organisations", issues.answered],
            ["Bulletins sent", len(bulletins.rows)],
            # Rates as Measures: the page shows "30.2%, …"; the CSV a number with its unit.
            [
                f"Bulletin open rate, machine opens left out (benchmark {benchmark})",
                Measure(pooled.rate, "percent", verdict)
                if pooled.rate is not None
                else Measure(None, "percent", "no bulletin reported"),
            ],
            [
                "Bulletin open rate including machine opens",
                Measure(pooled.rate_with_machine_opens, "percent")
                if pooled.rate_with_machine_opens is not None
                else Measure(None, "percent", "no bulletin reported"),
            ],
        ],
    )
