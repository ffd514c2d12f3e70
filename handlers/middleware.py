"""Per-request database sessions for Bolt listeners.

Bolt runs global middleware first and the listener afterwards (not inside `next()`), so a session
opened and closed in a middleware would be closed before the listener uses it — and a listener that
then reads would leave a connection idle in a transaction. The session therefore lives for the whole
`dispatch`: opened before the middleware chain, rolled back and closed after the listener returns.
Listeners commit explicitly after their domain call succeeds; whatever is left uncommitted (an
error, a refused input) is rolled back here. Each request has its own session, so the thread pool
never shares one. This relies on `process_before_response=True` (listeners run inside dispatch).
"""

from __future__ import annotations

from slack_bolt import App, BoltRequest, BoltResponse
from sqlalchemy.orm import Session, sessionmaker


class SessionScopedApp(App):
    """A Bolt app that gives every request its own SQLAlchemy session as `context["db"]`."""

    def __init__(self, *args, session_factory: sessionmaker[Session], **kwargs):
        super().__init__(*args, **kwargs)
        self._session_factory = session_factory

    def dispatch(self, req: BoltRequest) -> BoltResponse:
        session = self._session_factory()
        req.context["db"] = session
        try:
            return super().dispatch(req)
        finally:
            session.rollback()
            session.close()
