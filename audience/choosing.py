"""The organisations a sender may name in a notice's or a survey's audience, for the forms' pickers.

Only approved organisations that are not the simulation's can be named (`audience.selection`
reaches no others), sorted by name. A network with more of them than a Slack select shows (100)
gets a type-ahead picker instead, which asks `matching_organisations` for what the sender typed.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.network import Organisation, OrganisationStatus, organisation_name_contains


def _nameable():
    return select(Organisation.id, Organisation.name).where(
        Organisation.status == OrganisationStatus.APPROVED, Organisation.simulated.is_(False)
    )


def nameable_organisations(session: Session) -> list[tuple[int, str]]:
    """Every organisation a sender may name, as (id, name), by name."""
    return list(session.execute(_nameable().order_by(Organisation.name)).tuples())


def matching_organisations(session: Session, typed: str, *, limit: int) -> list[tuple[int, str]]:
    """The first `limit` nameable organisations whose name contains `typed` (any case), by name."""
    query = _nameable().where(organisation_name_contains(typed))
    return list(session.execute(query.order_by(Organisation.name).limit(limit)).tuples())
