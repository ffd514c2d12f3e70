"""`/mailchimp/webhook/<secret>`: Mailchimp's list webhooks (unsubscribe, cleaned, profile, …).

Mailchimp signs nothing, so the secret in the URL (MAILCHIMP_WEBHOOK_SECRET) is the only proof the
call is Mailchimp's: a wrong or unset secret answers 404, as if the URL did not exist, and changes
nothing. Mailchimp checks the URL with a GET when the webhook is saved and expects a 200.
"""

from __future__ import annotations

import hmac
import logging

from flask import Blueprint, abort, current_app, jsonify, request

from bulletins.webhooks import apply_webhook
from models.db import transaction
from models.errors import ValidationError

log = logging.getLogger(__name__)

bp = Blueprint("mailchimp", __name__)


def _check_secret(secret: str) -> None:
    runtime = current_app.extensions["linkedup"]
    expected = runtime.settings.mailchimp_webhook_secret
    if expected is None or not hmac.compare_digest(secret.encode(), expected.get_secret_value().encode()):
        abort(404)


@bp.get("/mailchimp/webhook/<secret>")
def validate(secret: str):
    """Mailchimp's URL check when the webhook is saved."""
    _check_secret(secret)
    return jsonify(status="ok")


@bp.post("/mailchimp/webhook/<secret>")
def receive(secret: str):
    _check_secret(secret)
    form = {key: value for key, value in request.form.items()}
    runtime = current_app.extensions["linkedup"]
    try:
        with transaction(runtime.session_factory) as session:
            result = apply_webhook(session, form)
    except ValidationError as exc:
        # Answer 200 anyway: Mailchimp disables a webhook that keeps failing, and retrying cannot help.
        log.warning("Mailchimp webhook ignored: %s", exc)
        return jsonify(status="ignored", reason=str(exc))
    log.info("Mailchimp webhook %s: %s", form.get("type"), result)
    return jsonify(status="ok", result=result)
