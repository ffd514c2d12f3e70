"""Reflow at 320 px (WCAG 2.2 1.4.10) and legible charts, in a real browser: every dashboard page and the
board report fit a 320 px wide screen without sideways scrolling, and chart text is at least 11 px as
rendered there and on a desktop screen. Headless Chromium through Playwright, with the browser test's
fixtures (skipped without Chromium, except in CI)."""

from __future__ import annotations

import re

from models.db import transaction
from models.sign_in import issue_sign_in_link
from tests.test_browser import OFFICER, chromium, live_dashboard  # noqa: F401 - fixtures

MEASURE = """() => ({
  scrollWidth: document.scrollingElement.scrollWidth,
  chartText: [...document.querySelectorAll('svg.chart text')].map(
    t => parseFloat(getComputedStyle(t).fontSize) * t.getScreenCTM().a),
  wide: [...document.querySelectorAll('body *')]
    .filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1)
    .slice(0, 5).map(e => `${e.tagName}.${e.className} ${Math.round(e.getBoundingClientRect().right)}`),
})"""


def test_dashboard_and_report_reflow_at_320px_with_legible_charts(chromium, live_dashboard):  # noqa: F811
    base, app, session_factory = live_dashboard
    with transaction(session_factory) as session:
        link = issue_sign_in_link(session, OFFICER, base_url=base, secret=app.secret_key)
    page = chromium.new_page(viewport={"width": 320, "height": 640})
    page.goto(link)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base}/dashboard/")

    issues = page.context.request.get(f"{base}/dashboard/issues").text()
    reference = re.search(r"/dashboard/issues/(LU-\d{4}-\d+)", issues).group(1)
    report = page.context.request.get(f"{base}/dashboard/report").text()
    report_html = re.search(r'href="(/dashboard/report/[^"]+\.html)"', report).group(1)
    paths = [
        "/dashboard/",
        "/dashboard/issues",
        f"/dashboard/issues/{reference}",
        "/dashboard/waiting-lists",
        "/dashboard/bulletins",
        "/dashboard/meetings",
        "/dashboard/report",
        report_html,
        "/dashboard/notices",  # the delivery report of targeted notices
        "/dashboard/sign-in/email",  # board members outside Slack sign in here, often on a phone
    ]
    charts_seen = 0
    for width in (320, 1280):
        page.set_viewport_size({"width": width, "height": 800})
        for path in paths:
            page.goto(base + path)
            measured = page.evaluate(MEASURE)
            if width == 320:
                assert measured["scrollWidth"] <= 320, (path, measured["scrollWidth"], measured["wide"])
            small = [size for size in measured["chartText"] if size < 11]
            assert not small, (path, width, min(small))
            charts_seen += len(measured["chartText"]) > 0
    assert charts_seen >= 8  # overview, waiting lists, bulletins and the report, at both widths
    page.close()
