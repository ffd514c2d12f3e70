"""The key that signs dashboard sign-in links and session cookies (and anything else we sign).

SECRET_KEY should be set in production. Without it, a random key is made once per process and a
warning says what that costs: links and sessions stop working when the process restarts, and a
link made by one process (say `linkedup socket`) is refused by another (the web server).

Under gunicorn with several workers that is not a warning but a broken dashboard: each worker
makes its own key, so a link made by one worker is refused by the next (3–5 sign-ins in 10 failed
with the Procfile's two workers). `require_shared_key` stops such a web process from starting.
"""

from __future__ import annotations

import logging
import os
import secrets
import shlex
import sys
import threading
from collections.abc import Mapping, Sequence

from bot.settings import Settings

log = logging.getLogger(__name__)

_lock = threading.Lock()
_process_key: str | None = None

WARNING = (
    "SECRET_KEY is not set: using a random key for this process only. Dashboard sign-in links and "
    "sessions will stop working when the process restarts, and links made by another process will be "
    "refused. Set SECRET_KEY to a long random value (see .env.example)."
)


MULTI_WORKER_REFUSAL = (
    "SECRET_KEY is not set and the web server runs more than one worker: each worker would sign "
    "dashboard links and sessions with its own random key and refuse the others'. Set SECRET_KEY to a "
    "long random value (see .env.example), or run a single worker (WEB_CONCURRENCY=1)."
)


class SharedKeyMissing(RuntimeError):
    """The web process may not start: several workers and no SECRET_KEY (the message says so).

    Not SystemExit: gunicorn restarts a worker that exits, but halts when one fails to boot.
    """


def _workers_in(args: Sequence[str]) -> int | None:
    for index, arg in enumerate(args):
        value = None
        if arg in ("-w", "--workers") and index + 1 < len(args):
            value = args[index + 1]
        elif arg.startswith("--workers="):
            value = arg.partition("=")[2]
        elif arg.startswith("-w") and arg[2:].isascii() and arg[2:].isdigit():
            value = arg[2:]
        if value is not None and value.isascii() and value.isdigit():
            return int(value)
    return None


def worker_count(argv: Sequence[str], environ: Mapping[str, str]) -> int:
    """How many worker processes gunicorn was told to run: its command line, then GUNICORN_CMD_ARGS,
    then WEB_CONCURRENCY (gunicorn's default), else one."""
    for args in (list(argv[1:]), shlex.split(environ.get("GUNICORN_CMD_ARGS", ""))):
        workers = _workers_in(args)
        if workers is not None:
            return workers
    concurrency = environ.get("WEB_CONCURRENCY", "").strip()
    return int(concurrency) if concurrency.isascii() and concurrency.isdigit() else 1


def require_shared_key(settings: Settings, *, workers: int | None = None) -> None:
    """Refuse to serve from several workers on per-process random keys (see the module docstring).

    `workers` defaults to what this process's command line and environment say (`worker_count`).
    """
    workers = worker_count(sys.argv, os.environ) if workers is None else workers
    if workers > 1 and not (settings.secret_key and settings.secret_key.get_secret_value()):
        log.critical(MULTI_WORKER_REFUSAL)
        raise SharedKeyMissing(MULTI_WORKER_REFUSAL)


def signing_key(settings: Settings) -> str:
    """SECRET_KEY, or this process's random key (made once, with a warning)."""
    if settings.secret_key is not None and settings.secret_key.get_secret_value():
        return settings.secret_key.get_secret_value()
    global _process_key
    with _lock:
        if _process_key is None:
            _process_key = secrets.token_urlsafe(48)
            log.warning(WARNING)
        return _process_key
