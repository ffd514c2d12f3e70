"""Rendering a compiled bulletin to an email: HTML that survives Outlook and a plain-text part.

The HTML is a table layout with the CSS inlined (css-inline) because Outlook and many webmail
clients drop `<style>` blocks; only the `@media` rules stay in the head. Every link is absolute,
images carry alt text, and the footer has Mailchimp's `*|UNSUB|*` merge tag.

Mailchimp expands `*|…|*` anywhere in a campaign, so a member who typed `*|UNSUB|*` or `*|FNAME|*`
into an article or an issue would have it filled in for every recipient. Every value the templates
print passes through `neutralise_merge_tags` (the environments' `finalize`), which puts a zero-width
space between `*` and `|`: the text reads the same and Mailchimp sees no tag. Only the templates'
own footer tags, written in the template text, stay live.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import css_inline
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from bulletins.config import LONDON

if TYPE_CHECKING:
    from bulletins.content import BulletinContent, WaitingCategory

TEMPLATES = Path(__file__).resolve().parent / "templates"
MERGE_TAG = re.compile(r"^\*\|[A-Z_:]+\|\*$")
ZERO_WIDTH_SPACE = "\u200b"
HREF = re.compile(r"""\b(?:href|src)\s*=\s*["']([^"']*)["']""", re.IGNORECASE)

_inliner = css_inline.CSSInliner(keep_at_rules=True, load_remote_stylesheets=False)


@dataclass(frozen=True)
class Rendered:
    html: str
    text: str


def when(moment: datetime) -> str:
    """`Tue 12 May, 10:00` in London time."""
    local = moment.astimezone(LONDON)
    return f"{local:%a} {local.day} {local:%b}, {local:%H:%M}"


def waiting_phrase(row: WaitingCategory) -> str:
    parts = []
    if row.no_capacity:
        noun = "service" if row.no_capacity == 1 else "services"
        parts.append(f"{row.no_capacity} {noun} with no capacity")
    if row.waitlist_only:
        noun = "service" if row.waitlist_only == 1 else "services"
        parts.append(f"{row.waitlist_only} {noun} taking waiting-list referrals only")
    return "; ".join(parts)


def neutralise_merge_tags(value: object) -> object:
    """Text that Mailchimp cannot read a merge tag in (see the module docstring); other values as they are.

    The edges count too: a value ending in `*` printed before a `|` (or starting with `|` after a `*`)
    would make a tag with its neighbour.
    """
    if not isinstance(value, str):
        return value
    text = value.replace("*|", f"*{ZERO_WIDTH_SPACE}|").replace("|*", f"|{ZERO_WIDTH_SPACE}*")
    if text.startswith("|"):
        text = ZERO_WIDTH_SPACE + text
    if text.endswith("*"):
        text += ZERO_WIDTH_SPACE
    return text


def _environment(autoescape: bool) -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html"]) if autoescape else False,
        undefined=StrictUndefined,
        trim_blocks=False,
        lstrip_blocks=False,
        keep_trailing_newline=True,
        finalize=neutralise_merge_tags,
    )
    env.globals.update(when=when, waiting_phrase=waiting_phrase)
    return env


_html_env = _environment(autoescape=True)
_text_env = _environment(autoescape=False)


def relative_links(html: str) -> list[str]:
    """Links and image sources that a mail client could not follow: neither http(s) nor a merge tag."""
    return [
        url
        for url in HREF.findall(html)
        if not url.lower().startswith(("https://", "http://")) and not MERGE_TAG.match(url)
    ]


def render_bulletin(content: BulletinContent) -> Rendered:
    """The email's HTML (CSS inlined) and plain text."""
    raw = _html_env.get_template("bulletin.html").render(c=content)
    html = _inliner.inline(raw)
    bad = relative_links(html)
    if bad:
        raise ValueError(f"the bulletin has links a mail client cannot follow: {bad[:3]}")
    text = _text_env.get_template("bulletin.txt").render(c=content)
    text = re.sub(r"\n{3,}", "\n\n", text).strip() + "\n"
    return Rendered(html=html, text=text)


def preview_html(html: str) -> str:
    """The stored HTML for a browser preview: merge tags Mailchimp fills in shown as placeholders."""
    return (
        html.replace('href="*|UNSUB|*"', 'href="#unsubscribe"')
        .replace('href="*|UPDATE_PROFILE|*"', 'href="#preferences"')
        .replace("*|LIST:ADDRESSLINE|*", "(the audience's postal address)")
    )
