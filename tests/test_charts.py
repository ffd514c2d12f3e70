"""The server-side SVG charts: well-formed, accessible, escaped, and honest about missing data."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from bot.charts import Point, bar_chart, line_chart, number, percent

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


def test_labels_are_escaped_and_long_ones_shortened():
    chart = bar_chart("Themes", [("<script>alert(1)</script> & a very long theme name indeed", 1)])
    text = str(chart.svg)
    assert "<script>" not in text
    assert "&lt;script&gt;" in text
    parse(chart)  # still well-formed XML
    labels = [t.text for t in parse(chart).iter(f"{SVG}text") if t.get("class") == "label"]
    assert labels[0].endswith("…") and len(labels[0]) <= 30


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
