"""`linkedup bulletin compile|send|track|import-feed|status` — the bulletin from the command line.

`compile` needs only the database (no Mailchimp credentials): it writes the HTML (and the plain
text beside it) so the officer can look at it before anything is sent, and queues the officers'
preview in Slack as the compile-day job does. A bulletin already approved or sent is written as
it stands (marked so), so a past bulletin can be read again.
"""

from __future__ import annotations

import logging
from datetime import datetime
from pathlib import Path

from sqlalchemy import select

from bot.cli import CommandError, needs_database
from bot.runtime import build_context
from bulletins.config import LONDON, month_label, month_of, parse_month
from models.base import utcnow
from models.bulletins import Bulletin, BulletinState
from models.db import transaction
from models.errors import ValidationError
from models.membership import officer_ids

log = logging.getLogger(__name__)


def add_commands(subparsers) -> None:
    parser = subparsers.add_parser("bulletin", help="compile, send and track the monthly bulletin")
    actions = parser.add_subparsers(dest="bulletin_action", required=True, metavar="ACTION")

    compile_ = actions.add_parser("compile", help="compile a month's bulletin and write its HTML")
    compile_.add_argument("--month", default=None, help="YYYY-MM (default: this month)")
    compile_.add_argument(
        "--out", type=Path, required=True, help="HTML file to write; the text goes beside it"
    )
    compile_.set_defaults(func=run_compile)

    send = actions.add_parser("send", help="approve (if needed) and send or schedule through Mailchimp")
    send.add_argument("--month", default=None, help="YYYY-MM (default: this month)")
    send.add_argument("--at", default=None, help='London time on the quarter hour, e.g. "2026-05-26 09:15"')
    send.set_defaults(func=run_send)

    track = actions.add_parser("track", help="take the Mailchimp report snapshots that are due")
    track.set_defaults(func=run_track)

    feed = actions.add_parser("import-feed", help="read the network's web-page feed for new articles")
    feed.add_argument("--url", default=None, help="feed URL (default: the network file's bulletin.feed_url)")
    feed.set_defaults(func=run_import_feed)

    status = actions.add_parser("status", help="where each bulletin stands")
    status.set_defaults(func=run_status)


def _month(value: str | None) -> str:
    try:
        return parse_month(value) if value else month_of(utcnow())
    except ValidationError as exc:
        raise CommandError(f"--month: {exc.errors['month']}") from None


@needs_database
def run_compile(args) -> int:
    """Compile the draft (and send the officers its preview, as the compile-day job does); a bulletin
    already approved or sent is written as it stands, marked so, instead of being recompiled."""
    from bot.bulletin_jobs import send_preview
    from bulletins.compile import compile_bulletin

    month = _month(args.month)
    context = build_context()
    with transaction(context.session_factory) as session:
        bulletin = session.scalar(select(Bulletin).where(Bulletin.month == month))
        if bulletin is not None and bulletin.state != BulletinState.DRAFT:
            return _write_as_it_stands(bulletin, args.out)
        bulletin = compile_bulletin(session, month, actor="cli", base_url=context.settings.public_base_url)
        send_preview(session, context.settings, bulletin)
        officers = len(officer_ids(session))
        html, text, count, order = (
            bulletin.html,
            bulletin.text,
            bulletin.article_count,
            bulletin.category_order,
        )
        web_only = int((bulletin.summary or {}).get("web_only") or 0)
    text_path = _write(args.out, html, text)
    print(
        f"compiled the {month} bulletin: {count} article(s) in {len(order)} "
        f"categor{'y' if len(order) == 1 else 'ies'}"
    )
    print(f"  HTML: {args.out}\n  text: {text_path}")
    if order:
        print("  order: " + ", ".join(order))
    if web_only:
        print(
            f"  {web_only} article(s) moved to the web version (linked from the e-mail) to keep the e-mail "
            "under 100 KB, where Gmail would clip it and hide the unsubscribe link"
        )
    print(
        f"  preview sent in Slack to {officers} officer(s) to approve"
        if officers
        else "  no officer in the network file to send the preview to"
    )
    return 0


def _write(out: Path, html: str, text: str) -> Path:
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(html, encoding="utf-8")
    text_path = out.with_suffix(".txt")
    text_path.write_text(text, encoding="utf-8")
    return text_path


def _write_as_it_stands(bulletin: Bulletin, out: Path) -> int:
    """An approved or sent bulletin is what Mailchimp has: write that, with a note saying so."""
    state = bulletin.state.value.replace("_", " ")
    when = bulletin.sent_at if bulletin.state == BulletinState.SENT else bulletin.approved_at
    moment = f" on {when.astimezone(LONDON):%-d %B %Y at %H:%M}" if when else ""
    note = f"The {month_label(bulletin.month)} bulletin as {state}{moment} (not recompiled)."
    html = f"<!-- {note} -->\n{bulletin.html or ''}"
    text_path = _write(out, html, f"[{note}]\n\n{bulletin.text or ''}")
    print(f"the {bulletin.month} bulletin is {state}: written as {state}{moment}, not recompiled")
    print(f"  HTML: {out}\n  text: {text_path}")
    return 0


def _when(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        moment = datetime.strptime(value.strip(), "%Y-%m-%d %H:%M")
    except ValueError:
        raise CommandError(
            '--at: give a London time as "YYYY-MM-DD HH:MM", e.g. "2026-05-26 09:15"'
        ) from None
    return moment.replace(tzinfo=LONDON)


@needs_database
def run_send(args) -> int:
    from bot.mailchimp import build_mailer
    from bulletins.send import approve_bulletin, change_send_time, deliver_bulletin

    month = _month(args.month)
    send_at = _when(args.at)
    context = build_context()
    mailer = build_mailer(context.settings)  # refuses first, naming any missing MAILCHIMP_* variable
    with transaction(context.session_factory) as session:
        approval = approve_bulletin(session, month, by="cli", send_at=send_at, officer_only=False)
        if (
            approval.already
            and args.at is not None
            and approval.bulletin.state.value in ("approved", "campaign_created", "content_set")
        ):
            change_send_time(session, month, by="cli", send_at=send_at)
    result = deliver_bulletin(context.session_factory, mailer, month)
    print(
        f"the {month} bulletin is {result.state.value.replace('_', ' ')} "
        f"(Mailchimp campaign {result.campaign_id})"
    )
    if result.audience is not None:
        print(
            f"  audience: {result.audience.created} added, {result.audience.updated} updated in "
            f"{result.audience.calls} call(s); {len(result.audience.errors)} refused"
        )
    return 0


@needs_database
def run_track(args) -> int:
    from bot.mailchimp import build_mailer
    from bulletins.tracking import poll_reports

    context = build_context()
    mailer = build_mailer(context.settings)
    snapshots = poll_reports(context.session_factory, mailer)
    if not snapshots:
        print("no report snapshot is due")
    for snap in snapshots:
        print(f"{snap.month} {snap.checkpoint}: " + (f"failed — {snap.error}" if snap.error else "stored"))
    return 1 if any(s.error for s in snapshots) else 0


@needs_database
def run_import_feed(args) -> int:
    from bulletins.articles import import_feed

    context = build_context()
    with transaction(context.session_factory) as session:
        result = import_feed(session, feed_url=args.url)
        added = [(a.id, a.title) for a in result.added]
    if result.error:
        raise CommandError(f"feed skipped: {result.error}")
    print(f"{len(added)} new article(s) from {result.feed_url}; {result.already_known} already known")
    for article_id, title in added:
        print(f"  #{article_id} {title} (pending approval)")
    return 0


@needs_database
def run_status(args) -> int:
    context = build_context()
    with context.session_factory() as session:
        bulletins = list(session.scalars(select(Bulletin).order_by(Bulletin.month.desc()).limit(12)))
        if not bulletins:
            print("no bulletin compiled yet")
        for b in bulletins:
            line = f"{b.month}  {b.state.value:<16} {b.article_count:>3} articles"
            if b.campaign_id:
                line += f"  campaign {b.campaign_id}"
            if b.failed_step:
                line += f"  FAILED at {b.failed_step}: {b.last_error}"
            print(line)
    return 0
