"""What every web answer shares: query strings refused when they hold control characters, and the
security headers.

A NUL byte in a query parameter reached PostgreSQL (which refuses it: a 500), and CR/LF in `next=`
reached a redirect's `Location` header (werkzeug refuses it: a 500). No parameter of ours can hold
a control character, so any such request is a 400 that names the parameter, before a view runs.

Headers (one tested `after_app_request` function rather than flask-talisman: the policy differs per
page — the bulletin preview is an e-mail that needs its inline styles, the dashboard needs a nonce
for the charts' scoped `<style>` — and that is a few lines here):

- every answer: `X-Content-Type-Options: nosniff`, `Referrer-Policy: no-referrer` (sign-in and
  preview links carry a token), `X-Frame-Options: DENY`;
- every HTML answer: a Content-Security-Policy with no script at all and `frame-ancestors 'none'`
  (a view may set a page-specific policy of its own, which is kept: the bulletin preview and the
  printable board report use `DOCUMENT_POLICY`, which allows their inline styles and no script);
- every dashboard answer (signed-in pages, the sign-in page): `Cache-Control: no-store`, so a
  shared computer's browser cache or a proxy keeps no copy of the figures.
"""

from __future__ import annotations

import secrets
import unicodedata

from flask import Blueprint, abort, g, request

bp = Blueprint("hardening", __name__)

STATIC_ENDPOINTS = frozenset({"static", "dashboard.static"})


def csp_nonce() -> str:
    """This response's nonce for the few `<style>` elements the server builds itself (chart SVGs)."""
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(16)
    return g.csp_nonce


def content_security_policy(nonce: str) -> str:
    return "; ".join(
        (
            "default-src 'none'",
            f"style-src 'self' 'nonce-{nonce}'",
            "img-src 'self' data:",
            "form-action 'self'",
            "base-uri 'none'",
            "frame-ancestors 'none'",
        )
    )


# A whole document of its own with inline styles (an e-mail's HTML, the printable board report):
# still no script, no framing, nothing fetched but images.
DOCUMENT_POLICY = "; ".join(
    (
        "default-src 'none'",
        "style-src 'unsafe-inline'",
        "img-src https: data:",
        "form-action 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
    )
)


def _has_control_character(value: str) -> bool:
    return any(unicodedata.category(char) == "Cc" and char != "\t" for char in value)


@bp.before_app_request
def refuse_control_characters() -> None:
    for name, value in request.args.items(multi=True):
        if _has_control_character(name) or _has_control_character(value):
            shown = "".join(char for char in name if not _has_control_character(char))[:40]
            abort(
                400,
                description=f"The parameter {shown!r} holds a control character (NUL, a line break…).",
            )


@bp.after_app_request
def security_headers(response):
    headers = response.headers
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "no-referrer")
    headers.setdefault("X-Frame-Options", "DENY")
    if response.mimetype == "text/html":
        headers.setdefault("Content-Security-Policy", content_security_policy(csp_nonce()))
    if request.blueprint == "dashboard" and request.endpoint not in STATIC_ENDPOINTS:
        headers["Cache-Control"] = "no-store"
    return response
