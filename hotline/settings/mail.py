"""Sections [smtp] and [mail]: sending mail, and the e-mail channel (IMAP, limits)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, TypedDict

from hotline.settings.values import SettingsError, as_int, as_text


@dataclass(frozen=True)
class MailSettings:
    """The e-mail channel: IMAP polling (optional), limits of automatic answers and size."""

    imap_host: str | None = None
    imap_port: int = 993
    imap_username: str | None = None
    imap_password: str | None = None
    imap_folder: str = "INBOX"
    # Plain IMAP without TLS: only outside production (tests' local dovecot).
    imap_plain: bool = False
    auto_replies_per_hour: int = 5
    max_message_bytes: int = 10 * 1024 * 1024
    send_retry_minutes: int = 5

    @property
    def imap_configured(self) -> bool:
        return bool(self.imap_host and self.imap_username and self.imap_password)

    def __repr__(self) -> str:  # the IMAP password never reaches a log
        return f"MailSettings(imap_host={self.imap_host!r}, imap_folder={self.imap_folder!r})"


class SmtpFields(TypedDict):
    """The fields of Settings that [smtp] and HOTLINE_SMTP_* fill."""

    smtp_host: str
    smtp_port: int
    smtp_sender: str
    smtp_starttls: bool
    smtp_username: str | None
    smtp_password: str | None


def smtp_fields(s: Mapping[str, Any], env_vars: Mapping[str, str]) -> SmtpFields:
    """The [smtp] section and HOTLINE_SMTP_*, checked."""
    return SmtpFields(
        smtp_host=as_text("smtp.host", env_vars.get("HOTLINE_SMTP_HOST") or s["host"]),
        smtp_port=as_int("smtp.port", env_vars.get("HOTLINE_SMTP_PORT") or s["port"], 1, 65535),
        smtp_sender=as_text("smtp.sender", s["sender"]),
        smtp_starttls=bool(s["starttls"]),
        smtp_username=env_vars.get("HOTLINE_SMTP_USERNAME") or None,
        smtp_password=env_vars.get("HOTLINE_SMTP_PASSWORD") or None,
    )


def mail_settings(m: Mapping[str, Any], env_vars: Mapping[str, str], env: str) -> MailSettings:
    """The [mail] section and HOTLINE_IMAP_*, checked."""
    plain = env_vars.get("HOTLINE_IMAP_TLS", "").lower() in ("0", "no", "false", "off")
    if plain and env == "production":
        raise SettingsError("HOTLINE_IMAP_TLS: plain IMAP without TLS is refused in production")
    return MailSettings(
        imap_host=env_vars.get("HOTLINE_IMAP_HOST") or None,
        imap_port=as_int(
            "HOTLINE_IMAP_PORT",
            env_vars.get("HOTLINE_IMAP_PORT") or (143 if plain else 993),
            1,
            65535,
        ),
        imap_username=env_vars.get("HOTLINE_IMAP_USERNAME") or None,
        imap_password=env_vars.get("HOTLINE_IMAP_PASSWORD") or None,
        imap_folder=env_vars.get("HOTLINE_IMAP_FOLDER") or "INBOX",
        imap_plain=plain,
        auto_replies_per_hour=as_int(
            "mail.auto_replies_per_hour", m.get("auto_replies_per_hour", 5), 0, 1000
        ),
        max_message_bytes=as_int(
            "mail.max_message_bytes", m.get("max_message_bytes", 10 * 1024 * 1024), 1024, 2**31 - 1
        ),
        send_retry_minutes=as_int(
            "mail.send_retry_minutes", m.get("send_retry_minutes", 5), 1, 1440
        ),
    )
