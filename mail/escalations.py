"""The escalation domain's e-mails: `escalations.ports.MailRenderer` as plain text and HTML.

What people typed is always escaped for HTML (`html.escape`, quotes included), so a title such as
`<img src=x onerror=…>` is shown as written and never becomes markup. A subject is one line: carriage
returns, line feeds and other control characters are replaced by spaces (a header can never be
injected), and it is clipped to a length mail clients show. Links are the app's own: each single-use
link is signed here with the key the process was given, so the domain never holds it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from html import escape
from urllib.parse import quote

from escalations.mail_views import MailKind, MailLink, MailView

SUBJECT_MAX = 150
_CONTROL = re.compile(r"[\x00-\x1f\x7f\u0085\u2028\u2029]+")
ACT_PATH = "/dashboard/email/act/"
SIGN_IN_PATH = "/dashboard/email/sign-in/"

Sign = Callable[[str, int], str]  # (nonce, member id) → the token in the link


def one_line(value: str, limit: int = SUBJECT_MAX) -> str:
    """Header-safe: no CR, LF or other control characters, runs of space collapsed, clipped."""
    text = " ".join(_CONTROL.sub(" ", value or "").split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


class MailBodies:
    """The renderer a process installs with `escalations.ports.use_mail`."""

    def __init__(self, *, base_url: str, sign: Sign, network: str = "Linked-up") -> None:
        self.base_url = base_url.rstrip("/")
        self.sign = sign
        self.network = network

    def url_of(self, link: MailLink, next_path: str | None = None) -> str:
        path = SIGN_IN_PATH if link.action == "sign_in" else ACT_PATH
        url = f"{self.base_url}{path}{self.sign(link.nonce, link.member_id)}"
        if next_path and next_path.startswith("/") and not next_path.startswith("//"):
            url += f"?next={quote(next_path, safe='/')}"
        return url

    def page_url(self, path: str) -> str:
        return f"{self.base_url}{path}"

    def message(self, view: MailView) -> dict:
        links = [
            (link.label, self.url_of(link, view.page_path if link.action == "sign_in" else None))
            for link in view.links
        ]
        page = None
        if view.page_path and not any(link.action == "sign_in" for link in view.links):
            page = (view.page_label or "Open", self.page_url(view.page_path))
        return {
            "subject": one_line(view.subject),
            "text": _text(view, links, page),
            "html": _html(view, links, page),
        }


def _text(view: MailView, links: list[tuple[str, str]], page: tuple[str, str] | None) -> str:
    lines = [
        f"Dear {one_line(view.recipient, 120)}," if view.recipient else "Hello,",
        "",
        one_line(view.heading, 300),
        "",
    ]
    if view.title:
        lines += [f"{view.reference}: {view.title}" if view.reference else view.title, ""]
    if view.description:
        lines += [view.description, ""]
    for label, value in view.facts:
        lines.append(f"{label}: {value}")
    if view.facts:
        lines.append("")
    for paragraph in view.paragraphs:
        lines += [paragraph, ""]
    for item in view.items:
        lines.append(f"- {item}")
    if view.items:
        lines.append("")
    for label, url in links:
        lines += [f"{label}: {url}"]
    if page:
        lines += [f"{page[0]}: {page[1]}"]
    lines += ["", f"— {_why(view, plain=True)}"]
    return "\n".join(lines) + "\n"


def _why(view: MailView, *, plain: bool) -> str:
    """The footer: why this e-mail came, in words true of its kind (a sign-in link is no board's news)."""
    if view.kind is MailKind.SIGN_IN:
        return "Sent by Linked-up because a sign-in link was asked for with this address."
    if plain:
        return "Linked-up (sent because you are a member of this board; reply to the officer with questions)"
    return (
        "Sent by Linked-up because you are a member of this board. "
        "Each link opens a page where you confirm; nothing happens until you do."
    )


def _html(view: MailView, links: list[tuple[str, str]], page: tuple[str, str] | None) -> str:
    e = escape
    parts = [
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{e(one_line(view.subject))}</title></head>"
        '<body style="font-family: Arial, sans-serif; font-size: 16px; line-height: 1.5; max-width: 40em; '
        'margin: 0 auto; padding: 1em; overflow-wrap: anywhere;">',
        f"<p>{'Dear ' + e(one_line(view.recipient, 120)) + ',' if view.recipient else 'Hello,'}</p>",
        f'<h1 style="font-size: 1.3em;">{e(one_line(view.heading, 300))}</h1>',
    ]
    if view.title:
        ref = f"{e(view.reference)}: " if view.reference else ""
        parts.append(f'<h2 style="font-size: 1.1em;">{ref}{e(view.title)}</h2>')
    if view.description:
        paragraphs = "".join(f"<p>{e(p)}</p>" for p in view.description.split("\n") if p.strip())
        parts.append(
            '<blockquote style="border-left: 4px solid #ccc; margin: 0; padding-left: 1em;">'
            f"{paragraphs}</blockquote>"
        )
    if view.facts:
        rows = "".join(
            f'<tr><th style="text-align: left; padding-right: 1em;">{e(k)}</th><td>{e(v)}</td></tr>'
            for k, v in view.facts
        )
        parts.append(f"<table>{rows}</table>")
    parts += [f"<p>{e(p)}</p>" for p in view.paragraphs]
    if view.items:
        parts.append("<ul>" + "".join(f"<li>{e(item)}</li>" for item in view.items) + "</ul>")
    buttons = [*links, *([page] if page else [])]
    for label, url in buttons:
        parts.append(
            f'<p><a href="{e(url)}" style="display: inline-block; padding: 0.5em 1em; background: #1d70b8; '
            f'color: #fff; text-decoration: none;">{e(label)}</a></p>'
        )
    parts.append(f'<p style="color: #555; font-size: 0.9em;">{e(_why(view, plain=False))}</p></body></html>')
    return "".join(parts)
