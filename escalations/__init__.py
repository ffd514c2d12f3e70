"""Routing issues to boards and holding each board to its timeframe: the escalation ladder.

Knows nothing of Slack, Flask or Bolt. Slack output is queued in the outbox through a `Renderer`
port (see `escalations.ports`) that the Slack layer implements with Block Kit.
"""
