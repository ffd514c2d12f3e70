"""The web dashboard: sign-in with a Slack identity, then role-checked pages of the network's figures.

One blueprint under `/dashboard`, server-rendered with Jinja2; charts are inline SVG built on the
server (`bot.charts`), so the pages need no JavaScript and load nothing from elsewhere.
"""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint(
    "dashboard",
    __name__,
    url_prefix="/dashboard",
    template_folder="templates",
    static_folder="static",
    static_url_path="/static",
)

# Attach the routes and set-up to bp (admin_*: the officer's pages that change the network).
from bot.web.dashboard import (  # noqa: E402,F401
    admin_boards,
    admin_meetings,
    admin_organisations,
    admin_themes,
    auth,
    email_access,
    notices,
    pages,
    surveys,
    web,
)
