"""The board report's key figures: the handful of numbers the board reads first — membership, issues
raised and answered, bulletins sent and their average open rate against the benchmark."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models.network import Organisation, OrganisationStatus
from reporting.board_report.bulletins import QuarterBulletins
from reporting.board_report.issues import QuarterIssues
from reporting.board_report.tables import Column, Table, count, within
from reporting.periods import Period


def key_figures(
    session: Session, quarter: Period, issues: QuarterIssues, bulletins: QuarterBulletins
) -> Table:
    approved = Organisation.status == OrganisationStatus.APPROVED
    organisations = count(
        session,
        select(func.count(Organisation.id)).where(approved, Organisation.created_at < quarter.end_utc),
    )
    joined = count(
        session, select(func.count(Organisation.id)).where(approved, within(Organisation.created_at, quarter))
    )
    average_open = bulletins.average_open_rate
    return Table(
        "key_figures",
        "Key figures",
        [Column("Figure"), Column("Value")],
        [
            ["Member organisations at the end of the quarter", organisations],
            ["Organisations that joined in the quarter", joined],
            ["Issues and challenges raised", issues.raised],
            ["…of which safeguarding-sensitive", issues.sensitive],
            ["Answers given back to organisations", issues.answered],
            ["Bulletins sent", len(bulletins.rows)],
            [
                "Average bulletin open rate (benchmark " + f"{bulletins.benchmark * 100:.1f}%)",
                f"{average_open * 100:.1f}%" if average_open is not None else "no bulletin reported",
            ],
        ],
    )
