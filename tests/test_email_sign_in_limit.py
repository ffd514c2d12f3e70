"""The sign-in-by-e-mail form is open to anyone: submitting a board member's address again and again
must not fill their inbox. A member holds at most `SIGN_INS_LIVE` unused sign-in links at once; one
comes free as a link is used or expires (ten minutes)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from escalations.by_email import SIGN_INS_LIVE, sign_in_email
from escalations.ports import use_mail
from mail.escalations import MailBodies
from models import EmailLink
from models.email_links import spend_link
from tests.email_support import email_board

NOW = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def mail_on():
    use_mail(MailBodies(base_url="http://linkedup.test", sign=lambda nonce, member: f"{nonce}.{member}"))
    yield
    use_mail(None)


def _ask(db, member, times: int, now: datetime) -> int:
    sent = sum(sign_in_email(db, member, now=now) is not None for _ in range(times))
    db.commit()
    return sent


def test_asking_again_and_again_sends_at_most_a_few_live_links(db, mail_on):
    _board, chair, member = email_board(db)
    db.commit()
    assert _ask(db, chair, 10, NOW) == SIGN_INS_LIVE
    assert _ask(db, member, 1, NOW) == 1  # another person's links are their own

    first = db.scalars(select(EmailLink).where(EmailLink.board_member_id == chair.id)).first()
    spend_link(db, first, now=NOW + timedelta(minutes=1))
    db.commit()
    assert _ask(db, chair, 5, NOW + timedelta(minutes=2)) == 1  # the used link's place comes free

    assert _ask(db, chair, 5, NOW + timedelta(minutes=13)) == SIGN_INS_LIVE  # all have expired by now
