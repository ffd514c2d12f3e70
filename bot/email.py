"""Sending the outbox's e-mails: GOV.UK Notify when NOTIFY_API_KEY is set, else SMTP (SMTP_URL).

UK public bodies send through GOV.UK Notify, so a council's network can use its own Notify service:
one e-mail template whose subject is `((subject))` and whose body is `((body))` (NOTIFY_TEMPLATE_ID);
the official client (`notifications_python_client`) signs each request with a JWT made from the key.
Notify sends its own plain-text template, so the e-mail's HTML is not used there, and it does not
attach files to e-mails (its "send a file by e-mail" gives a download link, and not for calendar
files): the digest's meeting goes as the link to the board's calendar feed that every digest carries,
which a calendar subscribes to. Through SMTP (the standard library's smtplib and email.message) the
e-mail is multipart text and HTML, with the meeting attached as an .ics invitation.

`configure(settings)` is called where the outbox is delivered (the web process, the worker, the CLI);
it also installs the domain's e-mail renderer (`mail.escalations.MailBodies`) with the public address
and the key that signs the e-mails' links. An error never names the recipient's address: it is logged
and stored with the outbox row (`last_error`), and addresses stay out of both.
"""

from __future__ import annotations

import base64
import logging
import smtplib
import ssl
import threading
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import make_msgid
from urllib.parse import parse_qs, unquote, urlsplit

from bot.settings import Settings
from escalations.ports import use_mail
from mail.escalations import MailBodies, one_line
from models.email_links import sign_link

log = logging.getLogger(__name__)

NOTIFY_BASE_URL = "https://api.notifications.service.gov.uk"
SMTP_TIMEOUT = 30


class EmailNotConfigured(RuntimeError):
    """Neither NOTIFY_API_KEY nor SMTP_URL is set: the message is retried (and fails for good later)."""


class EmailFailed(RuntimeError):
    """The transport refused the e-mail; the message says why without naming the address."""


@dataclass(frozen=True)
class SmtpTransport:
    """`smtp://user:password@host:587` (STARTTLS when the server offers it), `smtps://host:465`
    (TLS from the start); `?starttls=no` for a local relay that offers no TLS."""

    url: str
    sender: str
    name: str = "SMTP"

    def describe(self) -> str:
        parts = urlsplit(self.url)
        return f"SMTP via {parts.hostname}:{parts.port or (465 if parts.scheme == 'smtps' else 25)}"

    def send(self, payload: dict, *, reference: str) -> dict:
        parts = urlsplit(self.url)
        host, port = parts.hostname or "localhost", parts.port
        options = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        message = build_message(payload, sender=self.sender)
        try:
            if parts.scheme == "smtps":
                smtp = smtplib.SMTP_SSL(
                    host, port or 465, timeout=SMTP_TIMEOUT, context=ssl.create_default_context()
                )
            else:
                smtp = smtplib.SMTP(host, port or 25, timeout=SMTP_TIMEOUT)
            with smtp:
                smtp.ehlo()
                if parts.scheme != "smtps" and options.get("starttls", "auto") != "no":
                    if smtp.has_extn("starttls"):
                        smtp.starttls(context=ssl.create_default_context())
                        smtp.ehlo()
                    elif options.get("starttls") == "yes":
                        raise EmailFailed("the SMTP server does not offer STARTTLS (SMTP_URL asks for it)")
                if parts.username:
                    smtp.login(unquote(parts.username), unquote(parts.password or ""))
                refused = smtp.send_message(message)
        except smtplib.SMTPRecipientsRefused as exc:
            codes = sorted({code for code, _ in exc.recipients.values()})
            raise EmailFailed(f"the SMTP server refused the recipient (codes {codes})") from None
        except smtplib.SMTPResponseException as exc:
            raise EmailFailed(f"the SMTP server answered {exc.smtp_code}") from None
        except (smtplib.SMTPException, OSError) as exc:
            raise EmailFailed(f"SMTP: {type(exc).__name__}") from None
        if refused:
            raise EmailFailed("the SMTP server refused the recipient")
        return {"transport": "smtp", "message_id": message["Message-ID"]}


@dataclass(frozen=True)
class NotifyTransport:
    api_key: str
    template_id: str
    base_url: str = NOTIFY_BASE_URL
    reply_to_id: str | None = None

    def describe(self) -> str:
        return "GOV.UK Notify" + ("" if self.base_url == NOTIFY_BASE_URL else f" at {self.base_url}")

    def send(self, payload: dict, *, reference: str) -> dict:
        from notifications_python_client.errors import HTTPError
        from notifications_python_client.notifications import NotificationsAPIClient

        notify = NotificationsAPIClient(self.api_key, base_url=self.base_url, timeout=SMTP_TIMEOUT)
        personalisation = {"subject": one_line(payload.get("subject", "")), "body": payload.get("text", "")}
        personalisation.update(payload.get("personalisation") or {})
        try:
            answer = notify.send_email_notification(
                email_address=payload["to"],
                template_id=payload.get("template_id") or self.template_id,
                personalisation=personalisation,
                reference=reference,
                email_reply_to_id=self.reply_to_id,
            )
        except HTTPError as exc:
            messages = "; ".join(
                str(m.get("message", ""))[:200]
                for m in (exc.message if isinstance(exc.message, list) else [])
            )
            raise NotifyFailed(exc.status_code, messages.replace(payload["to"], "the recipient")) from None
        except Exception as exc:  # requests' connection errors and time-outs
            raise EmailFailed(f"GOV.UK Notify: {type(exc).__name__}") from None
        return {"transport": "notify", "id": answer.get("id")}


class NotifyFailed(EmailFailed):
    """Notify's error answer; a 429 carries `response` so the outbox holds e-mail for a while."""

    def __init__(self, status_code: int, messages: str) -> None:
        super().__init__(f"GOV.UK Notify answered {status_code}: {messages or 'no message'}")
        self.response = _Status(status_code)


@dataclass(frozen=True)
class _Status:
    status_code: int
    headers: dict | None = None


def build_message(payload: dict, *, sender: str) -> EmailMessage:
    """The e-mail as MIME: plain text, the HTML alternative, then any attachments (the .ics)."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = payload["to"]
    message["Subject"] = one_line(payload.get("subject", ""))
    message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2].strip(">") or None)
    message.set_content(payload.get("text", ""))
    if payload.get("html"):
        message.add_alternative(payload["html"], subtype="html")
    for attachment in payload.get("attachments") or []:
        maintype, _, subtype = attachment.get("mime_type", "application/octet-stream").partition("/")
        params = {"method": "PUBLISH"} if (maintype, subtype) == ("text", "calendar") else {}
        message.add_attachment(
            base64.b64decode(attachment["content_base64"]),
            maintype=maintype,
            subtype=subtype,
            filename=attachment.get("filename", "attachment"),
            params=params,
        )
    return message


_lock = threading.Lock()
_transport: list[SmtpTransport | NotifyTransport | None] = []


def transport_for(settings: Settings) -> SmtpTransport | NotifyTransport | None:
    if settings.notify_api_key is not None:
        return NotifyTransport(
            api_key=settings.notify_api_key.get_secret_value(),
            template_id=settings.notify_template_id or "",
            base_url=str(settings.notify_base_url).rstrip("/")
            if settings.notify_base_url
            else NOTIFY_BASE_URL,
            reply_to_id=settings.notify_reply_to_id,
        )
    if settings.smtp_url is not None:
        sender = settings.email_from or "linkedup@localhost"
        return SmtpTransport(url=settings.smtp_url.get_secret_value(), sender=sender)
    return None


def configure(settings: Settings) -> None:
    """Use these settings for e-mail in this process, and install the domain's e-mail renderer.

    Without a transport nothing is built for e-mail: such members are treated as unreachable (the
    sweep then reminds the officer), rather than queueing e-mails that could only fail."""
    transport = transport_for(settings)
    renderer = None
    if transport is not None:
        from bot.signing import signing_key

        secret = signing_key(settings)

        def sign(nonce: str, member_id: int) -> str:
            return sign_link(secret, nonce, member_id)

        renderer = MailBodies(base_url=settings.public_base_url, sign=sign)
    use_mail(renderer)
    with _lock:
        _transport[:] = [transport]


def capability(settings: Settings) -> str:
    """The start-up line, as for Slack and Mailchimp."""
    transport = transport_for(settings)
    if transport is None:
        return (
            "E-mail: DISABLED — set NOTIFY_API_KEY and NOTIFY_TEMPLATE_ID (GOV.UK Notify) or SMTP_URL and "
            "EMAIL_FROM to reach board members outside Slack"
        )
    if isinstance(transport, NotifyTransport) and not transport.template_id:
        return "E-mail: GOV.UK Notify, but NOTIFY_TEMPLATE_ID is not set — every e-mail will fail"
    line = f"E-mail: enabled ({transport.describe()})"
    if settings.secret_key is None or not settings.secret_key.get_secret_value():
        line += " — set SECRET_KEY: without it the links in e-mails work only in the process that sent them"
    return line


def send_email(payload: dict, *, reference: str = "") -> dict:
    """Send one outbox e-mail through the configured transport."""
    with _lock:
        transport = _transport[0] if _transport else None
    if transport is None:
        raise EmailNotConfigured("no e-mail transport: set NOTIFY_API_KEY or SMTP_URL")
    return transport.send(payload, reference=reference)
