"""The board report's notices: how many targeted notices were sent in the period, by kind, to how many
people, how many were delivered, and the acknowledgement rate (of the people asked to acknowledge).

Every figure comes from `reporting.notices.figures_by_kind`, which counts each notice through the same
delivery report the dashboard page and the CSV show, so the report, the page and the CSV agree.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from reporting.board_report.tables import Column, Table
from reporting.notices import figures_by_kind
from reporting.periods import Period


def quarterly_rows(session: Session, period: Period) -> dict[str, list]:
    """Each kind with notices in the period: [kind, notices, people, delivered, acknowledged, rate]."""
    rows = {}
    for figures in figures_by_kind(session, period, simulated=None):
        if not figures.notices:
            continue
        label = figures.kind.label
        rows[label] = [
            label,
            figures.notices,
            figures.tally.people,
            figures.tally.sent,
            figures.acknowledged,
            figures.acknowledgement_rate,
        ]
    return rows


def notices_table(session: Session, period: Period) -> Table:
    return Table(
        "notices",
        f"Targeted notices sent in the {period.noun}",
        [
            Column("Kind"),
            Column("Notices", "int"),
            Column("People reached", "int"),
            Column("Delivered", "int"),
            Column("Acknowledged", "int"),
            Column("Acknowledgement rate", "percent"),
        ],
        list(quarterly_rows(session, period).values()),
        note=(
            "Notices go by direct message to the organisations chosen from the registry. The rate is of the "
            "people asked to acknowledge; a notice that asks for none shows no rate."
        ),
    )
