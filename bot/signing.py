"""The key that signs dashboard sign-in links and session cookies (and anything else we sign).

SECRET_KEY should be set in production. Without it, a random key is made once per process and a
warning says what that costs: links and sessions stop working when the process restarts, and a
link made by one process (say `linkedup socket`) is refused by another (the web server).
"""

from __future__ import annotations

import logging
import secrets
import threading

from bot.settings import Settings

log = logging.getLogger(__name__)

_lock = threading.Lock()
_process_key: str | None = None

WARNING = (
    "SECRET_KEY is not set: using a random key for this process only. Dashboard sign-in links and "
    "sessions will stop working when the process restarts, and links made by another process will be "
    "refused. Set SECRET_KEY to a long random value (see .env.example)."
)


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
