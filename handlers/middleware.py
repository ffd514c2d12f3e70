"""Per-listener database sessions.

Bolt runs listeners in a thread pool, so a session must never be shared between requests: each
request gets its own, listeners commit explicitly after their domain call succeeds, and whatever
is left uncommitted (an error, a refused input) is rolled back here.
"""

from __future__ import annotations

from slack_bolt import App, BoltContext
from sqlalchemy.orm import Session, sessionmaker


def register(app: App, session_factory: sessionmaker[Session]) -> None:
    @app.middleware
    def db_session(context: BoltContext, next):
        session = session_factory()
        context["db"] = session
        try:
            next()
        finally:
            session.rollback()
            session.close()
