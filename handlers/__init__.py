"""Slack listeners: parse the payload, call one domain function, render Block Kit. Thin."""

from __future__ import annotations

from slack_bolt import App
from sqlalchemy.orm import Session, sessionmaker


def register(app: App, session_factory: sessionmaker[Session]) -> None:
    """Attach the error handler, the form reader and every listener to a Bolt app.

    Sessions and the parsed form come from `handlers.middleware`; refusals go out through `handlers.errors`.
    """
    from handlers import (
        commands,
        dashboard,  # noqa: F401  (registers `/linkedup dashboard`)
        errors,
        membership,  # noqa: F401  (registers `/linkedup member add|remove`)
        middleware,
    )

    errors.register(app)
    app.middleware(middleware.with_form)
    commands.register(app)
    from handlers import feedback, home, issues, joining, returns  # intake

    for intake_module in (issues, joining, returns, feedback, home):
        intake_module.register(app)
    from handlers import bulletins  # the monthly bulletin; also registers `/linkedup article`

    bulletins.register(app)
    from handlers import bulletin_desk  # `/linkedup bulletin` and its buttons

    bulletin_desk.register(app)
    from handlers import escalations  # routing and the ladder; also registers its sub-commands

    escalations.register(app)
    from handlers import surveys  # "Have your say": `/linkedup survey`, Answer, the answer pages

    surveys.register(app)
    from handlers import notices  # targeted notices: `/linkedup notice`, its modals and the card's buttons

    notices.register(app)
    from handlers import audience_picker  # the notice and survey forms' organisation type-ahead

    audience_picker.register(app)
