"""The officer's themes page: each theme, the board it routes to and its routing keywords.

A theme's board is where a new issue filed under it goes (the theme suggestion reads the keywords);
items already routed stay where they are. One form per theme, and one to add a theme.
"""

from __future__ import annotations

from flask import redirect, render_template, request, url_for

from bot.web.dashboard import bp
from bot.web.dashboard.admin_support import board_names, make_change, messages, officer_only, required
from bot.web.dashboard.web import db
from network_file.editing import RemoveTheme, SaveTheme
from network_file.export import export_data
from reporting.access import Viewer


@bp.get("/network/themes", endpoint="admin_themes")
@officer_only
def themes(viewer: Viewer):
    notices, warnings = messages()
    return _page(viewer, [], notices=notices, warnings=warnings)


@bp.post("/network/themes", endpoint="admin_theme_new")
@officer_only
def new_theme(viewer: Viewer):
    problems = make_change(
        viewer,
        lambda: SaveTheme(
            name=required(request.form.get("name"), "The theme's name"),
            board=(request.form.get("board") or "").strip() or None,
            keywords=keywords(request.form.get("keywords")),
            new_slug=required(request.form.get("slug"), "The theme's slug").lower(),
        ),
    )
    if problems:
        return _page(viewer, problems, typed=dict(request.form)), 400
    return redirect(url_for("dashboard.admin_themes"))


@bp.post("/network/themes/<slug>", endpoint="admin_theme")
@officer_only
def save_theme(viewer: Viewer, slug: str):
    problems = make_change(
        viewer,
        lambda: SaveTheme(
            name=required(request.form.get("name"), "The theme's name"),
            board=(request.form.get("board") or "").strip() or None,
            keywords=keywords(request.form.get("keywords")),
            slug=slug,
        ),
    )
    if problems:
        return _page(viewer, problems, typed=dict(request.form), typed_slug=slug), 400
    return redirect(url_for("dashboard.admin_themes") + f"#theme-{slug}")


@bp.post("/network/themes/<slug>/remove", endpoint="admin_theme_remove")
@officer_only
def remove_theme(viewer: Viewer, slug: str):
    problems = make_change(viewer, lambda: RemoveTheme(slug))
    if problems:
        return _page(viewer, problems), 400
    return redirect(url_for("dashboard.admin_themes"))


def keywords(raw: str | None) -> list[str]:
    """Keywords as the officer types them: separated by commas or new lines; repeats dropped."""
    words = [" ".join(word.split()) for chunk in (raw or "").splitlines() for word in chunk.split(",")]
    return list(dict.fromkeys(word for word in words if word))


def _page(viewer, problems, *, notices=(), warnings=(), typed=None, typed_slug=None):
    document = export_data(db())
    return render_template(
        "dashboard/network/themes.html",
        viewer=viewer,
        themes=document["themes"],
        boards=sorted(board_names(document).items(), key=lambda item: item[1].casefold()),
        board_names=board_names(document),
        problems=problems,
        notices=notices,
        warnings=warnings,
        typed=typed or {},
        typed_slug=typed_slug,
    )
