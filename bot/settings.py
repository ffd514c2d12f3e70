"""Settings from the environment (and an optional `.env`), validated once at start-up.

A malformed value must stop the process with a message naming the variable, so that an
operator never has to read a traceback to find a typo in a Heroku config var.
"""

from __future__ import annotations

import re
import secrets
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AnyHttpUrl, Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

SLACK_VARIABLES = ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET")
MAILCHIMP_VARIABLES = ("MAILCHIMP_API_KEY", "MAILCHIMP_SERVER_PREFIX", "MAILCHIMP_LIST_ID")
ENV_FILE = ".env"
DEMO_DATABASE_URL = "sqlite:///linkedup-demo.db"


class SettingsError(Exception):
    """A configuration value is missing or malformed; the message names the variable."""


class Settings(BaseSettings):
    """Every variable the bot reads. `.env.example` documents each one."""

    # An empty `NAME=` (as in a copied .env.example) means "not set", not "set to nothing".
    model_config = SettingsConfigDict(
        env_file=ENV_FILE, extra="ignore", env_file_encoding="utf-8", env_ignore_empty=True
    )

    database_url: str = "sqlite:///linkedup.db"
    slack_bot_token: SecretStr | None = None
    slack_signing_secret: SecretStr | None = None
    slack_app_token: SecretStr | None = None
    slack_api_url: AnyHttpUrl | None = None
    # Slack's workspace-wide allowance for posts a minute (DMs included), for pacing large sends.
    slack_posts_per_minute: int | None = Field(default=None, ge=1, le=100_000)
    mailchimp_api_key: SecretStr | None = None
    mailchimp_server_prefix: str | None = None
    mailchimp_list_id: str | None = None
    mailchimp_api_url: AnyHttpUrl | None = None
    mailchimp_webhook_secret: SecretStr | None = None
    # E-mail to board members outside Slack: GOV.UK Notify when NOTIFY_API_KEY is set, else SMTP.
    notify_api_key: SecretStr | None = None
    notify_template_id: str | None = None  # an e-mail template whose subject is ((subject)), body ((body))
    notify_reply_to_id: str | None = None
    notify_base_url: AnyHttpUrl | None = None  # a local fake in tests
    smtp_url: SecretStr | None = None  # smtp://user:password@host:587, smtps://host:465
    email_from: str | None = None
    network_file: Path | None = None
    timezone: str = "Europe/London"
    secret_key: SecretStr | None = None
    # Where people reach the web app (sign-in links in Slack point here); no trailing path needed.
    # Unset, it is this machine at PORT.
    public_url: AnyHttpUrl | None = None
    port: int = 3000
    # Whether `linkedup serve` runs the scheduler's jobs itself (one process on a laptop) or leaves
    # them to `linkedup worker` (production; gunicorn's web workers never run jobs).
    run_jobs: Literal["yes", "no"] = "yes"

    @field_validator("database_url")
    @classmethod
    def _database_url(cls, value: str) -> str:
        try:
            url = make_url(value)
        except ArgumentError as exc:
            raise ValueError(f"not a database URL ({exc})") from None
        if url.get_backend_name() not in {"sqlite", "postgresql"}:
            raise ValueError("only sqlite:// and postgresql:// databases are supported")
        if url.get_backend_name() == "postgresql" and url.drivername == "postgresql":
            # Heroku-style URLs name no driver; psycopg 3 is the one we ship.
            value = url.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
        return value

    @field_validator("port")
    @classmethod
    def _port(cls, value: int) -> int:
        if not 1 <= value <= 65535:
            raise ValueError(f"not a port number: {value}")
        return value

    @field_validator("slack_bot_token")
    @classmethod
    def _bot_token(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not value.get_secret_value().startswith("xoxb-"):
            raise ValueError("a bot token starts with xoxb-")
        return value

    @field_validator("slack_app_token")
    @classmethod
    def _app_token(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not value.get_secret_value().startswith("xapp-"):
            raise ValueError("an app-level token starts with xapp-")
        return value

    @field_validator("mailchimp_api_key")
    @classmethod
    def _mailchimp_key(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and "-" not in value.get_secret_value():
            raise ValueError("a Mailchimp API key ends with -<server prefix>, e.g. -us21")
        return value

    @field_validator("notify_api_key")
    @classmethod
    def _notify_key(cls, value: SecretStr | None) -> SecretStr | None:
        # {key name}-{service id}-{secret}: the client reads the last 73 characters as two UUIDs.
        uuid = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
        if value is not None and not re.fullmatch(rf".+-{uuid}-{uuid}", value.get_secret_value()):
            raise ValueError("a GOV.UK Notify API key is <key name>-<service id>-<secret> (two UUIDs)")
        return value

    @field_validator("smtp_url")
    @classmethod
    def _smtp_url(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not re.match(r"^smtps?://[^/?#\s]+", value.get_secret_value()):
            raise ValueError("an SMTP URL is smtp://[user:password@]host[:port] or smtps://…")
        return value

    @field_validator("email_from")
    @classmethod
    def _email_from(cls, value: str | None) -> str | None:
        if value is not None and "@" not in value:
            raise ValueError("the sender's address, e.g. linkedup@your-council.gov.uk or Linked-up <…>")
        return value

    @field_validator("timezone")
    @classmethod
    def _timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r}") from None
        return value

    @property
    def slack_enabled(self) -> bool:
        return self.slack_bot_token is not None and self.slack_signing_secret is not None

    @property
    def mailchimp_enabled(self) -> bool:
        return not self.missing_mailchimp()

    def missing_mailchimp(self) -> list[str]:
        """The Mailchimp variables that are not set, by their environment names."""
        return [name for name in MAILCHIMP_VARIABLES if getattr(self, name.lower()) in (None, "")]

    @property
    def slack_base_url(self) -> str:
        """Where every Slack Web API call goes; a local fake in tests."""
        if self.slack_api_url is None:
            return "https://slack.com/api/"
        url = str(self.slack_api_url)
        return url if url.endswith("/") else url + "/"

    @property
    def public_base_url(self) -> str:
        """PUBLIC_URL without a trailing slash, ready to have a path appended; unset, this machine at PORT."""
        if self.public_url is None:
            return f"http://127.0.0.1:{self.port}"
        return str(self.public_url).rstrip("/")

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


def load_settings(**overrides: object) -> Settings:
    """Read the settings, turning pydantic's report into one line per bad variable."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        lines = []
        for error in exc.errors():
            name = str(error["loc"][0]).upper() if error["loc"] else "settings"
            lines.append(f"{name}: {error['msg']}")
        raise SettingsError("invalid configuration:\n  " + "\n  ".join(lines)) from None


def load_demo_settings(env_file: Path = Path(ENV_FILE), **overrides: object) -> tuple[Settings, list[str]]:
    """The demo's settings, and the names it wrote to `.env`.

    DATABASE_URL and SECRET_KEY are used as configured (environment or `.env`). Unset, the demo takes
    ./linkedup-demo.db and a fresh random key and writes both to `.env`, so that every later `linkedup`
    command in this directory opens the demo database and a `linkedup sign-in` link is accepted by the
    running server (and by the next one, after a restart).
    """
    settings = load_settings(**overrides)
    missing = {}
    if "database_url" not in settings.model_fields_set:
        missing["DATABASE_URL"] = DEMO_DATABASE_URL
    if settings.secret_key is None or not settings.secret_key.get_secret_value():
        missing["SECRET_KEY"] = secrets.token_urlsafe(48)
    if not missing:
        return settings, []
    write_env(env_file, missing)
    return load_settings(**overrides), list(missing)


def write_env(env_file: Path, values: dict[str, str]) -> None:
    """Set these names in a `.env` file: an empty `NAME=` line is filled in, anything else appended."""
    lines = env_file.read_text(encoding="utf-8").splitlines() if env_file.exists() else []
    pending = dict(values)
    for index, line in enumerate(lines):
        match = re.fullmatch(r"\s*([A-Z_][A-Z0-9_]*)\s*=\s*", line)
        if match and match.group(1) in pending:
            name = match.group(1)
            lines[index] = f"{name}={pending.pop(name)}"
    lines.extend(f"{name}={value}" for name, value in pending.items())
    env_file.write_text("\n".join(lines) + "\n", encoding="utf-8")
