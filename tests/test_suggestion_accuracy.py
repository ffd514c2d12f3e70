"""How often the suggested theme is the right one, measured on labelled issue texts written for the project.

The suggestion pre-fills the theme of every issue, and a wrong one routes a concern to the wrong board
until someone corrects it, so its accuracy is a figure to hold, not a feeling. The labelled texts
(tests/fixtures/issue_themes.yaml) cover every theme of the demo network, with hard cases such as
training notices that mention safeguarding words; the `tune` half may be read when keywords or the
scorer change, the `held_out` half measures whether a change generalises. Keyword-only scoring is
measured (a new network has no past issues), and keywords plus the tune half as past issues.

Figures when this test was written: before (keywords as shipped, the scorer of issue 11) 65.5% tune,
62.7% held out; after (acronyms matched as acronyms, stop words kept inside phrases, longer phrases
weighing more and claiming their words, training words in a text's opening outranking its subject,
broader keyword lists) 91.8% tune, 86.3% held out. Then (issue 15's gap; the held-out texts unread,
keywords unchanged) each word of the text counting once for a theme however many of its keywords
match it, and words earlier in the text weighing more (a text says what it is about first):
92.7% tune, 91.2% held out (93 of 102). `python tests/test_suggestion_accuracy.py` prints them.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from intake.suggestions import MIN_SCORE, ThemeWords, score_themes

ROOT = Path(__file__).resolve().parent.parent
NETWORK = yaml.safe_load((ROOT / "network" / "wirral.yaml").read_text(encoding="utf-8"))
LABELLED = yaml.safe_load(
    (Path(__file__).parent / "fixtures" / "issue_themes.yaml").read_text(encoding="utf-8")
)
THEMES = [
    ThemeWords(index, tuple(theme.get("keywords") or ())) for index, theme in enumerate(NETWORK["themes"])
]
SLUGS = [theme["slug"] for theme in NETWORK["themes"]]


def _suggested(text: str, past: list[tuple[int, str]]) -> str | None:
    scores = score_themes(text, THEMES, past)
    best = max(range(len(THEMES)), key=lambda index: (scores[index], -index))  # ties: the theme listed first
    return SLUGS[best] if scores[best] >= MIN_SCORE else None


def _accuracy(half: str, past: list[tuple[int, str]] = ()) -> float:
    cases = [(slug, text) for slug, halves in LABELLED.items() for text in halves[half]]
    right = sum(_suggested(text, list(past)) == slug for slug, text in cases)
    return right / len(cases)


def test_the_labelled_set_covers_every_theme_with_enough_texts():
    assert set(LABELLED) == set(SLUGS)
    total = sum(len(texts) for halves in LABELLED.values() for texts in halves.values())
    assert total >= 200
    for slug, halves in LABELLED.items():
        assert len(halves["tune"]) >= 8 and len(halves["held_out"]) >= 8, slug
        assert not set(halves["tune"]) & set(halves["held_out"]), slug


@pytest.mark.parametrize(("half", "floor"), [("tune", 0.90), ("held_out", 0.90)])
def test_top1_accuracy_from_keywords_alone(half, floor):
    assert _accuracy(half) >= floor


def test_past_issues_do_not_make_the_held_out_half_worse():
    past = [(SLUGS.index(slug), text) for slug, halves in LABELLED.items() for text in halves["tune"]]
    assert _accuracy("held_out", past) >= _accuracy("held_out")


@pytest.mark.parametrize(
    ("text", "slug"),
    [
        ("MASH training dates for the spring are out", "training"),
        ("We are sending our newsletter to parents next week about the summer youth club", "youth-provision"),
        ("A SEND parent forum wants more short breaks", "send"),
        ("Domestic abuse programme for children is full", "domestic-abuse"),
    ],
)
def test_hard_cases(text, slug):
    assert _suggested(text, []) == slug


if __name__ == "__main__":  # the figures quoted above, and in the issue's closing note
    tune_past = [(SLUGS.index(slug), text) for slug, halves in LABELLED.items() for text in halves["tune"]]
    print(f"tune {_accuracy('tune'):.1%}, held out {_accuracy('held_out'):.1%} (keywords alone)")
    print(f"held out with the tune half as past issues {_accuracy('held_out', tune_past):.1%}")
