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

KEYWORD_WEIGHT = 3.0  # per word of a matched keyword phrase: "MASH training" says more than "MASH"
# A text says what it is about first ("Autistic teenagers are excluded from youth clubs" is about
# autism): a matched word weighs 1 + EARLY_WEIGHT / (1 + position / EARLY_DECAY), from 1.5 for the first
# word down towards 1. Chosen on the tune half; any weight from 0.25 to 1 and decay from 3 to 12 words
# measured the same on both halves, so the figure does not hang on these numbers.
EARLY_WEIGHT = 0.5
EARLY_DECAY = 6.0
SIMILAR_WEIGHT = 4.0
MIN_SIMILARITY = 0.2
MIN_SCORE = 1.0
PAST_ISSUES = 300  # the most recent themed issues compared; bounded so the modal opens at once
PAST_TEXT = 300  # characters of each past description compared (its opening says what it is about)

# Words that say a text is about people learning (a course, a workshop) rather than about its subject:
# "MASH training dates" is a training notice, not a safeguarding concern. When a theme's keyword with one
# of them matches in the text's opening (FOCUS_OPENING words: where a notice says what it is), the themes
# that matched none are weighed down by FOCUS_DAMPING. Later ("staff have no training in autism") it is
# one word among others.
FOCUS_WORDS = ("training", "course", "workshop", "e-learning", "cpd", "refresher", "induction")
FOCUS_OPENING = 10
FOCUS_DAMPING = 0.25

_STOPWORDS = """a about after all also am an and any are as at be been but by can could did do does for from
    had has have he her his how i if in into is it its just me more most my no not now of on or our
    out over she so some than that the their them then there these they this to too up us was we were
    what when where which who will with would you your very many much been being get got"""
STOPWORDS = frozenset(_STOPWORDS.split())
_TOKEN = re.compile(r"[A-Za-z0-9]+(?:['’][A-Za-z]+)?")
_ACRONYM = re.compile(r"[A-Z]{2,}[0-9]*")


@dataclass(frozen=True)
class ThemeWords:
    id: int
    keywords: tuple[str, ...]


@dataclass(frozen=True)
class Suggestion:
    theme: Theme
    score: float


@dataclass(frozen=True)
class Word:
    """One word of a text as the scorer compares it: its stem, and whether it was written as an acronym.

    An acronym keyword (SEND, CSE, MASH) matches only the acronym, so "sending" is not SEND.
    """

    stem: str
    acronym: bool


@functools.lru_cache(maxsize=50_000)
def stem(word: str) -> str:
    """A light English stem so "lists"/"list", "waiting"/"wait" and "abuse"/"abuses" meet."""
    for suffix in ("ings", "ing", "ies", "ed", "es", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            word = word[: -len(suffix)] + ("y" if suffix == "ies" else "")
            break
    return word[:-1] if word.endswith("e") and len(word) >= 4 else word


def words(text: str) -> list[Word]:
    """Every word of `text` in order (stop words too: they hold phrases such as "after school" together)."""
    found = []
    for raw in _TOKEN.findall(text):
        raw = re.split(r"['’]", raw, maxsplit=1)[0]  # "people's" → "people"
        found.append(Word(stem(raw.lower()), bool(_ACRONYM.fullmatch(raw))))
    return found


def tokens(text: str) -> list[str]:
    """The stems that carry meaning (no stop words), for comparing a text with past issues."""
    return [stem(word) for word in (w.lower() for w in _TOKEN.findall(text)) if word not in STOPWORDS]


def score_themes(
    text: str, themes: Sequence[ThemeWords], past: Sequence[tuple[int, str]]
) -> dict[int, float]:
    """Each theme's score for `text`: keyword (or phrase) hits, plus similarity to past issues."""
    return _score(text, themes, [(theme_id, frozenset(tokens(words))) for theme_id, words in past])


def _score(
    text: str, themes: Sequence[ThemeWords], past: Sequence[tuple[int, frozenset[str]]]
) -> dict[int, float]:
    """`score_themes` with the past issues already tokenised (as `_past_issues` keeps them)."""
    scores = {theme.id: 0.0 for theme in themes}
    vocabulary = set(tokens(text))
    if not vocabulary:
        return scores
    sequence = words(text)
    at: dict[str, list[int]] = {}
    for index, word in enumerate(sequence):
        at.setdefault(word.stem, []).append(index)
    matches = []  # (length, start, theme id, focus)
    for theme in themes:
        for phrase in _phrases(theme.keywords):
            start = _occurs(phrase, sequence, at)
            if start is not None:
                focus = start < FOCUS_OPENING and any(word.stem in _FOCUS for word in phrase)
                matches.append((len(phrase), start, theme.id, focus))
    # The longest phrase claims its words: "domestic abuse" is not also Safeguarding's "abuse".
    claimed: dict[int, tuple[int, int]] = {}  # word index → (length, theme id) of the phrase holding it
    # Each word of the text counts once for a theme, however many of its keywords match it: "waiting
    # list", "waiting lists" and "waiting" on one "waiting list" are two words, not five.
    covered: dict[int, set[int]] = {}  # theme id → positions of the words its phrases matched
    focused = set()
    for length, start, theme_id, focus in sorted(matches, key=lambda match: -match[0]):
        span = range(start, start + length)
        if any(claimed[i][0] > length and claimed[i][1] != theme_id for i in span if i in claimed):
            continue
        for i in span:
            claimed.setdefault(i, (length, theme_id))
        covered.setdefault(theme_id, set()).update(span)
        if focus:
            focused.add(theme_id)
    for theme_id, positions in covered.items():
        scores[theme_id] += KEYWORD_WEIGHT * sum(_prominence(i) for i in positions)
    if focused:
        for theme_id in scores:
            if theme_id not in focused:
                scores[theme_id] *= FOCUS_DAMPING
    size = len(vocabulary)
    for theme_id, other in past:
        if theme_id not in scores or not other:
            continue
        common = len(vocabulary & other)
        similarity = common / (size + len(other) - common)  # Jaccard: common ÷ union
        if similarity >= MIN_SIMILARITY:
            scores[theme_id] += SIMILAR_WEIGHT * similarity
    return scores


def _prominence(position: int) -> float:
    """How much a matched word at `position` (0: the text's first word) says about the text's subject."""
    return 1 + EARLY_WEIGHT / (1 + position / EARLY_DECAY)


def _occurs(phrase: tuple[Word, ...], sequence: list[Word], at: dict[str, list[int]]) -> int | None:
    """Where `phrase` first appears in `sequence` word for word (an acronym only as an acronym)."""
    for start in at.get(phrase[0].stem, ()):
        window = sequence[start : start + len(phrase)]
        if len(window) == len(phrase) and all(
            seen.stem == wanted.stem and (seen.acronym or not wanted.acronym)
            for seen, wanted in zip(window, phrase, strict=True)
        ):
            return start
    return None


_FOCUS = frozenset(word.stem for focus in FOCUS_WORDS for word in words(focus))


@functools.lru_cache(maxsize=1024)
def _phrases(keywords: tuple[str, ...]) -> tuple[tuple[Word, ...], ...]:
    """A theme's keywords as phrases of words (the same for every suggestion until they change)."""
    phrases = (tuple(words(keyword)) for keyword in keywords)
    return tuple(phrase for phrase in phrases if any(word.stem not in STOPWORDS for word in phrase))


# Built once (the command and the submission run them on every issue).
_THEMES = select(Theme).order_by(Theme.position, Theme.name)
_PAST = (
    select(Issue.theme_id, Issue.title, func.substr(Issue.description, 1, PAST_TEXT))
    .where(Issue.theme_id.is_not(None))
    .order_by(Issue.id.desc())
    .limit(PAST_ISSUES)
)


def ordered_themes(session: Session) -> list[Theme]:
    """The network's themes in the order the forms list them."""
    return list(session.scalars(_THEMES))


def suggest_theme(session: Session, text: str, themes: Sequence[Theme] | None = None) -> Suggestion | None:
    """The best-scoring theme for `text`, or None when nothing points anywhere.

    `themes` (in position order) saves a query when the caller has them already.
    """
    if not text or not text.strip():
        return None
    if themes is None:
        themes = ordered_themes(session)
    if not themes:
        return None
    scores = _score(
        text,
        [ThemeWords(theme.id, tuple(theme.keywords or ())) for theme in themes],
        _past_issues(session),
    )
    # The highest score; on a tie, the theme listed first.
    _, best = max(enumerate(themes), key=lambda pair: (scores[pair[1].id], -pair[0]))
    if scores[best.id] < MIN_SCORE:
        return None
    return Suggestion(best, scores[best.id])


# Tokens of recent past issues, by their text. Stemming 300 past descriptions took about 12 ms a
# suggestion with a real vocabulary, inside Slack's 3-second trigger window; now each text is
# tokenised once per worker process. Keyed by the text itself, so an issue whose text changes (or
# is erased) is simply a new key, and nothing can be stale; only the texts of the latest query are
# kept, so the cache stays the size of PAST_ISSUES.
_past_tokens: dict[str, frozenset[str]] = {}


def _past_issues(session: Session) -> list[tuple[int, frozenset[str]]]:
    """The most recent themed issues: (theme id, tokens of the opening of their text)."""
    global _past_tokens
    rows = session.execute(_PAST).all()
    cache = _past_tokens
    past = []
    for theme_id, title, description in rows:
        text = f"{title} {description}"
        words = cache.get(text)
        if words is None:
            words = cache[text] = frozenset(tokens(text))
        past.append((theme_id, words))
    if len(cache) > len(rows) + PAST_ISSUES // 10:
        texts = {f"{title} {description}" for _theme_id, title, description in rows}
        _past_tokens = {text: words for text, words in cache.items() if text in texts}
    return past
