"""Small server-side SVG charts for the dashboard and the board report: no JavaScript, no CDN.

Each chart is an accessible image (`role="img"`, `<title>` and `<desc>` referenced by
`aria-labelledby`) and carries its data as a table, which the page shows beside the chart so that
screen-reader users and people who prefer numbers get the same information. The SVG is built from
escaped strings, so labels typed by users (theme names, article titles) cannot inject markup.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from flask import has_request_context
from markupsafe import Markup, escape

from bot.web.hardening import csp_nonce

_ids = itertools.count(1)

WIDTH = 640
BAR_HEIGHT = 22
BAR_GAP = 8
LABEL_WIDTH = 210
VALUE_WIDTH = 70
LABEL_CHARS = 30


def percent(value: float) -> str:
    return f"{value * 100:.1f}%"


def number(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}"


@dataclass
class Chart:
    """An SVG chart plus the table of the same data."""

    chart_id: str
    title: str
    description: str
    svg: Markup
    columns: tuple[str, ...]
    rows: list[tuple[str, ...]] = field(default_factory=list)


def _new_id(prefix: str) -> str:
    return f"{prefix}-{next(_ids)}"


def _short(label: str) -> str:
    return label if len(label) <= LABEL_CHARS else label[: LABEL_CHARS - 1].rstrip() + "…"


def _nice_max(value: float) -> float:
    """A round axis maximum at or above `value` (1, 2, 2.5 or 5 times a power of ten)."""
    if value <= 0:
        return 1.0
    exponent = math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        candidate = step * 10**exponent
        if candidate >= value:
            return float(candidate)
    return float(10 ** (exponent + 1))


# The chart's own colours, scoped to its id, so it looks the same in a page, a PDF or on its own.
STYLE = """
#{id} .bar-fill {{ fill: #2f7fc1; }}
#{id} .label, #{id} .tick {{ fill: #55606b; }}
#{id} .value {{ fill: #1d2329; font-weight: 600; }}
#{id} .grid {{ stroke: #d5dbe1; stroke-width: 1; }}
#{id} .line {{ fill: none; stroke: #1d5a8e; stroke-width: 2.5; }}
#{id} .point {{ fill: #1d5a8e; }}
#{id} .band {{ fill: #9cc3e6; fill-opacity: 0.45; }}
#{id} .band-whisker {{ stroke: #9cc3e6; stroke-width: 6; }}
#{id} .benchmark {{ stroke: #9a3412; stroke-width: 2; stroke-dasharray: 6 4; }}
#{id} .benchmark-label {{ fill: #9a3412; font-weight: 600; }}
"""


def _nonce() -> str:
    """The page's CSP nonce when a chart is drawn for a web page (`bot.web.hardening`); none otherwise."""
    return f' nonce="{csp_nonce()}"' if has_request_context() else ""


def _open_svg(chart_id: str, title: str, description: str, height: int) -> list[str]:
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="{chart_id}" role="img" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" viewBox="0 0 {WIDTH} {height}" '
        f'width="100%" preserveAspectRatio="xMinYMin meet" font-family="DejaVu Sans, system-ui, sans-serif" '
        f'font-size="12">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(description)}</desc>',
        f"<style{_nonce()}>{STYLE.format(id=chart_id)}</style>",
    ]


def bar_chart(
    title: str,
    rows: Sequence[tuple[str, float]],
    *,
    description: str | None = None,
    value_label: str = "Count",
    fmt: Callable[[float], str] = number,
    category_label: str = "Category",
) -> Chart | None:
    """Horizontal bars, one per (label, value); None when there is nothing to draw."""
    rows = [(str(label), float(value)) for label, value in rows]
    if not rows:
        return None
    chart_id = _new_id("bar")
    top = max(value for _, value in rows)
    axis_max = _nice_max(top)
    plot = WIDTH - LABEL_WIDTH - VALUE_WIDTH
    height = len(rows) * (BAR_HEIGHT + BAR_GAP) + BAR_GAP
    description = description or (
        f"Bar chart of {value_label.lower()} by {category_label.lower()}: "
        + "; ".join(f"{label} {fmt(value)}" for label, value in rows[:12])
        + ("; and more in the table." if len(rows) > 12 else ".")
    )
    parts = _open_svg(chart_id, title, description, height)
    for index, (label, value) in enumerate(rows):
        y = BAR_GAP + index * (BAR_HEIGHT + BAR_GAP)
        width = 0 if axis_max == 0 else max(plot * value / axis_max, 1 if value > 0 else 0)
        parts.append(f'<g class="bar"><title>{escape(label)}: {escape(fmt(value))}</title>')
        parts.append(
            f'<text x="{LABEL_WIDTH - 8}" y="{y + BAR_HEIGHT / 2 + 4:.1f}" text-anchor="end" '
            f'class="label">{escape(_short(label))}</text>'
        )
        parts.append(
            f'<rect x="{LABEL_WIDTH}" y="{y}" width="{width:.1f}" height="{BAR_HEIGHT}" '
            f'class="bar-fill" rx="2"/>'
        )
        parts.append(
            f'<text x="{LABEL_WIDTH + width + 6:.1f}" y="{y + BAR_HEIGHT / 2 + 4:.1f}" '
            f'class="value">{escape(fmt(value))}</text></g>'
        )
    parts.append("</svg>")
    return Chart(
        chart_id=chart_id,
        title=title,
        description=description,
        svg=Markup("\n".join(parts)),
        columns=(category_label, value_label),
        rows=[(label, fmt(value)) for label, value in rows],
    )


@dataclass(frozen=True)
class Point:
    """One point of a line chart; `low`/`high` draw the interval band when given."""

    label: str
    value: float | None
    low: float | None = None
    high: float | None = None


def line_chart(
    title: str,
    points: Sequence[Point],
    *,
    description: str | None = None,
    value_label: str = "Value",
    category_label: str = "Period",
    fmt: Callable[[float], str] = percent,
    benchmark: float | None = None,
    benchmark_label: str = "Benchmark",
    band_label: str = "95% interval",
) -> Chart | None:
    """A line over ordered categories, with an optional benchmark line and interval band.

    Points whose value is None (no data for that period) break the line instead of drawing zero.
    """
    points = list(points)
    if not any(p.value is not None for p in points):
        return None
    chart_id = _new_id("line")
    height, left, right, top_pad, bottom = 260, 56, 16, 16, 48
    plot_w, plot_h = WIDTH - left - right, height - top_pad - bottom
    values = [p.value for p in points if p.value is not None]
    values += [p.high for p in points if p.high is not None]
    if benchmark is not None:
        values.append(benchmark)
    axis_max = _nice_max(max(values))

    def x_at(i: int) -> float:
        return left + (plot_w / 2 if len(points) == 1 else plot_w * i / (len(points) - 1))

    def y_at(v: float) -> float:
        return top_pad + plot_h * (1 - v / axis_max)

    has_band = any(p.low is not None and p.high is not None for p in points)
    if description is None:
        described = "; ".join(
            f"{p.label} {fmt(p.value)}" + (f" ({fmt(p.low)}–{fmt(p.high)})" if p.low is not None else "")
            for p in points
            if p.value is not None
        )
        description = f"Line chart of {value_label.lower()} by {category_label.lower()}: {described}."
        if benchmark is not None:
            description += f" {benchmark_label}: {fmt(benchmark)}."
    parts = _open_svg(chart_id, title, description, height)
    for step in range(5):
        tick = axis_max * step / 4
        y = y_at(tick)
        parts.append(f'<line x1="{left}" x2="{WIDTH - right}" y1="{y:.1f}" y2="{y:.1f}" class="grid"/>')
        parts.append(
            f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" class="tick">{escape(fmt(tick))}</text>'
        )
    if has_band:
        segment: list[tuple[int, Point]] = []
        for i, p in [*enumerate(points), (len(points), None)]:
            if p is not None and p.low is not None and p.high is not None:
                segment.append((i, p))
                continue
            if segment:
                upper = " ".join(f"{x_at(j):.1f},{y_at(q.high):.1f}" for j, q in segment)
                lower = " ".join(f"{x_at(j):.1f},{y_at(q.low):.1f}" for j, q in reversed(segment))
                if len(segment) == 1:  # a lone point: draw its interval as a whisker
                    j, q = segment[0]
                    parts.append(
                        f'<line x1="{x_at(j):.1f}" x2="{x_at(j):.1f}" y1="{y_at(q.low):.1f}" '
                        f'y2="{y_at(q.high):.1f}" class="band-whisker">'
                        f"<title>{escape(band_label)}</title></line>"
                    )
                else:
                    parts.append(
                        f'<polygon points="{upper} {lower}" class="band">'
                        f"<title>{escape(band_label)}</title></polygon>"
                    )
                segment = []
    if benchmark is not None:
        y = y_at(benchmark)
        parts.append(
            f'<line x1="{left}" x2="{WIDTH - right}" y1="{y:.1f}" y2="{y:.1f}" class="benchmark">'
            f"<title>{escape(benchmark_label)}: {escape(fmt(benchmark))}</title></line>"
        )
        parts.append(
            f'<text x="{WIDTH - right}" y="{y - 5:.1f}" text-anchor="end" class="benchmark-label">'
            f"{escape(benchmark_label)} {escape(fmt(benchmark))}</text>"
        )
    run: list[str] = []
    for i, p in [*enumerate(points), (len(points), None)]:
        if p is not None and p.value is not None:
            run.append(f"{x_at(i):.1f},{y_at(p.value):.1f}")
            continue
        if len(run) > 1:
            parts.append(f'<polyline points="{" ".join(run)}" class="line"/>')
        run = []
    for i, p in enumerate(points):
        if p.value is not None:
            parts.append(
                f'<circle cx="{x_at(i):.1f}" cy="{y_at(p.value):.1f}" r="4" class="point">'
                f"<title>{escape(p.label)}: {escape(fmt(p.value))}</title></circle>"
            )
    every = max(1, math.ceil(len(points) / 12))
    for i, p in enumerate(points):
        if i % every == 0 or i == len(points) - 1:
            parts.append(
                f'<text x="{x_at(i):.1f}" y="{height - bottom + 18}" text-anchor="middle" class="tick">'
                f"{escape(_short(p.label))}</text>"
            )
    parts.append("</svg>")
    columns = [category_label, value_label]
    if has_band:
        columns.append(band_label)
    rows = []
    for p in points:
        row = [p.label, fmt(p.value) if p.value is not None else "no data"]
        if has_band:
            row.append(f"{fmt(p.low)} – {fmt(p.high)}" if p.low is not None and p.high is not None else "")
        rows.append(tuple(row))
    return Chart(
        chart_id=chart_id,
        title=title,
        description=description,
        svg=Markup("\n".join(parts)),
        columns=tuple(columns),
        rows=rows,
    )
