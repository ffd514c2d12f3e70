"""`/openreferral`: the network's directory as an Open Referral UK API, for local service finders.

Read-only, public (no sign-in: it carries only public directory facts), and answerable from a
browser on another site (CORS `*`). Every error is JSON too — a bad query parameter (400 with the
reason), an unknown id or path (404), a wrong method (405), a failure of ours (500) — since the
callers are programs that parse what comes back.
"""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, request
from werkzeug.exceptions import HTTPException, InternalServerError

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


def _json_error(error: HTTPException):
    response = jsonify(error=(error.name or "error").lower(), detail=error.description)
    response.status_code = error.code or 500
    response.headers["Cache-Control"] = "no-store"
    if error.code == 405 and (allowed := getattr(error, "valid_methods", None)):
        response.headers["Allow"] = ", ".join(allowed)
    return response


@bp.errorhandler(HTTPException)
def _http_error(error: HTTPException):
    """A query string refused before any view ran (`bot.web.hardening`), or any other HTTP error raised
    while answering: JSON like every answer here."""
    return _json_error(error)


@bp.errorhandler(Exception)
def _failure(error: Exception):
    """A failure of ours inside a view: logged as Flask logs it, answered as JSON."""
    if isinstance(error, HTTPException):
        return _json_error(error)
    current_app.log_exception(error)
    return _json_error(InternalServerError())


@bp.app_errorhandler(404)
@bp.app_errorhandler(405)
def _unrouted(error: HTTPException):
    """A path under /openreferral that no view answers (or a method none accepts) never reaches the
    blueprint's own handlers; answer it as JSON too, and leave every other path's error as it was."""
    if request.path == bp.url_prefix or request.path.startswith(bp.url_prefix + "/"):
        return _json_error(error)
    return error


@bp.errorhandler(NotFound)
def _not_found(error: NotFound):
    response = jsonify(error="not found", detail=str(error))
    response.status_code = 404
    response.headers["Cache-Control"] = "no-store"
    return response
