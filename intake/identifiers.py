"""Organisation identifiers as org-ids (`GB-CHC-1234567`), validated per register.

People type numbers the way they appear on letters ("1234567", "SC012345", "NIC100002",
"1234567" for a company missing its leading zero) or as a full org-id. We store one canonical
org-id so the same organisation can never be registered twice under two spellings.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


class InvalidIdentifier(ValueError):
    """The number does not fit the chosen register's format; the message says what does."""


@dataclass(frozen=True)
class Scheme:
    code: str
    label: str
    example: str
    rule: str


SCHEMES: dict[str, Scheme] = {
    s.code: s
    for s in (
        Scheme(
            "GB-CHC",
            "Charity Commission (England and Wales)",
            "1234567",
            "A Charity Commission number has 6 or 7 digits, e.g. 1234567.",
        ),
        Scheme(
            "GB-SC",
            "OSCR (Scottish Charity Regulator)",
            "SC012345",
            "A Scottish charity number is SC followed by 6 digits, e.g. SC012345.",
        ),
        Scheme(
            "GB-NIC",
            "Charity Commission for Northern Ireland",
            "NIC100002",
            "A Northern Ireland charity number has 5 or 6 digits, e.g. NIC100002 or 100002.",
        ),
        Scheme(
            "GB-COH",
            "Companies House",
            "01234567",
            "A Companies House number has 8 characters: 8 digits (e.g. 01234567) "
            "or 2 letters and 6 digits (e.g. SC123456).",
        ),
    )
}

# Companies House prefixes for the kinds of company a voluntary organisation may be: Scotland,
# Northern Ireland, LLPs, Scottish/NI LLPs, CIOs, registered and industrial & provident societies…
COMPANY_PREFIXES = frozenset(
    {
        "SC", "NI", "OC", "SO", "NC", "R0", "CE", "CS", "IP", "SP", "NP", "RS",
        "LP", "SL", "NL", "FC", "SF", "NF", "GE", "IC", "SI", "NO", "SE", "SR", "NR", "RC",
    }
)  # fmt: skip

_ORG_ID = re.compile(r"^(GB-(?:CHC|SC|NIC|COH))-(.+)$")
CANONICAL = re.compile(r"^GB-(?:CHC-\d{6,7}|SC-SC\d{6}|NIC-\d{5,6}|COH-(?:\d{8}|[A-Z][A-Z0-9]\d{6}))$")


def normalise_org_id(raw: str, scheme: str | None = None) -> str:
    """The canonical org-id for what was typed, or InvalidIdentifier saying what is expected.

    A full org-id ("GB-CHC-1234567") carries its own scheme; a bare number needs `scheme`.
    """
    compact = re.sub(r"[\s.]", "", raw or "").upper()
    if not compact:
        raise InvalidIdentifier("Enter the charity or company number.")
    if scheme is not None and scheme not in SCHEMES:
        raise InvalidIdentifier("Choose the register from the list.")
    typed = _ORG_ID.match(compact)
    if typed:
        typed_scheme, compact = typed.group(1), typed.group(2)
        if scheme and scheme != typed_scheme:
            raise InvalidIdentifier(
                f"That is a {SCHEMES[typed_scheme].label} identifier, but you chose "
                f"{SCHEMES[scheme].label}. Choose the matching register."
            )
        scheme = typed_scheme
    if scheme is None:
        raise InvalidIdentifier("Choose which register the number is from.")
    number = _NORMALISERS[scheme](compact)
    if number is None:
        raise InvalidIdentifier(SCHEMES[scheme].rule)
    return f"{scheme}-{number}"


def _charity_commission(value: str) -> str | None:
    return value if re.fullmatch(r"\d{6,7}", value) else None


def _oscr(value: str) -> str | None:
    match = re.fullmatch(r"(?:SC)?(\d{6})", value)
    return f"SC{match.group(1)}" if match else None


def _northern_ireland(value: str) -> str | None:
    match = re.fullmatch(r"(?:NIC)?(\d{5,6})", value)
    return match.group(1) if match else None


def _companies_house(value: str) -> str | None:
    if re.fullmatch(r"\d{1,8}", value):
        # Leading zeros are often dropped on letterheads; the register's number has 8 digits.
        return value.zfill(8)
    match = re.fullmatch(r"([A-Z][A-Z0-9])(\d{1,6})", value)
    if match and match.group(1) in COMPANY_PREFIXES:
        return match.group(1) + match.group(2).zfill(6)
    return None


_NORMALISERS = {
    "GB-CHC": _charity_commission,
    "GB-SC": _oscr,
    "GB-NIC": _northern_ireland,
    "GB-COH": _companies_house,
}
