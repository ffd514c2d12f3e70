"""The network's directory of organisations and services in the Open Referral UK shape (HSDS 3, UK profile).

Only public directory facts leave through here: names, service categories, age ranges, register
numbers (which are public), and when the entry last changed. Nothing about issues, returns,
people, contact addresses given for the bulletin, or capacity.

Ids are the stored `uuid` columns of organisations and services (stable when rows are renumbered,
e.g. after a restore); nested records that have no row of their own (an organisation's register
number, a service's category) get a uuid5 derived from their parent's uuid, so they are stable too.
Only services of approved organisations are listed.

`/services` implements the profile's filters (`search`/`text` full-text search, `taxonomy_term_id`,
`taxonomy_id`, `organization_id`, `modified_after`, ages): a filter that matches nothing returns nothing.
Empty arrays are left out of records, as the UK profile's compliance guidance asks.
"""

from __future__ import annotations

import math
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, time

from sqlalchemy import ColumnElement, and_, false, func, or_, select
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
# The one taxonomy the category terms belong to.
CATEGORY_TAXONOMY_ID = uuid.uuid5(CATEGORY_NAMESPACE, "taxonomy:" + CATEGORY_TAXONOMY)

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
    if full and (identifiers := _organisation_identifiers(organisation)):
        record["organization_identifiers"] = identifiers
    return record


def category_term_id(category: str) -> uuid.UUID:
    """The taxonomy term id of a service category (the same for every service in it, any case)."""
    return uuid.uuid5(CATEGORY_NAMESPACE, category.strip().lower())


def _category_attribute(service: Service) -> dict:
    term_id = category_term_id(service.category)
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
            "taxonomy_id": str(CATEGORY_TAXONOMY_ID),
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
        # Only arrays with something in them: the UK compliance guidance asks for empty ones to be left out.
        record["attributes"] = [_category_attribute(service)]
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
    taxonomy_term_id: uuid.UUID | None = None
    taxonomy_id: uuid.UUID | None = None
    organization_id: uuid.UUID | None = None
    modified_after: datetime | None = None


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


def _uuid(raw: str, name: str, errors: dict[str, str]) -> uuid.UUID | None:
    try:
        return uuid.UUID(raw.strip())
    except ValueError:
        errors[name] = f"{name} must be a UUID, not {raw[:60]!r}."
        return None


def _moment(raw: str, name: str, errors: dict[str, str]) -> datetime | None:
    """An RFC 3339 date-time (or a date, meaning its midnight UTC); one without a zone is taken as UTC."""
    text = raw.strip()
    try:
        moment = datetime.fromisoformat(text.replace("z", "Z"))
    except ValueError:
        errors[name] = f"{name} must be a date-time such as 2026-11-01T00:00:00Z, not {raw[:60]!r}."
        return None
    if len(text) == 10:
        moment = datetime.combine(moment.date(), time())
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


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
    ids = {
        name: _uuid(params[name], name, errors)
        for name in ("taxonomy_term_id", "taxonomy_id", "organization_id")
        if name in params
    }
    modified_after = (
        _moment(params["modified_after"], "modified_after", errors) if "modified_after" in params else None
    )
    # `search` is the profile's full-text parameter; `text` is accepted as its other name.
    search_name = "search" if "search" in params else "text"
    search = (params.get(search_name) or "").strip() or None
    if search is not None and len(search) > SEARCH_MAX:
        errors[search_name] = f"{search_name} must be under {SEARCH_MAX} characters."
    if errors:
        raise ValidationError(errors)
    return ServiceQuery(
        search=search,
        page=page or 1,
        per_page=per_page or DEFAULT_PER_PAGE,
        minimum_age=minimum_age,
        maximum_age=maximum_age,
        modified_after=modified_after,
        **ids,
    )


def _listed() -> ColumnElement[bool]:
    return Organisation.status == OrganisationStatus.APPROVED


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _search(text: str | None) -> list[ColumnElement[bool]]:
    """Full-text search: every word must appear in the service's name, its category or its provider's
    name (any case; `%` and `_` are literal)."""
    conditions = []
    for word in (text or "").lower().split():
        pattern = f"%{_escape_like(word)}%"
        conditions.append(
            or_(
                func.lower(Service.name).like(pattern, escape="\\"),
                func.lower(Service.category).like(pattern, escape="\\"),
                func.lower(Organisation.name).like(pattern, escape="\\"),
            )
        )
    return conditions


def list_services(session: Session, query: ServiceQuery) -> dict:
    """One page of services with the profile's page object (`total_items`, `total_pages`, …)."""
    conditions = [_listed(), *_search(query.search)]
    if query.organization_id is not None:
        conditions.append(Organisation.uuid == query.organization_id)
    if query.modified_after is not None:
        # A listed service's `last_modified` is the later of its own and its organisation's change.
        conditions.append(
            or_(Service.updated_at >= query.modified_after, Organisation.updated_at >= query.modified_after)
        )
    if query.taxonomy_id is not None and query.taxonomy_id != CATEGORY_TAXONOMY_ID:
        conditions.append(false())  # the only taxonomy here is the service categories
    if query.taxonomy_term_id is not None:
        categories = [
            category
            for category in session.scalars(select(Service.category).distinct())
            if category_term_id(category) == query.taxonomy_term_id
        ]
        conditions.append(Service.category.in_(categories) if categories else false())
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
