"""The network's directory of organisations and services in the Open Referral UK shape (HSDS 3, UK profile).

Only public directory facts leave through here: names, service categories, age ranges, register
numbers (which are public), and when the entry last changed. Nothing about issues, returns,
people, contact addresses given for the bulletin, or capacity.

Ids are the stored `uuid` columns of organisations and services (stable when rows are renumbered,
e.g. after a restore); nested records that have no row of their own (an organisation's register
number, a service's category) get a uuid5 derived from their parent's uuid, so they are stable too.
Only services of approved organisations are listed.
"""

from __future__ import annotations

import math
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.orm import Session, joinedload

from models import fields
from models.errors import NotFound, ValidationError
from models.network import Network, Organisation, OrganisationStatus, Service

HSDS_VERSION = "3.0"
PROFILE_URL = "https://github.com/openreferral/uk-profile"
OPENAPI_URL = "https://raw.githubusercontent.com/openreferral/uk-profile/main/schema/openapi.json"
CATEGORY_TAXONOMY = "Linked-up service categories"
DEFAULT_PER_PAGE = 50
MAX_PER_PAGE = 200
SEARCH_MAX = 200
# Namespace for category terms, which are shared across services (same category → same term id).
CATEGORY_NAMESPACE = uuid.UUID("6f1c8a52-33d5-4c1e-9d55-5b1f8f0e2a71")

REGISTER_TYPES = {
    "GB-CHC": "Charity number",
    "GB-SC": "Charity number",
    "GB-NIC": "Charity number",
    "GB-COH": "Company number",
}


def _stamp(moment: datetime) -> str:
    """RFC 3339 with milliseconds, as the profile's `last_modified` asks."""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _network_name(session: Session) -> str:
    return session.scalar(select(Network.name).order_by(Network.id).limit(1)) or "Linked-up"


def _age_text(service: Service) -> str:
    if service.min_age is not None and service.max_age is not None:
        return f"ages {service.min_age} to {service.max_age}"
    if service.min_age is not None:
        return f"ages {service.min_age} and over"
    if service.max_age is not None:
        return f"ages up to {service.max_age}"
    return "all ages"


def service_description(service: Service) -> str:
    return (
        f"{service.name}: {service.category}, {_age_text(service)}. Provided by {service.organisation.name}."
    )


def organisation_description(organisation: Organisation, network_name: str) -> str:
    categories = sorted({s.category for s in organisation.services})
    offer = f" Services: {', '.join(categories)}." if categories else ""
    return f"{organisation.name} is a member organisation of the {network_name} network.{offer}"


def _organisation_identifiers(organisation: Organisation) -> list[dict]:
    if not organisation.org_identifier:
        return []
    scheme, _, number = organisation.org_identifier.rpartition("-")
    if scheme not in REGISTER_TYPES or not number:
        return []
    return [
        {
            "id": str(uuid.uuid5(organisation.uuid, f"identifier:{organisation.org_identifier}")),
            "organization_id": str(organisation.uuid),
            "identifier_scheme": scheme,
            "identifier_type": REGISTER_TYPES[scheme],
            "identifier": number,
        }
    ]


def organisation_record(organisation: Organisation, network_name: str, *, full: bool) -> dict:
    record = {
        "id": str(organisation.uuid),
        "name": organisation.name,
        "description": organisation_description(organisation, network_name),
    }
    if full:
        record["organization_identifiers"] = _organisation_identifiers(organisation)
    return record


def _category_attribute(service: Service) -> dict:
    term_id = uuid.uuid5(CATEGORY_NAMESPACE, service.category.strip().lower())
    return {
        "id": str(uuid.uuid5(service.uuid, f"category:{service.category}")),
        "link_id": str(service.uuid),
        "link_type": "service",
        "taxonomy_term_id": str(term_id),
        "taxonomy_term": {
            "id": str(term_id),
            "name": service.category,
            "description": f"Services in the category “{service.category}”.",
            "taxonomy": CATEGORY_TAXONOMY,
            "term": service.category,
        },
    }


def service_record(service: Service, network_name: str, *, full: bool) -> dict:
    """One service as a list item (`full=False`) or fully nested (`full=True`)."""
    organisation = service.organisation
    record: dict = {
        "id": str(service.uuid),
        "organization_id": str(organisation.uuid),
        "name": service.name,
        "description": service_description(service),
        "status": "active",
        "last_modified": _stamp(max(service.updated_at, organisation.updated_at)),
    }
    if service.min_age is not None:
        record["minimum_age"] = service.min_age
    if service.max_age is not None:
        record["maximum_age"] = service.max_age
    record["organization"] = organisation_record(organisation, network_name, full=full)
    if full:
        record.update(
            {
                "schedules": [],
                "service_areas": [],
                "service_at_locations": [],
                "languages": [],
                "funding": [],
                "cost_options": [],
                "contacts": [],
                "attributes": [_category_attribute(service)],
            }
        )
    return record


def meta() -> dict:
    return {"version": HSDS_VERSION, "profile": PROFILE_URL, "openapi_url": OPENAPI_URL}


@dataclass(frozen=True)
class ServiceQuery:
    search: str | None = None
    page: int = 1
    per_page: int = DEFAULT_PER_PAGE
    minimum_age: float | None = None
    maximum_age: float | None = None


def _whole(raw: str, name: str, errors: dict[str, str], *, low: int, high: int) -> int | None:
    number = fields.page_number(raw, low=low, high=high)
    if number is None:
        errors[name] = f"{name} must be a whole number from {low} to {high:,}, not {raw!r}."
    return number


def _age(raw: str, name: str, errors: dict[str, str]) -> float | None:
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or not 0 <= value <= 150:
        errors[name] = f"{name} must be an age in years (a number from 0 to 150), not {raw!r}."
        return None
    return value


def parse_service_query(params: dict[str, str]) -> ServiceQuery:
    """The `/services` query parameters; nonsense is a ValidationError naming the parameter."""
    errors: dict[str, str] = {}
    page = per_page = None
    minimum_age = maximum_age = None
    if "page" in params:
        page = _whole(params["page"], "page", errors, low=1, high=1_000_000)
    if "per_page" in params:
        per_page = _whole(params["per_page"], "per_page", errors, low=1, high=MAX_PER_PAGE)
    if "minimum_age" in params:
        minimum_age = _age(params["minimum_age"], "minimum_age", errors)
    if "maximum_age" in params:
        maximum_age = _age(params["maximum_age"], "maximum_age", errors)
    search = (params.get("search") or "").strip() or None
    if search is not None and len(search) > SEARCH_MAX:
        errors["search"] = f"search must be under {SEARCH_MAX} characters."
    if errors:
        raise ValidationError(errors)
    return ServiceQuery(
        search=search,
        page=page or 1,
        per_page=per_page or DEFAULT_PER_PAGE,
        minimum_age=minimum_age,
        maximum_age=maximum_age,
    )


def _listed() -> ColumnElement[bool]:
    return Organisation.status == OrganisationStatus.APPROVED


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def list_services(session: Session, query: ServiceQuery) -> dict:
    """One page of services with the profile's page object (`total_items`, `total_pages`, …)."""
    conditions = [_listed()]
    if query.search:
        pattern = f"%{_escape_like(query.search.lower())}%"
        conditions.append(
            or_(
                func.lower(Service.name).like(pattern, escape="\\"),
                func.lower(Service.category).like(pattern, escape="\\"),
                func.lower(Organisation.name).like(pattern, escape="\\"),
            )
        )
    # The profile's meanings: minimum_age "of at least" the value, maximum_age "equal to or below" it.
    if query.minimum_age is not None:
        conditions.append(and_(Service.min_age.is_not(None), Service.min_age >= query.minimum_age))
    if query.maximum_age is not None:
        conditions.append(and_(Service.max_age.is_not(None), Service.max_age <= query.maximum_age))
    base = select(Service).join(Service.organisation).where(*conditions)
    total = session.scalar(select(func.count()).select_from(base.subquery())) or 0
    services = session.scalars(
        base.options(joinedload(Service.organisation).selectinload(Organisation.services))
        .order_by(Service.name, Service.id)
        .limit(query.per_page)
        .offset((query.page - 1) * query.per_page)
    ).all()
    network_name = _network_name(session)
    contents = [service_record(service, network_name, full=False) for service in services]
    total_pages = math.ceil(total / query.per_page)
    return {
        "total_items": total,
        "total_pages": total_pages,
        "page_number": query.page,
        "size": len(contents),
        "first_page": query.page == 1,
        "last_page": query.page >= total_pages,
        "empty": not contents,
        "contents": contents,
    }


def get_service(session: Session, service_id: str) -> dict:
    """One service, fully nested with its organisation; NotFound for unknown or unlisted ids."""
    try:
        key = uuid.UUID(service_id)
    except ValueError:
        raise NotFound(f"No service with id {service_id!r}: service ids are UUIDs.") from None
    service = session.scalar(
        select(Service)
        .join(Service.organisation)
        .options(joinedload(Service.organisation).selectinload(Organisation.services))
        .where(Service.uuid == key, _listed())
    )
    if service is None:
        raise NotFound(f"No service with id {service_id}.")
    return service_record(service, _network_name(session), full=True)
