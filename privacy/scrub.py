"""Finding an erased value wherever it was copied, in whatever form the copy took.

Stored copies of what a person wrote are rarely the value itself: Slack text escapes `&`, `<`, `>`;
HTML also escapes quotes; a history line quotes each line with `> `; a card clips a long description
to its first few hundred characters and an ellipsis; lines are re-wrapped. So both sides are
normalised — entities decoded, quote markers and every run of white space made one space — and the
value is matched whole, or clipped: at least `CLIP_MIN` of its first characters followed by an
ellipsis (or the end of the stored text). The span found is mapped back onto the stored text and
replaced there, so the rest of the copy stays as it was.
"""

from __future__ import annotations

import re
from typing import Any

ERASED_TEXT = "[erased]"
CLIP_MIN = 20
_ENTITY = re.compile(r"&(amp|lt|gt|quot|apos|#39|#x27|#34|#x22);")
_DECODED = {
    "amp": "&",
    "lt": "<",
    "gt": ">",
    "quot": '"',
    "apos": "'",
    "#39": "'",
    "#x27": "'",
    "#34": '"',
    "#x22": '"',
}
_QUOTE_MARK = re.compile(r"(?:>|&gt;) ?")
_PARTIAL_ENTITY = re.compile(r"&[a-z#0-9]{0,5}")
_ELLIPSES = ("…", "...")


def normalise(text: str) -> tuple[str, list[int]]:
    """`text` with entities decoded and white space (and line-start quote marks) made one space, and
    for each character of the result the index in `text` where it starts (plus one past the end)."""
    out: list[str] = []
    where: list[int] = []
    i, n = 0, len(text)
    while i < n:
        char = text[i]
        if char.isspace():
            start = i
            while i < n and text[i].isspace():
                newline = text[i] == "\n"
                i += 1
                if newline:
                    mark = _QUOTE_MARK.match(text, i)
                    if mark:
                        i = mark.end()
            if out and out[-1] != " ":
                out.append(" ")
                where.append(start)
            continue
        if char == "&":
            entity = _ENTITY.match(text, i)
            if entity:
                out.append(_DECODED[entity.group(1)])
                where.append(i)
                i = entity.end()
                continue
        out.append(char)
        where.append(i)
        i += 1
    where.append(n)
    return "".join(out), where


def _spans(stored: str, value: str) -> list[tuple[int, int]]:
    """Spans of `stored` (normalised) holding `value` (normalised) whole or clipped."""
    spans = []
    head = value[:CLIP_MIN] if len(value) > CLIP_MIN else value
    start = stored.find(head)
    while start != -1:
        k = len(head)
        while k < len(value) and start + k < len(stored) and stored[start + k] == value[k]:
            k += 1
        end = start + k
        if k < len(value):
            partial = _PARTIAL_ENTITY.match(stored, end)
            rest = partial.end() if partial else end
            while rest < len(stored) and stored[rest] == " ":
                rest += 1
            ellipsis = next((e for e in _ELLIPSES if stored.startswith(e, rest)), None)
            if ellipsis is not None:
                end = rest + len(ellipsis)
            elif rest >= len(stored):
                end = len(stored)
            else:
                end = -1  # the same opening words, then something else: not a copy
        if end != -1:
            spans.append((start, end))
        start = stored.find(head, max(end, start + 1))
    return spans


def scrub_text(text: str, values: list[str]) -> str:
    """`text` with every copy of any of `values` (already normalised) replaced by ERASED_TEXT."""
    if not text:
        return text
    flat, where = normalise(text)
    spans = sorted(span for value in values for span in _spans(flat, value))
    if not spans:
        return text
    merged: list[list[int]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    pieces, last = [], 0
    for start, end in merged:
        pieces += [text[last : where[start]], ERASED_TEXT]
        last = where[end]
    pieces.append(text[last:])
    return "".join(pieces)


def scrub(value: Any, values: list[str]) -> Any:
    """`value` (text, or JSON made of dicts and lists) with every copy of `values` replaced."""
    if isinstance(value, str):
        return scrub_text(value, values)
    if isinstance(value, dict):
        return {scrub(k, values): scrub(v, values) for k, v in value.items()}
    if isinstance(value, list):
        return [scrub(item, values) for item in value]
    return value


def prepare(values: set[str], *, min_length: int) -> list[str]:
    """The values to search for, normalised, long enough to mean something, longest first."""
    flat = {normalise(v)[0].strip() for v in values if isinstance(v, str)}
    return sorted((v for v in flat if len(v) >= min_length), key=len, reverse=True)


def probe(value: str) -> str | None:
    """A piece of `value` every stored copy contains verbatim (even JSON-escaped or clipped): its
    longest run of ASCII letters and digits among the first CLIP_MIN characters."""
    runs = re.findall(r"[A-Za-z0-9]+", value[:CLIP_MIN])
    best = max(runs, key=len, default="")
    return best if len(best) >= 3 else None
