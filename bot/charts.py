"""Small server-side SVG charts for the dashboard and the board report: no JavaScript, no CDN.

Each chart is an accessible image (`role="img"`, `<title>` and `<desc>` referenced by
`aria-labelledby`) and carries its data as a table, which the page shows beside the chart so that
screen-reader users and people who prefer numbers get the same information. The SVG is built from
escaped strings, so labels typed by users (theme names, article titles) cannot inject markup.
"""

from __future__ import annotations

import itertools
import math
import textwrap
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from flask import has_request_context
from markupsafe import Markup, escape

from bot.web.hardening import csp_nonce

_ids = itertools.count(1)

# Charts are drawn at the width of a phone's column and scale up from there, never down much: at 300
# units wide, 13-unit text is at least 11 px wherever the page leaves the chart 254 px or more (a 320 px
# screen does), and stylesheets cap the width so the text never grows absurdly on a wide screen.
WIDTH = 300
FONT = 13
LINE = 16  # one line of text
CHAR = FONT * 0.65  # a generous average width of a DejaVu Sans / system-ui character
BAR_HEIGHT = 16
ROW_GAP = 10
VALUE_SPACE = 60  # room right of the longest bar for its value
LABEL_CHARS = int(WIDTH / CHAR)
LABEL_LINES = 3


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


def _wrap(label: str, width: int = LABEL_CHARS, lines: int = LABEL_LINES) -> list[str]:
    """The label on up to `lines` lines of `width` characters, broken between words; only a label longer
    than all of them ends in "…" (the chart's table and tooltip keep it whole)."""
    wrapped = textwrap.wrap(label, width) or [""]
    if len(wrapped) > lines:
        wrapped = wrapped[:lines]
        wrapped[-1] = wrapped[-1][: width - 1].rstrip() + "…"
    return wrapped


def _ticks(top: float, *, whole: bool, most: int = 5) -> list[float]:
    """Evenly spaced round ticks from 0 to at or above `top`: steps of 1, 2 or 5 times a power of ten,
    whole numbers only when the values are counts."""
    if top <= 0:
        return [0.0, 1.0]
    exponent = math.floor(math.log10(top / (most - 1)))
    for power in (exponent, exponent + 1):
        for multiple in (1, 2, 2.5, 5):
            step = multiple * 10**power
            if whole and (step < 1 or not float(step).is_integer()):
                continue
            if math.ceil(top / step - 1e-9) <= most - 1:
                count = math.ceil(top / step - 1e-9)
                return [round(step * i, 10) for i in range(count + 1)]
    return [0.0, float(top)]


def _tick_text(fmt: Callable[[float], str]) -> Callable[[float], str]:
    """Axis ticks say as little as they need: "20%" rather than "20.0%"."""
    if fmt is percent:
        return lambda v: f"{v * 100:.0f}%" if float(round(v * 100, 6)).is_integer() else f"{v * 100:.1f}%"
    return fmt


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


def _open_svg(chart_id: str, title: str, description: str, height: float) -> list[str]:
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="{chart_id}" role="img" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" viewBox="0 0 {WIDTH} {height:.0f}" '
        f'width="{WIDTH}" height="{height:.0f}" preserveAspectRatio="xMinYMin meet" '
        f'font-family="DejaVu Sans, system-ui, sans-serif" font-size="{FONT}">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(description)}</desc>',
        f"<style{_nonce()}>{STYLE.format(id=chart_id)}</style>",
    ]


def _lines(x: float, y: float, lines: Sequence[str], css: str, anchor: str = "start") -> str:
    """Lines of text, the first with its baseline at `y`."""
    spans = "".join(
        f'<tspan x="{x:.1f}" dy="{0 if i == 0 else LINE}">{escape(line)}</tspan>'
        for i, line in enumerate(lines)
    )
    return f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" class="{css}">{spans}</text>'


def bar_chart(
    title: str,
    rows: Sequence[tuple[str, float]],
    *,
    description: str | None = None,
    value_label: str = "Count",
    fmt: Callable[[float], str] = number,
    category_label: str = "Category",
) -> Chart | None:
    """Horizontal bars, one per (label, value), each under its label (whole, wrapped over lines rather
    than cut); None when there is nothing to draw."""
    rows = [(str(label), float(value)) for label, value in rows]
    if not rows:
        return None
    chart_id = _new_id("bar")
    top = max(value for _, value in rows)
    plot = WIDTH - VALUE_SPACE
    description = description or (
        f"Bar chart of {value_label.lower()} by {category_label.lower()}: "
        + "; ".join(f"{label} {fmt(value)}" for label, value in rows[:12])
        + ("; and more in the table." if len(rows) > 12 else ".")
    )
    body, y = [], 0.0
    for label, value in rows:
        lines = _wrap(label)
        width = 0 if top <= 0 else max(plot * value / top, 1 if value > 0 else 0)
        bar_y = y + len(lines) * LINE + 2
        body.append(f'<g class="bar"><title>{escape(label)}: {escape(fmt(value))}</title>')
        body.append(_lines(0, y + FONT, lines, "label"))
        body.append(
            f'<rect x="0" y="{bar_y:.1f}" width="{width:.1f}" height="{BAR_HEIGHT}" class="bar-fill" rx="2"/>'
        )
        body.append(
            f'<text x="{width + 6:.1f}" y="{bar_y + BAR_HEIGHT - 3:.1f}" class="value">'
            f"{escape(fmt(value))}</text></g>"
        )
        y = bar_y + BAR_HEIGHT + ROW_GAP
    parts = _open_svg(chart_id, title, description, y)
    parts += body
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


def _period_lines(labels: Sequence[str]) -> list[list[str]]:
    """ "Jul 2026" as "Jul" over "2026", the year only where it changes, so months never run together."""
    out, year = [], None
    for label in labels:
        head, _, tail = label.rpartition(" ")
        if head and tail.isdigit() and len(tail) == 4:
            out.append([head] if tail == year else [head, tail])
            year = tail
        else:
            out.append(_wrap(label, 12, 2))
    return out


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
    whole: bool | None = None,
) -> Chart | None:
    """A line over ordered categories, with an optional benchmark line and interval band, named in a
    legend under the chart (never written over the data).

    Points whose value is None (no data for that period) break the line instead of drawing zero. The
    axis counts in whole numbers when every value is whole (`whole`, unless given).
    """
    points = list(points)
    if not any(p.value is not None for p in points):
        return None
    chart_id = _new_id("line")
    values = [p.value for p in points if p.value is not None]
    if whole is None:
        whole = fmt is not percent and all(float(v).is_integer() for v in values)
    values += [p.high for p in points if p.high is not None]
    if benchmark is not None:
        values.append(benchmark)
    ticks = _ticks(max(values), whole=whole)
    axis_max = ticks[-1]
    tick_text = _tick_text(fmt)
    left = max(len(tick_text(t)) for t in ticks) * CHAR + 12
    right, top_pad, plot_h = 14, 10, 150
    plot_w = WIDTH - left - right
    x_lines = _period_lines([p.label for p in points])
    label_rows = max(len(lines) for lines in x_lines)

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
    parts: list[str] = []
    for tick in ticks:
        y = y_at(tick)
        parts.append(f'<line x1="{left}" x2="{WIDTH - right}" y1="{y:.1f}" y2="{y:.1f}" class="grid"/>')
        parts.append(
            f'<text x="{left - 6:.1f}" y="{y + 4:.1f}" text-anchor="end" class="tick">'
            f"{escape(tick_text(tick))}</text>"
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
    # Period labels: every n-th, so that neighbours never touch, kept inside the chart's edges.
    widest = max(len(line) for lines in x_lines for line in lines) * CHAR
    spacing = plot_w / max(len(points) - 1, 1)
    every = max(1, math.ceil((widest + 8) / spacing)) if len(points) > 1 else 1
    baseline = top_pad + plot_h + FONT + 6
    for i, lines in enumerate(x_lines):
        if i % every:
            continue
        x = min(max(x_at(i), widest / 2), WIDTH - widest / 2)
        parts.append(_lines(x, baseline, lines, "tick", "middle"))
    # The legend, under the labels: what the line, the band and the benchmark are.
    y = baseline + (label_rows - 1) * LINE + LINE + 8
    legend = [('<line x1="0" x2="22" y1="{y}" y2="{y}" class="line"/>', value_label)]
    if has_band:
        legend.append(('<rect x="0" y="{top}" width="22" height="10" class="band"/>', band_label))
    if benchmark is not None:
        legend.append(
            (
                '<line x1="0" x2="22" y1="{y}" y2="{y}" class="benchmark"/>',
                f"{benchmark_label} {fmt(benchmark)}",
            )
        )
    for sample, text in legend:
        parts.append(sample.format(y=f"{y - 4:.1f}", top=f"{y - 9:.1f}"))
        parts.append(f'<text x="30" y="{y:.1f}" class="label">{escape(text)}</text>')
        y += LINE + 2
    svg = _open_svg(chart_id, title, description, y)
    svg += parts
    svg.append("</svg>")
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
        svg=Markup("\n".join(svg)),
        columns=tuple(columns),
        rows=rows,
    )
