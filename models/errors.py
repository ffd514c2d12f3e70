"""Typed domain errors. Handlers turn them into inline modal errors, ephemeral replies or HTTP codes."""

from __future__ import annotations


class DomainError(Exception):
    """Base for every error a user can be shown as it is."""


class ValidationError(DomainError):
    """One or more fields are wrong; `errors` maps a field name to a message for that field."""

    def __init__(self, errors: dict[str, str]):
        self.errors = dict(errors)
        super().__init__("; ".join(f"{field}: {message}" for field, message in self.errors.items()))


class NotAllowed(DomainError):
    """The person may not do this; the message says why."""


class NotRegistered(NotAllowed):
    """The Slack user belongs to no organisation of the network yet."""

    def __init__(self, message: str | None = None):
        super().__init__(
            message
            or "You are not part of a registered organisation yet. "
            "Type `/linkedup join` to register your organisation or join an existing one."
        )


class NotFound(DomainError):
    """The thing asked for does not exist (or is not visible to the person asking)."""


class Unavailable(DomainError):
    """A dependency (database, Slack, Mailchimp) failed; nothing was saved and it can be retried."""
