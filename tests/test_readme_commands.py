"""Every command in the README's Commands table works right after the quick start, in the same directory.

The quick start is `linkedup serve --demo` in a fresh directory; people then try the other commands
from a second terminal. Each one must finish with its answer (or, where the demo cannot do it, one
plain sentence saying why), never a traceback, and none may need a variable the README does not give.
"""

from __future__ import annotations

import http.cookiejar
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlencode

import pytest

from bot import cli

ROOT = Path(__file__).resolve().parent.parent
CREDENTIALS = frozenset(
    {
        "SLACK_BOT_TOKEN",
        "SLACK_SIGNING_SECRET",
        "SLACK_APP_TOKEN",
        "MAILCHIMP_API_KEY",
        "MAILCHIMP_SERVER_PREFIX",
        "MAILCHIMP_LIST_ID",
        "DATABASE_URL",
        "SECRET_KEY",
        "PUBLIC_URL",
        "PORT",
        "NETWORK_FILE",
    }
)
NO_TABLES = "has no tables yet: run `linkedup db upgrade` (or `linkedup serve --demo` for the demo)"

# (argv, exit status, a fragment of the output). Status 2 only where the demo cannot do the thing and
# the command says so in one sentence.
COMMANDS = [
    ("db upgrade", 0, "database at"),
    ("db current", 0, ""),
    ("network check network/wirral.yaml", 0, "valid"),
    ("network load network/wirral.yaml", 0, "wirral.yaml:"),
    ("network show", 0, "Children"),
    ("network show --json", 0, '"boards"'),
    ("network export network-now.yaml", 0, "network-now.yaml: the network as it stands now"),
    ("agenda", 0, ""),
    ("agenda --since 2026-01-01", 0, ""),
    ("sweep", 0, "sweep:"),
    ("calendar", 0, "BEGIN:VCALENDAR"),
    ("calendar -o board-meetings.ics --board ctb", 0, "wrote board-meetings.ics"),
    ("bulletin compile --month {this_month} --out bulletin.html", 0, "bulletin.html"),
    ("bulletin status", 0, "sent"),
    ("bulletin send --month {this_month}", 2, "Mailchimp is not configured"),
    ("bulletin track", 2, "Mailchimp is not configured"),
    ("bulletin import-feed", 2, "no feed_url is set"),
    ("report --quarter 2026Q3 --out board-report", 0, "Board report for"),
    ("meeting attendance ctb", 0, "meetings held in the last twelve months"),
    ("simulate --months 12", 2, "already holds a simulated period"),
    ("survey template --out have-your-say.yaml", 0, "Wrote have-your-say.yaml"),
    ("survey create have-your-say.yaml --closes 2099-01-30", 0, "A draft"),
    ("survey list", 0, "Have your say"),
    ("survey results 1 --csv survey-1.csv", 0, "Written survey-1.csv"),
    ("survey close 1", 0, "was not open"),
    ("notice list", 0, "delivered"),
    ("notice report 1", 0, "Notice 1:"),
    ("notice report 1 --csv notice-1.csv", 0, "rows to notice-1.csv"),
    ("org export 1", 0, '"organisation"'),
    ("org export 1 --out organisation.json", 0, "Wrote organisation.json"),
    ("org erase 2", 2, "nothing was erased"),
    ("org erase 3 --yes", 0, "Erased:"),
    ("sign-in", 0, "/dashboard/sign-in?token="),
    ("sign-in U0OFFICER1", 0, "/dashboard/sign-in?token="),
    ("sign-in director.childrens@example.org", 0, "/dashboard/email/sign-in/"),
    ("doctor", 0, "Pango"),
    ("socket", 2, "Socket Mode needs SLACK_BOT_TOKEN"),
]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _env(port: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in CREDENTIALS}
    return {**env, "PYTHONPATH": str(ROOT), "PORT": str(port)}


def linkedup(args: list[str], cwd: Path, port: int, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        cwd=cwd,
        env=_env(port),
        capture_output=True,
        text=True,
        timeout=timeout,
    )


@pytest.fixture(scope="module")
def quick_start(tmp_path_factory):
    """The README's quick start, once for the module: a directory holding the network files, and
    `linkedup serve --demo` running in it (PORT says where, as the README allows)."""
    cwd = tmp_path_factory.mktemp("quick-start")
    shutil.copytree(ROOT / "network", cwd / "network")
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "serve", "--demo"],
        cwd=cwd,
        env=_env(port),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    deadline = time.monotonic() + 120
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5):
                break
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                server.kill()
                pytest.fail("the quick start did not serve /healthz:\n" + server.communicate()[0])
            time.sleep(0.5)
    yield cwd, port, server
    if server.poll() is None:
        server.send_signal(signal.SIGINT)
        server.communicate(timeout=20)


def _heads(cell: str) -> list[tuple[str, ...]]:
    """`linkedup network load [FILE]` / `check [FILE]` → ("network", "load"), ("network", "check")."""
    heads: list[tuple[str, ...]] = []
    for chunk in re.findall(r"`([^`]+)`", cell):
        words = chunk.split()
        if words[0] == "linkedup":
            words = words[1:]
        elif heads and words[0] != heads[-1][0]:
            words = [heads[-1][0], *words]
        head = []
        for word in words:
            if not re.fullmatch(r"[a-z][a-z-]*", word):
                break
            head.append(word)
        heads.append(tuple(head))
    return heads


def readme_commands() -> list[tuple[str, ...]]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    table = text.split("## Commands", 1)[1].split("\n#", 1)[0]
    rows = [line for line in table.splitlines() if line.startswith("| `linkedup")]
    return [head for row in rows for head in _heads(row.split("|")[1])]


def test_every_readme_command_is_run_here():
    run_here = [command.split() for command, _, _ in COMMANDS] + [["serve"], ["worker"]]
    heads = readme_commands()
    assert len(heads) >= 15, heads
    missing = [head for head in heads if not any(argv[: len(head)] == list(head) for argv in run_here)]
    assert not missing, f"README commands this test does not run: {missing}"


@pytest.mark.parametrize(("command", "status", "fragment"), COMMANDS, ids=[c for c, _, _ in COMMANDS])
def test_readme_command_after_the_quick_start(quick_start, command, status, fragment):
    cwd, port, _ = quick_start
    this_month = time.strftime("%Y-%m")
    result = linkedup(command.format(this_month=this_month).split(), cwd, port)
    output = result.stdout + result.stderr
    assert "Traceback" not in output, output
    assert result.returncode == status, output
    assert fragment in output, output
    assert not (cwd / "linkedup.db").exists(), "a command opened the default database, not the demo's"


def test_the_worker_starts_on_the_demo_database_and_stops_cleanly(quick_start):
    cwd, port, _ = quick_start
    worker = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "worker"],
        cwd=cwd,
        env=_env(port),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines = []
    for line in worker.stdout:
        lines.append(line)
        if "Scheduler started" in line or len(lines) > 200:
            break
    worker.send_signal(signal.SIGTERM)
    output = "".join(lines) + worker.communicate(timeout=30)[0]
    assert "Scheduler started" in output, output
    assert "Traceback" not in output, output
    assert worker.returncode == 0, output


def test_the_bare_address_leads_to_the_dashboard_and_links_use_the_real_port(quick_start):
    cwd, port, _ = quick_start
    base = f"http://127.0.0.1:{port}"
    jar = http.cookiejar.CookieJar()
    browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    with browser.open(base + "/", timeout=10) as response:
        assert response.url.startswith(base + "/dashboard"), response.url
    link = re.search(r"http://\S+/dashboard/sign-in\?token=\S+", linkedup(["sign-in"], cwd, port).stdout)
    assert link and link.group(0).startswith(base + "/dashboard/sign-in"), link
    with browser.open(link.group(0), timeout=10) as response:
        form = response.read().decode()
    fields = dict(re.findall(r'name="(csrf_token|token)" value="([^"]+)"', form))
    with browser.open(base + "/dashboard/sign-in", data=urlencode(fields).encode(), timeout=10) as response:
        assert response.url.rstrip("/") == base + "/dashboard", response.url
    with browser.open(base + "/dashboard/meetings", timeout=10) as response:
        page = response.read().decode()
    assert f"{base}/calendar.ics" in page
    assert "127.0.0.1:3000" not in page


def test_the_quick_start_records_the_demo_database_in_dotenv(quick_start):
    cwd, _, _ = quick_start
    dotenv = (cwd / ".env").read_text()
    assert "DATABASE_URL=sqlite:///linkedup-demo.db\n" in dotenv
    assert re.search(r"^SECRET_KEY=\S{40,}$", dotenv, re.MULTILINE)


@pytest.mark.parametrize(
    "command",
    ["agenda", "calendar", "bulletin status", "report --quarter 2026Q3 --out r", "org export 1", "sign-in"],
)
def test_before_any_database_a_command_says_so_in_one_sentence(tmp_path, command):
    result = linkedup(command.split(), tmp_path, _free_port())
    assert result.returncode == 2
    assert "Traceback" not in result.stderr, result.stderr
    [line] = result.stderr.strip().splitlines()
    assert line.endswith(NO_TABLES) and str(tmp_path / "linkedup.db") in line
    assert not (tmp_path / "linkedup.db").exists(), "a read-only command left an empty database behind"


def test_without_pango_the_report_says_how_to_get_pdfs_and_writes_html_and_csvs(
    quick_start, monkeypatch, capsys
):
    cwd, _, _ = quick_start
    monkeypatch.chdir(cwd)
    for name in CREDENTIALS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setitem(sys.modules, "weasyprint", None)  # what `import weasyprint` meets without Pango
    assert cli.main(["report", "--quarter", "2026Q3", "--out", "no-pango"]) == 0
    output = capsys.readouterr().out
    assert "apt-get install libpango-1.0-0 libpangoft2-1.0-0" in output and "brew install pango" in output
    written = {path.suffix for path in (cwd / "no-pango").iterdir()}
    assert written == {".html", ".csv", ".yaml"}  # the report, its data and the officer's edits file
