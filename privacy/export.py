"""An organisation's data as JSON, for a subject access request.

Everything in its footprint (`privacy.footprint`), grouped as a person would read it: each issue with
each board's turn (escalations) and its full history. Safeguarding-sensitive issues are included and
listed: who receives the export must share those only with the person who raised them.

It also names — by table, row and column, not their content, which may be other organisations' —
every row of the derived stores (`privacy.columns`: queued Slack messages, audit and history details,
compiled bulletins…) that holds a copy of its data: exactly the rows `org erase` would scrub.
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from sqlalchemy.orm import Session

from models.base import Base, utcnow
from models.network import Organisation
from privacy.erase import MIN_SCRUB_LENGTH, copies_of, own_rows, personal_values
from privacy.footprint import footprint
from privacy.scrub import prepare


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, Decimal):
        return float(value)
    return value


def row_data(row: Base) -> dict[str, Any]:
    """Every column of a row, as JSON-able values."""
    return {column.key: _plain(getattr(row, column.key)) for column in row.__table__.columns}


def export_organisation(session: Session, organisation: Organisation) -> dict[str, Any]:
    """All the organisation's data, grouped as a person would read it (see the module docstring)."""
    found = footprint(session, organisation)
    events_by_issue: dict[int, list[dict]] = {}
    for line in found.events:
        events_by_issue.setdefault(line.issue_id, []).append(row_data(line))
    escalations_by_issue: dict[int, list[dict]] = {}
    for row in found.escalations:
        escalations_by_issue.setdefault(row.issue_id, []).append(row_data(row))
    service_names = {s.id: s.name for s in found.services}
    exported = {(row.__table__.name, row.id) for rows in own_rows(found).values() for row in rows}
    values = prepare(personal_values(session, found), min_length=MIN_SCRUB_LENGTH)
    return {
        "exported_at": utcnow().isoformat(),
        "organisation": row_data(organisation),
        "services": [row_data(s) for s in found.services],
        "members": [row_data(m) for m in found.members],
        "issues": [
            {
                **row_data(issue),
                "theme": issue.theme.name if issue.theme else None,
                "escalations": escalations_by_issue.get(issue.id, []),
                "history": events_by_issue.get(issue.id, []),
            }
            for issue in found.issues
        ],
        "waiting_list_returns": [
            {**row_data(r), "service": service_names.get(r.service_id)} for r in found.returns
        ],
        "return_reminders": [row_data(r) for r in found.reminders],
        "feedback": [row_data(f) for f in found.feedback],
        "join_requests": [row_data(j) for j in found.join_requests],
        "bulletin_contacts": [row_data(c) for c in found.contacts],
        "articles": [row_data(a) for a in found.articles],
        "audit": [row_data(a) for a in found.audit_rows],
        "survey_recipients": [row_data(r) for r in found.survey_recipients],
        "survey_responses": [row_data(r) for r in found.survey_responses],
        "notice_recipients": [row_data(r) for r in found.notice_recipients],
        "sensitive_issues": [i.reference for i in found.issues if i.sensitive],
        "copies_elsewhere": [
            {"table": row.__table__.name, "id": row.id, "columns": sorted(changed)}
            for row, changed in copies_of(session, values)
            if (row.__table__.name, row.id) not in exported
        ],
    }
