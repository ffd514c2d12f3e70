"""Latency benchmark: from a person's action in Slack to what Slack is asked to show, as people see it.

    .venv/bin/python benchmarks/latency.py [--db sqlite|postgresql|both] [--quick]

Times three things, each from the moment the signed request leaves the client to the moment the fake
Slack Web API receives the call that shows the result (its own arrival clock, `time.time()`):

  (a) an issue submitted (the issue modal's view_submission) → its card posted in the board's channel;
  (b) Acknowledge pressed on that card (block_actions) → the card updated ("Acknowledged by …");
  (c) the board's answer given (the Respond modal's view_submission) → the DM to the raiser quoting it.

Two set-ups, each on a fresh database per backend (migrated and loaded like `load.py`'s, with its
helpers): `procfile` — gunicorn `bot.wsgi:app` (2 workers × 8 threads) and `linkedup worker`, as the
Procfile runs them; `serve` — `linkedup serve` alone (waitress, its scheduler in the same process).
Each at 1 and 10 concurrent users: a level is rounds of as many flows as users, started together;
rounds start at a pace Slack's allowances can take (`--rate` flows a minute; two `chat.update` per flow
against Tier 3's 50 a minute), so what is measured is our path, not Slack's rate limit. The baseline,
measured in the same run, is the fake Slack's own round trip for a `chat.postMessage`.

Lost: a result that did not reach Slack within `--wait` seconds. Duplicates: a call the fake received
twice with the same arguments (a message sent twice). Target: p95 ≤ 1 s for (a)–(c), none lost or
doubled. Every process started is stopped and every database removed at the end, on Ctrl-C or error.
"""

from __future__ import annotations

import argparse
import http.client
import json
import math
import os
import signal
import sys
import threading
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks import load_db, load_mix  # noqa: E402
from benchmarks.load import (  # noqa: E402
    BOT_TOKEN,
    DEFAULT_PG_ADMIN,
    SIGNING_SECRET,
    VENV_BIN,
    Children,
    base_env,
    free_port,
    gunicorn_argv,
    wait_ready,
)
from tests.slack_requests import (  # noqa: E402
    block_actions_payload,
    interactive_body,
    signed_headers,
    view_submission_payload,
)

TARGET_MS = 1000.0
STEPS = {
    "card": "(a) issue submitted → card posted",
    "acknowledged": "(b) Acknowledge → card updated",
    "answer": "(c) answer given → DM to raiser",
}
SETUPS = ("procfile", "serve")
RAISERS = [f"U0LATR{n:03d}" for n in range(1, 21)]
BOARD_USERS = [f"U0LATB{n:03d}" for n in range(1, 11)]
SECRET_KEY = "bench-latency-secret-key-7d1c0a9e3f5b4826a1c4e0b9d2f3a6c8"
ACKNOWLEDGE = load_mix._callback("handlers.ids", "EscalationAction.ACKNOWLEDGE", "escalation_acknowledge")
RESPOND = load_mix._callback("handlers.ids", "EscalationCallback.RESPOND", "escalation_respond_modal")
FORM = "application/x-www-form-urlencoded"


# --- what the fake Slack received -------------------------------------------------------------------


class Deliveries(threading.Thread):
    """Follows the fake Slack's events: cards by reference, 'Acknowledged' updates, DMs by mark."""

    def __init__(self, port: int) -> None:
        super().__init__(daemon=True)
        self.port = port
        self.changed = threading.Condition()
        self.after = 0
        self.cards: dict[str, dict] = {}
        self.acknowledged: dict[str, list[dict]] = defaultdict(list)
        self.dms: dict[tuple[str, str], dict] = {}
        self.by_channel: dict[str, list[float]] = defaultdict(list)  # arrival times of posts per channel
        self.duplicates = 0
        self.repeats: list[dict] = []  # the calls the fake received a second time, identical
        self.stopped = threading.Event()

    def run(self) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        while not self.stopped.is_set():
            try:
                conn.request("GET", f"/_bench/events?after={self.after}")
                answer = json.loads(conn.getresponse().read())
            except (OSError, http.client.HTTPException, ValueError):
                conn.close()
                self.stopped.wait(0.2)
                continue
            with self.changed:
                for event in answer["events"]:
                    self.after = max(self.after, event["seq"])
                    self._index(event)
                self.duplicates = answer["duplicates"]
                self.changed.notify_all()
            self.stopped.wait(0.02)

    def _index(self, event: dict) -> None:
        channel = event.get("channel") or ""
        if event.get("repeat"):
            self.repeats.append(event)
        if event["method"] == "chat.postMessage" and ACKNOWLEDGE in event["buttons"]:
            for ref in event["refs"]:
                self.cards.setdefault(ref, event)
        if event["method"] == "chat.update" and event["acknowledged"]:
            for ref in event["refs"]:
                self.acknowledged[ref].append(event)
        if event["method"] == "chat.postMessage":
            self.by_channel[channel].append(event["t"])
        # A DM: to its D… channel, or (as the bot posts them) to the person's user id, which Slack delivers
        # to the app's DM with them.
        if event["method"] == "chat.postMessage" and channel[:1] in ("D", "U", "W"):
            for mark in event["marks"]:
                self.dms.setdefault((mark, channel), event)

    def posts_before(self, event: dict, seconds: float = 2.0) -> int:
        """Other messages posted in the event's channel in the `seconds` before it arrived."""
        with self.changed:
            arrivals = self.by_channel[event.get("channel") or ""]
            return sum(event["t"] - seconds <= t < event["t"] for t in arrivals)

    def wait_for(self, found, timeout: float):
        with self.changed:
            return self.changed.wait_for(found, timeout)


# --- one flow: raise, acknowledge, answer -----------------------------------------------------------


@dataclass
class Flow:
    seconds: dict[str, float] = field(default_factory=dict)
    responded: dict[str, float] = field(default_factory=dict)  # step → the HTTP answer's own time
    lost: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    crowded: dict[str, int] = field(
        default_factory=dict
    )  # step → other posts in its channel in the 2 s before


def _post(port: int, payload: dict) -> tuple[int, bytes]:
    body = interactive_body(payload)
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=15)
    try:
        conn.request(
            "POST",
            "/slack/events",
            body=body.encode(),
            headers=signed_headers(body, content_type=FORM, secret=SIGNING_SECRET),
        )
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def issue_submission(n: int, raiser: str, theme_id: int) -> dict:
    values = {
        "title": {"field": load_mix._text(f"Waiting lists for family support (latency run {n})")},
        "description": {"field": load_mix._text(f"Families wait fourteen weeks for support ({n}).")},
        "urgency": {"field": load_mix._radio("routine")},
        "affected_age_range": {"field": load_mix._select("5-11")},
        "affected_group": {"field": load_mix._text(None)},
        "sensitive": {"field": load_mix._checkboxes()},
        "publish_allowed": {"field": load_mix._checkboxes("yes")},
        "theme": {"field": load_mix._select(str(theme_id))},
    }
    return view_submission_payload(
        user_id=raiser,
        callback_id=load_mix.ISSUE_CALLBACK,
        values=values,
        private_metadata=json.dumps({"source": "command", "channel": "C0NETWORK"}),
        view_id=f"VLAT{uuid.uuid4().hex[:12].upper()}",
    )


def answer_submission(board_user: str, escalation_id: int, channel: str, mark: str) -> dict:
    values = {
        "answer": {
            "value": {"type": "plain_text_input", "value": f"We will add Saturday sessions ({mark})."}
        },
        "outcome": {"value": {"type": "radio_buttons", "selected_option": {"value": "accepted"}}},
        "decline_reason": {"value": {"type": "plain_text_input", "value": ""}},
        "follow_up_date": {"value": {"type": "datepicker", "selected_date": None}},
    }
    metadata = json.dumps({"escalation_id": escalation_id, "channel": channel})
    return view_submission_payload(
        user_id=board_user, callback_id=RESPOND, values=values, private_metadata=metadata
    )


def run_flow(port: int, seen: Deliveries, n: int, theme_id: int, wait: float) -> Flow:
    flow = Flow()
    raiser, board_user = RAISERS[n % len(RAISERS)], BOARD_USERS[n % len(BOARD_USERS)]
    started = time.time()
    status, raw = _post(port, issue_submission(n, raiser, theme_id))
    flow.responded["card"] = time.time() - started
    found = load_mix.REFERENCE.search(raw.decode(errors="replace"))
    if status != 200 or found is None:
        flow.errors.append(f"issue submission: HTTP {status} without a reference")
        return flow
    ref = found.group(0)
    card = seen.wait_for(lambda: seen.cards.get(ref), wait)
    if card is None:
        flow.lost.append("card")
        return flow
    flow.seconds["card"] = card["t"] - started
    flow.crowded["card"] = seen.posts_before(card)

    started = time.time()
    value = card["buttons"][ACKNOWLEDGE]
    press = block_actions_payload(
        user_id=board_user,
        action_id=ACKNOWLEDGE,
        value=value,
        channel_id=card["channel"],
        message_ts=card["ts"],
    )
    status, _ = _post(port, press)
    flow.responded["acknowledged"] = time.time() - started
    if status != 200:
        flow.errors.append(f"Acknowledge: HTTP {status}")
        return flow
    update = seen.wait_for(lambda: next((e for e in seen.acknowledged[ref] if e["t"] >= started), None), wait)
    if update is None:
        flow.lost.append("acknowledged")
    else:
        flow.seconds["acknowledged"] = update["t"] - started

    from models.fields import record_id

    mark = f"BENCH-{uuid.uuid4().hex[:12]}"
    started = time.time()
    status, raw = _post(port, answer_submission(board_user, record_id(value), card["channel"], mark))
    flow.responded["answer"] = time.time() - started
    if status != 200 or b"errors" in raw:
        flow.errors.append(f"answer: HTTP {status} {raw[:120]!r}")
        return flow
    dm = seen.wait_for(lambda: seen.dms.get((mark, raiser)) or seen.dms.get((mark, "D" + raiser[1:])), wait)
    if dm is None:
        flow.lost.append("answer")
    else:
        flow.seconds["answer"] = dm["t"] - started
        flow.crowded["answer"] = seen.posts_before(dm)
    return flow


# --- levels, set-ups, databases --------------------------------------------------------------------


@dataclass
class Level:
    setup: str
    backend: str
    users: int
    flows: list[Flow]
    duplicates: int
    repeats: list[dict] = field(default_factory=list)


def run_level(port: int, seen: Deliveries, users: int, count: int, themes: list[int], args) -> list[Flow]:
    """`count` flows in rounds of `users` started together, rounds paced at `args.rate` flows a minute."""
    flows: list[Flow] = []
    lock = threading.Lock()
    interval = users * 60.0 / args.rate
    begin = time.monotonic()
    for number in range(math.ceil(count / users)):
        time.sleep(max(0.0, begin + number * interval - time.monotonic()))
        batch = range(number * users, min(count, (number + 1) * users))

        def one(n: int) -> None:
            try:
                result = run_flow(port, seen, n, themes[n % len(themes)], args.wait)
            except (OSError, http.client.HTTPException) as exc:
                result = Flow(errors=[f"{type(exc).__name__}: {exc}"[:120]])
            with lock:
                flows.append(result)

        threads = [threading.Thread(target=one, args=(n,)) for n in batch]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    return flows


def start_setup(children: Children, setup: str, env: dict[str, str]) -> int:
    port = free_port()
    if setup == "procfile":
        children.start("web", gunicorn_argv("bot.wsgi:app", port), env)
        children.start("worker", [str(VENV_BIN / "linkedup"), "worker"], env)
        wait_ready(children, "web", port, "/healthz")
    else:
        children.start("serve", [str(VENV_BIN / "linkedup"), "serve", "--port", str(port)], env)
        wait_ready(children, "serve", port, "/healthz")
    return port


def own_organisations(database: load_db.BenchDatabase, raisers: list[str]) -> None:
    """Each raiser a member of an organisation of its own.

    An answer is DMed to every member of the raiser's organisation: raisers sharing one would each
    get all its answers, several a second in a round, and Slack's one post a second per channel
    would then pace them — measuring the allowance, not our path.
    """
    from models import Member, MemberRole, Organisation, Service
    from models.db import make_engine, make_session_factory, transaction

    engine = make_engine(database.url)
    try:
        with transaction(make_session_factory(engine)) as session:
            for n, raiser in enumerate(raisers, start=1):
                org = Organisation(
                    slug=f"latency-{n:02d}",
                    name=f"Latency benchmark organisation {n}",
                    contact_email=f"latency-{n:02d}@example.org",
                    bulletin_consent=False,
                )
                session.add(org)
                session.add(Service(organisation=org, name="Family support", category="family support"))
                session.add(
                    Member(
                        slack_user_id=raiser,
                        organisation=org,
                        role=MemberRole.MEMBER,
                        display_name=f"Latency raiser {n}",
                    )
                )
    finally:
        engine.dispose()


def board_themes(database: load_db.BenchDatabase) -> list[int]:
    """Themes whose issues go to a board (so each flow's issue gets a card), in id order."""
    from sqlalchemy import select

    from models import Theme
    from models.db import make_engine, make_session_factory

    engine = make_engine(database.url)
    try:
        with make_session_factory(engine)() as session:
            return list(
                session.scalars(select(Theme.id).where(Theme.board_id.is_not(None)).order_by(Theme.id))
            )
    finally:
        engine.dispose()


def reset_fake(port: int) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request("POST", "/_bench/reset")
    conn.getresponse().read()
    conn.close()


def fake_round_trip(port: int, count: int) -> list[float]:
    """The baseline: `chat.postMessage` to the fake Slack and its answer, as the Web API client makes it."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    seconds = []
    body = json.dumps({"channel": "C0BASELINE", "text": "baseline"}).encode()
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {BOT_TOKEN}"}
    for _ in range(count):
        started = time.perf_counter()
        conn.request("POST", "/api/chat.postMessage", body=body, headers=headers)
        conn.getresponse().read()
        seconds.append(time.perf_counter() - started)
    conn.close()
    return seconds


# --- figures ----------------------------------------------------------------------------------------


def nearest_rank(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def print_levels(levels: list[Level]) -> bool:
    print(
        f"\n{'set-up':9} {'db':11} {'users':>5}  {'step':36} {'n':>4} {'p50 ms':>8} {'p95 ms':>8} "
        f"{'max ms':>8} {'http p50':>8} {'lost':>5} {'dup':>4} {'errors':>6}  target"
    )
    met = True
    for level in levels:
        errors = sum(len(flow.errors) for flow in level.flows)
        for step, label in STEPS.items():
            ms = [flow.seconds[step] * 1000 for flow in level.flows if step in flow.seconds]
            lost = sum(step in flow.lost for flow in level.flows)
            p50, p95, worst = (nearest_rank(ms, 0.5), nearest_rank(ms, 0.95), max(ms)) if ms else (0, 0, 0)
            http = [flow.responded[step] * 1000 for flow in level.flows if step in flow.responded]
            http_p50 = nearest_rank(http, 0.5) if http else 0
            ok = bool(ms) and p95 <= TARGET_MS and not lost and not level.duplicates and not errors
            met &= ok
            print(
                f"{level.setup:9} {level.backend:11} {level.users:>5}  {label:36} {len(ms):>4} {p50:>8.0f} "
                f"{p95:>8.0f} {worst:>8.0f} {http_p50:>8.0f} {lost:>5} {level.duplicates:>4} {errors:>6}  "
                f"{'PASS' if ok else 'MISS'}"
            )
    for level in levels:
        for step in ("card", "answer"):
            slow = [f for f in level.flows if f.seconds.get(step, 0) * 1000 > TARGET_MS]
            if slow:
                crowded = sorted(f.crowded.get(step, 0) for f in slow)
                print(
                    f"  ({level.setup}, {level.backend}, {level.users} users) {STEPS[step][:3]} "
                    f"{len(slow)} over "
                    f"{TARGET_MS:.0f} ms; other posts in the same channel in the 2 s before each: {crowded} "
                    "(Slack allows about one a second per channel)"
                )
        for repeat in level.repeats[:5]:
            what = ", ".join(repeat["refs"] + repeat["marks"]) or "no reference"
            kind = " (acknowledged card)" if repeat["acknowledged"] else ""
            print(
                f"  sent twice ({level.setup}, {level.backend}, {level.users} users): {repeat['method']} "
                f"to {repeat['channel']} — {what}{kind}"
            )
        for message in sorted({e for flow in level.flows for e in flow.errors})[:5]:
            print(f"  error ({level.setup}, {level.backend}, {level.users} users): {message}")
    return met


# --- the run ----------------------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--setups", default=",".join(SETUPS), help="procfile,serve (default both)")
    parser.add_argument("--levels", default="1,10", help="concurrent users per level (default 1,10)")
    parser.add_argument("--count", type=int, default=None, help="flows per level (default 200; --quick 30)")
    parser.add_argument("--quick", action="store_true", help="30 flows per level")
    parser.add_argument("--rate", type=float, default=24.0, help="flows started a minute (default 24)")
    parser.add_argument("--wait", type=float, default=30.0, help="seconds before a result counts as lost")
    parser.add_argument("--pg-admin-url", default=os.environ.get("BENCH_PG_ADMIN_URL", DEFAULT_PG_ADMIN))
    parser.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
    args = parser.parse_args(argv)
    args.count = args.count if args.count is not None else (30 if args.quick else 200)
    args.setups = tuple(s for s in args.setups.split(",") if s)
    if not set(args.setups) <= set(SETUPS) or not args.setups:
        parser.error(f"--setups: some of {', '.join(SETUPS)}")
    try:
        args.levels = tuple(int(v) for v in args.levels.split(","))
    except ValueError:
        parser.error("--levels: comma-separated whole numbers")
    if any(n < 1 or n > len(RAISERS) for n in args.levels) or args.count < 1 or args.rate <= 0:
        parser.error(f"--levels between 1 and {len(RAISERS)}; --count and --rate above 0")
    return args


def measure(setup, backend, tmp, databases, children, fake_port: int, env: dict, args) -> list[Level]:
    """One set-up on a fresh database of `backend`: every level, each with its own flows."""
    if backend == "sqlite":
        directory = tmp / f"{setup}-sqlite"
        directory.mkdir()
        database = load_db.sqlite_database(directory)
    else:
        database = load_db.postgres_database(args.pg_admin_url, f"lu_latency_{os.getpid()}_{setup}")
    databases.append(database)
    load_db.prepare(database, [])
    own_organisations(database, RAISERS)
    load_db.open_escalations(database, 0, BOARD_USERS)  # board users become members of every board
    themes = board_themes(database)
    for note in database.notes:
        print(f"note ({backend}): {note}")
    reset_fake(fake_port)  # references start again at LU-…-0001 in every database
    seen = Deliveries(fake_port)
    seen.start()
    levels = []
    try:
        port = start_setup(children, setup, {**env, "DATABASE_URL": database.url})
        for users in args.levels:
            before, repeated = seen.duplicates, len(seen.repeats)
            flows = run_level(port, seen, users, args.count, themes, args)
            time.sleep(1.0)  # a duplicate would come just after the original
            levels.append(
                Level(setup, backend, users, flows, seen.duplicates - before, seen.repeats[repeated:])
            )
            print(f"  done: {setup} on {backend}, {users} user(s)", flush=True)
    finally:
        seen.stopped.set()
    return levels


def _terminate(signum, frame):  # SIGTERM → the same clean-up as Ctrl-C
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, _terminate)
    tmp, remove_tmp = load_db.temporary_directory()
    children = Children(tmp)
    databases: list[load_db.BenchDatabase] = []
    levels: list[Level] = []
    failures: list[str] = []
    try:
        fake_port = free_port()
        children.start(
            "fake-slack", gunicorn_argv("benchmarks.fake_slack:app", fake_port, workers=1), base_env()
        )
        wait_ready(children, "fake-slack", fake_port, "/_bench/stats")
        baseline = [s * 1000 for s in fake_round_trip(fake_port, 200)]
        print(f"latency: a person's action → the Web API call that shows it; target p95 ≤ {TARGET_MS:.0f} ms")
        print(
            f"flows per level: {args.count}, in rounds paced at {args.rate:g} flows a minute; "
            f"lost after {args.wait:g} s"
        )
        print(
            f"baseline, same run — the fake Slack's round trip for chat.postMessage (200 calls): "
            f"p50 {nearest_rank(baseline, 0.5):.1f} ms, p95 {nearest_rank(baseline, 0.95):.1f} ms, "
            f"max {max(baseline):.1f} ms; before this change, delivery waited for the worker's 15 s poll"
        )
        env = {
            **base_env(),
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_BOT_TOKEN": BOT_TOKEN,
            "SLACK_API_URL": f"http://127.0.0.1:{fake_port}/api/",
            "SECRET_KEY": SECRET_KEY,
        }
        backends = ["sqlite", "postgresql"] if args.db == "both" else [args.db]
        for backend in backends:
            for setup in args.setups:
                try:
                    levels += measure(setup, backend, tmp, databases, children, fake_port, env, args)
                except Exception as exc:  # say so, stop its processes, measure the other set-ups
                    failures.append(f"{setup} on {backend}: {type(exc).__name__}: {str(exc)[-600:]}")
                    print(f"  FAILED: {failures[-1]}", flush=True)
                finally:
                    for name in ("web", "worker", "serve"):
                        children.stop(name)
        met = print_levels(levels) and not failures
        for failure in failures:
            print(f"set-up failed, not measured: {failure}")
        print(
            f"\ntargets (p95 ≤ {TARGET_MS:.0f} ms for (a)–(c), nothing lost, nothing twice): "
            + ("all PASS" if met else "MISS")
        )
        return 1 if (args.strict and not met) else 0
    except KeyboardInterrupt:
        print("\ninterrupted; stopping servers and removing temporary databases", file=sys.stderr)
        return 130
    finally:
        children.stop_all()
        for database in databases:
            try:
                database.cleanup()
            except Exception as exc:  # report, and go on removing the rest
                print(f"could not remove the {database.backend} database: {exc}", file=sys.stderr)
        remove_tmp()


if __name__ == "__main__":
    sys.exit(main())
