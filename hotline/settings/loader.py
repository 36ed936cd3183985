"""The settings as one object, and load_settings, which reads and checks them all.

Defaults come from config/defaults.toml, then a TOML file named by HOTLINE_CONFIG, then
the environment; each section's module (service, ivr, calendar, callbacks, mail,
remote, queue) checks its own keys.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from importlib import resources
from pathlib import Path
from typing import Any

from hotline.settings.calendar import CalendarSettings, calendar_settings
from hotline.settings.callbacks import callback_fields
from hotline.settings.ivr import IvrSettings, ivr_fields, ivr_settings
from hotline.settings.mail import MailSettings, mail_settings, smtp_fields
from hotline.settings.queue import QueueSettings, queue_settings
from hotline.settings.remote import remote_fields
from hotline.settings.service import environment, service_fields
from hotline.settings.values import SettingsError, redact_url


@dataclass(frozen=True)
class Settings:
    env: str
    # The folder of the default SQLite database and the spool (hotline/instance.py).
    instance_path: str
    database_url: str
    secret_key: str | None
    public_url: str | None
    twilio_account_sid: str | None
    twilio_auth_token: str | None
    twilio_api_base_url: str | None
    hotline_number: str | None
    now: datetime | None
    support_email: str
    prompts: str
    # Fallback calls are written here while the database is unreachable (callback.spool).
    spool_dir: str
    voice_language: str
    voice: str
    ring_timeout_seconds: int
    fallback_numbers: tuple[str, ...]
    recording_max_seconds: int
    calendar: CalendarSettings
    callback_retry_minutes: int
    callback_max_attempts: int
    callback_release_interval_seconds: int
    callback_claim_timeout_minutes: int
    pin_wrong_per_call: int
    pin_wrong_per_contract_per_hour: int
    pin_lock_minutes: int
    smtp_host: str
    smtp_port: int
    smtp_sender: str
    smtp_starttls: bool
    smtp_username: str | None
    smtp_password: str | None
    retention_recordings_days: int
    retention_call_details_days: int
    # Remote maintenance (TeamViewer Web API, the SMS to the cashier); no token: by hand.
    teamviewer_api_token: str | None = None
    teamviewer_api_base_url: str = "https://webapi.teamviewer.com"
    teamviewer_groupname: str = "Kassen-Hotline"
    teamviewer_timeout_seconds: int = 10
    sms_sender: str | None = None
    mail: MailSettings = field(default_factory=MailSettings)
    queue: QueueSettings = field(default_factory=lambda: QueueSettings())
    ivr: IvrSettings = field(default_factory=IvrSettings)

    @property
    def signature_validation_skipped(self) -> bool:
        """Webhook signatures are unchecked only outside production without a token."""
        return self.env != "production" and not self.twilio_auth_token

    def __repr__(self) -> str:  # secrets never reach a log through repr()
        return f"Settings(env={self.env!r}, database_url={redact_url(self.database_url)!r})"


def load_settings(
    environ: Mapping[str, str] | None = None, overrides: Mapping[str, Any] | None = None
) -> Settings:
    """Build the settings from the defaults, HOTLINE_CONFIG, the environment and overrides.

    `overrides` maps "section.key" (e.g. "voice.ring_timeout_seconds") or an
    environment variable name to a value; tests use it instead of os.environ.
    """
    env_vars = dict(os.environ if environ is None else environ)
    overrides = dict(overrides or {})
    for key in list(overrides):
        if key.isupper():
            env_vars[key] = overrides.pop(key)
    raw = _defaults()
    config_file = env_vars.get("HOTLINE_CONFIG")
    if config_file:
        _merge(raw, _read_toml(Path(config_file), "HOTLINE_CONFIG"))
    for dotted, value in overrides.items():
        section, _, key = dotted.partition(".")
        raw.setdefault(section, {})[key] = value

    env = environment(raw["hotline"], env_vars)
    settings = Settings(
        env=env,
        **service_fields(raw["hotline"], env_vars, env),
        **ivr_fields(raw["voice"], raw["pins"]),
        calendar=calendar_settings(raw["calendar"]),
        **callback_fields(raw["callbacks"], raw["retention"]),
        **smtp_fields(raw["smtp"], env_vars),
        **remote_fields(raw.get("remote", {}), env_vars),
        mail=mail_settings(raw.get("mail", {}), env_vars, env),
        queue=queue_settings(raw.get("queue", {}), raw.get("reports", {})),
        ivr=ivr_settings(raw.get("ivr", {})),
    )
    if env == "production":
        _require_production_secrets(settings)
    return settings


def _require_production_secrets(settings: Settings) -> None:
    missing = [
        name
        for name, value in (
            ("TWILIO_AUTH_TOKEN", settings.twilio_auth_token),
            ("HOTLINE_SECRET_KEY", settings.secret_key),
            # Without it the request's Host header, which the client chooses, would
            # decide the URL whose signature is checked.
            ("HOTLINE_PUBLIC_URL", settings.public_url),
        )
        if not value
    ]
    if missing:
        names = " and ".join([", ".join(missing[:-1]), missing[-1]] if missing[:-1] else missing)
        why = (
            "; HOTLINE_PUBLIC_URL is the https base URL Twilio calls, which webhook "
            "signatures are checked against"
            if "HOTLINE_PUBLIC_URL" in missing
            else ""
        )
        raise SettingsError(
            f"{names} must be set in production "
            f"(or set HOTLINE_ENV=development for a local trial){why}"
        )


def _defaults() -> dict[str, Any]:
    text = resources.files("config").joinpath("defaults.toml").read_text(encoding="utf-8")
    return tomllib.loads(text)


def _read_toml(path: Path, name: str) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise SettingsError(f"{name}: cannot read {path}: {exc.strerror}") from None
    except tomllib.TOMLDecodeError as exc:
        raise SettingsError(f"{name}: {path} is not valid TOML: {exc}") from None


def _merge(base: dict[str, Any], extra: Mapping[str, Any]) -> None:
    for key, value in extra.items():
        if isinstance(value, Mapping) and isinstance(base.get(key), dict):
            _merge(base[key], value)
        else:
            base[key] = value
