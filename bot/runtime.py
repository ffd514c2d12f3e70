"""What a CLI command or the worker needs: settings and a database, built from the environment."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from bot.settings import Settings, load_settings
from models.db import make_engine, make_session_factory


@dataclass
class Context:
    settings: Settings
    engine: Engine
    session_factory: sessionmaker[Session]


def build_context(settings: Settings | None = None, *, mail: bool = True, **overrides: object) -> Context:
    """`mail=False` for a command that queues nothing (a report, a schema change): e-mail's set-up signs
    links with SECRET_KEY, and would warn of a missing one that such a command never uses."""
    settings = settings or load_settings(**overrides)
    if mail:
        from bot import email

        email.configure(settings)  # what a command queues for board members outside Slack is e-mailed
    install_renderers()
    engine = make_engine(settings.database_url)
    return Context(settings, engine, make_session_factory(engine))


def install_renderers() -> None:
    """The Slack layer's renderers that the domain reaches without a caller passing them: the Home tab
    of a member removed (`models.leavers`), whether by the officer, the command line or the network file."""
    from handlers.intake_views import RENDERER
    from models.leavers import use_leaver_home

    use_leaver_home(RENDERER)
