"""Rendering the quarterly board report: one HTML page (charts inline as SVG), the same page as a PDF
(WeasyPrint, which draws the SVG charts itself), and a CSV per table of underlying data.

Used by `linkedup report` and by the officer's button on the dashboard, so both give the same file.
"""

from __future__ import annotations

import io
import logging
import zipfile
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape

from bot import charts
from bot.spreadsheet import csv_text
from reporting.board_report.report import RECOMMENDATIONS_PLACEHOLDER, BoardReport
from reporting.board_report.tables import Measure, Table

TEMPLATES = Path(__file__).resolve().parent / "report_templates"
# WeasyPrint logs each layout step at INFO ("Step 5 - Creating layout - Page 3"): not for the reader of
# `linkedup report` or the server's log. Its warnings still show. Where the system has no HarfBuzz-Subset
# it embeds fonts with fontTools, which logs each glyph list at INFO (180 lines a report) and WeasyPrint
# warns about it once a font: neither is anything the officer can act on (`linkedup doctor` checks the
# libraries the PDF needs).
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)
logging.getLogger("fontTools").setLevel(logging.WARNING)


class _NoFontToolsNotice(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return not record.getMessage().startswith("Using fontTools instead of HarfBuzz")


logging.getLogger("weasyprint").addFilter(_NoFontToolsNotice())
_env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]))


def _cell(value, kind: str) -> str:
    if isinstance(value, Measure):
        shown = _cell(value.value, value.kind) if value.value is not None else ""
        return ", ".join(part for part in (shown, value.note) if part) or "—"
    if value is None:
        return "—"
    if kind == "percent":
        return f"{value * 100:.1f}%"
    if kind == "int":
        return f"{value:,}"
    if kind in ("hours", "weeks"):
        return f"{value:,.1f}" if isinstance(value, float) else f"{value:,}"
    if kind == "ratio":
        return f"{value:.3f}"
    return str(value)


_env.filters["cell"] = _cell


def file_stem(report: BoardReport) -> str:
    return "board-report-" + report.period.label.replace(" ", "")


def report_charts(report: BoardReport) -> dict[str, charts.Chart | None]:
    return {
        "bulletins": charts.line_chart(
            "Bulletin open rate with 95% interval, against the benchmark",
            [
                charts.Point(r.label, r.people_open_rate, r.people_interval.low, r.people_interval.high)
                for r in report.bulletins
            ],
            value_label="Open rate",
            category_label="Bulletin",
            benchmark=report.benchmark,
        ),
        "themes": charts.bar_chart(
            "Issues raised in the quarter by theme",
            report.by_theme,
            value_label="Issues",
            category_label="Theme",
        ),
        "waiting": charts.bar_chart(
            "Number waiting by service category (each service's latest return in the period)",
            [(row.category, row.number_waiting) for row in report.number_waiting],
            value_label="Number waiting",
            category_label="Service category",
        ),
    }


def render_html(report: BoardReport, *, tz) -> str:
    return _env.get_template("board_report.html").render(
        report=report,
        charts=report_charts(report),
        tables=report.tables,
        tz=tz,
        placeholder=RECOMMENDATIONS_PLACEHOLDER,
    )


def render_pdf(html: str) -> bytes:
    """A tagged PDF (PDF/UA-1: headings, tables and reading order a screen reader can follow)."""
    from weasyprint import HTML  # imported here: it loads system libraries (Pango) on import

    return HTML(string=html, base_url=str(TEMPLATES)).write_pdf(pdf_variant="pdf/ua-1")


def all_tables(report: BoardReport) -> list[Table]:
    return [report.key_figures, *report.tables.values()]


def csv_zip(report: BoardReport) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for table in all_tables(report):
            archive.writestr(f"{table.slug}.csv", csv_text(table))
    return buffer.getvalue()


def write_report(report: BoardReport, out: Path, *, tz, pdf: bool = True) -> list[Path]:
    """Write `<stem>.html`, `<stem>.pdf` (unless `pdf` is false: no Pango) and one CSV per table into
    `out`; return the paths."""
    out.mkdir(parents=True, exist_ok=True)
    html = render_html(report, tz=tz)
    stem = file_stem(report)
    written = []
    html_path = out / f"{stem}.html"
    html_path.write_text(html, encoding="utf-8")
    written.append(html_path)
    if pdf:
        pdf_path = out / f"{stem}.pdf"
        pdf_path.write_bytes(render_pdf(html))
        written.append(pdf_path)
    for table in all_tables(report):
        path = out / f"{table.slug}.csv"
        path.write_text(csv_text(table), encoding="utf-8", newline="")
        written.append(path)
    return written
