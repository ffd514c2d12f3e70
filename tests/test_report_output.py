"""What `linkedup report` hands over besides the figures: a tagged PDF a screen reader can follow
(PDF/UA-1: structure tree, marked content, language) whose headings are kept with what they introduce,
and a command that prints only the files it wrote — none of WeasyPrint's progress logging."""

from __future__ import annotations

import logging
import re

from pypdf import PdfReader

from bot.report import render_html, write_report
from reporting.board_report.report import build_board_report, parse_quarter
from reporting.periods import LONDON


def test_the_pdf_is_tagged_with_its_language(db, tmp_path):
    report = build_board_report(db, parse_quarter("2026Q3"))
    pdf = next(path for path in write_report(report, tmp_path, tz=LONDON) if path.suffix == ".pdf")
    root = PdfReader(pdf).trailer["/Root"]
    assert "/StructTreeRoot" in root
    assert bool(root["/MarkInfo"]["/Marked"])
    assert root["/Lang"] == "en-GB"


def test_headings_stay_with_their_content(db, tmp_path):
    report = build_board_report(db, parse_quarter("2026Q3"))
    html = render_html(report, tz=LONDON)
    rule = re.search(r"h1, h2, h3, caption, figcaption \{ break-after: avoid;", html)
    assert rule, "headings must not be left at the foot of a page"
    headings = {re.sub(r"<[^>]+>", "", h) for h in re.findall(r"<h[23]>(.*?)</h[23]>", html)}
    pdf = next(path for path in write_report(report, tmp_path, tz=LONDON) if path.suffix == ".pdf")
    for page in PdfReader(pdf).pages:
        lines = [line.strip() for line in page.extract_text().splitlines() if line.strip()]
        body = [line for line in lines if not re.fullmatch(r"Page \d+ of \d+", line)]
        assert body and body[-1] not in headings, body[-1]


def test_the_report_command_prints_only_what_it_wrote(tmp_path, monkeypatch, capfd, caplog):
    from bot.cli import main
    from models.base import Base
    from models.db import make_engine

    url = f"sqlite:///{tmp_path / 'cli.db'}"
    Base.metadata.create_all(make_engine(url))
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", url)
    caplog.set_level(logging.INFO)
    assert main(["report", "--quarter", "2026Q3", "--out", str(tmp_path / "out")]) == 0
    out, err = capfd.readouterr()
    assert "Board report for 2026 Q3" in out
    assert "weasyprint" not in (out + err).lower() and "Step 5" not in out + err
    assert not [r for r in caplog.records if r.name.startswith(("weasyprint", "fontTools"))], [
        r.message for r in caplog.records
    ]
