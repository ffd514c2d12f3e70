"""Errors particular to escalations (all are `DomainError`s the Slack layer shows as they are)."""

from __future__ import annotations

from models.errors import NotAllowed


class MovedOn(NotAllowed):
    """The escalation is no longer in the state the button or modal was made for.

    A stale button (or the second of two people pressing Respond at once) gets this, with the
    item's current state in words, and changes nothing.
    """
