"""Services entered in the join form, one group of fields each: name, category from a list, ages, places.

Each service is its own small group of inputs (not a `name | category | ages | places` line to type),
so every mistake is shown under the field it is about. A group costs the form four blocks and Slack
allows 100 in a modal, so a form registers at most MAX_SERVICES_PER_FORM services; the officer adds
more after approval. Categories come from a list (the network's own and the common ones), so they
read the same across organisations and in Open Referral.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.errors import ValidationError
from models.network import Service

MAX_SERVICES_PER_FORM = 10
NAME_MAX = 200
PLACES_MAX = 100_000
CATEGORIES_MAX = 100  # options in one Slack select
FIELDS = ("name", "category", "ages", "places")
COMMON_CATEGORIES = (
    "advice and information",
    "befriending and mentoring",
    "counselling",
    "domestic abuse support",
    "early years",
    "education support",
    "employment and training",
    "family support",
    "health",
    "holiday activities",
    "mental health",
    "parenting",
    "play",
    "SEND family support",
    "sport and physical activity",
    "young carers",
    "youth club",
    "other",
)


@dataclass(frozen=True)
class ServiceLine:
    name: str
    category: str
    min_age: int | None = None
    max_age: int | None = None
    places_available: int | None = None
    places_maximum: int | None = None


class FieldError(ValueError):
    """One field cannot be read; the message says what is expected."""


def field_id(number: int, field: str) -> str:
    """The block id of a service's field in the form: `service_2_ages`."""
    return f"service_{number}_{field}"


def service_categories(session: Session) -> list[str]:
    """The categories to choose from: the common ones and those the network's services already use."""
    used = session.scalars(select(Service.category).distinct().where(Service.category.is_not(None)))
    chosen = {category.strip() for category in (*COMMON_CATEGORIES, *used) if category and category.strip()}
    ordered = sorted(chosen - {"other"}, key=str.casefold)
    return [*ordered[: CATEGORIES_MAX - 1], "other"]


def parse_entries(form: Mapping[str, object], count: int, categories: list[str]) -> list[ServiceLine]:
    """The services filled in (groups left empty are skipped); ValidationError names each bad field."""
    services: list[ServiceLine] = []
    errors: dict[str, str] = {}
    seen: set[str] = set()
    for number in range(1, min(count, MAX_SERVICES_PER_FORM) + 1):
        values = {field: str(form.get(field_id(number, field)) or "").strip() for field in FIELDS}
        if not any(values.values()):
            continue
        try:
            service = _entry(number, values, categories, seen)
        except _EntryErrors as exc:
            errors.update(exc.errors)
            continue
        seen.add(service.name.casefold())
        services.append(service)
    if errors:
        raise ValidationError(errors)
    return services


class _EntryErrors(Exception):
    def __init__(self, errors: dict[str, str]):
        super().__init__(errors)
        self.errors = errors


def _entry(number: int, values: dict[str, str], categories: list[str], seen: set[str]) -> ServiceLine:
    errors: dict[str, str] = {}
    name, category = values["name"], values["category"]
    if not name:
        errors[field_id(number, "name")] = "Give this service a name (or clear its other fields)."
    elif len(name) > NAME_MAX:
        errors[field_id(number, "name")] = f"Keep the name to {NAME_MAX} characters."
    elif name.casefold() in seen:
        errors[field_id(number, "name")] = "This service is listed twice."
    if category not in categories:
        errors[field_id(number, "category")] = "Choose the service's category from the list."
    ages = places = (None, None)
    try:
        ages = parse_ages(values["ages"])
    except FieldError as exc:
        errors[field_id(number, "ages")] = str(exc)
    try:
        places = parse_places(values["places"])
    except FieldError as exc:
        errors[field_id(number, "places")] = str(exc)
    if errors:
        raise _EntryErrors(errors)
    return ServiceLine(name, category, *ages, *places)


def parse_ages(text: str) -> tuple[int | None, int | None]:
    """ "8-18", "8 to 18", "16+", "all ages" (or empty) → (minimum, maximum)."""
    cleaned = text.strip().lower().removesuffix("years").removesuffix("yrs").strip()
    if cleaned in {"", "all", "all ages", "any", "any age"}:
        return None, None
    plus = re.fullmatch(r"(\d{1,2})\s*\+", cleaned)
    if plus:
        return int(plus.group(1)), None
    span = re.fullmatch(r"(\d{1,2})\s*(?:-|–|to)\s*(\d{1,2})", cleaned)
    if not span:
        raise FieldError("Write the ages like 8-18, 16+ or all ages.")
    low, high = int(span.group(1)), int(span.group(2))
    if low > high:
        raise FieldError(f"The youngest age ({low}) is above the oldest ({high}).")
    return low, high


def parse_places(text: str) -> tuple[int | None, int | None]:
    """ "5/20" or "5 of 20" → (places available now, maximum places); empty when not known."""
    cleaned = text.strip().lower().replace(",", "")
    if not cleaned:
        return None, None
    match = re.fullmatch(r"(\d{1,6})\s*(?:/|of)\s*(\d{1,6})", cleaned)
    if not match:
        raise FieldError("Write places as available/maximum, e.g. 5/20.")
    available, maximum = int(match.group(1)), int(match.group(2))
    if maximum > PLACES_MAX:
        raise FieldError(f"A maximum of {maximum} places looks wrong; check the number.")
    if available > maximum:
        raise FieldError(f"{available} places available is more than the maximum of {maximum}.")
    return available, maximum
