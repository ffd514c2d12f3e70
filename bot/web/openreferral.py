"""`/openreferral`: the network's directory as an Open Referral UK API, for local service finders.

Read-only, public (no sign-in: it carries only public directory facts), and answerable from a
browser on another site (CORS `*`). Bad query parameters get a 400 with the reason as JSON.
"""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, request

from models.errors import NotFound, ValidationError
from reporting import open_referral

bp = Blueprint("openreferral", __name__, url_prefix="/openreferral")


def _session():
    return current_app.extensions["linkedup"].session_factory()


@bp.after_request
def _public(response):
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers.setdefault("Cache-Control", "public, max-age=300")
    return response


@bp.get("/")
def meta():
    return jsonify(open_referral.meta())


@bp.get("/services")
def services():
    query = open_referral.parse_service_query(request.args.to_dict())
    session = _session()
    try:
        return jsonify(open_referral.list_services(session, query))
    finally:
        session.close()


@bp.get("/services/<service_id>")
def service(service_id: str):
    session = _session()
    try:
        return jsonify(open_referral.get_service(session, service_id))
    finally:
        session.close()


@bp.errorhandler(ValidationError)
def _bad_request(error: ValidationError):
    response = jsonify(error="bad request", detail=error.errors)
    response.status_code = 400
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.errorhandler(400)
def _bad_query(error):
    """A query string refused before any view ran (`bot.web.hardening`): JSON like every answer here."""
    response = jsonify(error="bad request", detail=error.description)
    response.status_code = 400
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.errorhandler(NotFound)
def _not_found(error: NotFound):
    response = jsonify(error="not found", detail=str(error))
    response.status_code = 404
    response.headers["Cache-Control"] = "no-store"
    return response
