"""What every listener finds in its context: a per-request database session and the submitted form.

The form: a view submission's `view.state.values` is parsed once, here, into a plain dict in
`context["form"]` (block id → value), so listeners read fields by name and never walk Slack's
nested state themselves (the idiom Netflix Dispatch uses).

The session: the rest of this note explains why it is not an ordinary middleware.
Bolt runs global middleware first and the listener afterwards (not inside `next()`), so a session
opened and closed in a middleware would be closed before the listener uses it — and a listener that
then reads would leave a connection idle in a transaction. The session therefore lives for the whole
`dispatch`: opened before the middleware chain, rolled back and closed after the listener returns.
Listeners commit explicitly after their domain call succeeds; whatever is left uncommitted (an
error, a refused input) is rolled back here. Each request has its own session, so the thread pool
never shares one. This relies on `process_before_response=True` (listeners run inside dispatch).
"""

from __future__ import annotations

from slack_bolt import App, BoltContext, BoltRequest, BoltResponse
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


def form_values(view: dict) -> dict[str, object]:
    """The submitted value of each input block, by block id.

    Text and number inputs give a string (or None when empty), selects and radio buttons the
    chosen option's value (or None), checkboxes and multi-selects the list of chosen values,
    date, user and conversation pickers what was picked.
    """
    values: dict[str, object] = {}
    for block_id, actions in ((view.get("state") or {}).get("values") or {}).items():
        for element in (actions or {}).values():
            values[block_id] = element_value(element or {})
            break
    return values


def element_value(element: dict) -> object:
    if "selected_options" in element:
        return [option.get("value") for option in element.get("selected_options") or []]
    if "selected_option" in element:
        option = element.get("selected_option")
        return option.get("value") if option else None
    for key in ("value", "selected_date", "selected_user", "selected_channel", "selected_conversation"):
        if key in element:
            return element[key]
    return None


def with_form(body: dict, context: BoltContext, next) -> None:
    """Global middleware: a submitted view's inputs as a plain dict in `context["form"]`."""
    if body.get("type") == "view_submission":
        context["form"] = form_values(body.get("view") or {})
    next()
