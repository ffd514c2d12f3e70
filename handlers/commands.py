"""`/linkedup <sub-command> …`: one slash command, a registry of sub-commands, help for the rest.

Sub-commands register themselves with `@subcommand`, so `/linkedup help` always lists exactly
the commands that exist.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from slack_bolt import Ack, App, BoltContext

from handlers.ids import COMMAND


@dataclass(frozen=True)
class Subcommand:
    name: str
    usage: str
    summary: str
    run: Callable[..., None]


SUBCOMMANDS: dict[str, Subcommand] = {}


def subcommand(name: str, *, usage: str, summary: str):
    """Register a `/linkedup NAME` sub-command; its function gets (ack, text, command, context, client)."""

    def decorator(func: Callable[..., None]) -> Callable[..., None]:
        SUBCOMMANDS[name] = Subcommand(name=name, usage=usage, summary=summary, run=func)
        return func

    return decorator


def reply(ack: Ack, text: str, blocks: list | None = None) -> None:
    """Answer the command in its HTTP response, visible only to the person who typed it."""
    ack(text=text, blocks=blocks, response_type="ephemeral")


def help_text(prefix: str = "") -> str:
    lines = [prefix] if prefix else []
    lines.append("*Linked-up bot* — what you can type:")
    for item in sorted(SUBCOMMANDS.values(), key=lambda s: s.name):
        lines.append(f"• `{COMMAND} {item.usage}` — {item.summary}")
    return "\n".join(lines)


@subcommand("help", usage="help", summary="this list")
def show_help(ack: Ack, **_: object) -> None:
    reply(ack, help_text())


def dispatch(ack: Ack, command: dict, context: BoltContext, client, **_: object) -> None:
    text = (command.get("text") or "").strip()
    name, _, rest = text.partition(" ")
    name = name.lower()
    if not name:
        reply(ack, help_text())
        return
    item = SUBCOMMANDS.get(name)
    if item is None:
        reply(ack, help_text(f"I don't know `{COMMAND} {name}`."))
        return
    item.run(ack=ack, text=rest.strip(), command=command, context=context, client=client)


def register(app: App) -> None:
    app.command(COMMAND)(dispatch)
