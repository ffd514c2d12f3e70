"""The dashboard's pages. Each view: who is asking → one reporting query or a few → a template.

Every figure comes from `models.reporting`, which applies the viewer's access rules, so a view never
filters anything itself. Filters and page numbers that make no sense answer 400 with the reason.
"""

from __future__ import annotations

from flask import current_app, render_template, request

from bot import charts
from bot.web.dashboard import bp
from bot.web.dashboard.web import db, now, signed_in
from models import reporting
from models.access import Viewer
from models.errors import ValidationError


def paging(default_per_page: int = 25) -> tuple[int, int]:
    """`page` and `per_page` from the query string; anything but a sensible whole number is a 400."""
    values = {}
    for name, default in (("page", 1), ("per_page", default_per_page)):
        raw = request.args.get(name, "").strip()
        if not raw:
            values[name] = default
            continue
        if not raw.isdigit() or len(raw) > 7:
            raise ValidationError({name: f"{raw!r} is not a whole number."})
        values[name] = int(raw)
    if values["per_page"] not in reporting.PER_PAGE_CHOICES:
        choices = ", ".join(str(n) for n in reporting.PER_PAGE_CHOICES)
        raise ValidationError({"per_page": f"Show {choices} items a page."})
    return values["page"], values["per_page"]


@bp.get("/")
@signed_in
def overview(viewer: Viewer):
    session = db()
    by_theme = reporting.open_issues_by_theme(session, viewer)
    by_board = reporting.open_issues_by_board(session, viewer)
    return render_template(
        "dashboard/overview.html",
        viewer=viewer,
        totals=reporting.issue_totals(session, viewer),
        theme_chart=charts.bar_chart(
            "Open issues by theme", by_theme, value_label="Open issues", category_label="Theme"
        ),
        board_chart=charts.bar_chart(
            "Open issues by board", by_board, value_label="Open issues", category_label="Board"
        ),
    )


@bp.get("/issues")
@signed_in
def issues(viewer: Viewer):
    session = db()
    filters = reporting.parse_issue_filters(session, request.args.to_dict())
    page, per_page = paging()
    listing = reporting.list_issues(session, viewer, filters, page=page, per_page=per_page)
    return render_template(
        "dashboard/issues.html",
        viewer=viewer,
        filters=filters,
        listing=listing,
        per_page=per_page,
        themes=reporting.themes_for_filters(session),
        boards=reporting.boards_for_filters(session),
        organisations=reporting.organisations_for_filters(session, viewer),
        states=list(reporting.STATE_CHOICES),
    )


@bp.get("/issues/<reference>")
@signed_in
def issue(viewer: Viewer, reference: str):
    history = reporting.issue_history(db(), viewer, reference)
    return render_template("dashboard/issue.html", viewer=viewer, history=history)


@bp.get("/meetings")
@signed_in
def meetings(viewer: Viewer):
    page, per_page = paging()
    schedule = reporting.meetings(db(), start=reporting.start_of_today(now()), page=page, per_page=per_page)
    return render_template(
        "dashboard/meetings.html", viewer=viewer, schedule=schedule, calendar_url=calendar_url()
    )


def calendar_url() -> str | None:
    """The iCalendar feed's public address, when this deployment serves one."""
    if not any(rule.rule == "/calendar.ics" for rule in current_app.url_map.iter_rules()):
        return None
    return current_app.extensions["linkedup"].settings.public_base_url + "/calendar.ics"


@bp.get("/waiting-lists")
@signed_in
def waiting_lists(viewer: Viewer):
    return render_template("dashboard/waiting_lists.html", viewer=viewer)


@bp.get("/bulletins")
@signed_in
def bulletins(viewer: Viewer):
    return render_template("dashboard/bulletins.html", viewer=viewer)
