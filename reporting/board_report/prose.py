"""The board report's summary: the quarter (or year) told in a few sentences, from the sections' figures."""

from __future__ import annotations

from bulletins.performance import against
from reporting.board_report.bulletins import PeriodBulletins
from reporting.board_report.issues import PeriodIssues
from reporting.board_report.timeliness import PeriodTimeliness
from reporting.board_report.waiting import PeriodWaiting
from reporting.periods import Period


def _plural(count: int, one: str, many: str | None = None) -> str:
    return f"{count} {one if count == 1 else many or one + 's'}"


def summary(
    period: Period,
    issues: PeriodIssues,
    timeliness: PeriodTimeliness,
    bulletins: PeriodBulletins,
    waiting: PeriodWaiting,
) -> list[str]:
    issues_text = _plural(issues.raised, "issue or challenge", "issues and challenges")
    sentences = [
        f"In {period.label} member organisations raised {issues_text} "
        f"and {_plural(issues.answered, 'answer')} went back to them.",
    ]
    responded_in_time, respond_due = timeliness.responded_in_time, timeliness.respond_due
    if respond_due:
        sentences.append(
            f"Boards answered {responded_in_time} of the {respond_due} escalations due in the {period.noun} "
            f"within their timeframe ({responded_in_time / respond_due * 100:.0f}%)."
        )
    pooled, benchmark = bulletins.pooled, bulletins.benchmark
    if pooled.rate is not None:
        verdict = against(pooled.versus(benchmark))
        with_machines = pooled.rate_with_machine_opens or 0.0
        sentences.append(
            f"People opened {pooled.rate * 100:.1f}% of the bulletins delivered, {verdict} the "
            f"{benchmark * 100:.1f}% benchmark (95% interval {pooled.interval.low * 100:.1f}–"
            f"{pooled.interval.high * 100:.1f}%; {with_machines * 100:.1f}% counting Apple Mail's "
            "machine opens)."
        )
    else:
        sentences.append(f"No bulletin was sent and reported on in the {period.noun}.")
    total_returns = waiting.returns_received
    sentences.append(
        f"{total_returns} waiting-list return{'s' if total_returns != 1 else ''} "
        f"came in over the {period.noun}."
    )
    return sentences
