"""The monthly performance chart as a PNG: open rate over time against the benchmark, and clicks
per unique open by category. Drawn with matplotlib's Agg backend (no display needed).
"""

from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")

from matplotlib.figure import Figure

from bulletins.config import month_label
from bulletins.performance import Performance


def performance_png(performance: Performance) -> bytes:
    """Two panels: open rate by month (with the benchmark line), clicks per open by category."""
    figure = Figure(figsize=(10, 4.2), dpi=100)
    left, right = figure.subplots(1, 2, gridspec_kw={"width_ratios": [3, 2]})

    months = [point.month for point in performance.history] or [performance.month]
    rates = [point.open_rate * 100 for point in performance.history] or [performance.open_rate * 100]
    positions = list(range(len(months)))
    left.plot(positions, rates, marker="o", color="#1b4965", label="Open rate")
    proxy = [
        (i, p.proxy_excluded_open_rate * 100)
        for i, p in enumerate(performance.history)
        if p.proxy_excluded_open_rate is not None
    ]
    if proxy:
        left.plot(
            [i for i, _ in proxy],
            [v for _, v in proxy],
            marker=".",
            linestyle=":",
            color="#62b6cb",
            label="Open rate without Apple privacy opens",
        )
    left.axhline(
        performance.benchmark * 100,
        color="#c8553d",
        linestyle="--",
        label=f"Benchmark {performance.benchmark * 100:.1f}%",
    )
    low, high = performance.interval.low * 100, performance.interval.high * 100
    left.errorbar(
        [positions[-1]],
        [rates[-1]],
        yerr=[[rates[-1] - low], [high - rates[-1]]],
        fmt="none",
        ecolor="#1b4965",
        capsize=5,
    )
    left.set_xticks(positions, [month_label(m).replace(" 20", " ’") for m in months], rotation=30, ha="right")
    left.set_ylabel("Unique opens / delivered (%)")
    left.set_ylim(0, max(100 if max([*rates, high]) > 60 else 60, 10))
    left.set_title("Open rate by bulletin (95% interval on the latest)")
    left.legend(loc="upper left", fontsize=8)
    left.grid(axis="y", alpha=0.3)

    categories = performance.categories[:8]
    labels = [item.label for item in categories][::-1]
    values = [item.clicks_per_open for item in categories][::-1]
    right.barh(range(len(values)), values, color="#62b6cb")
    right.set_yticks(range(len(values)), labels, fontsize=9)
    right.set_xlabel("Unique clicks per unique open")
    right.set_title(f"Categories, {month_label(performance.month)}")
    for index, value in enumerate(values):
        right.text(value, index, f" {value:.2f}", va="center", fontsize=8)
    if not values:
        right.text(0.5, 0.5, "No clicks yet", ha="center", va="center", transform=right.transAxes)

    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()
