"""The fault suite: Slack and Mailchimp failing, PostgreSQL restarting mid-batch, a worker killed
mid-sweep, two workers at once. Nothing lost, nothing done twice, and the app recovers on its own.

Run alone with `pytest -m faults`. Faults covered elsewhere are not repeated here:
- a card rate-limited then posted once, a 5xx'd card update that never overwrites a newer state
  (`test_escalation_slack.py`, "delivery faults");
- Mailchimp 4xx, 429/5xx on the content step, time-outs after create / mid-send / before acting,
  Mailchimp unreachable (`test_bulletin_send.py`, marked `faults`);
- the database unreachable or failing mid-transaction during a submission, and concurrent deliveries
  of one submission (`test_intake_issues.py`);
- two sweeps at once sharing reminders (`test_escalation_sweep.py`).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, text, update

from bot.escalation_jobs import run_sweep
from bot.outbox import MAX_ATTEMPTS, deliver_due
from bot.slack import web_client
from bulletins.compile import compile_bulletin
from bulletins.mailer import MailchimpUnavailable
from bulletins.send import approve_bulletin, deliver_bulletin
from escalations import flows
from handlers.errors import DATABASE_DOWN, SLACK_BUSY, SLACK_DOWN
from handlers.escalation_views import RENDERER
from models import Escalation, EscalationEvent, EscalationState, Issue, OutboxMessage, OutboxStatus
from models.base import utcnow
from models.bulletins import BulletinState
from models.db import make_session_factory
from models.outbox import enqueue
from tests import bulletin_support, factories
from tests.escalation_fixtures import EH_CHAIR, at, issue, network
from tests.intake_support import opened_view, submission
from tests.test_bulletin_compile import cli_database_url

pytestmark = pytest.mark.faults

START = at("2026-06-01 10:00")  # a Monday
REMIND = at("2026-06-02 09:00")  # the acknowledgement reminders are due
OVERDUE = at("2026-06-08 18:00")  # the respond-by deadline has passed: up the ladder
MEMBER = "U0MEMBER01"


def _make_due(db) -> None:
    db.execute(
        update(OutboxMessage)
        .where(OutboxMessage.status == OutboxStatus.PENDING)
        .values(next_attempt_at=utcnow() - timedelta(seconds=1))
    )
    db.commit()


def _rows(db) -> list[OutboxMessage]:
    db.expire_all()
    return list(db.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def _three_messages(db) -> None:
    """One of each kind the outbox sends: a DM, a post in a channel, a Home tab."""
    enqueue(
        db, key="fault:dm", method="dm", payload={"user": "U0RAISER01", "text": "Your issue is LU-2026-0001"}
    )
    enqueue(
        db, key="fault:post", method="chat.postMessage", payload={"channel": "C0EARLYHLP", "text": "A card"}
    )
    enqueue(
        db,
        key="fault:home",
        method="views.publish",
        payload={"user_id": "U0RAISER01", "view": {"type": "home", "blocks": []}},
    )
    db.commit()


# --- the Slack Web API failing, as the worker meets it (its own client, retry handlers and all) ------------


def test_a_429_is_retried_after_its_retry_after_and_each_message_sent_once(
    db, session_factory, settings, slack_api
):
    """Slack says "wait 30 s" to every method. The worker does not sleep on it (it used to, holding
    the row's lock): each row waits its Retry-After in the table and is sent once afterwards."""
    _three_messages(db)
    for method in ("chat.postMessage", "views.publish"):
        slack_api.rate_limit(method, retry_after=30, times=2)
    before = utcnow()
    assert deliver_due(session_factory, web_client(settings)) == 0
    assert len(slack_api.of("chat.postMessage")) == 2 and len(slack_api.of("views.publish")) == 1
    for row in _rows(db):
        assert row.status == OutboxStatus.PENDING and row.attempts == 1
        assert row.next_attempt_at >= before + timedelta(seconds=29), row.key
        assert "ratelimited" in row.last_error
    assert deliver_due(session_factory, web_client(settings)) == 0, "nothing is due before Retry-After"
    _make_due(db)
    slack_api.failures.clear()
    assert deliver_due(session_factory, web_client(settings)) == 3
    assert {r.status for r in _rows(db)} == {OutboxStatus.SENT}
    posted = [c["text"] for c in slack_api.of("chat.postMessage")]
    assert (
        posted.count("Your issue is LU-2026-0001") == 2 and posted.count("A card") == 2
    )  # the 429 and the send
    _make_due(db)
    assert deliver_due(session_factory, web_client(settings)) == 0


def test_a_short_retry_after_is_waited_in_place_once(db, session_factory, settings, slack_api):
    _three_messages(db)
    slack_api.rate_limit("views.publish", retry_after=1, times=1)
    assert deliver_due(session_factory, web_client(settings)) == 3
    assert len(slack_api.of("views.publish")) == 2
    assert {r.attempts for r in _rows(db)} == {1}


def test_a_500_backs_off_and_the_message_is_sent_once_later(db, session_factory, settings, slack_api):
    _three_messages(db)
    slack_api.fail("chat.postMessage", status=500, times=2)
    before = utcnow()
    assert deliver_due(session_factory, web_client(settings)) == 1  # the Home tab
    waiting = [r for r in _rows(db) if r.status == OutboxStatus.PENDING]
    assert {r.key for r in waiting} == {"fault:dm", "fault:post"}
    assert all(
        r.next_attempt_at >= before + timedelta(seconds=29) and "internal_error" in r.last_error
        for r in waiting
    )
    _make_due(db)
    assert deliver_due(session_factory, web_client(settings)) == 2
    assert [r.status for r in _rows(db)] == [OutboxStatus.SENT] * 3


def test_a_time_out_leaves_the_message_to_be_sent_again_never_lost(db, session_factory, settings, slack_api):
    """Slack takes longer than the client waits. The row is retried, so nothing is lost. Slack has no
    idempotency key for chat.postMessage: if it did post before the time-out, the channel sees the
    message twice (here: the fake recorded both calls). At least once, never lost."""
    enqueue(
        db, key="fault:post", method="chat.postMessage", payload={"channel": "C0EARLYHLP", "text": "A card"}
    )
    db.commit()
    slack_api.delays["chat.postMessage"] = 1.5
    client = web_client(settings, timeout=0.5)
    assert deliver_due(session_factory, client) == 0
    [row] = _rows(db)
    assert row.status == OutboxStatus.PENDING and row.attempts == 1
    assert "TimeoutError" in row.last_error
    time.sleep(1.2)  # the fake serves one request at a time: let it finish the slow one
    slack_api.delays.clear()
    _make_due(db)
    assert deliver_due(session_factory, client) == 1
    [row] = _rows(db)
    assert row.status == OutboxStatus.SENT and row.attempts == 2
    assert [c["text"] for c in slack_api.of("chat.postMessage")] == ["A card", "A card"]


def test_a_message_slack_keeps_refusing_is_kept_as_failed_not_dropped(
    db, session_factory, settings, slack_api, caplog
):
    enqueue(db, key="fault:doomed", method="chat.postMessage", payload={"channel": "C0GONE", "text": "Hello"})
    db.commit()
    slack_api.fail("chat.postMessage", status=500, times=MAX_ATTEMPTS + 2)
    for _ in range(MAX_ATTEMPTS + 2):
        deliver_due(session_factory, web_client(settings))
        _make_due(db)
    [row] = _rows(db)
    assert row.status == OutboxStatus.FAILED and row.attempts == MAX_ATTEMPTS
    assert "internal_error" in row.last_error
    assert len(slack_api.of("chat.postMessage")) == MAX_ATTEMPTS
    assert any("failed for good" in r.getMessage() for r in caplog.records)


# --- the Slack Web API failing inside a request (opening a modal) ------------------------------------------


@pytest.fixture
def member(db):
    factories.organisation(db, members=(MEMBER,))
    factories.theme(db)
    db.commit()


@pytest.mark.parametrize(
    ("fault", "message"),
    [("429", SLACK_BUSY), ("500", SLACK_DOWN), ("time-out", SLACK_DOWN)],
)
def test_slack_failing_to_open_a_form_is_told_plainly_and_the_command_can_be_retried(
    slack, slack_api, db, member, fault, message
):
    if fault == "429":
        slack_api.rate_limit("views.open", retry_after=30)
    elif fault == "500":
        slack_api.fail("views.open", status=500)
    else:
        slack_api.delays["views.open"] = 3.5  # past the listener's 2.5 s: Slack's own 3 s are nearly gone
    trigger = "1700000000.1.faulty"
    answer = slack.command("issue The minibus broke down", user_id=MEMBER, trigger_id=trigger).get_json()
    assert answer["text"].startswith(message), answer
    assert len(slack_api.of("views.open")) == 1, "no in-place wait for a 30 s Retry-After"
    slack_api.failures.clear()
    slack_api.delays.clear()
    slack.command("issue The minibus broke down", user_id=MEMBER, trigger_id=trigger)  # Slack's retry
    assert len(slack_api.of("views.open")) == 2, "the failed opening claimed nothing, so a retry opens it"


# --- Mailchimp failing mid-send: the gaps left by test_bulletin_send.py -----------------------------------


@pytest.fixture
def approved(db):
    bulletin_support.network(db)
    factories.officer(db)
    for n in range(3):
        factories.organisation(
            db, f"Organisation {n} (demo)", members=(f"U0ORG{n:05d}",), contact_email=f"o{n}@example.org"
        )
    bulletin_support.article(db, "Youth worker vacancy")
    month = bulletin_support.this_month()
    compile_bulletin(db, month)
    approve_bulletin(db, month, by="U0OFFICER1")
    db.commit()
    return month


def _bulletin(session_factory, month):
    from models import Bulletin

    with session_factory() as session:
        return session.scalar(select(Bulletin).where(Bulletin.month == month))


def test_a_5xx_on_campaign_create_is_retried_and_makes_one_campaign(approved, session_factory, mailchimp_api):
    mailchimp_api.fail("POST", "/campaigns", status=503, detail="")
    with pytest.raises(MailchimpUnavailable):
        deliver_bulletin(session_factory, bulletin_support.mailer_for(mailchimp_api), approved)
    state = _bulletin(session_factory, approved)
    assert state.state == BulletinState.APPROVED and state.failed_step == "campaign create"
    assert state.next_attempt_at is not None  # retried automatically
    result = deliver_bulletin(session_factory, bulletin_support.mailer_for(mailchimp_api), approved)
    assert result.state == BulletinState.SENT
    assert len(mailchimp_api.campaign_list()) == 1
    assert mailchimp_api.count("POST", r"/campaigns/\w+/actions/send") == 1


def test_a_time_out_mid_audience_sync_resumes_with_each_contact_once(
    approved, session_factory, mailchimp_api
):
    """Mailchimp applied the batch but the answer never came: the retry sends the batch again
    (members are upserted by address), then carries on; one campaign, sent once."""
    mailchimp_api.time_out("POST", r"/lists/\w+", seconds=1.5, apply_first=True)
    with pytest.raises(MailchimpUnavailable):
        deliver_bulletin(session_factory, bulletin_support.mailer_for(mailchimp_api, timeout=0.5), approved)
    assert _bulletin(session_factory, approved).failed_step == "audience sync"
    result = deliver_bulletin(session_factory, bulletin_support.mailer_for(mailchimp_api), approved)
    assert result.state == BulletinState.SENT
    assert sorted(m["email_address"] for m in mailchimp_api.members.values()) == [
        "o0@example.org", "o1@example.org", "o2@example.org",
    ]  # fmt: skip
    assert len(mailchimp_api.campaign_list()) == 1
    assert mailchimp_api.count("POST", r"/campaigns/\w+/actions/send") == 1


def test_two_workers_delivering_the_bulletin_at_once_send_it_once(approved, engine, mailchimp_api):
    barrier = threading.Barrier(2)
    outcomes = []

    def worker():
        factory = make_session_factory(engine)
        barrier.wait()
        try:
            outcomes.append(
                deliver_bulletin(factory, bulletin_support.mailer_for(mailchimp_api), approved).state
            )
        except Exception as exc:  # the loser may be told the other holds the lease
            outcomes.append(type(exc).__name__)

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert BulletinState.SENT in outcomes, outcomes
    assert len(mailchimp_api.campaign_list()) == 1
    assert mailchimp_api.count("POST", "/campaigns") == 1
    assert mailchimp_api.count("POST", r"/campaigns/\w+/actions/send") == 1


# --- PostgreSQL restarted in the middle of a batch of submissions -----------------------------------------


# Generous bounds: a server stopping mid-checkpoint on a busy machine has taken 27 s (CI) and 135 s
# (a shared test database with many schemas) to go down; pg_ctl's own default wait is only 60 s, after
# which `pg_ctlcluster restart` gives up without starting the server again.
RESTART_BOUND_SECONDS = 300
SUBMITTING_BOUND_SECONDS = RESTART_BOUND_SECONDS + 120


def _cluster_command(action: str) -> list[str] | None:
    """The command that stops and starts the local cluster, if this machine can run it: Debian's
    tools, as root or through password-less sudo (as CI's system-packages step uses)."""
    if shutil.which("pg_ctlcluster") is None or not Path("/etc/postgresql").is_dir():
        return None
    versions = sorted(p.name for p in Path("/etc/postgresql").iterdir() if (p / "main").is_dir())
    if not versions:
        return None
    command = ["pg_ctlcluster", "--skip-systemctl-redirect", versions[-1], "main", action]
    command += ["--", "-t", str(RESTART_BOUND_SECONDS)]  # pg_ctl waits this long to stop and to start
    if os.geteuid() == 0:
        return command
    if shutil.which("sudo") and subprocess.run(["sudo", "-n", "true"], capture_output=True).returncode == 0:
        return ["sudo", "-n", *command]
    return None


def _is_ready() -> bool:
    return (
        subprocess.run(["pg_isready", "-h", "127.0.0.1", "-p", "5432"], capture_output=True).returncode == 0
    )


def _wait_until_ready(deadline_seconds: float = RESTART_BOUND_SECONDS) -> None:
    give_up = time.monotonic() + deadline_seconds
    while time.monotonic() < give_up:
        if _is_ready():
            return
        time.sleep(0.2)
    raise AssertionError(f"PostgreSQL did not come back within {deadline_seconds} s")


def test_postgresql_restarting_mid_batch_loses_no_submission_and_the_app_recovers(
    backend, slack, slack_api, db, session_factory, member, app
):
    """Submissions keep coming while the server restarts. Each is answered either with its receipt or
    with "nothing was saved" (the modal stays open); the app reconnects by itself (pool pre-ping);
    sending the refused ones again — as the person would — stores each exactly once."""
    if backend != "postgresql":
        pytest.skip("restarts the PostgreSQL server")
    command = _cluster_command("restart")
    if command is None:
        if os.environ.get("CI") == "true":
            pytest.fail("CI must be able to restart PostgreSQL (pg_ctlcluster as root or via sudo -n)")
        pytest.skip("pg_ctlcluster is not available to this user (needs root or password-less sudo)")
    slack.command("issue Batch item", user_id=MEMBER)
    view = opened_view(slack_api)
    db.close()  # its connection would die with the server; the checks below use fresh sessions

    answers: dict[int, dict] = {}
    restarted = threading.Event()
    started = threading.Event()
    after_restart = []

    def submit_continuously():
        """Submit until 15 have been sent after the server is back, bounded by time (not by a count, which
        a slow stop could use up before the server returns)."""
        n = 0
        give_up = time.monotonic() + SUBMITTING_BOUND_SECONDS
        while len(after_restart) < 15 and time.monotonic() < give_up:
            n += 1
            payload = submission(
                view, user_id=MEMBER, values={"description": f"Batch item {n:04d}"}, view_id=f"VBATCH{n:05d}"
            )
            response = slack.interact(payload)
            answers[n] = {"status": response.status_code, "body": response.get_json(), "payload": payload}
            if n == 10:
                started.set()
            if restarted.is_set():
                after_restart.append(n)
            elif response.get_json().get("response_action") == "errors":
                time.sleep(0.05)  # the server is down: a person would not resubmit hundreds of times a second

    submitter = threading.Thread(target=submit_continuously)
    submitter.start()
    assert started.wait(60)
    try:
        restart = subprocess.run(command, capture_output=True, text=True, timeout=2 * RESTART_BOUND_SECONDS)
        assert restart.returncode == 0, restart.stderr
        _wait_until_ready()
    finally:
        if not _is_ready():  # never leave the shared server down for every other test run
            subprocess.run(_cluster_command("start"), capture_output=True, timeout=2 * RESTART_BOUND_SECONDS)
        restarted.set()
    submitter.join(timeout=SUBMITTING_BOUND_SECONDS + 60)
    assert not submitter.is_alive()

    receipts, refused = {}, {}
    for n, answer in answers.items():
        assert answer["status"] == 200, answer
        body = answer["body"]
        if body.get("response_action") == "update":
            receipts[n] = json.dumps(body["view"])
        else:
            assert body.get("response_action") == "errors", body
            [message] = body["errors"].values()
            assert DATABASE_DOWN.split("—")[0] in message and "nothing was saved" in message, message
            refused[n] = answer
    assert refused, "no submission met the restart: the test proved nothing"
    assert after_restart and all(n in receipts for n in after_restart[2:]), (
        "the app did not recover by itself"
    )

    with session_factory() as check:
        stored = {row for row in check.scalars(select(Issue.description))}
    for n in receipts:
        assert f"Batch item {n:04d}" in stored, f"submission {n} was acknowledged but not stored"
    # The person submits each refused modal again (the same modal, so the same view id).
    for answer in refused.values():
        body = slack.interact(answer["payload"]).get_json()
        assert body.get("response_action") == "update", body
    with session_factory() as check:
        descriptions = list(check.scalars(select(Issue.description)))
    assert sorted(descriptions) == sorted(f"Batch item {n:04d}" for n in answers), "each exactly once"
    assert app.test_client().get("/healthz").get_json()["database"] == "ok"


# --- a worker killed in the middle of a sweep --------------------------------------------------------------

SWEEP_WORKER = """
import os, sys, time
from datetime import datetime
from sqlalchemy import text
import bot.escalation_jobs as jobs
from models.db import make_engine, make_session_factory

engine = make_engine(os.environ["DATABASE_URL"])
factory = make_session_factory(engine)
original = jobs.sweep_due
batches = []

def sweep_then_hang(session, **kwargs):
    report = original(session, **kwargs)
    batches.append(report.claimed)
    if len(batches) == 2:  # the second batch is done but not committed: be killed here
        session.flush()
        postgres = engine.dialect.name == "postgresql"
        pid = session.execute(text("SELECT pg_backend_pid()")).scalar() if postgres else 0
        print(f"MID-SWEEP {batches[0]} {pid}", flush=True)
        time.sleep(600)
    return report

jobs.sweep_due = sweep_then_hang
jobs.run_sweep(factory, now=datetime.fromisoformat(sys.argv[1]), batch=4)
print("FINISHED", flush=True)
"""


def _nudges(db) -> list[str]:
    db.expire_all()
    return list(
        db.scalars(
            select(OutboxMessage.key)
            .where(OutboxMessage.key.like("%:nudge:%"), OutboxMessage.key.not_like("%:nudge:%:%"))
            .order_by(OutboxMessage.key)
        )
    )


def test_a_worker_killed_mid_sweep_leaves_the_sweep_to_finish_once(
    backend, db, engine, session_factory, settings, slack_api, tmp_path
):
    net = network(db)
    items = [issue(db, net.organisation, theme=net.early_help, title=f"Item {n}") for n in range(12)]
    for item in items:
        flows.route_received_issue(db, item, now=START, render=RENDERER)
    db.commit()
    env = {
        **os.environ,
        "DATABASE_URL": cli_database_url(engine),
        "PYTHONPATH": str(Path(__file__).resolve().parents[1]),
    }
    worker = subprocess.Popen(
        [sys.executable, "-c", SWEEP_WORKER, REMIND.isoformat()],
        env=env,
        stdout=subprocess.PIPE,
        text=True,
        cwd=tmp_path,
    )
    try:
        line = worker.stdout.readline()
        assert line.startswith("MID-SWEEP"), line
        _, first_batch, backend_pid = line.split()
        os.kill(worker.pid, signal.SIGKILL)  # no clean-up, no rollback: as if the machine died
        worker.wait(timeout=30)
    finally:
        if worker.poll() is None:
            worker.kill()
    if backend == "postgresql":
        _wait_for_backend_to_go(db, int(backend_pid))
    committed = _nudges(db)
    assert len(committed) == int(first_batch) == 4, "only the first batch survived the kill"

    report = run_sweep(session_factory, now=REMIND, render=RENDERER)
    assert report.claimed == 8, "the restarted sweep does what was left, and only that"
    nudges = _nudges(db)
    assert len(nudges) == len(set(nudges)) == 12
    assert all(key.endswith(":nudge:1") for key in nudges)
    reminded = db.scalars(select(Escalation.reminders_sent)).all()
    assert reminded == [1] * 12
    events = db.scalar(
        select(func.count()).select_from(EscalationEvent).where(EscalationEvent.kind == "reminder_sent")
    )
    assert events == 12
    assert run_sweep(session_factory, now=REMIND, render=RENDERER).claimed == 0
    # The 12 cards, the 12 nudges to the chair and to each of the board's two members, and the raiser's
    # 12 notes that each item was routed (escalations.lifecycle).
    assert deliver_due(session_factory, web_client(settings)) == 12 + 12 * 3 + 12
    dms = [c for c in slack_api.of("chat.postMessage") if c["channel"] == "D" + EH_CHAIR[1:]]
    assert len(dms) == 12, "each chair reminder reached Slack once"


def _wait_for_backend_to_go(db, pid: int) -> None:
    """PostgreSQL notices the dead client when it next reads its socket; wait until it has."""
    for _ in range(300):
        db.rollback()
        alive = db.execute(
            text("SELECT count(*) FROM pg_stat_activity WHERE pid = :pid"), {"pid": pid}
        ).scalar()
        if not alive:
            return
        time.sleep(0.1)
    raise AssertionError(f"the killed worker's backend {pid} is still there")


# --- two workers at once (PostgreSQL: several processes share one database) ---------------------------------


def _two_at_once(target, *args) -> list:
    barrier = threading.Barrier(2)
    results = []

    def run():
        barrier.wait()
        results.append(target(*args))

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


def test_two_workers_delivering_the_outbox_at_once_send_each_message_once(
    backend, db, engine, settings, slack_api
):
    if backend != "postgresql":
        pytest.skip("FOR UPDATE SKIP LOCKED: PostgreSQL only (SQLite runs one worker)")
    for n in range(40):
        enqueue(
            db,
            key=f"fault:two:{n}",
            method="chat.postMessage",
            payload={"channel": "C0TWO", "text": f"Message {n}"},
        )
    db.commit()
    slack_api.delays["chat.postMessage"] = 0.02  # each send takes a moment, so the two overlap
    sent = _two_at_once(lambda: deliver_due(make_session_factory(engine), web_client(settings)))
    assert sum(sent) == 40 and all(sent), sent
    texts = [c["text"] for c in slack_api.of("chat.postMessage")]
    assert sorted(texts) == sorted(f"Message {n}" for n in range(40)), "each message exactly once"
    assert {r.status for r in _rows(db)} == {OutboxStatus.SENT}


def test_two_workers_sweeping_past_the_deadline_move_each_item_up_once(backend, db, engine):
    """The reminder share-out is tested in test_escalation_sweep; this is the other half of the sweep:
    both workers find every item overdue and escalate it to the next board — once."""
    if backend != "postgresql":
        pytest.skip("FOR UPDATE SKIP LOCKED: PostgreSQL only (SQLite runs one worker)")
    net = network(db)
    for n in range(30):
        item = issue(db, net.organisation, theme=net.early_help, title=f"Overdue item {n}")
        flows.route_received_issue(db, item, now=START, render=RENDERER)
    db.commit()
    reports = _two_at_once(
        lambda: run_sweep(make_session_factory(engine), now=OVERDUE, render=RENDERER, batch=4)
    )
    assert sum(r.escalated for r in reports) == 30
    db.expire_all()
    live = db.scalars(select(Escalation).where(Escalation.state == EscalationState.OPEN)).all()
    assert len(live) == 30 and {e.board_name for e in live} == {"Children's Trust Board"}
    assert (
        db.scalar(
            select(func.count()).select_from(Escalation).where(Escalation.state == EscalationState.ESCALATED)
        )
        == 30
    )
    escalated = db.scalars(select(EscalationEvent.issue_id).where(EscalationEvent.kind == "escalated")).all()
    assert len(escalated) == len(set(escalated)) == 30
    cards = db.scalars(select(OutboxMessage.key).where(OutboxMessage.key.like("escalation:%:card"))).all()
    assert len(cards) == len(set(cards)) == 60  # 30 first cards, 30 at the next board
