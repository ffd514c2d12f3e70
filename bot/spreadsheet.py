"""The report's tables as CSV files that a spreadsheet opens correctly and safely.

Three things a plain `csv.writer` gets wrong for the people who open these files in Excel:

- **Formula injection.** Text a member typed (a service category such as `=HYPERLINK(…)`) would run as a
  formula. Following OWASP's CSV-injection guidance, every text cell is quoted and one that begins with
  `=`, `+`, `-`, `@`, a tab or a carriage return (or their full-width forms, which Excel also reads as
  formulas) gets a leading apostrophe, which spreadsheets show as text and do not display. The
  maintained `defusedcsv` library was considered and not used: it leaves cells starting with a tab or
  a carriage return alone and rewrites every `|` in a neutralised cell, so what comes back is not what
  was typed; this one function neutralises exactly OWASP's list and changes nothing else.
- **Encoding.** A UTF-8 byte-order mark, so Excel reads "…" as "…" and not "â€¦".
- **Numbers.** Numbers are written as numbers (never "30.2%"); a column mixing figures of different
  kinds (the key figures) is written as a number column and a unit column.
"""

from __future__ import annotations

import csv
import io
from numbers import Number

from reporting.board_report.tables import Column, Measure, Table

BOM = "\ufeff"
# OWASP: = + - @ TAB CR; also the full-width = + - @ that Excel treats the same way.
FORMULA_STARTS = frozenset("=+-@\t\r\uff1d\uff0b\uff0d\uff20")
NEUTRALISER = "'"
UNITS = {"int": "count", "percent": "%", "hours": "hours", "weeks": "weeks", "ratio": "ratio", "text": ""}


def neutralise(text: str) -> str:
    """`text` as a cell no spreadsheet will run: prefixed with an apostrophe when it could start a formula."""
    return NEUTRALISER + text if text[:1] in FORMULA_STARTS else text


def _number(value: Number, kind: str):
    if isinstance(value, bool):
        return neutralise(str(value))
    if kind == "percent":
        value = value * 100  # beside a "%" unit, 30.2 rather than 0.302
    return round(value, 4) if isinstance(value, float) else value


def _plain(value, kind: str):
    """A cell of a column of one kind: numbers stay numbers (rates as fractions), text is neutralised."""
    if value is None:
        return ""
    if isinstance(value, Number) and not isinstance(value, bool):
        return round(value, 4) if isinstance(value, float) else value
    return neutralise(str(value))


def _measured(value) -> tuple[object, str, str]:
    """A cell of a mixed column as (number, unit, note)."""
    if isinstance(value, Measure):
        number = "" if value.value is None else _number(value.value, value.kind)
        return number, UNITS.get(value.kind, value.kind), neutralise(value.note)
    if value is None:
        return "", "", ""
    if isinstance(value, Number) and not isinstance(value, bool):
        return _number(value, "int"), UNITS["int"], ""
    return "", "", neutralise(str(value))


def _layout(table: Table) -> list[tuple[int, Column, bool]]:
    """Each column with whether it mixes kinds (holds a Measure) and so needs a unit column."""
    return [
        (index, column, any(isinstance(row[index], Measure) for row in table.rows))
        for index, column in enumerate(table.columns)
    ]


def csv_text(table: Table) -> str:
    """The table's raw values (rates as fractions, durations as numbers) as CSV text, starting with a BOM."""
    layout = _layout(table)
    several = sum(mixed for _, _, mixed in layout) > 1
    header = []
    for _, column, mixed in layout:
        header.append(neutralise(column.title))
        if mixed:
            extra = [f"{column.title} unit", f"{column.title} note"] if several else ["Unit", "Note"]
            header += [neutralise(title) for title in extra]
    buffer = io.StringIO()
    buffer.write(BOM)
    writer = csv.writer(buffer, quoting=csv.QUOTE_NONNUMERIC, lineterminator="\r\n")
    writer.writerow(header)
    for row in table.rows:
        cells = []
        for index, column, mixed in layout:
            cells.extend(_measured(row[index]) if mixed else [_plain(row[index], column.kind)])
        writer.writerow(cells)
    return buffer.getvalue()
