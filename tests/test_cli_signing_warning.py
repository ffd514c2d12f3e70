"""The "SECRET_KEY is not set" warning is for processes that sign (the web server, the worker: sign-in
links, sessions, board members' e-mail links). A command that signs nothing, such as `linkedup report`,
must not print it: a warning that is not about the command teaches people to ignore warnings.

Each run is a fresh process: the warning is given once per process, the first time a key is needed.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from bot.signing import WARNING
from tests.test_bulletin_compile import cli_database_url
from tests.test_readme_commands import CREDENTIALS

ROOT = Path(__file__).resolve().parent.parent
SAID = WARNING.split(":")[0]  # "SECRET_KEY is not set"


def _run(argv: list[str], cwd: Path, database_url: str, **extra: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in CREDENTIALS | {"SMTP_URL", "EMAIL_FROM"}}
    env.update(PYTHONPATH=str(ROOT), DATABASE_URL=database_url, **extra)
    return subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, timeout=300)


def test_the_report_prints_no_signing_warning_but_the_worker_s_set_up_still_does(
    engine, session_factory, tmp_path
):
    url = cli_database_url(engine)
    report = _run(
        [sys.executable, "-m", "bot.cli", "report", "--quarter", "2026Q3", "--out", "board-report"],
        tmp_path,
        url,
    )
    assert report.returncode == 0, report.stderr
    assert "Board report for" in report.stdout
    assert SAID not in report.stdout + report.stderr

    # What `serve` builds still says it (the dashboard signs sessions), and so does the worker's set-up
    # where it signs board members' e-mail links, even when the report's would not.
    setup = "import logging; logging.basicConfig(); from bot.{}; {}()"
    for module, call, extra in (
        ("app", "create_app", {}),
        (
            "runtime",
            "build_context",
            {"SMTP_URL": "smtp://127.0.0.1:2525", "EMAIL_FROM": "linkedup@example.org"},
        ),
    ):
        code = setup.format(f"{module} import {call}", call)
        started = _run([sys.executable, "-c", code], tmp_path, url, **extra)
        assert started.returncode == 0, started.stderr
        assert SAID in started.stderr, (module, started.stderr)
    mailing = {"SMTP_URL": "smtp://127.0.0.1:2525", "EMAIL_FROM": "linkedup@example.org"}
    report = _run(
        [sys.executable, "-m", "bot.cli", "report", "--quarter", "2026Q3", "--out", "again"],
        tmp_path,
        url,
        **mailing,
    )
    assert report.returncode == 0 and SAID not in report.stdout + report.stderr, report.stderr
