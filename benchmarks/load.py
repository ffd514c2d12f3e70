"""Load benchmark: the real app under gunicorn against a bare Bolt app that only acks, in one run.

    .venv/bin/python benchmarks/load.py [--db sqlite|postgresql|both] [--count N] [--quick]

Starts, on 127.0.0.1 only: a fake Slack Web API (gunicorn, one worker); a bare Bolt app twice (Bolt's
default mode, then `process_before_response=True`); per database the *same-work* app
(`same_work_app.py`: the same external work as ours per request kind — `views.open`, one insert, the
receipt — and nothing else, so ours ÷ same-work is what our own code costs); and our app
(`gunicorn bot.wsgi:app`) on a fresh SQLite file and/or a fresh PostgreSQL database, each migrated with
`linkedup db upgrade`, loaded with the demo network and a member row per benchmark user. Every server
gets 2 workers × 8 threads (gthread).

Each server is driven with the same mix of signed Slack requests (`load_mix.py`; each request has its
own trigger id) at 1, 10 and 50 concurrent clients, each client a thread with one keep-alive
`http.client` connection. Requests are built and signed before the clock starts; a few warm-up
requests per client are sent and left out. The table gives throughput, p50/p95/p99/max time to
response, errors (non-2xx, or an answer that is not the expected one), CPU per request of the
workers, host CPU use, and each worker's peak RSS (VmHWM); then the ratios ours / bare, a check that
the database holds no duplicate, and the targets with PASS/MISS.

Everything is bounded: a time limit per level and per run, a timeout per request, and every child
process is stopped and every temporary database removed on exit, Ctrl-C or error.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import math
import os
import platform
import random
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter, defaultdict, deque
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks import load_db, load_mix  # noqa: E402
from benchmarks.same_work_app import create_table  # noqa: E402
from tests.slack_requests import signed_headers  # noqa: E402

VENV_BIN = Path(sys.executable).parent
SIGNING_SECRET = "bench-signing-secret-5f1d0c3e9a7b42d8"
BOT_TOKEN = "xoxb-bench-000000000000-000000000000-benchbenchbenchbenchbench"
DEFAULT_PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
LEVELS = (1, 10, 50)
WORKERS, THREADS = 2, 8
REQUEST_TIMEOUT = 15.0
READY_TIMEOUT = 60.0
CLK_TCK = os.sysconf("SC_CLK_TCK")

TARGET_P50_MS = 5.0
TARGET_P99_MS = 100.0
TARGET_RATIO = 0.8


# --- child processes -------------------------------------------------------------------------------


class Children:
    """Every process this run starts, each in its own process group, so all of it can be stopped."""

    def __init__(self, log_dir: Path):
        self.log_dir = log_dir
        self.procs: dict[str, subprocess.Popen] = {}

    def start(self, name: str, argv: list[str], env: dict[str, str]) -> subprocess.Popen:
        log = open(self.log_dir / f"{name}.log", "wb")  # noqa: SIM115 - closed with the process
        proc = subprocess.Popen(
            argv, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        log.close()
        self.procs[name] = proc
        return proc

    def log_tail(self, name: str, lines: int = 15) -> str:
        path = self.log_dir / f"{name}.log"
        if not path.exists():
            return ""
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])

    def stop(self, name: str) -> None:
        proc = self.procs.pop(name, None)
        if proc is None or proc.poll() is not None:
            return
        try:
            os.killpg(proc.pid, signal.SIGTERM)
        except ProcessLookupError:
            return
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=5)

    def stop_all(self) -> None:
        for name in list(self.procs):
            self.stop(name)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def gunicorn_argv(target: str, port: int, *, workers: int = WORKERS, threads: int = THREADS) -> list[str]:
    return [
        str(VENV_BIN / "gunicorn"),
        target,
        "--bind",
        f"127.0.0.1:{port}",
        "--worker-class",
        "gthread",
        "--workers",
        str(workers),
        "--threads",
        str(threads),
        "--keep-alive",
        "30",
        "--timeout",
        "60",
        "--graceful-timeout",
        "5",
        "--log-level",
        "warning",
    ]


def base_env() -> dict[str, str]:
    """The parent's environment without any Slack, Mailchimp or database setting of its own."""
    drop = ("SLACK_", "MAILCHIMP_", "DATABASE_URL", "BENCH_")
    return {key: value for key, value in os.environ.items() if not key.startswith(drop)}


def wait_ready(children: Children, name: str, port: int, path: str) -> None:
    """Until GET path answers 200 (the app imported and its database reachable), within READY_TIMEOUT."""
    deadline = time.monotonic() + READY_TIMEOUT
    last = "no answer"
    while time.monotonic() < deadline:
        proc = children.procs[name]
        if proc.poll() is not None:
            raise RuntimeError(f"{name} exited with {proc.returncode}:\n{children.log_tail(name)}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", path)
            response = conn.getresponse()
            body = response.read()
            conn.close()
            if response.status == 200:
                return
            last = f"HTTP {response.status} {body[:200]!r}"
        except OSError as exc:
            last = f"{type(exc).__name__}: {exc}"
        time.sleep(0.2)
    raise RuntimeError(f"{name} not ready after {READY_TIMEOUT:.0f} s ({last}):\n{children.log_tail(name)}")


def worker_pids(master: int) -> list[int]:
    try:
        text = Path(f"/proc/{master}/task/{master}/children").read_text()
        return sorted(int(pid) for pid in text.split())
    except (OSError, ValueError):
        pids = []
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    stat = (entry / "stat").read_text()
                except OSError:
                    continue
                if int(stat.rsplit(")", 1)[1].split()[1]) == master:
                    pids.append(int(entry.name))
        return sorted(pids)


def wait_workers(master: int, expected: int) -> list[int]:
    deadline = time.monotonic() + READY_TIMEOUT
    while time.monotonic() < deadline:
        pids = worker_pids(master)
        if len(pids) >= expected:
            return pids
        time.sleep(0.1)
    raise RuntimeError(f"gunicorn {master} has {len(worker_pids(master))} workers, expected {expected}")


def peak_rss_mb(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def cpu_seconds(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / CLK_TCK
    except (OSError, ValueError, IndexError):
        return 0.0


def host_cpu() -> tuple[int, int]:
    """(busy, total) jiffies of the whole machine, from /proc/stat."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = values[3] + values[4]
    return sum(values) - idle, sum(values)


# --- requests --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Prepared:
    kind: int
    body: bytes
    headers: dict[str, str]
    key: str | None


def prepare_requests(
    kinds: list[load_mix.RequestKind],
    count: int,
    users: list[str],
    seed: int,
    seq_start: int,
    ctx: load_mix.MixContext,
) -> list[Prepared]:
    """`count` requests, signed now, users in turn; the same seed gives every server the same sequence."""
    rng = random.Random(seed)
    chosen = load_mix.schedule(kinds, count, rng)
    index = {id(kind): n for n, kind in enumerate(kinds)}
    prepared = []
    for n, kind in enumerate(chosen):
        built = kind.build(seq_start + n, users[n % len(users)], rng, ctx)
        headers = signed_headers(
            built.body, content_type="application/x-www-form-urlencoded", secret=SIGNING_SECRET
        )
        prepared.append(Prepared(index[id(kind)], built.body.encode(), headers, built.key))
    return prepared


@dataclass
class Sample:
    request: Prepared
    started: float
    seconds: float
    status: int
    body: bytes
    failure: str | None = None


class Client(threading.Thread):
    """One Slack-like sender: a keep-alive connection, warm-up requests, then requests from the queue."""

    def __init__(self, port: int, warmup: list[Prepared], queue: deque, barrier: threading.Barrier, stop_at):
        super().__init__(daemon=True)
        self.port = port
        self.warmup = warmup
        self.queue = queue
        self.barrier = barrier
        self.stop_at = stop_at
        self.samples: list[Sample] = []
        self.warm_samples: list[Sample] = []
        self.conn: http.client.HTTPConnection | None = None

    def _send(self, request: Prepared) -> Sample:
        if self.conn is None:
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=REQUEST_TIMEOUT)
        started = time.perf_counter()
        try:
            self.conn.request("POST", "/slack/events", body=request.body, headers=request.headers)
            response = self.conn.getresponse()
            body = response.read()
            sample = Sample(request, started, time.perf_counter() - started, response.status, body)
            if response.will_close:
                self.conn.close()
                self.conn = None
            return sample
        except (OSError, http.client.HTTPException) as exc:
            self.conn.close()
            self.conn = None
            failure = f"{type(exc).__name__}: {exc}"[:100]
            return Sample(request, started, time.perf_counter() - started, 0, b"", failure)

    def run(self) -> None:
        try:
            for request in self.warmup:
                self.warm_samples.append(self._send(request))
        finally:
            try:
                self.barrier.wait(timeout=READY_TIMEOUT)
            except threading.BrokenBarrierError:
                return
        while time.monotonic() < self.stop_at:
            try:
                request = self.queue.popleft()
            except IndexError:
                break
            self.samples.append(self._send(request))
        if self.conn is not None:
            self.conn.close()


# --- servers and levels ----------------------------------------------------------------------------


@dataclass
class Server:
    name: str  # e.g. "ours (sqlite)"
    label: str  # short, for ratios
    target: str
    env: dict[str, str]
    ours: bool
    database: load_db.BenchDatabase | None = None
    same_work: bool = False  # the same-work baseline: answers are judged like ours, nothing is tracked
    master: int = 0
    workers: list[int] = field(default_factory=list)
    ctx: load_mix.MixContext = field(default_factory=load_mix.MixContext)
    # by delivery kind ("issue", "waiting_return"): keys sent, keys answered well, references quoted
    sent: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    ok: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    references: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    modal_requests: int = 0
    modal_ok: int = 0
    fake_calls: dict[str, int] = field(default_factory=dict)
    duplicates: dict | None = None
    warmup_errors: Counter = field(default_factory=Counter)


@dataclass
class LevelResult:
    server: Server
    clients: int
    planned: int
    latencies_ms: list[float]
    wall: float
    errors: Counter
    warmup_errors: Counter
    cpu_ms_per_request: float
    host_cpu_pct: float
    other_cpu_pct: float
    rss_mb: list[float | None]
    worker_restarts: bool

    @property
    def completed(self) -> int:
        return len(self.latencies_ms)

    @property
    def error_count(self) -> int:
        return sum(self.errors.values()) + (self.planned - self.completed)

    @property
    def throughput(self) -> float:
        return self.completed / self.wall if self.wall > 0 else 0.0

    def percentile(self, q: float) -> float:
        values = sorted(self.latencies_ms)
        if not values:
            return float("nan")
        rank = max(0, min(len(values) - 1, math.ceil(q / 100 * len(values)) - 1))
        return values[rank]


def judge(server: Server, kinds: list[load_mix.RequestKind], sample: Sample) -> str | None:
    """The error in one answer, or None; for ours, what was answered well is noted for the database check."""
    if sample.failure:
        return sample.failure
    kind = kinds[sample.request.kind]
    if server.same_work:
        verdict = kind.judge(sample.status, sample.body)
    elif not server.ours:
        verdict = load_mix.judge_bare(sample.status, sample.body)
    else:
        verdict = kind.judge(sample.status, sample.body)
        if verdict.error is None:
            if kind.tracked and sample.request.key:
                server.ok[kind.tracked].add(sample.request.key)
            if kind.opens_modal:
                server.modal_ok += 1
        if verdict.reference and kind.stores:
            server.references[kind.stores].append(verdict.reference)
    return f"{kind.name}: {verdict.error}" if verdict.error else None


HELPER_PIDS: list[int] = []  # the fake Slack's worker: its CPU is not "other" load


def _own_and_helpers_cpu() -> float:
    """CPU seconds of the load generator (this process, all threads) and of the fake Slack."""
    times = os.times()
    return times.user + times.system + sum(cpu_seconds(pid) for pid in HELPER_PIDS)


def run_level(
    server: Server,
    kinds: list[load_mix.RequestKind],
    port: int,
    clients: int,
    count: int,
    warmup: int,
    users: list[str],
    seed: int,
    level_deadline: float,
) -> LevelResult:
    seq_start = seed * 1_000_000
    warm = prepare_requests(kinds, warmup * clients, users, seed + 7, seq_start + 500_000, server.ctx)
    timed = prepare_requests(kinds, count, users, seed, seq_start, server.ctx)
    for request in (*warm, *timed):
        kind = kinds[request.kind]
        if kind.tracked and request.key:
            server.sent[kind.tracked].add(request.key)
        server.modal_requests += kind.opens_modal
    queue = deque(timed)
    barrier = threading.Barrier(clients + 1)
    stop_at = time.monotonic() + level_deadline
    threads = [
        Client(port, warm[n * warmup : (n + 1) * warmup], queue, barrier, stop_at) for n in range(clients)
    ]
    for thread in threads:
        thread.start()
    workers_before = worker_pids(server.master)
    try:
        barrier.wait(timeout=READY_TIMEOUT + REQUEST_TIMEOUT * warmup)
    except threading.BrokenBarrierError:
        raise RuntimeError(f"{server.name}: clients did not finish their warm-up in time") from None
    cpu_before = sum(cpu_seconds(pid) for pid in workers_before)
    mine_before = _own_and_helpers_cpu()
    host_before = host_cpu()
    started = time.perf_counter()
    for thread in threads:
        thread.join(timeout=max(0.0, stop_at - time.monotonic()) + REQUEST_TIMEOUT + 5)
    wall = time.perf_counter() - started
    host_after = host_cpu()
    mine_after = _own_and_helpers_cpu()
    workers_after = worker_pids(server.master)
    cpu_after = sum(cpu_seconds(pid) for pid in workers_after)

    errors: Counter = Counter()
    warmup_errors: Counter = Counter()
    latencies = []
    for thread in threads:
        for sample in thread.warm_samples:
            failure = judge(server, kinds, sample)
            if failure:
                warmup_errors[failure] += 1
        for sample in thread.samples:
            latencies.append(sample.seconds * 1000)
            failure = judge(server, kinds, sample)
            if failure:
                errors[failure] += 1
    busy = host_after[0] - host_before[0]
    total = host_after[1] - host_before[1]
    other = busy / CLK_TCK - (cpu_after - cpu_before) - (mine_after - mine_before)
    completed = len(latencies)
    return LevelResult(
        server=server,
        clients=clients,
        planned=count,
        latencies_ms=latencies,
        wall=wall,
        errors=errors,
        warmup_errors=warmup_errors,
        cpu_ms_per_request=(cpu_after - cpu_before) * 1000 / completed if completed else float("nan"),
        host_cpu_pct=100 * busy / total if total else float("nan"),
        other_cpu_pct=max(0.0, 100 * other * CLK_TCK / total) if total else float("nan"),
        rss_mb=[peak_rss_mb(pid) for pid in workers_after],
        worker_restarts=workers_before != workers_after,
    )


def warm_up_server(server: Server, kinds, port: int, args, users: list[str]) -> None:
    """Before the first level: every thread of both workers serves a few requests (imports, pools, caches)."""
    clients = max(args.levels)
    count = max(args.warmup, 1) * clients
    result = run_level(server, kinds, port, clients, count, 0, users, args.seed + 99, args.level_timeout)
    server.warmup_errors.update(result.errors)


def fake_stats(port: int, path: str = "/_bench/stats", method: str = "GET") -> dict:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        conn.request(method, path)
        return json.loads(conn.getresponse().read() or b"{}")
    finally:
        conn.close()


# --- output ----------------------------------------------------------------------------------------


def _ms(value: float) -> str:
    if value != value:  # NaN
        return "-"
    return f"{value:.1f}" if value >= 10 else f"{value:.2f}"


def _ratio(value: float) -> str:
    return "-" if value != value else f"{value:.2f}×"


def print_table(results: list[LevelResult]) -> None:
    header = (
        f"{'server':<22}{'clients':>7}{'requests':>9}{'req/s':>9}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}"
        f"{'max ms':>9}{'errors':>8}{'cpu ms/req':>11}{'host cpu':>9}{'other':>7}  peak RSS MB per worker"
    )
    print(header)
    print("-" * len(header))
    last = None
    for r in results:
        if last is not None and last != r.server.name:
            print()
        last = r.server.name
        rss = " / ".join("-" if v is None else f"{v:.0f}" for v in r.rss_mb)
        if r.worker_restarts:
            rss += "  (a worker was replaced)"
        print(
            f"{r.server.name:<22}{r.clients:>7}{r.completed:>9}{r.throughput:>9.1f}{_ms(r.percentile(50)):>9}"
            f"{_ms(r.percentile(95)):>9}{_ms(r.percentile(99)):>9}{_ms(r.percentile(100)):>9}"
            f"{r.error_count:>8}{_ms(r.cpu_ms_per_request):>11}"
            f"{r.host_cpu_pct:>8.0f}%{r.other_cpu_pct:>6.0f}%  {rss}"
        )


def find(results: list[LevelResult], label: str, clients: int) -> LevelResult | None:
    for r in results:
        if r.server.label == label and r.clients == clients:
            return r
    return None


def print_same_work(results: list[LevelResult], ours: list[Server], clients: int = 10) -> None:
    """Ours against the app that does the same external work (views.open, one insert, the receipt)."""
    print(
        f"\nours / same-work with {clients} clients "
        f"(the targets: ≥ {TARGET_RATIO:g}×, p99 ≤ {TARGET_P99_MS:g} ms)"
    )
    for server in ours:
        mine = find(results, server.label, clients)
        floor = find(results, f"same-work-{server.database.backend}", clients)
        if mine is None or floor is None or not floor.throughput:
            print(f"  {server.name}: not measured")
            continue
        print(
            f"  {server.name}: {mine.throughput:.0f} req/s vs same-work {floor.throughput:.0f} req/s = "
            f"{mine.throughput / floor.throughput:.2f}×; p99 {_ms(mine.percentile(99))} ms "
            f"(same-work {_ms(floor.percentile(99))} ms)"
        )


def print_ratios(results: list[LevelResult], ours_labels: list[str], levels: tuple[int, ...]) -> None:
    print("\nours / bare (req/s: higher is better for ours; p50 and p99: lower is better)")
    header = (
        f"{'server':<22}{'clients':>7}{'req/s ÷ default':>17}{'req/s ÷ pbr':>13}"
        f"{'p50 ÷ default':>15}{'p50 ÷ pbr':>11}{'p99 ÷ default':>15}{'p99 ÷ pbr':>11}"
    )
    print(header)
    print("-" * len(header))
    for label in ours_labels:
        for clients in levels:
            ours = find(results, label, clients)
            default = find(results, "bare-default", clients)
            pbr = find(results, "bare-pbr", clients)
            if ours is None:
                continue

            def div(a: float, b: LevelResult | None, attr: str, q: float = 0) -> float:
                if b is None:
                    return float("nan")
                other = b.throughput if attr == "tput" else b.percentile(q)
                return a / other if other else float("nan")

            print(
                f"{ours.server.name:<22}{clients:>7}"
                f"{_ratio(div(ours.throughput, default, 'tput')):>17}"
                f"{_ratio(div(ours.throughput, pbr, 'tput')):>13}"
                f"{_ratio(div(ours.percentile(50), default, 'p', 50)):>15}"
                f"{_ratio(div(ours.percentile(50), pbr, 'p', 50)):>11}"
                f"{_ratio(div(ours.percentile(99), default, 'p', 99)):>15}"
                f"{_ratio(div(ours.percentile(99), pbr, 'p', 99)):>11}"
            )


def check_database(server: Server) -> dict[str, int]:
    """What the database holds after the run, against what was sent and what was answered.

    Invariants: every stored issue has exactly one delivery key (the modal's view id) and every
    stored key was sent; every return submission stored adds exactly one revision to its row; no
    reference is stored twice or quoted to two issue submissions; every reference quoted was stored;
    every modal opened is one `views.open` call.
    """
    from sqlalchemy import func, select

    from models import Issue, SlackDelivery
    from models.db import make_engine, make_session_factory

    try:
        from models.returns import WaitingListReturn
    except ImportError:
        WaitingListReturn = None
    try:
        from models.escalations import Escalation
    except ImportError:
        Escalation = None

    engine = make_engine(server.database.url)
    try:
        with make_session_factory(engine)() as session:
            keys: dict[str, set[str]] = defaultdict(set)
            for kind, key in session.execute(select(SlackDelivery.kind, SlackDelivery.key)):
                keys[kind].add(key)
            issue_refs = list(
                session.scalars(select(Issue.reference).where(Issue.raised_by != load_db.SEED_USER))
            )
            seeded_refs = list(
                session.scalars(select(Issue.reference).where(Issue.raised_by == load_db.SEED_USER))
            )
            acknowledged: set[str] = set()
            if Escalation is not None:
                acknowledged = {
                    str(escalation_id)
                    for escalation_id in session.scalars(
                        select(Escalation.id).where(Escalation.acknowledged_by.is_not(None))
                    )
                }
            return_refs, revisions = [], 0
            if WaitingListReturn is not None:
                return_refs = list(session.scalars(select(WaitingListReturn.reference)))
                revisions = session.scalar(select(func.coalesce(func.sum(WaitingListReturn.revision), 0)))
    finally:
        engine.dispose()
    quoted = server.references["issue"]
    all_refs = issue_refs + seeded_refs + return_refs
    report = {
        "issue submissions sent (distinct view ids)": len(server.sent["issue"]),
        "  answered with a receipt quoting a new reference": len(server.ok["issue"]),
        "  issues stored": len(issue_refs),
        "  their delivery keys stored": len(keys["issue"]),
        "return submissions sent (distinct view ids)": len(server.sent["waiting_return"]),
        "  answered with a receipt": len(server.ok["waiting_return"]),
        "  delivery keys stored": len(keys["waiting_return"]),
        "  returns stored (service × month)": len(return_refs),
        "  revisions stored (one per accepted return)": revisions,
        "modal-opening commands sent": server.modal_requests,
        "  answered by opening the modal": server.modal_ok,
        "  views.open calls the fake Slack received": server.fake_calls.get("views.open", 0),
        "  modal delivery keys stored": len(keys["modal"]),
        "acknowledge presses sent (one per open escalation)": len(server.sent["escalation"]),
        "  answered": len(server.ok["escalation"]),
        "  escalations acknowledged": len(acknowledged),
        "  chat.postEphemeral calls (the presser is told)": server.fake_calls.get("chat.postEphemeral", 0),
    }
    issues_twice = len(issue_refs) - len(keys["issue"])
    never_sent = len(keys["issue"] - server.sent["issue"]) + len(
        keys["waiting_return"] - server.sent["waiting_return"]
    )
    refs_twice = len(all_refs) - len(set(all_refs))
    quoted_twice = len(quoted) - len(set(quoted))
    extra_revisions = revisions - len(keys["waiting_return"])
    extra_opens = server.fake_calls.get("views.open", 0) - server.modal_requests
    report["duplicates"] = (
        len(acknowledged - server.sent["escalation"])
        + max(0, issues_twice)
        + never_sent
        + refs_twice
        + quoted_twice
        + max(0, extra_revisions)
        + max(0, extra_opens)
    )
    lost = (
        len(server.ok["issue"] - keys["issue"])
        + len(server.ok["waiting_return"] - keys["waiting_return"])
        + len(set(quoted) - set(issue_refs))
        + max(0, -issues_twice)
        + max(0, -extra_revisions)  # a return answered and keyed, but its revision overwritten
        + len(server.ok["escalation"] - acknowledged)  # pressed, answered, not acknowledged
    )
    report["lost (answered or keyed, but not stored)"] = lost
    return report


def print_duplicates(servers: list[Server]) -> None:
    for server in servers:
        if server.duplicates is None:
            continue
        print(f"\ndatabase after the run, {server.name} (duplicates and losses):")
        for name, value in server.duplicates.items():
            print(f"  {name:<52}{value:>8}")


def print_targets(results: list[LevelResult], servers: list[Server]) -> bool:
    print("\ntargets (ratios against bare with process_before_response=True, as ours runs)")
    ours = [s for s in servers if s.ours]
    header = f"{'target':<42}" + "".join(f"{s.name:>24}" for s in ours)
    print(header)
    print("-" * len(header))
    all_met = True

    def row(title: str, cells: list[tuple[str, bool | None]]) -> None:
        nonlocal all_met
        text = f"{title:<42}"
        for value, met in cells:
            mark = "—" if met is None else ("PASS" if met else "MISS")
            all_met = all_met and met is not False
            text += f"{value + '  ' + mark:>24}"
        print(text)

    def level(server: Server, clients: int) -> LevelResult | None:
        return find(results, server.label, clients)

    cells = []
    for s in ours:
        r = level(s, 1)
        cells.append(
            ("-", None) if r is None else (f"{_ms(r.percentile(50))} ms", r.percentile(50) <= TARGET_P50_MS)
        )
    row(f"p50 ≤ {TARGET_P50_MS:g} ms with 1 client", cells)
    cells = []
    for s in ours:
        r = level(s, 10)
        cells.append(
            ("-", None) if r is None else (f"{_ms(r.percentile(99))} ms", r.percentile(99) <= TARGET_P99_MS)
        )
    row(f"p99 ≤ {TARGET_P99_MS:g} ms with 10 clients", cells)
    for clients in (10, 50):
        cells = []
        for s in ours:
            r, bare = level(s, clients), find(results, "bare-pbr", clients)
            if r is None or bare is None or not bare.throughput:
                cells.append(("-", None))
                continue
            ratio = r.throughput / bare.throughput
            cells.append((f"{ratio:.2f}×", ratio >= TARGET_RATIO))
        row(f"req/s ≥ {TARGET_RATIO:g}× bare with {clients} clients", cells)
    cells = []
    for s in ours:
        r, floor = level(s, 10), find(results, f"same-work-{s.database.backend}", 10)
        if r is None or floor is None or not floor.throughput:
            cells.append(("-", None))
            continue
        ratio = r.throughput / floor.throughput
        cells.append((f"{ratio:.2f}×", ratio >= TARGET_RATIO))
    row(f"req/s ≥ {TARGET_RATIO:g}× same-work with 10 clients", cells)
    cells = []
    for s in ours:
        count = sum(r.error_count for r in results if r.server is s)
        cells.append((str(count), count == 0))
    row("zero errors", cells)
    cells = []
    for s in ours:
        if s.duplicates is None:
            cells.append(("-", None))
        else:
            cells.append((str(s.duplicates["duplicates"]), s.duplicates["duplicates"] == 0))
    row("zero duplicates in the database", cells)
    cells = []
    for s in ours:
        if s.duplicates is None:
            cells.append(("-", None))
        else:
            lost = s.duplicates["lost (answered or keyed, but not stored)"]
            cells.append((str(lost), lost == 0))
    row("nothing answered and lost", cells)
    return all_met


def print_errors(results: list[LevelResult], servers: list[Server]) -> None:
    lines = []
    for r in results:
        for text, count in r.errors.most_common(5):
            lines.append(f"  {r.server.name}, {r.clients} clients: {count} × {text}")
        missing = r.planned - r.completed
        if missing:
            lines.append(f"  {r.server.name}, {r.clients} clients: {missing} not sent (level time limit)")
        for text, count in r.warmup_errors.most_common(3):
            lines.append(f"  {r.server.name}, {r.clients} clients, warm-up (not counted): {count} × {text}")
    for server in servers:
        for text, count in server.warmup_errors.most_common(3):
            lines.append(f"  {server.name}, server warm-up (not counted): {count} × {text}")
    if lines:
        print("\nerrors:")
        print("\n".join(lines))


# --- the run ---------------------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--count", type=int, default=None, help="timed requests per level (default 2000)")
    parser.add_argument("--quick", action="store_true", help="a short run: 200 requests per level")
    parser.add_argument("--warmup", type=int, default=None, help="warm-up requests per client (default 5)")
    parser.add_argument(
        "--mix", default=None, help="request kinds and weights, e.g. issue-command=6,help-command=1"
    )
    parser.add_argument(
        "--levels", default=",".join(map(str, LEVELS)), help="concurrent clients per level (default 1,10,50)"
    )
    parser.add_argument("--pg-admin-url", default=os.environ.get("BENCH_PG_ADMIN_URL", DEFAULT_PG_ADMIN))
    parser.add_argument("--level-timeout", type=float, default=180.0, help="seconds per level at most")
    parser.add_argument("--max-seconds", type=float, default=540.0, help="seconds for the whole run at most")
    parser.add_argument("--seed", type=int, default=20260101)
    parser.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
    parser.add_argument(
        "--keep-databases",
        action="store_true",
        help="keep the databases and server logs after the run, to inspect them (prints where)",
    )
    args = parser.parse_args(argv)
    args.count = args.count if args.count is not None else (200 if args.quick else 2000)
    args.warmup = args.warmup if args.warmup is not None else (2 if args.quick else 5)
    if args.count < 1 or args.count > 100_000:
        parser.error("--count must be between 1 and 100000")
    if args.warmup < 0 or args.warmup > 100:
        parser.error("--warmup must be between 0 and 100")
    try:
        args.levels = tuple(int(v) for v in args.levels.split(","))
    except ValueError:
        parser.error("--levels: comma-separated whole numbers")
    if not args.levels or any(n < 1 or n > 200 for n in args.levels):
        parser.error("--levels: between 1 and 200 clients each")
    try:
        args.weights = load_mix.parse_weights(args.mix)
    except ValueError as exc:
        parser.error(str(exc))
    return args


ESCALATION_MARGIN = 1.3  # open escalations seeded per Acknowledge request expected, plus 50


def planned_requests(args) -> int:
    """Requests one server is sent in the whole run: server warm-up, then each level with its warm-up."""
    server_warmup = max(args.warmup, 1) * max(args.levels)
    return server_warmup + sum(args.count + args.warmup * clients for clients in args.levels)


def seed_escalations(database, kinds, notes: list[str], board_users: list[str], args):
    """Open enough escalations for the Acknowledge requests; without them that kind is left out."""
    acknowledge = [kind for kind in kinds if kind.acts_on == "escalation"]
    if not acknowledge:
        return kinds
    share = sum(kind.weight for kind in acknowledge) / sum(kind.weight for kind in kinds)
    needed = int(planned_requests(args) * share * ESCALATION_MARGIN) + 50
    try:
        load_db.open_escalations(database, needed, board_users)
    except Exception as exc:  # the domain is in flux: say why, measure the rest
        notes.append(f"acknowledge: left out — could not open escalations ({type(exc).__name__}: {exc})")
        return [kind for kind in kinds if kind.acts_on != "escalation"]
    return kinds


def _terminate(signum, frame):  # SIGTERM → the same clean-up as Ctrl-C
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, _terminate)
    kinds, notes = load_mix.active_kinds(args.weights)
    if not kinds:
        print("no request kind can run (see notes)", *notes, sep="\n  ", file=sys.stderr)
        return 2
    users = [f"U0BENCH{n:04d}" for n in range(1, max(args.levels) + 1)]
    board_users = [f"U0BOARD{n:04d}" for n in range(1, 11)]
    run_deadline = time.monotonic() + args.max_seconds
    tmp, remove_tmp = load_db.temporary_directory()
    children = Children(tmp)
    databases: list[load_db.BenchDatabase] = []
    results: list[LevelResult] = []
    servers: list[Server] = []
    try:
        fake_port = free_port()
        children.start(
            "fake-slack", gunicorn_argv("benchmarks.fake_slack:app", fake_port, workers=1), base_env()
        )
        wait_ready(children, "fake-slack", fake_port, "/_bench/stats")
        fake_worker = wait_workers(children.procs["fake-slack"].pid, 1)[0]
        HELPER_PIDS[:] = [fake_worker]
        slack_env = {
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_BOT_TOKEN": BOT_TOKEN,
            "SLACK_API_URL": f"http://127.0.0.1:{fake_port}/api/",
            # several gunicorn workers must share one signing key (the web server refuses to start without)
            "SECRET_KEY": "bench-secret-key-7d2c1f0e9b8a4c3d2e1f0a9b8c7d6e5f",
        }
        ours: list[Server] = []
        backends = ["sqlite", "postgresql"] if args.db == "both" else [args.db]
        for backend in backends:
            if backend == "sqlite":
                database = load_db.sqlite_database(tmp)
            else:
                database = load_db.postgres_database(args.pg_admin_url, f"lu_bench_{os.getpid()}")
            databases.append(database)
            load_db.prepare(database, users)
            kinds = seed_escalations(database, kinds, notes, board_users, args)
            env = {**base_env(), **slack_env, "DATABASE_URL": database.url}
            ctx = load_db.mix_context(database, users, board_users)
            ours.append(
                Server(
                    f"ours ({backend})",
                    f"ours-{backend}",
                    "bot.wsgi:app",
                    env,
                    ours=True,
                    database=database,
                    ctx=ctx,
                )
            )
        bare_listeners = json.dumps(load_mix.listeners(kinds))
        for mode, label, name in (("0", "bare-default", "bare (default)"), ("1", "bare-pbr", "bare (pbr)")):
            env = {
                **base_env(),
                **slack_env,
                "BENCH_LISTENERS": bare_listeners,
                "BENCH_PROCESS_BEFORE_RESPONSE": mode,
            }
            # the same requests as ours, with the first database's ids (a pool of its own)
            servers.append(
                Server(name, label, "benchmarks.bare_app:app", env, ours=False, ctx=ours[0].ctx.copy())
            )
        for server in ours:
            backend = server.database.backend
            create_table(server.database.url)
            env = {**server.env, "BENCH_LISTENERS": bare_listeners}
            servers.append(
                Server(
                    f"same-work ({backend})",
                    f"same-work-{backend}",
                    "benchmarks.same_work_app:create_app()",
                    env,
                    ours=False,
                    same_work=True,
                    ctx=server.ctx.copy(),
                )
            )
        servers += ours

        print_header(args, kinds, notes, databases)
        fake_cpu_start = cpu_seconds(fake_worker)
        for server in servers:
            port = free_port()
            fake_stats(fake_port, "/_bench/reset", "POST")
            children.start(server.label, gunicorn_argv(server.target, port), server.env)
            server.master = children.procs[server.label].pid
            wait_ready(children, server.label, port, "/healthz")
            server.workers = wait_workers(server.master, WORKERS)
            warm_up_server(server, kinds, port, args, users)
            for n, clients in enumerate(args.levels):
                remaining = run_deadline - time.monotonic()
                if remaining < 10:
                    print(f"  run time limit reached: {server.name} at {clients} clients not measured")
                    break
                print(f"  {server.name}: {clients} clients …", end="", flush=True)
                result = run_level(
                    server,
                    kinds,
                    port,
                    clients,
                    args.count,
                    args.warmup,
                    users,
                    args.seed + n,
                    min(args.level_timeout, remaining - 5),
                )
                results.append(result)
                print(f" {result.throughput:.0f} req/s, p50 {_ms(result.percentile(50))} ms", flush=True)
            server.fake_calls = fake_stats(fake_port)
            children.stop(server.label)
            if server.ours:
                server.duplicates = check_database(server)

        print()
        print_table(results)
        print_ratios(results, [s.label for s in servers if s.ours], args.levels)
        print_same_work(results, [s for s in servers if s.ours])
        print_errors(results, servers)
        print_duplicates(servers)
        calls = "; ".join(
            f"{s.name}: " + (", ".join(f"{m} {c}" for m, c in sorted(s.fake_calls.items())) or "none")
            for s in servers
        )
        print(f"\nfake Slack Web API calls — {calls}")
        print(f"fake Slack worker CPU over the whole run: {cpu_seconds(fake_worker) - fake_cpu_start:.2f} s")
        met = print_targets(results, servers)
        return 1 if (args.strict and not met) else 0
    except KeyboardInterrupt:
        print("\ninterrupted; stopping servers and removing temporary databases", file=sys.stderr)
        return 130
    finally:
        children.stop_all()
        if args.keep_databases:
            print(f"\nkept for inspection (remove them yourself): {tmp} (SQLite file and server logs)")
            for database in databases:
                print(f"  {database.backend}: {database.url}")
        else:
            for database in databases:
                try:
                    database.cleanup()
                except Exception as exc:  # report, and go on removing the rest
                    print(f"could not remove the {database.backend} database: {exc}", file=sys.stderr)
            remove_tmp()


def print_header(args, kinds, notes, databases) -> None:
    total = sum(kind.weight for kind in kinds)
    mix = ", ".join(f"{kind.name} {100 * kind.weight / total:.0f}%" for kind in kinds)
    print(
        f"Linked-up load benchmark — {platform.node()}, {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}"
    )
    print(
        f"gunicorn gthread {WORKERS} workers × {THREADS} threads on 127.0.0.1; "
        f"{args.count} timed requests per level, {args.warmup} warm-up requests per client left out; "
        f"levels {', '.join(map(str, args.levels))} clients"
    )
    print(f"mix: {mix}")
    load1, load5, _ = os.getloadavg()
    print(
        f"load average before the run: {load1:.2f} (1 min), {load5:.2f} (5 min) — the machine should be idle"
    )
    for note in notes:
        print(f"note: {note}")
    for database in databases:
        for note in database.notes:
            print(f"note ({database.backend}): {note}")
    print()


if __name__ == "__main__":
    sys.exit(main())
