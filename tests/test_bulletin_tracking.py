"""Tracking: report snapshots at the checkpoints, every page of click details, links mapped back,
and the comparison with the benchmark and the trailing average (Wilson 95% interval)."""

from __future__ import annotations

import copy
from datetime import timedelta

import pytest
from sqlalchemy import select

from bulletins.chart import performance_png
from bulletins.compile import compile_bulletin
from bulletins.performance import bulletin_performance, wilson_interval
from bulletins.send import approve_bulletin, deliver_bulletin
from bulletins.tracking import due_checkpoint, poll_reports
from models import Bulletin, BulletinReport
from models.base import utcnow
from tests import factories
from tests.bulletin_support import article, mailer_for, network, this_month
from tests.fakes.mailchimp_api import click, fixture


@pytest.fixture
def sent(db, session_factory, mailchimp_api):
    network(db)
    factories.officer(db)
    factories.organisation(db)
    article(db, "Youth worker vacancy", link="https://www.cvsw.org.uk/jobs/youth-worker")
    article(db, "Funding round open", category="funding", link="https://www.cvsw.org.uk/funding/round")
    compile_bulletin(db, this_month())
    approve_bulletin(db, this_month(), by="U0OFFICER1")
    db.commit()
    deliver_bulletin(session_factory, mailer_for(mailchimp_api), this_month())
    with session_factory() as s:
        return s.scalar(select(Bulletin)).campaign_id


def test_wilson_interval_matches_known_values():
    interval = wilson_interval(70, 232)  # 30% of the report's 232 contacts
    assert interval.low == pytest.approx(0.2463, abs=1e-3) and interval.high == pytest.approx(
        0.3636, abs=1e-3
    )
    assert wilson_interval(0, 10).low == 0.0
    assert wilson_interval(0, 0).high == 1.0


def test_snapshots_at_each_checkpoint_with_all_click_pages(sent, session_factory, mailchimp_api):
    report = copy.deepcopy(fixture("report.get.constructed-consistent.json"))
    links = [click("https://www.cvsw.org.uk/jobs/youth-worker?utm_source=mailchimp", total=9, unique=6)]
    links += [click("https://www.cvsw.org.uk/funding/round/", total=3, unique=2)]
    links += [click(f"https://example.org/other/{n}", total=1, unique=1) for n in range(1500)]
    mailchimp_api.set_report(sent, report=report, clicks=links)
    mailer = mailer_for(mailchimp_api)
    with session_factory() as s:
        start = s.scalar(select(Bulletin)).sent_at

    assert poll_reports(session_factory, mailer, now=start + timedelta(minutes=30)) == []
    first = poll_reports(session_factory, mailer, now=start + timedelta(hours=1, minutes=5))
    assert [(snap.checkpoint, snap.error) for snap in first] == [("1h", None)]
    assert poll_reports(session_factory, mailer, now=start + timedelta(hours=2)) == []  # nothing new due
    pages = [c for c in mailchimp_api.calls if c.path.endswith("/click-details")]
    assert [(c.query["count"], c.query["offset"]) for c in pages] == [("1000", "0"), ("1000", "1000")]

    with session_factory() as s:
        snap = s.scalar(select(BulletinReport))
        assert (snap.emails_sent, snap.delivered, snap.unique_opens) == (500, 473, 23)
        assert snap.open_rate == pytest.approx(0.048625792811839326)
        assert (snap.proxy_excluded_opens, snap.proxy_excluded_unique_opens) == (19, 18)
        assert snap.proxy_excluded_open_rate == pytest.approx(0.03805496828752643)
        assert snap.clicks_per_unique_open == pytest.approx(8 / 23)
        assert len(snap.links) == 1502
        mapped = {link.category: link for link in snap.links if link.category}
        assert (
            mapped["vacancies"].unique_clicks == 6
            and mapped["vacancies"].article.title == "Youth worker vacancy"
        )
        assert mapped["funding"].unique_clicks == 2

    # The worker was down for a day: the next poll takes the 72 h snapshot and skips 24 h.
    later = poll_reports(session_factory, mailer, now=start + timedelta(hours=80))
    assert [snap.checkpoint for snap in later] == ["72h"]
    assert [
        snap.checkpoint for snap in poll_reports(session_factory, mailer, now=start + timedelta(days=8))
    ] == ["7d"]
    assert poll_reports(session_factory, mailer, now=start + timedelta(days=30)) == []


def test_reports_without_proxy_fields_store_none(sent, session_factory, mailchimp_api):
    report = copy.deepcopy(fixture("report.get.constructed-consistent.json"))
    for key in ("proxy_excluded_opens", "proxy_excluded_unique_opens", "proxy_excluded_open_rate"):
        del report["opens"][key]
    mailchimp_api.set_report(sent, report=report, clicks=[])
    with session_factory() as s:
        start = s.scalar(select(Bulletin)).sent_at
    poll_reports(session_factory, mailer_for(mailchimp_api), now=start + timedelta(hours=2))
    with session_factory() as s:
        snap = s.scalar(select(BulletinReport))
        assert snap.proxy_excluded_open_rate is None and snap.proxy_excluded_opens is None


@pytest.mark.faults
def test_a_failing_report_is_reported_and_retried(sent, session_factory, mailchimp_api):
    mailchimp_api.fail("GET", r"/reports/\w+", status=503, detail="")
    with session_factory() as s:
        start = s.scalar(select(Bulletin)).sent_at
    (failed,) = poll_reports(session_factory, mailer_for(mailchimp_api), now=start + timedelta(hours=2))
    assert failed.error and "server error" in failed.error
    (ok,) = poll_reports(session_factory, mailer_for(mailchimp_api), now=start + timedelta(hours=2))
    assert ok.error is None


def test_performance_against_benchmark_and_trailing_average(db):
    network(db)
    months = ["2025-10", "2025-11", "2025-12", "2026-01", "2026-02", "2026-03", "2026-04"]
    opens = [66, 70, 72, 68, 71, 69, 95]
    for month, unique_opens in zip(months, opens, strict=True):
        bulletin = Bulletin(
            month=month, state="sent", subject="s", html="", text="", category_order=["vacancies"]
        )
        db.add(bulletin)
        db.flush()
        db.add(BulletinReport(bulletin_id=bulletin.id, checkpoint="7d", emails_sent=232, delivered=232,
                              unique_opens=unique_opens, open_rate=unique_opens / 232, unique_clicks=20,
                              clicks_per_unique_open=20 / unique_opens))  # fmt: skip
    db.flush()
    latest = db.scalar(select(Bulletin).where(Bulletin.month == "2026-04"))
    p = bulletin_performance(db, latest)
    assert p.open_rate == pytest.approx(95 / 232)
    assert p.versus_benchmark == "above"  # 41% with a 95% interval well clear of 20.3%
    assert p.trailing_count == 6 and p.trailing_average == pytest.approx(sum(opens[:6]) / 6 / 232)
    assert p.versus_trailing == "above"
    typical = bulletin_performance(db, db.scalar(select(Bulletin).where(Bulletin.month == "2026-03")))
    assert typical.versus_trailing == "in line"  # 69 vs ~69: noise, not change
    assert len(p.history) == 7
    png = performance_png(p)
    assert png.startswith(b"\x89PNG") and len(png) > 10_000


def test_due_checkpoint_needs_a_send_time(db):
    bulletin = Bulletin(month="2026-01", subject="s", html="", text="")
    assert due_checkpoint(bulletin, utcnow()) is None


def test_performance_message_uploads_the_chart_once(db, session_factory, settings, slack_api):
    from slack_sdk import WebClient

    from bot.bulletin_jobs import post_performance
    from bot.outbox import deliver_due

    network(db)
    factories.officer(db)
    bulletin = Bulletin(
        month="2026-04", state="sent", subject="s", html="", text="", category_order=["vacancies"]
    )
    db.add(bulletin)
    db.flush()
    numbers = {"emails_sent": 232, "delivered": 230, "unique_opens": 70, "open_rate": 70 / 230}
    db.add(BulletinReport(bulletin_id=bulletin.id, checkpoint="7d", unique_clicks=21, **numbers))
    db.commit()
    ctx = type("Ctx", (), {"settings": settings, "session_factory": session_factory})()
    client = WebClient(token="xoxb-test-token", base_url=slack_api.base_url)
    assert post_performance(ctx) == ["2026-04"]
    assert post_performance(ctx) == []
    deliver_due(session_factory, client)  # the message and its chart go through the outbox
    deliver_due(session_factory, client)
    (complete,) = slack_api.of("files.completeUploadExternal")
    assert "Open rate *30.4%*" in complete["initial_comment"] and "above" in complete["initial_comment"]
    assert complete["channel_id"] == "D0OFFICER1"
    (asked,) = slack_api.of("files.getUploadURLExternal")
    assert asked["filename"] == "bulletin-2026-04.png" and int(asked["length"]) > 10_000
