"""The officer's preview of a compiled bulletin: its signed link and the message that offers it.

Every compile — the compile-day job, `linkedup bulletin compile`, **Compile again** in Slack — ends
with the same preview message, so the officer can approve whatever produced the draft. The link is
signed with SECRET_KEY (itsdangerous, as Flask signs its sessions), names the month and expires after
PREVIEW_MAX_AGE; the web page that checks it lives in `bot.web.bulletins`.
"""

from __future__ import annotations

from itsdangerous import URLSafeTimedSerializer
from sqlalchemy.orm import Session

from bulletins import notices
from bulletins.config import bulletin_config
from bulletins.ports import BulletinRenderer, Preview
from models.bulletins import Bulletin

PREVIEW_SALT = "linkedup.bulletin-preview"
PREVIEW_MAX_AGE = 14 * 24 * 3600


def serializer(secret_key: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret_key, salt=PREVIEW_SALT)


def preview_token(secret_key: str, month: str) -> str:
    return serializer(secret_key).dumps({"month": month})


def preview_link(base_url: str, secret_key: str | None, month: str) -> str | None:
    """The signed preview link, or None without a SECRET_KEY (then there is no preview page)."""
    if secret_key is None:
        return None
    return f"{base_url}/bulletins/{month}/preview?token={preview_token(secret_key, month)}"


def offer(
    session: Session,
    bulletin: Bulletin,
    *,
    link: str | None,
    mailchimp_missing: list[str],
    render: BulletinRenderer,
) -> None:
    """Queue the preview summary (with the approve buttons) to every officer, once per compile."""
    summary = bulletin.summary or {}
    labels = {c.slug: c.name for c in bulletin_config(session).categories} | dict(summary.get("labels") or {})
    preview = Preview(
        bulletin,
        labels=labels,
        counts=dict(summary.get("categories") or {}),
        preview_url=link,
        extras={k: int(summary.get(k) or 0) for k in ("answers", "waiting", "meetings", "web_only")},
        mailchimp_missing=mailchimp_missing,
    )
    notices.offer_preview(session, preview, render=render)
