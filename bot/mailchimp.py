"""Building the Mailchimp adapter from settings, refusing clearly when credentials are missing."""

from __future__ import annotations

from bot.settings import Settings
from bulletins.mailer import MailchimpMailer, MailchimpNotConfigured


def build_mailer(settings: Settings) -> MailchimpMailer:
    """The adapter for MAILCHIMP_*; MailchimpNotConfigured names the variables that are missing."""
    missing = settings.missing_mailchimp()
    if missing:
        raise MailchimpNotConfigured(missing)
    return MailchimpMailer(
        api_key=settings.mailchimp_api_key.get_secret_value(),
        server_prefix=settings.mailchimp_server_prefix,
        list_id=settings.mailchimp_list_id,
        api_url=str(settings.mailchimp_api_url) if settings.mailchimp_api_url else None,
    )
