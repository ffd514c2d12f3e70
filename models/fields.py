"""Reading form values the way a person typed them, with one clear message per wrong field.

Domain functions take what the person entered (strings from a modal, or plain values from a
test or the CLI) and use these helpers, which add `field → message` to an `errors` dict instead
of raising at the first problem, so a form shows every mistake at once.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from email_validator import EmailNotValidError, validate_email

_WHOLE = re.compile(r"^[+]?\d+$")
_RECORD_ID = re.compile(r"^[0-9]{1,18}$")
_PAGE = re.compile(r"^[0-9]{1,9}$")
# Control, format (zero-width) and space characters show nothing; nor do the Hangul fillers and the
# blank Braille pattern, though Unicode files them as letters and symbols.
_INVISIBLE_CATEGORIES = frozenset({"Cc", "Cf", "Zs", "Zl", "Zp"})
_BLANK_LETTERS = frozenset("\u115f\u1160\u3164\uffa0\u2800")
# More digits than any count or id the bot keeps; also keeps int() away from Python's 4,300-digit limit.
_MAX_DIGITS = 18


def record_id(value: object) -> int | None:
    """The database id a button, select or modal's metadata names, or None if it names none.

    Ids come back from Slack as text that a crafted request can set to anything: only 1 to 18
    ASCII digits are an id (`"²".isdigit()` is true but `int("²")` fails; 5,000 digits exceed
    Python's int() limit and every database's integer type).
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if 0 < value < 10**_MAX_DIGITS else None
    cleaned = value.strip() if isinstance(value, str) else ""
    if not _RECORD_ID.match(cleaned):
        return None
    number = int(cleaned)
    return number if number > 0 else None


def page_number(value: object, *, low: int = 1, high: int = 10**9 - 1) -> int | None:
    """A page number or page size from a query string, or None when it is not one.

    Only ASCII digits count (`"²".isdigit()` is true but `int("²")` fails), at most nine of them.
    """
    cleaned = value.strip() if isinstance(value, str) else ""
    if not _PAGE.match(cleaned):
        return None
    number = int(cleaned)
    return number if low <= number <= high else None


def visible(value: str) -> bool:
    """True when the text shows something: not only spaces, zero-width and other invisible characters."""
    return any(
        unicodedata.category(char) not in _INVISIBLE_CATEGORIES and char not in _BLANK_LETTERS
        for char in value
    )


def text(
    value: object,
    field: str,
    errors: dict[str, str],
    *,
    label: str,
    required: bool = False,
    max_length: int,
) -> str | None:
    """Trimmed text from a person, or None when empty; too long or missing-but-required adds an error.

    Text with nothing visible in it (only zero-width characters, say) is empty. A NUL character
    cannot be stored (PostgreSQL refuses it), so it is an error the person can fix.
    """
    cleaned = str(value).strip() if value is not None else ""
    if not visible(cleaned):
        if required:
            errors[field] = f"Enter {label}."
        return None
    if "\x00" in cleaned:
        errors[field] = f"Remove the NUL character from {label} (it cannot be stored); then send it again."
        return None
    if len(cleaned) > max_length:
        errors[field] = f"Keep {label} to {max_length} characters (this is {len(cleaned)})."
        return None
    return cleaned


def whole_number(
    value: object,
    field: str,
    errors: dict[str, str],
    *,
    label: str,
    required: bool = True,
    maximum: int | None = None,
) -> int | None:
    """A count or a number of weeks: a whole number from 0 up to `maximum`."""
    if isinstance(value, bool):  # bool is an int in Python; never a count
        errors[field] = f"Enter {label} as a number."
        return None
    if isinstance(value, int):
        number = value
    else:
        cleaned = str(value).strip().replace(",", "") if value is not None else ""
        if not cleaned:
            if required:
                errors[field] = f"Enter {label}."
            return None
        if cleaned.startswith("-") and _WHOLE.match(cleaned[1:]):
            errors[field] = f"{label.capitalize()} cannot be negative."
            return None
        if not _WHOLE.match(cleaned):
            errors[field] = f"Enter {label} as a whole number, e.g. 12 (you entered “{cleaned[:40]}”)."
            return None
        if len(cleaned.lstrip("+").lstrip("0")) > _MAX_DIGITS:
            errors[field] = f"{label.capitalize()} is far too large." + (
                f" It cannot be more than {maximum}." if maximum is not None else ""
            )
            return None
        number = int(cleaned)
    if number < 0:
        errors[field] = f"{label.capitalize()} cannot be negative."
        return None
    if maximum is not None and number > maximum:
        errors[field] = f"{label.capitalize()} cannot be more than {maximum}."
        return None
    return number


def email(value: object, field: str, errors: dict[str, str], *, required: bool = True) -> str | None:
    """A syntactically valid address (no DNS lookups: the bot may run without network access)."""
    cleaned = str(value).strip() if value is not None else ""
    if not cleaned:
        if required:
            errors[field] = "Enter a contact email address."
        return None
    if len(cleaned) > 254:
        errors[field] = "That email address is too long."
        return None
    if "\x00" in cleaned:
        errors[field] = "An email address cannot contain a NUL character."
        return None
    try:
        return validate_email(cleaned, check_deliverability=False).normalized
    except EmailNotValidError as exc:
        errors[field] = f"“{cleaned[:60]}” is not an email address: {exc}"
        return None


def choice(
    value: object,
    field: str,
    errors: dict[str, str],
    *,
    allowed: Iterable[str],
    label: str,
    required: bool = True,
) -> str | None:
    """One of the allowed values (a select or radio button), or an error naming what to do."""
    cleaned = str(value).strip() if value is not None else ""
    if not cleaned:
        if required:
            errors[field] = f"Choose {label}."
        return None
    if cleaned not in set(allowed):
        errors[field] = f"Choose {label} from the list."
        return None
    return cleaned


def flag(value: object) -> bool:
    """A yes/no: a checked checkbox arrives as a non-empty list of selected values."""
    if isinstance(value, str):
        return value.strip().lower() in {"yes", "true", "1", "on"}
    return bool(value)
