"""An organisation's data as JSON, for a subject access request.

Everything in its footprint (`privacy.footprint`), grouped as a person would read it: each issue with
each board's turn (escalations) and its full history. Safeguarding-sensitive issues are included and
listed: who receives the export must share those only with the person who raised them.
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
from privacy.footprint import footprint


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
        "sensitive_issues": [i.reference for i in found.issues if i.sensitive],
    }
