"""The Mailchimp fake refuses what Mailchimp refuses, so a test cannot pass where production would fail:
a send or schedule with no reply-to, no subject line, or no unsubscribe link and postal address in
the footer; and scheduling or sending a campaign that is already scheduled. Driven through the
bot's own client (`MailchimpMailer`); the bulletin tests prove the real flow satisfies it."""

from __future__ import annotations

import pytest

from bulletins.mailer import MailchimpRejected
from tests.bulletin_support import mailer_for, quarter_hour_ahead

FOOTER = '<a href="*|UNSUB|*">Unsubscribe</a> *|LIST:ADDRESSLINE|*'


def campaign(mailer, *, subject="Linked-up Wirral bulletin", reply_to="linked-up@example.org", html=FOOTER):
    campaign_id = mailer.create_campaign(
        title="bulletin-2026-11", subject=subject, preview_text="", from_name="Linked-up", reply_to=reply_to
    )
    mailer.set_content(campaign_id, html=f"<p>News</p>{html}", text="News")
    return campaign_id


@pytest.mark.parametrize(
    ("kwargs", "missing"),
    [
        ({"reply_to": None}, "reply-to"),
        ({"subject": ""}, "subject line"),
        ({"html": '<a href="*|UNSUB|*">Unsubscribe</a>'}, "postal address"),
        ({"html": "*|LIST:ADDRESSLINE|*"}, "unsubscribe"),
    ],
)
@pytest.mark.parametrize("action", ["send", "schedule"])
def test_a_campaign_that_is_not_ready_is_refused(mailchimp_api, kwargs, missing, action):
    mailer = mailer_for(mailchimp_api)
    campaign_id = campaign(mailer, **kwargs)
    with pytest.raises(MailchimpRejected) as refused:
        mailer.send(campaign_id) if action == "send" else mailer.schedule(campaign_id, quarter_hour_ahead())
    assert "not ready to send" in str(refused.value) and missing in str(refused.value)
    assert mailchimp_api.campaigns[campaign_id]["status"] == "save"


def test_a_scheduled_campaign_cannot_be_scheduled_again_or_sent(mailchimp_api):
    mailer = mailer_for(mailchimp_api)
    campaign_id = campaign(mailer)
    mailer.schedule(campaign_id, quarter_hour_ahead())
    with pytest.raises(MailchimpRejected, match="already scheduled"):
        mailer.schedule(campaign_id, quarter_hour_ahead(hours=5))
    with pytest.raises(MailchimpRejected, match="already scheduled"):
        mailer.send(campaign_id)
    assert mailchimp_api.campaigns[campaign_id]["status"] == "schedule"


def test_a_ready_campaign_is_sent(mailchimp_api):
    mailer = mailer_for(mailchimp_api)
    campaign_id = campaign(mailer)
    mailer.send(campaign_id)
    assert mailchimp_api.campaigns[campaign_id]["status"] == "sent"
