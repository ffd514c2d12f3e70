"""E-mail test support: a real local SMTP server (aiosmtpd), a board whose members are e-mail only,
and reading the links out of what arrives."""

from __future__ import annotations

import re
import socket
import threading
import time
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller

from models import BoardMember
from tests import factories

CHAIR_ADDRESS = "jo.smith@council.example.org"
MEMBER_ADDRESS = "sam.patel@nhs.example.org"
LINK_RE = re.compile(
    r"^(?P<label>[^:\r\n]+): (?P<url>https?://\S+/dashboard/email/(?:act|sign-in)/\S+?)\r?$", re.M
)


@dataclass
class Inbox:
    """What the SMTP server received, parsed; the envelope's recipients beside each message."""

    messages: list[tuple[list[str], EmailMessage]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server, session, envelope):
        message = message_from_bytes(envelope.original_content or envelope.content, policy=policy.default)
        with self.lock:
            self.messages.append((list(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[EmailMessage]:
        with self.lock:
            return [m for rcpts, m in self.messages if address in rcpts]

    def wait_for(self, address: str, count: int, timeout: float = 10.0) -> list[EmailMessage]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.to(address)
            if len(found) >= count:
                return found
            time.sleep(0.05)
        raise AssertionError(f"{count} e-mail(s) expected, {len(self.to(address))} arrived")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(name="smtp_server")
def smtp_server_fixture():
    """A real SMTP server on this machine; yields (inbox, port)."""
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


def text_of(message: EmailMessage) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def html_of(message: EmailMessage) -> str:
    return message.get_body(preferencelist=("html",)).get_content()


def links_in(message: EmailMessage) -> dict[str, str]:
    """The e-mail's action links by label (from its plain-text part)."""
    return {m["label"].strip(): m["url"] for m in LINK_RE.finditer(text_of(message))}


def email_board(db, *, slug: str = "jcg", parent=None, private: bool = False):
    """A board whose members are all outside Slack: an e-mail chair and an e-mail member."""
    board = factories.board(
        db,
        slug,
        "Joint Commissioning Group",
        channel="C0JCG00001",
        parent=parent,
        private=private,
        chair_email=CHAIR_ADDRESS,
        acknowledge_days=1,
        respond_days=5,
        max_reminders=2,
    )
    chair = BoardMember(board=board, email=CHAIR_ADDRESS, name="Jo Smith")
    member = BoardMember(board=board, email=MEMBER_ADDRESS, name="Sam Patel")
    db.add_all([chair, member])
    db.flush()
    return board, chair, member
