"""The scheduler's jobs, declared once. `linkedup worker` schedules them, or `linkedup serve` when it runs
alone (RUN_JOBS=yes, the default); gunicorn's web workers never do.

Each job is a plain function given by import path (the SQLAlchemy job store stores references,
not objects) that takes no arguments and builds what it needs with `bot.worker.context()`.
Every job must be idempotent: it may run twice (a restart, a second worker, `serve` beside a worker on
one database: APScheduler does not share out a job store's runs) without sending twice.
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
        id="notices",
        func="bot.notice_jobs:run_notices",
        trigger="interval",
        trigger_args={"minutes": 1},
        description="targeted notices: scheduled ones sent, reminders in working hours, deadline summaries",
    ),
    JobSpec(
        id="deliver_outbox",
        func="bot.worker:deliver_outbox",
        trigger="interval",
        trigger_args={"seconds": 15},
        description="retry the Slack messages and e-mails the at-once sender could not send",
    ),
    JobSpec(
        id="remind_missing_returns",
        func="bot.reminders:remind_missing_returns",
        trigger="cron",
        trigger_args={"hour": 9, "minute": 30},
        description="DM organisations missing last month's waiting-list return (from its reminder day)",
    ),
    JobSpec(
        id="bulletin_import_feed",
        func="bot.bulletin_jobs:import_feed",
        trigger="cron",
        trigger_args={"hour": 6, "minute": 30},
        description="read the network's web-page feed for new bulletin articles",
    ),
    JobSpec(
        id="bulletin_compile",
        func="bot.bulletin_jobs:compile_due",
        trigger="cron",
        trigger_args={"hour": 7, "minute": 0},
        description="compile this month's bulletin on the configured day and send the officer the preview",
    ),
    JobSpec(
        id="bulletin_deliver",
        func="bot.bulletin_jobs:deliver_due",
        trigger="interval",
        trigger_args={"minutes": 1},
        description="take approved bulletins through Mailchimp (sync, create, content, schedule/send)",
    ),
    JobSpec(
        id="bulletin_poll_reports",
        func="bot.bulletin_jobs:poll_reports",
        trigger="interval",
        trigger_args={"minutes": 15},
        description=(
            "store Mailchimp report snapshots at 1 h, 24 h, 72 h and 7 days; then the performance message"
        ),
    ),
    JobSpec(
        id="escalation_sweep",
        func="bot.escalation_jobs:sweep_escalations",
        trigger="interval",
        trigger_args={"minutes": 1},
        description=(
            "escalation deadlines: reminders to chairs, overdue notices, up the ladder, alert the officer"
        ),
    ),
    JobSpec(
        id="meeting_digests",
        func="bot.escalation_jobs:send_meeting_digests",
        trigger="interval",
        trigger_args={"minutes": 30},
        description="pending escalations to each board's representative two working days before it meets",
    ),
    JobSpec(
        id="bulletin_refresh_drafts",
        func="bot.bulletin_jobs:refresh_drafts",
        trigger="interval",
        trigger_args={"minutes": 5},
        description="recompile a draft bulletin when an answer it quotes is withdrawn or changed, or a theme",
    ),
    JobSpec(
        id="learn_names",
        func="bot.people_jobs:learn_board_people_names",
        trigger="interval",
        trigger_args={"minutes": 30},
        description="ask Slack once for the names of board people the network file lists by id",
    ),
    JobSpec(
        id="survey_reminders",
        func="bot.survey_jobs:remind_and_close",
        trigger="interval",
        trigger_args={"minutes": 10},
        description="close surveys on their date; remind non-respondents on the schedule (working hours)",
    ),
]
