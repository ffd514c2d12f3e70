"""The suggested theme for an issue: the theme's keywords, and the themes of similar past issues.

Keywords give a cold start; past issues teach the network's own vocabulary (and the officer's
re-theming of earlier issues) without anyone maintaining keyword lists. The scorer is a pure
function, cheap enough to run before opening the modal (a trigger id lives about 3 seconds).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models.issues import Issue
from models.network import Theme

KEYWORD_WEIGHT = 3.0
SIMILAR_WEIGHT = 4.0
MIN_SIMILARITY = 0.2
MIN_SCORE = 1.0
PAST_ISSUES = 300  # the most recent themed issues compared; bounded so the modal opens at once
PAST_TEXT = 300  # characters of each past description compared (its opening says what it is about)

_STOPWORDS = """a about after all also am an and any are as at be been but by can could did do does for from
    had has have he her his how i if in into is it its just me more most my no not now of on or our
    out over she so some than that the their them then there these they this to too up us was we were
    what when where which who will with would you your very many much been being get got"""
STOPWORDS = frozenset(_STOPWORDS.split())
_TOKEN = re.compile(r"[a-z0-9]+")


@dataclass(frozen=True)
class ThemeWords:
    id: int
    keywords: tuple[str, ...]


@dataclass(frozen=True)
class Suggestion:
    theme: Theme
    score: float


@functools.lru_cache(maxsize=50_000)
def stem(word: str) -> str:
    """A light English stem so "lists"/"list", "waiting"/"wait" and "abuse"/"abuses" meet."""
    for suffix in ("ings", "ing", "ies", "ed", "es", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            word = word[: -len(suffix)] + ("y" if suffix == "ies" else "")
            break
    return word[:-1] if word.endswith("e") and len(word) >= 4 else word


def tokens(text: str) -> list[str]:
    return [stem(word) for word in _TOKEN.findall(text.lower()) if word not in STOPWORDS]


def score_themes(
    text: str, themes: Sequence[ThemeWords], past: Sequence[tuple[int, str]]
) -> dict[int, float]:
    """Each theme's score for `text`: keyword (or phrase) hits, plus similarity to past issues."""
    words = tokens(text)
    joined = f" {' '.join(words)} "
    vocabulary = set(words)
    scores = {theme.id: 0.0 for theme in themes}
    if not vocabulary:
        return scores
    for theme in themes:
        for keyword in theme.keywords:
            phrase = " ".join(tokens(keyword))
            if phrase and f" {phrase} " in joined:
                scores[theme.id] += KEYWORD_WEIGHT
    for theme_id, past_text in past:
        if theme_id not in scores:
            continue
        other = set(tokens(past_text))
        if not other:
            continue
        similarity = len(vocabulary & other) / len(vocabulary | other)
        if similarity >= MIN_SIMILARITY:
            scores[theme_id] += SIMILAR_WEIGHT * similarity
    return scores


def suggest_theme(session: Session, text: str) -> Suggestion | None:
    """The best-scoring theme for `text`, or None when nothing points anywhere."""
    if not text or not text.strip():
        return None
    themes = list(session.scalars(select(Theme).order_by(Theme.position, Theme.name)))
    if not themes:
        return None
    past = session.execute(
        select(Issue.theme_id, Issue.title, func.substr(Issue.description, 1, PAST_TEXT))
        .where(Issue.theme_id.is_not(None))
        .order_by(Issue.id.desc())
        .limit(PAST_ISSUES)
    ).all()
    scores = score_themes(
        text,
        [ThemeWords(theme.id, tuple(theme.keywords or ())) for theme in themes],
        [(theme_id, f"{title} {description}") for theme_id, title, description in past],
    )
    best = max(themes, key=lambda theme: (scores[theme.id], -themes.index(theme)))
    if scores[best.id] < MIN_SCORE:
        return None
    return Suggestion(best, scores[best.id])
