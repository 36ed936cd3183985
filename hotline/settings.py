"""Settings: defaults from config/defaults.toml, a TOML file, then the environment.

Every bad value fails at start-up with the name of the variable and what is
wrong with it, so a misconfigured hotline never answers a single call wrongly.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from hotline.categories import BY_DIGIT
from hotline.directory.phones import normalize
from hotline.instance import instance_path

ENVIRONMENTS = ("production", "development", "test")


class SettingsError(ValueError):
    """A setting is missing or has a value the hotline cannot use."""


@dataclass(frozen=True)
class CalendarSettings:
    timezone: str = "Europe/Berlin"
    opens: time = time(9)
    closes: time = time(18)
    state: str | None = None
    closed_days: frozenset[date] = frozenset()
    changed_hours: Mapping[date, tuple[time, time] | None] = field(default_factory=dict)
    yearly_hours: Mapping[tuple[int, int], tuple[time, time] | None] = field(default_factory=dict)


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


@dataclass(frozen=True)
class QueueSettings:
    """The live queue and its reports (sections [queue] and [reports])."""

    max_call_minutes: int = 60
    hold_sound_url: str | None = None
    callback_after_hangup_seconds: int = 60
    service_level_seconds: int = 20


@dataclass(frozen=True)
class IvrSettings:
    """The call flow's own options (section [ivr])."""

    # In the greeting, `language_switch_key` switches the call to the other language.
    language_switch: bool = True
    language_switch_key: str = "9"
    # The other language's voice: Twilio's language code and voice name.
    other_voice_language: str = "en-GB"
    other_voice: str = "Polly.Amy-Neural"


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

    h, v, c, cb, p, s, r = (
        raw["hotline"],
        raw["voice"],
        raw["calendar"],
        raw["callbacks"],
        raw["pins"],
        raw["smtp"],
        raw["retention"],
    )
    env = env_vars.get("HOTLINE_ENV") or h["env"]
    if env not in ENVIRONMENTS:
        raise SettingsError(f"HOTLINE_ENV: {env!r} is not one of {', '.join(ENVIRONMENTS)}")

    instance = instance_path(env_vars)
    settings = Settings(
        env=env,
        instance_path=str(instance),
        database_url=_database_url(
            env_vars.get("HOTLINE_DATABASE_URL") or h["database_url"], instance
        ),
        secret_key=env_vars.get("HOTLINE_SECRET_KEY") or None,
        public_url=_public_url(env_vars.get("HOTLINE_PUBLIC_URL") or h["public_url"]),
        twilio_account_sid=env_vars.get("TWILIO_ACCOUNT_SID") or None,
        twilio_auth_token=env_vars.get("TWILIO_AUTH_TOKEN") or None,
        twilio_api_base_url=_base_url(env_vars.get("TWILIO_API_BASE_URL")),
        hotline_number=_phone(
            "HOTLINE_NUMBER", env_vars.get("HOTLINE_NUMBER") or h["hotline_number"]
        ),
        now=_now(env_vars.get("HOTLINE_NOW")) if env != "production" else None,
        support_email=_str(
            "HOTLINE_MAIL_ADDRESS", env_vars.get("HOTLINE_MAIL_ADDRESS") or h["support_email"]
        ),
        prompts=_choice("hotline.prompts", h["prompts"], ("de", "en")),
        spool_dir=_spool_dir(h.get("spool_dir", ""), instance),
        voice_language=_str("voice.language", v["language"]),
        voice=_str("voice.voice", v["voice"]),
        ring_timeout_seconds=_int("voice.ring_timeout_seconds", v["ring_timeout_seconds"], 5, 600),
        fallback_numbers=tuple(
            _phone("voice.fallback_numbers", n) or "" for n in _list("voice.fallback_numbers", v)
        ),
        recording_max_seconds=_int(
            "voice.recording_max_seconds", v["recording_max_seconds"], 5, 600
        ),
        calendar=_calendar(c),
        callback_retry_minutes=_int("callbacks.retry_minutes", cb["retry_minutes"], 1, 24 * 60),
        callback_max_attempts=_int("callbacks.max_attempts", cb["max_attempts"], 1, 20),
        callback_release_interval_seconds=_int(
            "callbacks.release_interval_seconds", cb["release_interval_seconds"], 1, 3600
        ),
        callback_claim_timeout_minutes=_int(
            "callbacks.claim_timeout_minutes", cb["claim_timeout_minutes"], 1, 24 * 60
        ),
        pin_wrong_per_call=_int("pins.wrong_per_call", p["wrong_per_call"], 1, 20),
        pin_wrong_per_contract_per_hour=_int(
            "pins.wrong_per_contract_per_hour", p["wrong_per_contract_per_hour"], 1, 1000
        ),
        pin_lock_minutes=_int("pins.lock_minutes", p["lock_minutes"], 1, 24 * 60),
        smtp_host=_str("smtp.host", env_vars.get("HOTLINE_SMTP_HOST") or s["host"]),
        smtp_port=_int("smtp.port", env_vars.get("HOTLINE_SMTP_PORT") or s["port"], 1, 65535),
        smtp_sender=_str("smtp.sender", s["sender"]),
        smtp_starttls=bool(s["starttls"]),
        smtp_username=env_vars.get("HOTLINE_SMTP_USERNAME") or None,
        smtp_password=env_vars.get("HOTLINE_SMTP_PASSWORD") or None,
        retention_recordings_days=_int("retention.recordings_days", r["recordings_days"], 1, 3650),
        retention_call_details_days=_int(
            "retention.call_details_days", r["call_details_days"], 1, 3650
        ),
        **_remote(raw.get("remote", {}), env_vars),
        mail=_mail(raw.get("mail", {}), env_vars, env),
        queue=_queue(raw.get("queue", {}), raw.get("reports", {})),
        ivr=_ivr(raw.get("ivr", {})),
    )
    if env == "production":
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
            names = " and ".join(
                [", ".join(missing[:-1]), missing[-1]] if missing[:-1] else missing
            )
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
    return settings


def _mail(m: Mapping[str, Any], env_vars: Mapping[str, str], env: str) -> MailSettings:
    plain = env_vars.get("HOTLINE_IMAP_TLS", "").lower() in ("0", "no", "false", "off")
    if plain and env == "production":
        raise SettingsError("HOTLINE_IMAP_TLS: plain IMAP without TLS is refused in production")
    return MailSettings(
        imap_host=env_vars.get("HOTLINE_IMAP_HOST") or None,
        imap_port=_int(
            "HOTLINE_IMAP_PORT",
            env_vars.get("HOTLINE_IMAP_PORT") or (143 if plain else 993),
            1,
            65535,
        ),
        imap_username=env_vars.get("HOTLINE_IMAP_USERNAME") or None,
        imap_password=env_vars.get("HOTLINE_IMAP_PASSWORD") or None,
        imap_folder=env_vars.get("HOTLINE_IMAP_FOLDER") or "INBOX",
        imap_plain=plain,
        auto_replies_per_hour=_int(
            "mail.auto_replies_per_hour", m.get("auto_replies_per_hour", 5), 0, 1000
        ),
        max_message_bytes=_int(
            "mail.max_message_bytes", m.get("max_message_bytes", 10 * 1024 * 1024), 1024, 2**31 - 1
        ),
        send_retry_minutes=_int("mail.send_retry_minutes", m.get("send_retry_minutes", 5), 1, 1440),
    )


def _queue(q: Mapping[str, Any], rep: Mapping[str, Any]) -> QueueSettings:
    sound = str(q.get("hold_sound_url") or "").strip()
    if sound and urlsplit(sound).scheme not in ("http", "https"):
        raise SettingsError(f"queue.hold_sound_url: {sound!r} is not an http(s) URL")
    return QueueSettings(
        max_call_minutes=_int("queue.max_call_minutes", q.get("max_call_minutes", 60), 1, 24 * 60),
        hold_sound_url=sound or None,
        callback_after_hangup_seconds=_int(
            "queue.callback_after_hangup_seconds",
            q.get("callback_after_hangup_seconds", 60),
            0,
            3600,
        ),
        service_level_seconds=_int(
            "reports.service_level_seconds", rep.get("service_level_seconds", 20), 1, 3600
        ),
    )


def _ivr(section: Mapping[str, Any]) -> IvrSettings:
    switch = section.get("language_switch", True)
    if not isinstance(switch, bool):
        raise SettingsError(f"ivr.language_switch: expected true or false, got {switch!r}")
    key = str(section.get("language_switch_key", "9"))
    if len(key) != 1 or not key.isdigit():
        raise SettingsError(f"ivr.language_switch_key: {key!r} is not one key from 0 to 9")
    if switch and key in BY_DIGIT:
        raise SettingsError(
            f"ivr.language_switch_key: {key!r} is a key of the menu; choose one it does not use"
        )
    return IvrSettings(
        language_switch=switch,
        language_switch_key=key,
        other_voice_language=_str(
            "ivr.other_voice_language", section.get("other_voice_language", "en-GB")
        ),
        other_voice=_str("ivr.other_voice", section.get("other_voice", "Polly.Amy-Neural")),
    )


def redact_url(url: str) -> str:
    """The URL with any password replaced, for logs and messages."""
    parts = urlsplit(url)
    if parts.password:
        return url.replace(f":{parts.password}@", ":***@", 1)
    return url


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


def _database_url(value: str, instance: Path) -> str:
    if not value:
        try:
            instance.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise SettingsError(
                f"HOTLINE_INSTANCE_PATH: cannot create {instance}: {exc.strerror}"
            ) from None
        return f"sqlite:///{instance / 'hotline.sqlite3'}"
    # SQLAlchemy 2.1 maps plain postgresql:// to psycopg 3 while 2.0 picked
    # psycopg2; naming the driver keeps both the same.
    for prefix in ("postgresql://", "postgres://"):
        if value.startswith(prefix):
            return "postgresql+psycopg://" + value[len(prefix) :]
    if not value.startswith(("sqlite:", "postgresql+psycopg:")):
        raise SettingsError(
            "HOTLINE_DATABASE_URL: use sqlite:///PATH or postgresql+psycopg://USER@HOST/DB, "
            f"not {redact_url(value)!r}"
        )
    return value


def _spool_dir(value: Any, instance: Path) -> str:
    """An absolute directory; empty: the instance folder's spool/.

    Not created here: callback.spool creates it when it first writes.
    """
    if not isinstance(value, str):
        raise SettingsError(f"hotline.spool_dir: expected a directory path, got {value!r}")
    if not value:
        return str(instance / "spool")
    return str(Path(value).expanduser().absolute())


def _public_url(value: str) -> str | None:
    if not value:
        return None
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise SettingsError(f"HOTLINE_PUBLIC_URL: {value!r} is not an http(s) base URL")
    return value.rstrip("/")


def _base_url(value: str | None) -> str | None:
    if not value:
        return None
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise SettingsError(f"TWILIO_API_BASE_URL: {value!r} is not an http(s) URL")
    return value.rstrip("/")


def _remote(section: Mapping[str, Any], env_vars: Mapping[str, str]) -> dict[str, Any]:
    """The remote maintenance settings (section [remote] and TEAMVIEWER_API_*)."""
    base = env_vars.get("TEAMVIEWER_API_BASE_URL") or section.get("api_base_url", "")
    parts = urlsplit(base)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise SettingsError(
            f"TEAMVIEWER_API_BASE_URL (or remote.api_base_url): {base!r} is not an http(s) URL"
        )
    return {
        "teamviewer_api_token": env_vars.get("TEAMVIEWER_API_TOKEN") or None,
        "teamviewer_api_base_url": base.rstrip("/"),
        "teamviewer_groupname": _str("remote.groupname", section.get("groupname")),
        "teamviewer_timeout_seconds": _int(
            "remote.timeout_seconds", section.get("timeout_seconds"), 1, 120
        ),
        "sms_sender": _sms_sender(section.get("sms_sender", "")),
    }


def _sms_sender(value: Any) -> str | None:
    """A phone number (as E.164) or an alphanumeric sender ID of at most 11 characters."""
    if not isinstance(value, str):
        raise SettingsError(f"remote.sms_sender: expected a text, got {value!r}")
    text = value.strip()
    if not text:
        return None
    if text.startswith("+") or text[0].isdigit():
        return _phone("remote.sms_sender", text)
    if len(text) > 11 or not all(c.isascii() and (c.isalnum() or c in " -.") for c in text):
        raise SettingsError(
            f"remote.sms_sender: {text!r} is neither a phone number nor an alphanumeric "
            "sender of at most 11 letters, digits, spaces, '-' or '.'"
        )
    return text


def _now(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        at = datetime.fromisoformat(value)
    except ValueError:
        raise SettingsError(
            f"HOTLINE_NOW: {value!r} is not an ISO 8601 date-time (e.g. 2026-11-30T10:15:00+01:00)"
        ) from None
    if at.tzinfo is None:
        raise SettingsError(f"HOTLINE_NOW: {value!r} needs a UTC offset, e.g. {value}+01:00")
    return at


def _phone(name: str, value: str | None) -> str | None:
    if not value:
        return None
    e164 = normalize(value)
    if e164 is None:
        raise SettingsError(f"{name}: {value!r} is not a valid phone number")
    return e164


def _str(name: str, value: Any) -> str:
    if not isinstance(value, str) or not value:
        raise SettingsError(f"{name}: expected a non-empty text, got {value!r}")
    return value


def _choice(name: str, value: Any, choices: tuple[str, ...]) -> str:
    if value not in choices:
        raise SettingsError(f"{name}: {value!r} is not one of {', '.join(choices)}")
    return str(value)


def _int(name: str, value: Any, low: int, high: int) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise SettingsError(f"{name}: {value!r} is not a whole number") from None
    if not low <= number <= high:
        raise SettingsError(f"{name}: {number} is outside {low}..{high}")
    return number


def _list(name: str, section: Mapping[str, Any]) -> list[str]:
    value = section.get(name.partition(".")[2], [])
    if isinstance(value, str):
        value = [part for part in value.split(";") if part.strip()]
    if not isinstance(value, list):
        raise SettingsError(f"{name}: expected a list, got {value!r}")
    return [str(v) for v in value]


def _time(name: str, value: Any) -> time:
    try:
        return time.fromisoformat(str(value))
    except ValueError:
        raise SettingsError(f"{name}: {value!r} is not a time like 09:00") from None


def _hours(name: str, value: Any) -> tuple[time, time] | None:
    if value == "closed":
        return None
    opens, sep, closes = str(value).partition("-")
    if not sep:
        raise SettingsError(f"{name}: {value!r} is neither 'closed' nor hours like 09:00-14:00")
    hours = (_time(name, opens.strip()), _time(name, closes.strip()))
    if hours[0] >= hours[1]:
        raise SettingsError(f"{name}: {value!r} closes before it opens")
    return hours


def _date(name: str, value: Any) -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise SettingsError(f"{name}: {value!r} is not an ISO date like 2026-12-30") from None


def _calendar(c: Mapping[str, Any]) -> CalendarSettings:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(c["timezone"])
    except (ZoneInfoNotFoundError, ValueError):
        raise SettingsError(f"calendar.timezone: unknown time zone {c['timezone']!r}") from None
    opens = _time("calendar.opens", c["opens"])
    closes = _time("calendar.closes", c["closes"])
    if opens >= closes:
        raise SettingsError("calendar.opens must be before calendar.closes")
    state = (c.get("state") or "").strip().upper() or None
    if state is not None:
        import holidays

        if state not in holidays.country_holidays("DE").subdivisions:
            raise SettingsError(f"calendar.state: {state!r} is not a German Bundesland code")
    yearly: dict[tuple[int, int], tuple[time, time] | None] = {}
    for key, value in dict(c.get("yearly_hours", {})).items():
        month, _, day = str(key).partition("-")
        try:
            month_day = (int(month), int(day))
            date(2024, *month_day)
        except ValueError:
            raise SettingsError(f"calendar.yearly_hours: {key!r} is not a day like 12-24") from None
        yearly[month_day] = _hours(f"calendar.yearly_hours.{key}", value)
    return CalendarSettings(
        timezone=c["timezone"],
        opens=opens,
        closes=closes,
        state=state,
        closed_days=frozenset(_date("calendar.closed_days", d) for d in c.get("closed_days", [])),
        changed_hours={
            _date("calendar.changed_hours", k): _hours(f"calendar.changed_hours.{k}", v)
            for k, v in dict(c.get("changed_hours", {})).items()
        },
        yearly_hours=yearly,
    )
