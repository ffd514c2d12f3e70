"""Services typed one per line in the join form: `name | category | ages | places available/maximum`.

A form with one block per service would run into Slack's 100-block limit and make the modal
endless; a short line per service is quick to type, and each mistake is reported by line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

SEPARATORS = re.compile(r"\s*[|;]\s*")
MAX_SERVICES = 100
NAME_MAX = 200
CATEGORY_MAX = 80
PLACES_MAX = 100_000
EXAMPLE = "Young carers group | young carers | 8-18 | 5/20"


@dataclass(frozen=True)
class ServiceLine:
    name: str
    category: str
    min_age: int | None = None
    max_age: int | None = None
    places_available: int | None = None
    places_maximum: int | None = None


class ServiceLineError(ValueError):
    """One line cannot be read; the message says what is expected."""


def parse_services(text: str | None) -> list[ServiceLine]:
    """Every non-empty line as a service; ServiceLineError names each bad line (up to three)."""
    lines = [line.strip() for line in (text or "").splitlines()]
    lines = [line for line in lines if line]
    if len(lines) > MAX_SERVICES:
        raise ServiceLineError(f"Register up to {MAX_SERVICES} services here; the officer can add more.")
    services, problems, seen = [], [], set()
    for number, line in enumerate(lines, start=1):
        try:
            service = parse_service_line(line)
        except ServiceLineError as exc:
            problems.append(f"Line {number} (“{line[:40]}”): {exc}")
            continue
        if service.name.casefold() in seen:
            problems.append(f"Line {number}: “{service.name[:40]}” is listed twice.")
            continue
        seen.add(service.name.casefold())
        services.append(service)
    if problems:
        more = f" …and {len(problems) - 3} more." if len(problems) > 3 else ""
        raise ServiceLineError(" ".join(problems[:3]) + more)
    return services


def parse_service_line(line: str) -> ServiceLine:
    parts = SEPARATORS.split(line.strip())
    if len(parts) > 4:
        raise ServiceLineError(f"use at most 4 parts separated by |, e.g. {EXAMPLE}")
    name = parts[0]
    category = parts[1] if len(parts) > 1 else ""
    if not name:
        raise ServiceLineError("start with the service's name.")
    if len(name) > NAME_MAX:
        raise ServiceLineError(f"keep the name to {NAME_MAX} characters.")
    if not category:
        raise ServiceLineError(f"add its category after a |, e.g. {EXAMPLE}")
    if len(category) > CATEGORY_MAX:
        raise ServiceLineError(f"keep the category to {CATEGORY_MAX} characters.")
    min_age, max_age = parse_ages(parts[2]) if len(parts) > 2 else (None, None)
    available, maximum = parse_places(parts[3]) if len(parts) > 3 else (None, None)
    return ServiceLine(name, category, min_age, max_age, available, maximum)


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
        raise ServiceLineError("write the ages like 8-18, 16+ or all ages.")
    low, high = int(span.group(1)), int(span.group(2))
    if low > high:
        raise ServiceLineError(f"the youngest age ({low}) is above the oldest ({high}).")
    return low, high


def parse_places(text: str) -> tuple[int | None, int | None]:
    """ "5/20" or "5 of 20" → (places available now, maximum places)."""
    cleaned = text.strip().lower().replace(",", "")
    if not cleaned:
        return None, None
    match = re.fullmatch(r"(\d{1,6})\s*(?:/|of)\s*(\d{1,6})", cleaned)
    if not match:
        raise ServiceLineError("write places as available/maximum, e.g. 5/20.")
    available, maximum = int(match.group(1)), int(match.group(2))
    if maximum > PLACES_MAX:
        raise ServiceLineError(f"a maximum of {maximum} places looks wrong; check the number.")
    if available > maximum:
        raise ServiceLineError(f"{available} places available is more than the maximum of {maximum}.")
    return available, maximum


def format_service_line(service: ServiceLine) -> str:
    """The line that reads back as `service` (used to show a registration to the officer)."""
    parts = [service.name, service.category]
    if service.min_age is not None or service.places_maximum is not None:
        if service.min_age is None:
            parts.append("all ages")
        elif service.max_age is None:
            parts.append(f"{service.min_age}+")
        else:
            parts.append(f"{service.min_age}-{service.max_age}")
    if service.places_maximum is not None:
        parts.append(f"{service.places_available}/{service.places_maximum}")
    return " | ".join(parts)
