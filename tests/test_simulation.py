"""The simulated year: rows in every area made through the domain, marked simulated, the same for a
seed, health figures that follow the data, and refusals that keep real databases safe."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import delete, func, select, update

from bot.paths import DEMO_NETWORK_FILE
from bulletins.performance import category_clicks_per_open
from bulletins.tracking import build_report
from models import (
    Article,
    AuditLog,
    Bulletin,
    BulletinReport,
    Escalation,
    EscalationEvent,
    Feedback,
    Issue,
    JoinRequest,
    LinkClick,
    Member,
    Organisation,
    OutboxMessage,
    Service,
    WaitingListReturn,
)
from models.base import Base, frozen_clock, utcnow
from models.bulletins import BulletinState
from models.db import make_engine, make_session_factory, transaction
from models.joining import RequestStatus
from models.outbox import OutboxStatus
from network_file.loader import load_path
from simulation import SimulationRefused, has_simulation, network_health, simulate_year
from simulation.mailer import SimulatedMailer
from simulation.slack import SimulatedSlack
from tests import factories

START = date(2026, 1, 5)


def load_demo(session_factory) -> None:
    with transaction(session_factory) as session:
        load_path(session, DEMO_NETWORK_FILE)


def window(months: int) -> tuple[datetime, datetime]:
    from simulation.world import LONDON, months_after

    since = datetime.combine(START, datetime.min.time(), LONDON).astimezone(UTC)
    until = datetime.combine(months_after(START, months), datetime.min.time(), LONDON).astimezone(UTC)
    return since, until


def count(session, model, *where) -> int:
    return session.scalar(select(func.count()).select_from(model).where(*where)) or 0


def test_three_months_fill_every_area_through_the_domain(session_factory):
    load_demo(session_factory)
    figures = simulate_year(session_factory, months=3, seed=7, start=START)
    since, until = window(3)

    with session_factory() as session:
        issues = session.scalars(select(Issue)).all()
        assert len(issues) >= 20
        assert all(issue.simulated for issue in issues)
        assert all(since <= issue.created_at < until for issue in issues), "created on the simulated clock"
        assert {issue.reference[:8] for issue in issues} == {"LU-2026-"}
        # Made by raise_issue, not inserted: each has its audit line and its routing history.
        raised = set(session.scalars(select(AuditLog.entity_id).where(AuditLog.action == "issue.raised")))
        assert {issue.reference for issue in issues} <= raised
        kinds = dict(
            session.execute(select(EscalationEvent.kind, func.count()).group_by(EscalationEvent.kind)).all()
        )
        for kind in ("routed", "acknowledged", "responded", "escalated", "reminder_sent", "closed"):
            assert kinds.get(kind, 0) > 0, f"no {kind} events: {kinds}"
        automatic = session.scalars(select(EscalationEvent).where(EscalationEvent.kind == "escalated")).all()
        assert any(event.detail.get("automatic") for event in automatic), "the sweep climbed the ladder"
        assert count(session, Escalation, Escalation.rung > 0) > 0
        assert count(session, Issue, Issue.answer_text.is_not(None)) > 0

        # Organisations joined through the form and were decided by the officer; one was declined.
        requests = session.scalars(select(JoinRequest)).all()
        assert {r.status for r in requests} >= {RequestStatus.APPROVED}
        assert all(org.simulated for org in session.scalars(select(Organisation)))
        assert count(session, Member, Member.slack_user_id.like("U0SIM%")) > 0

        # Waiting-list returns, month by month, from every kind of organisation.
        returns = session.scalars(select(WaitingListReturn)).all()
        assert len(returns) >= 20
        assert {r.period for r in returns} >= {date(2025, 12, 1), date(2026, 1, 1), date(2026, 2, 1)}
        assert count(session, Feedback) > 0

        # Bulletins: compiled from approved articles, sent through the Mailer port, tracked.
        bulletins = session.scalars(select(Bulletin).order_by(Bulletin.month)).all()
        assert [b.month for b in bulletins] == ["2026-01", "2026-02", "2026-03"]
        assert all(b.simulated and b.state == BulletinState.SENT and b.campaign_id for b in bulletins)
        assert all(b.article_count > 0 for b in bulletins)
        assert all(a.simulated for a in session.scalars(select(Article)))
        reports = session.scalars(select(BulletinReport)).all()
        assert {r.checkpoint for r in reports} == {"1h", "24h", "72h", "7d"}
        final = [r for r in reports if r.checkpoint == "7d"]
        assert len(final) == 3
        for report in final:
            assert 200 <= report.emails_sent <= 260
            assert 0.2 < report.unique_opens / report.delivered < 0.45
            assert report.proxy_excluded_open_rate is not None
        assert count(session, LinkClick, LinkClick.category.is_not(None)) > 0
        ranking = category_clicks_per_open(session)
        assert max(ranking, key=ranking.get) == "vacancies"

        # Nothing is left for a real Slack: every queued message was delivered (or failed for good).
        assert count(session, OutboxMessage, OutboxMessage.status == OutboxStatus.PENDING) == 0
        assert count(session, OutboxMessage, OutboxMessage.status == OutboxStatus.SENT) > 100
        assert count(session, Escalation, Escalation.card_ts.is_not(None)) > 0

        assert has_simulation(session)
        again = network_health(session, since=since, until=until, simulated=True)
    assert again.lines() == figures.lines()
    assert figures.issues == len(issues)
    assert figures.activity["issues raised"] == len(issues)
    for share in (
        figures.routed_without_officer,
        figures.answered_within_timeframe,
        figures.escalated_on_breach,
        figures.answers_delivered,
    ):
        assert share.total > 0 and 0 <= share.count <= share.total
    # Returns for Dec–Feb fell due in the window, and March's so far (the window ends on 5 April).
    assert [m.complete for m in figures.returns_coverage] == [True, True, True, False]
    # Judged on opens by people; Apple Mail's machine opens only in the rate shown beside it.
    assert figures.bulletins == 3 and 0.1 < figures.bulletin_open_rate < 0.35
    assert figures.bulletin_open_rate < figures.bulletin_open_rate_with_machine_opens < 0.45


def fingerprint(session_factory) -> list:
    """What a simulation stored, without the values that are random by design (uuids, nonces)."""
    with session_factory() as session:
        return [
            session.execute(
                select(Issue.reference, Issue.title, Issue.status, Issue.theme_id, Issue.created_at).order_by(
                    Issue.id
                )
            ).all(),
            session.execute(
                select(EscalationEvent.kind, EscalationEvent.at, EscalationEvent.to_board).order_by(
                    EscalationEvent.id
                )
            ).all(),
            session.execute(
                select(
                    WaitingListReturn.service_id,
                    WaitingListReturn.period,
                    WaitingListReturn.number_waiting,
                    WaitingListReturn.capacity_status,
                ).order_by(WaitingListReturn.id)
            ).all(),
            session.execute(
                select(
                    BulletinReport.checkpoint, BulletinReport.unique_opens, BulletinReport.unique_clicks
                ).order_by(BulletinReport.id)
            ).all(),
        ]


def test_a_seed_always_gives_the_same_year(engine, session_factory):
    from tests.conftest import _empty_tables

    load_demo(session_factory)
    first = simulate_year(session_factory, months=2, seed=11, start=START)
    stored = fingerprint(session_factory)

    _empty_tables(engine)
    load_demo(session_factory)
    second = simulate_year(session_factory, months=2, seed=11, start=START)
    assert fingerprint(session_factory) == stored
    assert second.lines() == first.lines()

    _empty_tables(engine)
    load_demo(session_factory)
    simulate_year(session_factory, months=2, seed=12, start=START)
    assert fingerprint(session_factory) != stored


def test_health_figures_follow_the_data(session_factory):
    load_demo(session_factory)
    figures = simulate_year(session_factory, months=3, seed=7, start=START)
    since, until = window(3)
    with transaction(session_factory) as session:
        # An answer whose direct messages all failed no longer counts as delivered.
        answered = session.scalars(
            select(EscalationEvent).where(EscalationEvent.kind == "responded").order_by(EscalationEvent.id)
        ).first()
        keys = [key for key in answered.detail["messages"] if ":answer:" in key]
        session.execute(
            update(OutboxMessage).where(OutboxMessage.key.in_(keys)).values(status=OutboxStatus.FAILED)
        )
        # A return taken away lowers that month's coverage.
        gone = session.scalars(
            select(WaitingListReturn).where(WaitingListReturn.period == date(2026, 1, 1))
        ).first()
        session.execute(delete(WaitingListReturn).where(WaitingListReturn.id == gone.id))
        # An issue routed by the officer instead of the rules lowers the automatic share.
        first_routed = session.scalars(
            select(EscalationEvent).where(EscalationEvent.kind == "routed", EscalationEvent.actor == "system")
        ).first()
        first_routed.actor = "U0OFFICER1"
    with session_factory() as session:
        changed = network_health(session, since=since, until=until, simulated=True)
    assert changed.answers_delivered.count == figures.answers_delivered.count - 1
    assert changed.answers_delivered.total == figures.answers_delivered.total
    month = {m.period: m for m in figures.returns_coverage}[date(2026, 1, 1)]
    assert {m.period: m for m in changed.returns_coverage}[date(2026, 1, 1)].returned == month.returned - 1
    assert changed.routed_without_officer.count == figures.routed_without_officer.count - 1
    # And nothing real is counted as simulated.
    with session_factory() as session:
        assert network_health(session, since=since, until=until, simulated=False).issues == 0


def test_only_a_fresh_demo_database_is_simulated(session_factory):
    with pytest.raises(SimulationRefused, match="No network is loaded"):
        simulate_year(session_factory, months=1, seed=1, start=START)
    load_demo(session_factory)
    with transaction(session_factory) as session:
        factories.organisation(session, "A Real Charity", members=("U0REAL0001",))
    with pytest.raises(SimulationRefused, match="real records"):
        simulate_year(session_factory, months=1, seed=1, start=START)
    with transaction(session_factory) as session:
        session.execute(delete(Member).where(Member.slack_user_id == "U0REAL0001"))
        session.execute(delete(Organisation).where(Organisation.name == "A Real Charity"))
    simulate_year(session_factory, months=1, seed=1, start=START)
    with pytest.raises(SimulationRefused, match="already holds a simulated period"):
        simulate_year(session_factory, months=1, seed=1, start=START)
    with pytest.raises(SimulationRefused, match="between 1 and 36"):
        simulate_year(session_factory, months=0, seed=1, start=START)


def test_simulate_command_prints_the_health_figures(engine, session_factory, monkeypatch, capsys):
    from bot.cli import main
    from tests.test_bulletin_compile import cli_database_url

    load_demo(session_factory)
    monkeypatch.setenv("DATABASE_URL", cli_database_url(engine))
    assert main(["simulate", "--months", "1", "--seed", "3", "--start", "2026-03-02"]) == 0
    out = capsys.readouterr().out
    assert "Simulated 1 month (seed 3)" in out
    for heading in (
        "Routed without the officer",
        "Answered within the timeframe",
        "Escalated on breach",
        "Answers delivered to organisation",
        "Waiting-list returns coverage",
        "Bulletin open rate",
    ):
        assert heading in out
    assert main(["simulate", "--months", "1", "--seed", "3", "--start", "2026-03-02"]) == 2
    assert "already holds a simulated period" in capsys.readouterr().err
    with pytest.raises(SystemExit) as refused:
        main(["simulate", "--start", "March"])
    assert refused.value.code == 2
    assert "not a date (YYYY-MM-DD): 'March'" in capsys.readouterr().err


def test_a_year_on_sqlite(tmp_path):
    """Twelve months, each with its bulletin and its returns (the demo's `serve --demo` history)."""
    engine = make_engine(f"sqlite:///{tmp_path / 'year.db'}")
    Base.metadata.create_all(engine)
    session_factory = make_session_factory(engine)
    load_demo(session_factory)
    figures = simulate_year(session_factory, months=12, seed=1, start=START)
    with session_factory() as session:
        months = session.scalars(select(Bulletin.month).order_by(Bulletin.month)).all()
        assert months == [f"2026-{m:02d}" for m in range(1, 13)]
        assert count(session, Issue) == figures.issues >= 100
        assert count(session, Service) > 20  # the demo's services and the joiners'
        assert count(session, OutboxMessage, OutboxMessage.status == OutboxStatus.FAILED) > 0
    assert len(figures.returns_coverage) == 13  # Dec 2025 to Dec 2026 (January 2027's so far)
    assert all(month.expected > 0 for month in figures.returns_coverage)
    assert figures.bulletins >= 11
    assert figures.answers_delivered.count < figures.answers_delivered.total, "the member who left"
    engine.dispose()


# --- the ports' far sides ---------------------------------------------------------------------


def test_simulated_mailchimp_reports_grow_like_mailchimps():
    mailer = SimulatedMailer(seed=5)
    sent_at = datetime(2026, 3, 26, 10, 0, tzinfo=UTC)
    links = [
        f"https://www.example.org/linkedup/2026-03/{c}/item-{i}"
        for i, c in enumerate(("vacancies", "funding"))
    ]
    html = "".join(f'<a href="{link}">x</a>' for link in links)
    with frozen_clock(sent_at) as move:
        campaign = mailer.create_campaign(
            title="t", subject="s", preview_text="", from_name=None, reply_to=None
        )
        mailer.set_content(campaign, html=html, text="x")
        from bulletins.mailer import MailchimpRejected

        with pytest.raises(MailchimpRejected, match="quarter hour"):
            mailer.schedule(campaign, sent_at + timedelta(minutes=7))
        with pytest.raises(MailchimpRejected, match="not been sent"):
            mailer.report(campaign)
        mailer.send(campaign)
        opens = []
        for hours in (1, 24, 72, 24 * 7):
            move(sent_at + timedelta(hours=hours))
            report = mailer.report(campaign)
            opens.append(report["opens"]["unique_opens"])
        clicks = mailer.click_details(campaign)
    assert opens == sorted(opens) and opens[0] < opens[-1]
    assert report["emails_sent"] == 232
    delivered = 232 - report["bounces"]["hard_bounces"] - report["bounces"]["soft_bounces"]
    assert report["opens"]["open_rate"] == pytest.approx(opens[-1] / delivered)
    assert {c["url"] for c in clicks} == set(links)
    bulletin = Bulletin(
        id=1, month="2026-03", links={links[0]: {"article_id": None, "category": "vacancies"}}
    )
    row = build_report(bulletin, "7d", report, clicks, sent_at)
    assert row.unique_opens == opens[-1] and row.delivered == delivered
    assert [link.category for link in row.links] == ["vacancies", None]
    assert SimulatedMailer(seed=5).contacts.keys() == mailer.contacts.keys() - {
        e for e in mailer.contacts if e.startswith("signup")
    }


def test_simulated_slack_fails_direct_messages_to_a_deactivated_account(session_factory):
    from models.outbox import enqueue

    slack = SimulatedSlack()
    now = utcnow()
    slack.deactivate("U0GONE0001", since=now - timedelta(days=1))
    with transaction(session_factory) as session:
        enqueue(session, key="a", method="dm", payload={"user": "U0GONE0001", "text": "hello"})
        enqueue(session, key="b", method="dm", payload={"user": "U0HERE0001", "text": "hello"})
        enqueue(session, key="c", method="chat.postMessage", payload={"channel": "#x", "text": "hi"})
        assert slack.deliver(session, now=now + timedelta(seconds=5)) == 3
    with session_factory() as session:
        rows = {m.key: m for m in session.scalars(select(OutboxMessage))}
    assert rows["a"].status == OutboxStatus.FAILED and "account_inactive" in rows["a"].last_error
    assert rows["b"].status == OutboxStatus.SENT and rows["b"].result["channel"].startswith("D")
    assert rows["c"].status == OutboxStatus.SENT and rows["c"].result["ts"]
