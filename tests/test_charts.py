"""The server-side SVG charts: well-formed, accessible, escaped, and honest about missing data."""

from __future__ import annotations

import itertools
import xml.etree.ElementTree as ET

from bot.charts import CHAR, FONT, WIDTH, Point, bar_chart, line_chart, number, percent

SVG = "{http://www.w3.org/2000/svg}"


def parse(chart) -> ET.Element:
    return ET.fromstring(str(chart.svg))


def test_bar_chart_is_an_accessible_image_with_its_data_table():
    chart = bar_chart("Open issues by theme", [("Funding", 12), ("Safeguarding", 3), ("Youth", 0)])
    root = parse(chart)
    assert root.get("role") == "img"
    title_id, desc_id = root.get("aria-labelledby").split()
    assert root.find(f"{SVG}title").get("id") == title_id
    assert root.find(f"{SVG}title").text == "Open issues by theme"
    assert root.find(f"{SVG}desc").get("id") == desc_id
    assert "Funding 12" in root.find(f"{SVG}desc").text
    bars = root.findall(f".//{SVG}rect")
    assert len(bars) == 3
    widths = [float(bar.get("width")) for bar in bars]
    assert widths[0] > widths[1] > widths[2] == 0
    assert chart.rows == [("Funding", "12"), ("Safeguarding", "3"), ("Youth", "0")]


def test_labels_are_escaped_and_long_ones_wrapped_whole_not_cut():
    label = "<script>alert(1)</script> & a very long theme name indeed, with more words than one line holds"
    chart = bar_chart("Themes", [(label, 1)])
    text = str(chart.svg)
    assert "<script>" not in text
    assert "&lt;script&gt;" in text
    root = parse(chart)  # still well-formed XML
    label_text = next(t for t in root.iter(f"{SVG}text") if t.get("class") == "label")
    lines = [span.text for span in label_text.iter(f"{SVG}tspan")]
    assert len(lines) > 1 and " ".join(lines) == label  # every word, over several lines; no "…"
    assert all(len(line) * CHAR <= WIDTH for line in lines)


def test_no_data_means_no_chart():
    assert bar_chart("Nothing", []) is None
    assert line_chart("Nothing", [Point("Jan", None), Point("Feb", None)]) is None


def test_line_chart_with_benchmark_and_interval_band():
    points = [
        Point("Jun 2026", 0.18, 0.14, 0.23),
        Point("Jul 2026", 0.25, 0.2, 0.31),
        Point("Aug 2026", 0.3, 0.24, 0.36),
    ]
    chart = line_chart(
        "Open rate", points, benchmark=0.203, value_label="Open rate", category_label="Bulletin"
    )
    root = parse(chart)
    classes = [element.get("class") for element in root.iter()]
    assert "benchmark" in classes and "band" in classes and "line" in classes
    assert classes.count("point") == 3
    assert "Benchmark: 20.3%" in root.find(f"{SVG}desc").text
    assert chart.columns == ("Bulletin", "Open rate", "95% interval")
    assert chart.rows[0] == ("Jun 2026", "18.0%", "14.0% – 23.0%")
    # Higher values sit higher on the chart (smaller y).
    ys = [float(c.get("cy")) for c in root.iter(f"{SVG}circle")]
    assert ys[0] > ys[1] > ys[2]


def test_line_chart_breaks_at_gaps_instead_of_drawing_zero():
    chart = line_chart(
        "Waiting", [Point("Jan", 5), Point("Feb", None), Point("Mar", 7), Point("Apr", 9)], fmt=number
    )
    root = parse(chart)
    lines = [e for e in root.iter(f"{SVG}polyline")]
    assert len(lines) == 1  # Mar–Apr only; Jan stands alone as a point
    assert len(list(root.iter(f"{SVG}circle"))) == 3
    assert ("Feb", "no data") in chart.rows


def test_chart_ids_are_unique_on_a_page():
    first = bar_chart("A", [("x", 1)])
    second = bar_chart("B", [("x", 1)])
    assert first.chart_id != second.chart_id
    assert percent(0.2034) == "20.3%"


def _texts(root, css):
    return [t for t in root.iter(f"{SVG}text") if t.get("class") == css]


def test_month_labels_never_touch_and_stay_inside_the_chart():
    months = [
        f"{name} {2025 if i < 2 else 2026}"
        for i, name in enumerate(
            ["Nov", "Dec", "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov"]
        )
    ]
    root = parse(line_chart("Waiting", [Point(m, i) for i, m in enumerate(months)], fmt=number))
    extents = []
    for label in _texts(root, "tick"):
        lines = [span.text for span in label.iter(f"{SVG}tspan")]
        if label.get("text-anchor") != "middle":
            continue  # the y-axis
        half = max(len(line) for line in lines) * CHAR / 2
        x = float(label.get("x"))
        extents.append((x - half, x + half))
        assert lines[0] in {m.split()[0] for m in months}  # "Nov", never "Nov 202"
    assert len(extents) >= 4
    assert all(low >= 0 and high <= WIDTH for low, high in extents)
    assert all(a[1] < b[0] for a, b in itertools.pairwise(extents))


def test_count_axes_are_whole_numbers():
    root = parse(
        line_chart("Waiting", [Point("Jan 2026", 1), Point("Feb 2026", 3), Point("Mar 2026", 7)], fmt=number)
    )
    ticks = [t.text for t in _texts(root, "tick") if t.get("text-anchor") == "end"]
    assert ticks and all(tick.replace(",", "").isdigit() for tick in ticks), ticks
    percent_ticks = [
        t.text
        for t in _texts(
            parse(line_chart("Open rate", [Point("Jan 2026", 0.31), Point("Feb 2026", 0.22)])), "tick"
        )
        if t.get("text-anchor") == "end"
    ]
    assert "12.5%" not in percent_ticks and all(tick.endswith("%") for tick in percent_ticks)


def test_the_benchmark_is_named_in_the_legend_under_the_plot_not_on_a_point():
    points = [Point("Jul 2026", 0.203), Point("Aug 2026", 0.25), Point("Sep 2026", 0.203)]
    root = parse(line_chart("Open rate", points, benchmark=0.203))
    lowest_point = max(float(c.get("cy")) for c in root.iter(f"{SVG}circle"))
    benchmark = next(t for t in _texts(root, "label") if "Benchmark 20.3%" in (t.text or ""))
    assert float(benchmark.get("y")) - FONT > lowest_point + 20  # below the plot and its period labels


def test_charts_are_drawn_at_phone_width_with_legible_text():
    root = parse(bar_chart("Themes", [("Funding", 3)]))
    assert root.get("viewBox").split()[2] == str(WIDTH) and float(root.get("font-size")) == FONT
    assert FONT * 254 / WIDTH >= 11  # still 11 px when a 320 px screen leaves the chart 254 px
