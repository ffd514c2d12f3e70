"""The bulletin's size budget: the e-mail's HTML stays under 100 KB.

Gmail clips a message whose HTML is over about 102 KB and shows "[Message clipped]" instead of the rest —
which hides the unsubscribe link and the postal address the law and Mailchimp require, and every
article after the cut. So when a month's articles do not all fit, the e-mail keeps as many as fit (in
reading order: best-read categories first) and says how many more are in the web version, a page of
the whole bulletin that the e-mail links to; the officer's preview says how many moved there and why.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from bulletins import render
from bulletins.content import BulletinContent, Section

EMAIL_BUDGET = 100_000  # bytes of HTML; Gmail clips above about 102 KB


@dataclass(frozen=True)
class Fitted:
    """The e-mail as it goes out, and the web version when some articles had to move there."""

    email: BulletinContent
    rendered: render.Rendered
    web: render.Rendered | None

    @property
    def web_only(self) -> int:
        return self.email.web_only


def size(rendered: render.Rendered) -> int:
    return len(rendered.html.encode("utf-8"))


def _first(content: BulletinContent, keep: int, web_version_url: str | None) -> BulletinContent:
    """The content with only its first `keep` articles, in reading order."""
    sections, left = [], keep
    for section in content.sections:
        if left <= 0:
            break
        sections.append(Section(section.slug, section.name, section.articles[:left]))
        left -= len(sections[-1].articles)
    return replace(
        content,
        sections=sections,
        web_only=content.article_count - keep,
        web_version_url=web_version_url,
    )


def fit(content: BulletinContent, *, web_version_url: str | None, budget: int = EMAIL_BUDGET) -> Fitted:
    """The e-mail within `budget` bytes of HTML: every article when they fit, otherwise the most that do,
    found by bisection (each try is one render), with the web version holding them all."""
    whole = render.render_bulletin(content)
    if size(whole) <= budget:
        return Fitted(content, whole, None)
    low, high = 0, content.article_count - 1  # `best` is the e-mail with the first `low` articles
    best = render.render_bulletin(_first(content, 0, web_version_url))
    while low < high:
        middle = (low + high + 1) // 2
        attempt = render.render_bulletin(_first(content, middle, web_version_url))
        if size(attempt) <= budget:
            low, best = middle, attempt
        else:
            high = middle - 1
    web = render.render_bulletin(replace(content, web_version=True, web_version_url=web_version_url))
    return Fitted(_first(content, low, web_version_url), best, web)
