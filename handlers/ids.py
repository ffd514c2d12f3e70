"""Every action_id, callback_id and shortcut id, named once, so listeners and views agree."""

from __future__ import annotations

import enum

COMMAND = "/linkedup"


class Shortcut(enum.StrEnum):
    RAISE_ISSUE = "raise_linkedup_issue"


class Callback(enum.StrEnum):
    """View callback ids (modals)."""


class Action(enum.StrEnum):
    """Block action ids (buttons, selects)."""
