"""Writing the audit log: every change to a record a member may later ask about."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from models.records import AuditLog


def record(
    session: Session,
    *,
    actor: str,
    action: str,
    entity: str,
    entity_id: object,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AuditLog:
    """Add one audit row to the current transaction."""
    row = AuditLog(
        actor=actor,
        action=action,
        entity=entity,
        entity_id=str(entity_id),
        before=before,
        after=after,
    )
    session.add(row)
    return row
