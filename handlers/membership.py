"""`/linkedup member add|remove ORG SLACK_ID`: the officer adds a person to an organisation or removes a
leaver, from Slack. The use cases are `intake.membership`; a refusal goes out through `handlers.errors`.
"""

from __future__ import annotations

from slack_bolt import Ack, BoltContext

from handlers.blockkit import escape
from handlers.commands import reply, subcommand
from intake.membership import add_member, remove_from_organisation
from models.errors import NotAllowed, ValidationError

USAGE = "member add|remove <organisation id or slug> <Slack member id>"


@subcommand("member", usage=USAGE, summary="add a person to an organisation, or remove a leaver (officer)")
def member_command(ack: Ack, text: str, command: dict, context: BoltContext, **_: object) -> None:
    parts = text.split()
    if len(parts) != 3 or parts[0].lower() not in ("add", "remove"):
        reply(
            ack,
            f"Type `/linkedup {USAGE}` — the member id is in the person's Slack profile (Copy member ID).",
        )
        return
    change, organisation, person = parts[0].lower(), parts[1], parts[2]
    db = context["db"]
    run = add_member if change == "add" else remove_from_organisation
    try:
        done = run(db, organisation=organisation, person=person, actor=command["user_id"])
    except ValidationError as error:
        raise NotAllowed(" ".join(error.errors.values())) from None
    db.commit()
    who, where = f"<@{done.slack_user_id}>", escape(done.organisation)
    if change == "add":
        reply(
            ack,
            f":white_check_mark: {who} {'is now' if done.changed else 'was already'} a member of {where}.",
        )
    elif done.changed:
        reply(
            ack,
            f":white_check_mark: {who} is no longer a member of {where}: their dashboard sessions have "
            "ended, and what they raised stays with the organisation.",
        )
    else:
        reply(ack, f"{who} was not a member of {where}; nothing changed.")
