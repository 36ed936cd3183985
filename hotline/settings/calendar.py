"""Section [calendar]: the time zone, opening hours, holidays and the days that differ."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, time
from typing import Any

from hotline.settings.values import SettingsError, as_date, as_hours, as_time


@dataclass(frozen=True)
class CalendarSettings:
    timezone: str = "Europe/Berlin"
    opens: time = time(9)
    closes: time = time(18)
    state: str | None = None
    closed_days: frozenset[date] = frozenset()
    changed_hours: Mapping[date, tuple[time, time] | None] = field(default_factory=dict)
    yearly_hours: Mapping[tuple[int, int], tuple[time, time] | None] = field(default_factory=dict)


def calendar_settings(c: Mapping[str, Any]) -> CalendarSettings:
    """The [calendar] section, checked."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(c["timezone"])
    except (ZoneInfoNotFoundError, ValueError):
        raise SettingsError(f"calendar.timezone: unknown time zone {c['timezone']!r}") from None
    opens = as_time("calendar.opens", c["opens"])
    closes = as_time("calendar.closes", c["closes"])
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
        yearly[month_day] = as_hours(f"calendar.yearly_hours.{key}", value)
    return CalendarSettings(
        timezone=c["timezone"],
        opens=opens,
        closes=closes,
        state=state,
        closed_days=frozenset(as_date("calendar.closed_days", d) for d in c.get("closed_days", [])),
        changed_hours={
            as_date("calendar.changed_hours", k): as_hours(f"calendar.changed_hours.{k}", v)
            for k, v in dict(c.get("changed_hours", {})).items()
        },
        yearly_hours=yearly,
    )
