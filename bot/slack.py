"""Building the Bolt app: signed requests, the Web API client pointed where settings say."""

from __future__ import annotations

import json
import logging

from slack_bolt import App, BoltRequest, BoltResponse
from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
)
from sqlalchemy.orm import Session, sessionmaker

import handlers
from bot.log_privacy import slack_logger
from bot.settings import SLACK_VARIABLES, Settings
from bot.signing import signing_key
from bot.slack_transport import KeptAliveWebClient, kept_alive_copy
from handlers.middleware import SessionScopedApp

log = logging.getLogger(__name__)

SLACK_DISABLED = (
    "Slack is disabled: set {variables} to enable /slack/events (and SLACK_APP_TOKEN for `linkedup socket`)."
)


# Slack gives a request 3 seconds (and a trigger id about as long): a listener's own call to Slack
# must give up before that, so the person is told something instead of seeing Slack's error.
REQUEST_TIMEOUT = 2.5
WORKER_TIMEOUT = 10
INLINE_RETRY_AFTER_MAX = 1  # seconds a call may wait, in place, for Slack's Retry-After


class BriefRateLimitRetry(RateLimitErrorRetryHandler):
    """Retry a 429 once, but only when Slack asks for a short wait.

    The SDK's handler sleeps for whatever Retry-After says (often 30 seconds or more): inside a
    request that blows Slack's 3-second budget, and in the worker it holds the outbox row's lock
    all the while. A longer wait is left to the caller: the outbox schedules the row for after
    Retry-After, and a listener tells the person Slack is busy (`handlers.errors`).
    """

    def _can_retry(self, *, state, request, response=None, error=None) -> bool:
        if not super()._can_retry(state=state, request=request, response=response, error=error):
            return False
        for name, values in (response.headers or {}).items():
            if name.lower() == "retry-after":
                value = values[0] if isinstance(values, list | tuple) else values
                try:
                    return int(value) <= INLINE_RETRY_AFTER_MAX
                except (TypeError, ValueError):
                    return False
        return True


def sdk_logger() -> logging.Logger:
    """`slack_logger()` with its level pinned to the one logging applies to it now.

    Slack's SDK and Bolt ask `logger.level <= DEBUG`, not `isEnabledFor(DEBUG)`: on a logger left
    at NOTSET (0) that is true, so every Web API call built a debug line quoting its whole request
    and response (a modal's JSON) and Bolt more per listener, for logging to drop them — about a
    millisecond of CPU a request. With the level pinned that work is skipped; at `-v` (or any
    DEBUG configured before the app is built) the level is DEBUG and everything is still logged.
    """
    logger = slack_logger()
    if logger.level == logging.NOTSET:
        logger.setLevel(logger.getEffectiveLevel())
    return logger


def web_client(settings: Settings, *, timeout: float = WORKER_TIMEOUT) -> WebClient:
    """The Web API client every Slack call goes through, honouring SLACK_API_URL and Retry-After.

    Its calls reuse open connections (`bot.slack_transport`).
    """
    token = settings.slack_bot_token.get_secret_value() if settings.slack_bot_token else None
    return KeptAliveWebClient(
        token=token,
        base_url=settings.slack_base_url,
        timeout=timeout,
        logger=sdk_logger(),  # request and response bodies never reach the logs (bot.log_privacy)
        retry_handlers=[
            ConnectionErrorRetryHandler(max_retry_count=1),
            BriefRateLimitRetry(max_retry_count=1),
        ],
    )


class LinkedUpApp(SessionScopedApp):
    """Bolt with a per-request client that keeps connections to Slack open.

    Bolt builds a plain `WebClient` for every request (so a listener can change its token safely);
    this swaps it for the same client on the shared connection pool, so a listener's `views.open`
    reuses a connection instead of opening one (and, to slack.com, a TLS handshake) per request.
    """

    def _init_context(self, req: BoltRequest) -> None:
        super()._init_context(req)
        req.context["client"] = kept_alive_copy(req.context["client"])


def build_bolt_app(settings: Settings, session_factory: sessionmaker[Session]) -> App:
    """The Bolt app with every listener registered.

    `process_before_response=True` runs the listener before answering Slack: listeners are quick
    (a database write and at most one Web API call), the answer can carry the ephemeral reply or
    the modal errors, and it avoids the thread runner's 10 ms ack polling.
    """
    app = LinkedUpApp(
        session_factory=session_factory,
        client=web_client(settings, timeout=REQUEST_TIMEOUT),
        signing_secret=settings.slack_signing_secret.get_secret_value(),
        process_before_response=True,
        raise_error_for_unhandled_request=False,
        logger=sdk_logger(),
    )

    @app.middleware
    def with_settings(context, next):
        """Listeners that need configuration (the dashboard's PUBLIC_URL and signing key) read it here."""
        context["settings"] = settings
        context["signing_key"] = signing_key(settings)
        next()

    @app.middleware
    def only_our_workspace(context, body, next):
        """The bot serves one workspace: a request naming another team (or none) changes nothing.

        Bolt's single-workspace authorisation calls `auth.test` but never compares its team with
        the request's, so without this a request from another workspace (a second installation, a
        Slack Connect partner) would act on this network's data.
        """
        ours = context.authorize_result.team_id if context.authorize_result else None
        if ours is not None and context.team_id == ours:
            return next()
        log.warning("refused a Slack request from workspace %s; this bot serves %s", context.team_id, ours)
        if body.get("command"):
            text = "Linked-up serves its own Slack workspace only; nothing was done."
            return BoltResponse(
                status=200,
                body=json.dumps({"response_type": "ephemeral", "text": text}),
                headers={"content-type": "application/json"},
            )
        return BoltResponse(status=403, body={"error": "wrong_workspace"})

    handlers.register(app, session_factory)
    return app


def disabled_message() -> str:
    return SLACK_DISABLED.format(variables=" and ".join(SLACK_VARIABLES))
