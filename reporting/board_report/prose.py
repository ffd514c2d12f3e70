"""The board report's summary: the quarter told in a few sentences, from the sections' figures."""

from __future__ import annotations

from reporting.board_report.bulletins import QuarterBulletins
from reporting.board_report.issues import QuarterIssues
from reporting.board_report.timeliness import QuarterTimeliness
from reporting.board_report.waiting import QuarterWaiting
from reporting.periods import Period


def _plural(count: int, one: str, many: str | None = None) -> str:
    return f"{count} {one if count == 1 else many or one + 's'}"


def summary(
    quarter: Period,
    issues: QuarterIssues,
    timeliness: QuarterTimeliness,
    bulletins: QuarterBulletins,
    waiting: QuarterWaiting,
) -> list[str]:
    issues_text = _plural(issues.raised, "issue or challenge", "issues and challenges")
    sentences = [
        f"In {quarter.label} member organisations raised {issues_text} "
        f"and {_plural(issues.answered, 'answer')} went back to them.",
    ]
    responded_in_time, respond_due = timeliness.responded_in_time, timeliness.respond_due
    if respond_due:
        sentences.append(
            f"Boards answered {responded_in_time} of the {respond_due} escalations due in the quarter "
            f"within their timeframe ({responded_in_time / respond_due * 100:.0f}%)."
        )
    average_open, benchmark = bulletins.average_open_rate, bulletins.benchmark
    if average_open is not None:
        position = "above" if average_open > benchmark else "below" if average_open < benchmark else "at"
        sentences.append(
            f"The bulletin's average open rate was {average_open * 100:.1f}%, {position} the "
            f"{benchmark * 100:.1f}% benchmark."
        )
    else:
        sentences.append("No bulletin was sent and reported on in the quarter.")
    total_returns = waiting.returns_received
    sentences.append(
        f"{total_returns} waiting-list return{'s' if total_returns != 1 else ''} came in over the quarter."
    )
    return sentences
