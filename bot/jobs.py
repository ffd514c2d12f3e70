"""The scheduler's jobs, declared once. Only `linkedup worker` schedules them (never web workers).

Each job is a plain function given by import path (the SQLAlchemy job store stores references,
not objects) that takes no arguments and builds what it needs with `bot.worker.context()`.
Every job must be idempotent: it may run twice (a restart, a second worker) without sending twice.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class JobSpec:
    id: str
    func: str
    trigger: str
    trigger_args: dict = field(default_factory=dict)
    description: str = ""


JOBS: list[JobSpec] = [
    JobSpec(
        id="deliver_outbox",
        func="bot.worker:deliver_outbox",
        trigger="interval",
        trigger_args={"seconds": 15},
        description="send queued Slack messages, retrying failures",
    ),
]
