"""The checks every section's values go through, and the error they raise.

Each check names the setting (section.key or the environment variable) and what is
wrong with its value, so a misconfigured hotline stops at start-up with a message that
says what to fix.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, time
from typing import Any
from urllib.parse import urlsplit

from hotline.directory.phones import normalize


class SettingsError(ValueError):
    """A setting is missing or has a value the hotline cannot use."""


def redact_url(url: str) -> str:
    """The URL with any password replaced, for logs and messages."""
    parts = urlsplit(url)
    if parts.password:
        return url.replace(f":{parts.password}@", ":***@", 1)
    return url


def as_phone(name: str, value: str | None) -> str | None:
    """A phone number as E.164; None when empty."""
    if not value:
        return None
    e164 = normalize(value)
    if e164 is None:
        raise SettingsError(f"{name}: {value!r} is not a valid phone number")
    return e164


def as_text(name: str, value: Any) -> str:
    """A non-empty text."""
    if not isinstance(value, str) or not value:
        raise SettingsError(f"{name}: expected a non-empty text, got {value!r}")
    return value


def as_choice(name: str, value: Any, choices: tuple[str, ...]) -> str:
    """One of `choices`."""
    if value not in choices:
        raise SettingsError(f"{name}: {value!r} is not one of {', '.join(choices)}")
    return str(value)


def as_int(name: str, value: Any, low: int, high: int) -> int:
    """A whole number within low..high."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise SettingsError(f"{name}: {value!r} is not a whole number") from None
    if not low <= number <= high:
        raise SettingsError(f"{name}: {number} is outside {low}..{high}")
    return number


def as_list(name: str, section: Mapping[str, Any]) -> list[str]:
    """The list under `name`'s key in `section`; a text is split at ";" (environment style)."""
    value = section.get(name.partition(".")[2], [])
    if isinstance(value, str):
        value = [part for part in value.split(";") if part.strip()]
    if not isinstance(value, list):
        raise SettingsError(f"{name}: expected a list, got {value!r}")
    return [str(v) for v in value]


def as_time(name: str, value: Any) -> time:
    """A time of day like 09:00."""
    try:
        return time.fromisoformat(str(value))
    except ValueError:
        raise SettingsError(f"{name}: {value!r} is not a time like 09:00") from None


def as_hours(name: str, value: Any) -> tuple[time, time] | None:
    """Opening hours like 09:00-14:00; None for "closed"."""
    if value == "closed":
        return None
    opens, sep, closes = str(value).partition("-")
    if not sep:
        raise SettingsError(f"{name}: {value!r} is neither 'closed' nor hours like 09:00-14:00")
    hours = (as_time(name, opens.strip()), as_time(name, closes.strip()))
    if hours[0] >= hours[1]:
        raise SettingsError(f"{name}: {value!r} closes before it opens")
    return hours


def as_date(name: str, value: Any) -> date:
    """A date (TOML's own or an ISO text)."""
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise SettingsError(f"{name}: {value!r} is not an ISO date like 2026-12-30") from None


def as_http_url(name: str, value: str, what: str = "an http(s) URL") -> str:
    """An http(s) URL with a host, without a trailing slash."""
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise SettingsError(f"{name}: {value!r} is not {what}")
    return value.rstrip("/")
