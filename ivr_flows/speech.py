"""Times, dates and digits as a caller hears them: "am Montag, den 30. November, ab 9 Uhr"."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from ivr_flows.prompts import Prompts


def spoken_digits(digits: str | list[str]) -> str:
    """Digits one by one ("1 0 0 0 4 2"), so text-to-speech never reads them as one number."""
    return " ".join(d for d in digits if d.isdigit())


def spoken_time(prompts: Prompts, at: datetime) -> str:
    """A wall-clock time: "9 Uhr", "14 Uhr 30"."""
    # hour12/ampm for languages that say "9 am", "6 pm".
    clock = {"hour": at.hour, "hour12": at.hour % 12 or 12, "ampm": "am" if at.hour < 12 else "pm"}
    if at.minute == 0:
        return prompts.text("time_full_hour", **clock)
    return prompts.text("time_minutes", minute=at.minute, **clock)


def spoken_when(prompts: Prompts, at: datetime, now: datetime, zone: ZoneInfo) -> str:
    """When, relative to `now`: "heute ab 14 Uhr", "am Montag, den 30. November, ab 9 Uhr"."""
    local = at.astimezone(zone)
    today = now.astimezone(zone).date()
    values = {
        "weekday": prompts.words("weekdays")[local.weekday()],
        "day": local.day,
        "month": prompts.words("months")[local.month - 1],
        "time": spoken_time(prompts, local),
    }
    if local.date() == today:
        return prompts.text("when_today", **values)
    if local.date() == today + timedelta(days=1):
        return prompts.text("when_tomorrow", **values)
    return prompts.text("when_date", **values)


def spoken_list(prompts: Prompts, names: list[str]) -> str:
    """Names joined with "oder": "Frau Maier oder Herr Schulz"."""
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + f" {prompts.text('and')} " + names[-1]
