"""A real browser on the dashboard: Debian's headless Chromium, driven by Playwright (no browser
download), signs in with a one-time link, opens the overview of a simulated network and checks that
the charts rendered — SVG images with their accessible names, laid out with a size, with bars in
them — and saves a screenshot.

Skipped when Chromium or Playwright is missing, except in CI (CI=true), where `.ci/system-packages`
installs Chromium and this test must run. It uses its own SQLite database: what is checked is what
the browser renders, which does not depend on the database.
"""

from __future__ import annotations

import os
import shutil
import threading
from pathlib import Path

import pytest

from bot.paths import DEMO_NETWORK_FILE
from models.base import Base
from models.db import make_engine, make_session_factory, transaction
from models.sign_in import issue_sign_in_link
from network_file.loader import load_path
from simulation import default_start, simulate_year

CHROMIUM = os.environ.get("LINKEDUP_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
OFFICER = "U0OFFICER1"


def _need(condition: bool, reason: str) -> None:
    if condition:
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason}: CI must run the browser test (see .ci/system-packages)")
    pytest.skip(reason)


@pytest.fixture
def chromium():
    _need(Path(CHROMIUM).exists() or shutil.which("chromium") is not None, f"no Chromium at {CHROMIUM}")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _need(False, "the playwright package is not installed")
    executable = CHROMIUM if Path(CHROMIUM).exists() else shutil.which("chromium")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def live_dashboard(tmp_path):
    """The app on a loopback port, over a database holding three simulated months that end today."""
    from werkzeug.serving import make_server

    from bot.app import create_app
    from bot.settings import load_settings

    url = f"sqlite:///{tmp_path / 'browser.db'}"
    engine = make_engine(url)
    Base.metadata.create_all(engine)
    session_factory = make_session_factory(engine)
    with transaction(session_factory) as session:
        load_path(session, DEMO_NETWORK_FILE)
    simulate_year(session_factory, months=3, seed=5, start=default_start(3))
    settings = load_settings(
        _env_file=None, database_url=url, secret_key="browser-test-secret-0123456789abcdef"
    )
    app = create_app(settings, engine=engine)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_port}"
    try:
        yield base, app, session_factory
    finally:
        server.shutdown()
        thread.join(timeout=10)
        engine.dispose()


def test_overview_charts_render_in_chromium(chromium, live_dashboard, tmp_path):
    base, app, session_factory = live_dashboard
    with transaction(session_factory) as session:
        link = issue_sign_in_link(session, OFFICER, base_url=base, secret=app.secret_key)

    page = chromium.new_page(viewport={"width": 1280, "height": 1000})
    page.goto(link)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base}/dashboard/")
    assert page.get_by_role("heading", name="Overview").is_visible()

    charts = page.locator("svg[role=img]")
    assert charts.count() >= 2, page.content()[:3000]
    names = []
    for index in range(charts.count()):
        chart = charts.nth(index)
        box = chart.bounding_box()
        assert box is not None and box["width"] > 100 and box["height"] > 50, box
        assert chart.locator("rect").count() > 0, "a bar chart with no bars"
        labelled_by = chart.get_attribute("aria-labelledby")
        assert labelled_by, "each chart names itself for screen readers"
        names.append(page.locator(f"[id='{labelled_by.split()[0]}']").text_content())
    assert any("theme" in (name or "").lower() for name in names), names
    assert any("board" in (name or "").lower() for name in names), names
    # The last bulletin's figures and the waiting-list returns came from the simulated months.
    body = page.locator("main").inner_text()
    assert "benchmark" in body
    assert "Waiting-list returns for" in body

    screenshot = tmp_path / "dashboard-overview.png"
    page.screenshot(path=str(screenshot), full_page=True)
    assert screenshot.stat().st_size > 20_000
    page.close()
