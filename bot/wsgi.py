"""The WSGI entry point for gunicorn: `gunicorn bot.wsgi:app`."""

from bot.app import create_app

app = create_app(deliver_at_once=True)  # a server: what a request queues goes out at once
