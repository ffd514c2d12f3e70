"""Wiring for Linked-up bot: settings, the Flask and Bolt apps, the CLI and the worker."""
