"""The application factory: one Flask app, with the Bolt app behind `/slack/events`."""

from __future__ import annotations

import importlib
import logging
from dataclasses import dataclass

from flask import Flask, current_app, jsonify, request
from slack_bolt import App
from slack_bolt.adapter.flask.handler import to_flask_response
from slack_sdk.signature import SignatureVerifier
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session, sessionmaker

from bot import email, log_privacy, outbox_sender
from bot.outbox_sender import OutboxSender
from bot.runtime import install_renderers
from bot.settings import Settings, load_settings
from bot.slack import build_bolt_app, disabled_message
from bot.slack_http import Refused, admit
from bot.web import WEB_MODULES
from models.db import make_engine, make_session_factory

log = logging.getLogger(__name__)


@dataclass
class Runtime:
    """What the web process holds: settings, the database and (when enabled) the Bolt app."""

    settings: Settings
    engine: Engine
    session_factory: sessionmaker[Session]
    bolt: App | None
    sender: OutboxSender | None = None  # delivers what a request queues once it commits


def runtime() -> Runtime:
    return current_app.extensions["linkedup"]


def create_app(
    settings: Settings | None = None, *, engine: Engine | None = None, deliver_at_once: bool = False
) -> Flask:
    """The app; a server (`bot.wsgi`, `linkedup serve`) passes `deliver_at_once=True` so what a request
    queues in the outbox is sent as soon as it commits (`bot.outbox_sender`). Without it (a test client,
    a script) the outbox waits for `deliver_due`, the worker's poll."""
    settings = settings or load_settings()
    log_privacy.install()
    email.configure(settings)  # board members outside Slack: the domain's e-mails, Notify or SMTP
    install_renderers()  # a leaver's Home tab, however they are removed
    engine = engine or make_engine(settings.database_url)
    session_factory = make_session_factory(engine)
    sender = outbox_sender.attach(settings, session_factory) if deliver_at_once else None
    bolt = None
    if settings.slack_enabled:
        bolt = build_bolt_app(settings, session_factory)
    else:
        log.warning(disabled_message())

    app = Flask(__name__)
    app.config["SECRET_KEY"] = settings.secret_key.get_secret_value() if settings.secret_key else None
    app.extensions["linkedup"] = Runtime(settings, engine, session_factory, bolt, sender)
    verifier = SignatureVerifier(settings.slack_signing_secret.get_secret_value()) if bolt else None

    @app.post("/slack/events")
    def slack_events():
        if bolt is None or verifier is None:
            return jsonify(error="slack disabled", detail=disabled_message()), 503
        try:
            bolt_request = admit(request, verifier)  # signed, of Slack's kinds, well-formed (bot.slack_http)
        except Refused as refused:
            return refused.response()
        return to_flask_response(bolt.dispatch(bolt_request))

    @app.get("/healthz")
    def healthz():
        try:
            with engine.connect() as connection:
                connection.execute(text("SELECT 1"))
        except Exception as exc:  # any driver error means "not reachable"
            log.warning("health check: database unreachable: %s", type(exc).__name__)
            return jsonify(status="error", database="unreachable"), 503
        return jsonify(
            status="ok",
            database="ok",
            slack="enabled" if bolt else "disabled",
            mailchimp="enabled" if settings.mailchimp_enabled else "disabled",
        )

    for name in WEB_MODULES:
        app.register_blueprint(importlib.import_module(name).bp)
    return app
