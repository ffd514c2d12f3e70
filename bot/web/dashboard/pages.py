"""The dashboard's pages. Each view: who is asking → the reporting queries → a template.

Every figure comes from `reporting` (issues, open_issues, timeliness, waiting, bulletins), which apply
the viewer's access rules, so a view never filters anything itself. Filters and page numbers that make
no sense answer 400 with the reason.
"""

from __future__ import annotations

from datetime import timedelta

from flask import Response, current_app, redirect, render_template, request, url_for

from bot import charts
from bot.web.dashboard import bp
from bot.web.dashboard.web import db, now, signed_in
from bot.web.hardening import DOCUMENT_POLICY
from bulletins.config import month_label
from models import fields
from models.attendance import record_attendance
from models.errors import NotAllowed, NotFound, ValidationError
from models.network import Meeting
from reporting import waiting
from reporting.access import Viewer
from reporting.board_report.choices import key as period_key
from reporting.board_report.choices import report_choices
from reporting.board_report.report import build_board_report, parse_report_period
from reporting.bulletins import bulletin_figures, last_bulletin
from reporting.issues import (
    STATE_CHOICES,
    WITHHELD,
    boards_for_filters,
    issue_history,
    list_issues,
    organisation_shown,
    organisations_for_filters,
    parse_issue_filters,
    themes_for_filters,
)
from reporting.meetings import meetings as upcoming_meetings
from reporting.meetings import represented_meetings
from reporting.open_issues import issue_totals, open_issues_by_theme_and_board, overdue_escalations
from reporting.paging import PER_PAGE_CHOICES
from reporting.periods import LONDON, Period, start_of_today
from reporting.timeliness import board_timeliness, duration_words


def paging(default_per_page: int = 25) -> tuple[int, int]:
    """`page` and `per_page` from the query string; anything but a sensible whole number is a 400."""
    values = {}
    for name, default in (("page", 1), ("per_page", default_per_page)):
        raw = request.args.get(name, "").strip()
        if not raw:
            values[name] = default
            continue
        number = fields.page_number(raw, low=0, high=9_999_999)
        if number is None:
            raise ValidationError({name: f"{raw!r} is not a whole number."})
        values[name] = number
    if values["per_page"] not in PER_PAGE_CHOICES:
        choices = ", ".join(str(n) for n in PER_PAGE_CHOICES)
        raise ValidationError({"per_page": f"Show {choices} items a page."})
    return values["page"], values["per_page"]


@bp.app_template_global()
def organisation_label(viewer: Viewer, issue) -> str:
    return issue.organisation.name if organisation_shown(viewer, issue) else WITHHELD


@bp.app_template_filter("month_name")
def month_name(month: str) -> str:
    """`2026-11` → `November 2026`: a month as a person reads it, not its key."""
    return month_label(month)


@bp.app_template_filter("duration")
def duration(value) -> str:
    return duration_words(value)


@bp.get("/")
@signed_in
def overview(viewer: Viewer):
    session = db()
    moment = now()
    by_theme, by_board = open_issues_by_theme_and_board(session, viewer)
    overdue_total, overdue = overdue_escalations(session, viewer, now=moment)
    return render_template(
        "dashboard/overview.html",
        viewer=viewer,
        totals=issue_totals(session, viewer),
        theme_chart=charts.bar_chart(
            "Open issues by theme", by_theme, value_label="Open issues", category_label="Theme"
        ),
        board_chart=charts.bar_chart(
            "Open issues by board", by_board, value_label="Open issues", category_label="Board"
        ),
        overdue_total=overdue_total,
        overdue=overdue,
        missing=waiting.returns_missing(session, viewer),
        bulletin=last_bulletin(session),
    )


@bp.get("/issues")
@signed_in
def issues(viewer: Viewer):
    session = db()
    filters = parse_issue_filters(session, request.args.to_dict())
    page, per_page = paging()
    listing = list_issues(session, viewer, filters, page=page, per_page=per_page)
    window = filters.period or recent_period(now())
    return render_template(
        "dashboard/issues.html",
        viewer=viewer,
        filters=filters,
        listing=listing,
        per_page=per_page,
        themes=themes_for_filters(session),
        boards=boards_for_filters(session),
        organisations=organisations_for_filters(session, viewer),
        states=list(STATE_CHOICES),
        timeliness_period=window,
        timeliness=board_timeliness(session, viewer, now=now(), period=window),
    )


RECENT_DAYS = 30


def recent_period(moment) -> Period:
    """The last 30 days (London dates): timeliness without a chosen period, bounded so the page stays
    fast however much history there is."""
    today = moment.astimezone(LONDON).date()
    return Period(
        f"the last {RECENT_DAYS} days", today - timedelta(days=RECENT_DAYS - 1), today + timedelta(days=1)
    )


@bp.get("/issues/<reference>")
@signed_in
def issue(viewer: Viewer, reference: str):
    history = issue_history(db(), viewer, reference)
    return render_template("dashboard/issue.html", viewer=viewer, history=history)


@bp.get("/waiting-lists")
@signed_in
def waiting_lists(viewer: Viewer):
    session = db()
    page, per_page = paging()
    periods, series = waiting.waiting_by_category(session, viewer)
    labels = [period.strftime("%b %Y") for period in periods]
    waiting_charts = []
    for category, months in series.items():
        waiting_charts.append(
            charts.line_chart(
                f"Waiting — {category}",
                [
                    charts.Point(label, float(cell.number_waiting) if cell else None)
                    for label, cell in zip(labels, months, strict=True)
                ],
                value_label="Number waiting",
                category_label="Month",
                fmt=charts.number,
            )
        )
    latest = {category: next((c for c in reversed(months) if c), None) for category, months in series.items()}
    median_chart = charts.bar_chart(
        "Median wait by category, latest month reported (weeks)",
        [
            (category, cell.median_wait_weeks)
            for category, cell in latest.items()
            if cell and cell.median_wait_weeks is not None
        ],
        value_label="Median wait (weeks)",
        category_label="Service category",
    )
    return render_template(
        "dashboard/waiting_lists.html",
        viewer=viewer,
        waiting_charts=[chart for chart in waiting_charts if chart],
        median_chart=median_chart,
        latest=latest,
        capacity=waiting.capacity_now(session, viewer),
        capacity_columns=waiting.CAPACITY_COLUMNS,
        returns=waiting.recent_returns(session, viewer, page=page, per_page=per_page),
        per_page=per_page,
        missing=waiting.returns_missing(session, viewer),
    )


@bp.get("/bulletins")
@signed_in
def bulletins(viewer: Viewer):
    figures = bulletin_figures(db())
    open_chart = charts.line_chart(
        "Open rate per bulletin, with 95% interval and benchmark",
        [charts.Point(row.label, row.open_rate, row.interval.low, row.interval.high) for row in figures.rows],
        value_label="Open rate",
        category_label="Bulletin",
        benchmark=figures.benchmark,
        benchmark_label="Benchmark",
    )
    proxy_chart = None
    if figures.any_proxy_excluded:
        proxy_chart = charts.line_chart(
            "Open rate excluding Apple Mail privacy-proxy opens",
            [charts.Point(row.label, row.proxy_excluded_open_rate) for row in figures.rows],
            value_label="Open rate (proxy opens excluded)",
            category_label="Bulletin",
            benchmark=figures.benchmark,
        )
    category_chart = charts.bar_chart(
        f"Unique clicks per unique open, by category (last {figures.window} bulletins)",
        figures.categories,
        value_label="Clicks per open",
        category_label="Category",
        fmt=lambda value: f"{value:.3f}",
    )
    return render_template(
        "dashboard/bulletins.html",
        viewer=viewer,
        figures=figures,
        open_chart=open_chart,
        proxy_chart=proxy_chart,
        category_chart=category_chart,
    )


@bp.get("/meetings")
@signed_in
def meetings(viewer: Viewer):
    page, per_page = paging()
    schedule = upcoming_meetings(db(), start=start_of_today(now()), page=page, per_page=per_page)
    return render_template(
        "dashboard/meetings.html", viewer=viewer, schedule=schedule, calendar_url=calendar_url()
    )


def calendar_url() -> str | None:
    """The iCalendar feed's public address, when this deployment serves one."""
    if not any(rule.rule == "/calendar.ics" for rule in current_app.url_map.iter_rules()):
        return None
    return current_app.extensions["linkedup"].settings.public_base_url + "/calendar.ics"


# --------------------------------------------------------------------------------------------- board report
def _officer_only(viewer: Viewer) -> None:
    if not viewer.officer:
        raise NotAllowed("The board report is prepared by the network's officer.")


def _previous_quarter(today) -> str:
    index = (today.year * 4 + (today.month - 1) // 3) - 1
    return f"{index // 4}Q{index % 4 + 1}"


@bp.get("/report")
@signed_in
def board_report(viewer: Viewer):
    """The officer's button: choose a year or a quarter (any with records), then open the HTML, the PDF
    or the CSVs. `?period=2026` or `?period=2026Q3` (`?quarter=` as before)."""
    _officer_only(viewer)
    raw = (request.args.get("period") or request.args.get("quarter") or "").strip()
    period = parse_report_period(raw or _previous_quarter(now().astimezone(LONDON).date()))
    choices = report_choices(db(), now=now())
    held = represented_meetings(db(), since=period.start_utc, until=min(now(), period.end_utc))
    return render_template(
        "dashboard/report.html",
        viewer=viewer,
        period=period,
        key=period_key(period),
        choices=choices,
        key_of=period_key,
        held=held,
        saved=request.args.get("saved", type=int),
    )


ATTENDANCE_ANSWERS = {"yes": True, "no": False, "unknown": None}


@bp.post("/report/attendance")
@signed_in
def record_report_attendance(viewer: Viewer):
    """The report page's attendance form: for each meeting held in the period, whether the sector's
    representative attended (`models.attendance`, read by every report from then on)."""
    _officer_only(viewer)
    period = parse_report_period(request.form.get("period", ""))
    session = db()
    answers = {}
    for name, value in request.form.items():
        if not name.startswith("meeting-"):
            continue
        meeting_id = fields.page_number(name.removeprefix("meeting-"), low=1, high=2**31 - 1)
        if meeting_id is None or value not in ATTENDANCE_ANSWERS:
            raise ValidationError({"attendance": "Choose yes, no or not recorded for each meeting."})
        answers[meeting_id] = ATTENDANCE_ANSWERS[value]
    changed = 0
    for meeting_id, attended in answers.items():
        meeting = session.get(Meeting, meeting_id)
        if meeting is None or meeting.starts_at > now():
            raise ValidationError({"attendance": "That meeting is not one held in the period any more."})
        changed += record_attendance(session, meeting, attended, actor=viewer.slack_user_id)
    session.commit()
    return redirect(url_for("dashboard.board_report", period=period_key(period), saved=changed))


@bp.get("/report/<quarter>.<fmt>")
@signed_in
def board_report_file(viewer: Viewer, quarter: str, fmt: str):
    """The report for a quarter (2026Q3) or a year (2026) as HTML, PDF or zipped CSVs."""
    from bot.report import csv_zip, file_stem, render_html, render_pdf

    _officer_only(viewer)
    if fmt not in ("html", "pdf", "zip"):
        raise NotFound(f"The report comes as .html, .pdf or .zip (CSVs), not .{fmt}.")
    report = build_board_report(db(), parse_report_period(quarter), now=now())
    tz = current_app.extensions["linkedup"].settings.tz
    stem = file_stem(report)
    if fmt == "html":
        page = Response(render_html(report, tz=tz), mimetype="text/html")
        page.headers["Content-Security-Policy"] = DOCUMENT_POLICY  # the printable report's own <style>
        return page
    if fmt == "pdf":
        body, mimetype, name = render_pdf(render_html(report, tz=tz)), "application/pdf", f"{stem}.pdf"
    else:
        body, mimetype, name = csv_zip(report), "application/zip", f"{stem}-data.zip"
    return Response(
        body, mimetype=mimetype, headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )
