"""`linkedup sign-in [SLACK_ID|EMAIL]` — a fresh one-time dashboard link from the shell.

With a board member's e-mail address (a member outside Slack), the link is the one the e-mail sign-in
page would send them, for the officer to pass on.

Without Slack (the demo, or a network being set up) this is the way in: before it, the only
other way was restarting `serve --demo`. The link is signed with SECRET_KEY, so the running server
accepts it only when both share that key (`serve --demo` writes one to `.env` for this reason).
"""

from __future__ import annotations

from bot.cli import CommandError, needs_database
from bot.runtime import build_context
from bot.settings import load_settings
from models.db import transaction
from models.membership import officer_ids
from models.sign_in import LINK_LIFETIME, issue_sign_in_link
from reporting.access import viewer_for


def add_commands(subparsers) -> None:
    parser = subparsers.add_parser("sign-in", help="print a one-time sign-in link to the web dashboard")
    parser.add_argument(
        "slack_id",
        nargs="?",
        metavar="SLACK_ID|EMAIL",
        help="whose link: a Slack id or a board member's e-mail address (default: the first officer)",
    )
    parser.set_defaults(func=run_sign_in)


@needs_database
def run_sign_in(args) -> int:
    from bot.signing import signing_key

    settings = load_settings()
    if settings.secret_key is None or not settings.secret_key.get_secret_value():
        raise CommandError(
            "SECRET_KEY is not set, so the server would refuse a link signed here: set SECRET_KEY "
            "(see .env.example; `linkedup serve --demo` writes one to .env)"
        )
    if args.slack_id and "@" in args.slack_id:
        return _email_sign_in(settings, args.slack_id)
    context = build_context(settings)
    try:
        with transaction(context.session_factory) as session:
            slack_id = args.slack_id or _first_officer(session)
            viewer = viewer_for(session, slack_id)
            url = issue_sign_in_link(
                session, slack_id, base_url=settings.public_base_url, secret=signing_key(settings)
            )
    finally:
        context.engine.dispose()
    minutes = int(LINK_LIFETIME.total_seconds() // 60)
    print(
        f"Dashboard sign-in for {slack_id} ({'; '.join(viewer.roles)}), works once within {minutes} minutes:"
    )
    print(url)
    return 0


def _first_officer(session) -> str:
    officers = officer_ids(session)
    if not officers:
        raise CommandError("the network has no officer yet: load a network file, or name a SLACK_ID")
    return officers[0]


def _email_sign_in(settings, address: str) -> int:
    """A board member outside Slack: the same one-time link the e-mail sign-in page sends them."""
    from sqlalchemy import func, select

    from bot.signing import signing_key
    from models.email_links import SIGN_IN, SIGN_IN_LIFETIME, new_link, sign_link
    from models.network import BoardMember

    context = build_context(settings)
    try:
        with transaction(context.session_factory) as session:
            member = session.scalars(
                select(BoardMember)
                .where(
                    func.lower(BoardMember.email) == address.strip().lower(),
                    BoardMember.slack_user_id.is_(None),
                )
                .order_by(BoardMember.id)
                .limit(1)
            ).first()
            if member is None:
                raise CommandError(f"{address} is not the address of a board member outside Slack")
            viewer = viewer_for(session, f"mail:{member.id}")
            nonce = new_link(session, member, SIGN_IN)
            token = sign_link(signing_key(settings), nonce, member.id)
    finally:
        context.engine.dispose()
    minutes = int(SIGN_IN_LIFETIME.total_seconds() // 60)
    roles = "; ".join(viewer.roles)
    print(f"Dashboard sign-in for {viewer.name} ({roles}), works once within {minutes} minutes:")
    print(f"{settings.public_base_url}/dashboard/email/sign-in/{token}")
    return 0
