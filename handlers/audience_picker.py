"""The type-ahead behind the notice and survey forms' "named organisations", in a large network.

A Slack select lists at most 100 options; a network with more approved organisations gets an
external multi-select (`handlers.blockkit.many_of`), and Slack asks here, as the sender types, for
the organisations whose name contains what they typed.
"""

from __future__ import annotations

from slack_bolt import Ack, App, BoltContext

from audience.choosing import matching_organisations
from handlers.blockkit import OPTIONS_MAX, option
from handlers.ids import AudienceAction


def organisation_options(ack: Ack, body: dict, context: BoltContext) -> None:
    typed = body.get("value") if isinstance(body.get("value"), str) else ""
    found = matching_organisations(context["db"], typed, limit=OPTIONS_MAX)
    ack(options=[option(name, str(org_id)).to_dict() for org_id, name in found])


def register(app: App) -> None:
    app.options(AudienceAction.PICK_ORGANISATIONS)(organisation_options)
