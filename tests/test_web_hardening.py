"""Web hardening: security headers on every page, sessions that sign-out really ends, and a web
process that will not run several workers on per-process random keys."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import SecretStr
from sqlalchemy import func, select

from bot.app import create_app
from bot.signing import MULTI_WORKER_REFUSAL, worker_count
from bot.web.bulletins import preview_url
from bot.web.hardening import DOCUMENT_POLICY
from bulletins.compile import compile_bulletin
from models import DashboardSession, Issue
from models.sign_in import end_sessions_of
from tests import factories
from tests.bulletin_support import article, network, this_month
from tests.dashboard_support import csrf_of, link_for, sign_in

OFFICER = "U0OFFICER1"
ROOT = Path(__file__).resolve().parents[1]
TEMPLATE_DIRS = [ROOT / "bot" / "web" / "dashboard" / "templates"]
SIGNED_IN_PAGES = ["/dashboard/", "/dashboard/issues", "/dashboard/waiting-lists", "/dashboard/meetings"]


@pytest.fixture
def officer(app, db):
    """The officer signed in, on a network with an open issue (so the overview draws its charts)."""
    factories.officer(db, OFFICER)
    organisation = factories.organisation(db, members=("U0MEMBER01",))
    theme = factories.theme(db, keywords=("room hire",))
    db.add(
        Issue(
            reference="LU-2026-0001",
            organisation=organisation,
            raised_by="U0MEMBER01",
            title="Room hire costs doubled",
            description="Room hire costs doubled since April.",
            theme=theme,
        )
    )
    db.commit()
    return sign_in(app, db, OFFICER)


def csp_of(response) -> dict[str, str]:
    policy = response.headers["Content-Security-Policy"]
    return {part.split(" ", 1)[0]: part.partition(" ")[2] for part in (p.strip() for p in policy.split(";"))}


@pytest.mark.parametrize("page", SIGNED_IN_PAGES)
def test_signed_in_pages_carry_the_security_headers(officer, page):
    response = officer.get(page)
    assert response.status_code == 200
    csp = csp_of(response)
    assert csp["default-src"] == "'none'"
    assert "script-src" not in csp  # no script at all, inline or not
    assert "'unsafe-inline'" not in response.headers["Content-Security-Policy"]
    assert csp["frame-ancestors"] == "'none'"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert response.headers["Cache-Control"] == "no-store"
    nonce = re.search(r"'nonce-([^']+)'", csp["style-src"]).group(1)
    html = response.get_data(as_text=True)
    assert "<script" not in html
    styles = re.findall(r"<style[^>]*>", html)
    assert page != "/dashboard/" or styles, "the overview draws its charts"
    for style in styles:
        assert f'nonce="{nonce}"' in style, style


def test_the_sign_in_page_is_never_cached_and_cannot_be_framed(app, db):
    factories.officer(db, OFFICER)
    db.commit()
    response = app.test_client().get(link_for(app, db, OFFICER))
    assert response.headers["Cache-Control"] == "no-store"
    assert csp_of(response)["frame-ancestors"] == "'none'"


def test_the_printable_board_report_keeps_its_styles_and_allows_no_script(officer):
    response = officer.get("/dashboard/report/2026Q3.html")
    assert response.status_code == 200
    assert response.headers["Content-Security-Policy"] == DOCUMENT_POLICY
    assert "script" not in DOCUMENT_POLICY and csp_of(response)["frame-ancestors"] == "'none'"
    assert response.headers["Cache-Control"] == "no-store"


def test_json_answers_are_not_sniffed(app):
    response = app.test_client().get("/openreferral/")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "Content-Security-Policy" not in response.headers


def test_templates_hold_no_inline_script_or_style():
    for folder in TEMPLATE_DIRS:
        for template in folder.rglob("*.html"):
            text = template.read_text()
            assert not re.search(r"<script|<style|\sstyle=|\son[a-z]+=", text, re.I), template


# --- sessions ------------------------------------------------------------------------------------------


def test_a_copied_cookie_stops_working_when_its_owner_signs_out(app, db, officer):
    copy = app.test_client()
    cookie = officer.get_cookie("linkedup_session")
    copy.set_cookie(cookie.key, cookie.value)
    assert copy.get("/dashboard/").status_code == 200
    assert db.scalar(select(func.count()).select_from(DashboardSession)) == 1

    out = officer.post("/dashboard/sign-out", data={"csrf_token": csrf_of(officer)})
    assert out.status_code == 302
    assert copy.get("/dashboard/").status_code == 302
    assert db.scalar(select(func.count()).select_from(DashboardSession)) == 0


def test_the_cookie_names_a_session_and_not_the_person(officer):
    cookie = officer.get_cookie("linkedup_session").value
    payload = cookie.split(".")[0]
    assert OFFICER not in payload


def test_ending_a_removed_members_sessions_signs_every_browser_out(app, db, officer):
    other_browser = sign_in(app, db, OFFICER)
    assert other_browser.get("/dashboard/").status_code == 200
    assert end_sessions_of(db, OFFICER) == 2
    db.commit()
    assert officer.get("/dashboard/").status_code == 302
    assert other_browser.get("/dashboard/").status_code == 302


# --- one key for every worker --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("argv", "environ", "expected"),
    [
        (["gunicorn", "bot.wsgi:app"], {}, 1),
        (["gunicorn", "bot.wsgi:app", "--workers", "2"], {}, 2),
        (["gunicorn", "bot.wsgi:app", "--workers=3"], {}, 3),
        (["gunicorn", "-w", "4", "bot.wsgi:app"], {}, 4),
        (["gunicorn", "-w5", "bot.wsgi:app"], {}, 5),
        (["gunicorn", "bot.wsgi:app"], {"WEB_CONCURRENCY": "2"}, 2),
        (["gunicorn", "bot.wsgi:app"], {"GUNICORN_CMD_ARGS": "--workers 6 --threads 8"}, 6),
        (["gunicorn", "bot.wsgi:app", "--workers", "1"], {"WEB_CONCURRENCY": "2"}, 1),
    ],
)
def test_worker_count_reads_gunicorns_settings(argv, environ, expected):
    assert worker_count(argv, environ) == expected


def test_gunicorn_with_two_workers_and_no_secret_key_refuses_to_start(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "WEB_CONCURRENCY")}
    env.update(DATABASE_URL=f"sqlite:///{tmp_path / 'linkedup.db'}", PYTHONPATH=str(ROOT))
    gunicorn = Path(sys.executable).with_name("gunicorn")
    result = subprocess.run(
        [str(gunicorn), "bot.wsgi:app", "--bind", "127.0.0.1:0", "--workers", "2"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert MULTI_WORKER_REFUSAL in result.stderr


def test_the_bulletin_preview_is_an_email_with_its_styles_and_no_script(settings, engine, db):
    configured = settings.model_copy(update={"secret_key": SecretStr("preview-key")})
    client = create_app(configured, engine=engine).test_client()
    network(db)
    article(db, "Youth worker vacancy")
    compile_bulletin(db, this_month())
    db.commit()
    response = client.get(preview_url(configured, this_month()).removeprefix(configured.public_base_url))
    assert response.status_code == 200
    assert response.headers["Content-Security-Policy"] == DOCUMENT_POLICY
    assert response.headers["Cache-Control"] == "private, no-store"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
