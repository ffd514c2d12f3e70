"""The WSGI entry point for gunicorn: `gunicorn bot.wsgi:app`.

Several workers without SECRET_KEY would each sign with their own random key, so that refuses to
start (`bot.signing.require_shared_key`).
"""

from bot.app import create_app
from bot.settings import load_settings
from bot.signing import require_shared_key

require_shared_key(load_settings())

app = create_app(deliver_at_once=True)  # a server: what a request queues goes out at once
