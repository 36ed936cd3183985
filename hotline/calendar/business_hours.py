"""Opening hours of the hotline: weekdays, German public holidays and exceptions.

All instants handed in must be timezone-aware; the calendar evaluates them in its
own zone (Europe/Berlin by default) and answers with aware datetimes in that zone.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from types import MappingProxyType
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays
from holidays.countries.germany import Germany

Hours = tuple[time, time]

# A calendar that stays closed this long is misconfigured; a year plus a margin
# covers any real mix of holidays, closed days and yearly closures.
MAX_SEARCH_DAYS = 400

# Bounds the per-day cache of a long-running process; a year of days fits many times.
_DAY_CACHE_LIMIT = 4096

_GERMAN_STATES: tuple[str, ...] = tuple(Germany.subdivisions)


def _require_aware(at: datetime) -> None:
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError(f"{at.isoformat()} has no time zone; the calendar needs an aware datetime")


def _require_plain_date(d: date) -> None:
    # A datetime is a date to the type checker, but never equal to one as a dict
    # key, so it would silently miss every holiday and closed day.
    if isinstance(d, datetime):
        raise TypeError(f"expected a date, got the datetime {d.isoformat()}")


def _check_hours(what: str, hours: Hours) -> Hours:
    opens, closes = hours
    if opens.tzinfo is not None or closes.tzinfo is not None:
        raise ValueError(f"{what}: opening hours are local wall-clock times without a zone")
    if not opens < closes:
        raise ValueError(f"{what}: opens at {opens} but closes at {closes}")
    return opens, closes


def _state_code(state: str | None) -> str | None:
    if state is None or not state.strip():
        return None
    wanted = state.strip().casefold()
    for code in _GERMAN_STATES:
        if code.casefold() == wanted:
            return code
    for name, code in Germany.subdivisions_aliases.items():
        if name.casefold() == wanted:
            return str(code)
    raise ValueError(f"{state!r} is not a German state code (one of {', '.join(_GERMAN_STATES)})")


@dataclass(frozen=True)
class BusinessCalendar:
    """When the hotline is staffed.

    Precedence for a date: ``closed_days`` > ``changed_hours`` > public holiday
    (closed) > ``yearly_hours`` > the weekday rule. A yearly entry with hours only
    changes the hours of a working weekday; it never opens a weekend (a short
    24 December that falls on a Sunday stays closed). ``None`` in ``changed_hours``
    or ``yearly_hours`` closes the day. Hours that fall into the hour skipped by the
    spring DST switch move forward with the clock (02:10 becomes 03:10).
    """

    timezone: str = "Europe/Berlin"
    opens: time = time(9)
    closes: time = time(18)
    weekdays: frozenset[int] = frozenset(range(5))
    state: str | None = None
    closed_days: frozenset[date] = frozenset()
    changed_hours: Mapping[date, Hours | None] = field(default_factory=dict, hash=False)
    yearly_hours: Mapping[tuple[int, int], Hours | None] = field(default_factory=dict, hash=False)

    _zone: ZoneInfo = field(init=False, repr=False, compare=False, hash=False)
    _holidays_by_year: dict[int, dict[date, str]] = field(
        init=False, repr=False, compare=False, hash=False, default_factory=dict
    )
    _utc_hours_by_day: dict[date, tuple[datetime, datetime] | None] = field(
        init=False, repr=False, compare=False, hash=False, default_factory=dict
    )

    def __post_init__(self) -> None:
        try:
            zone = ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {self.timezone!r}") from None
        _check_hours("opening hours", (self.opens, self.closes))
        weekdays = frozenset(self.weekdays)
        if not weekdays <= frozenset(range(7)):
            raise ValueError(f"weekdays must be 0 (Monday) to 6 (Sunday), got {sorted(weekdays)}")
        changed = {
            d: None if h is None else _check_hours(f"changed hours on {d}", h)
            for d, h in self.changed_hours.items()
        }
        for d in (*changed, *self.closed_days):
            _require_plain_date(d)
        yearly: dict[tuple[int, int], Hours | None] = {}
        for (month, day), h in self.yearly_hours.items():
            try:
                date(2000, month, day)  # a leap year, so 29 February is accepted
            except ValueError:
                raise ValueError(
                    f"yearly hours: ({month}, {day}) is not a day of the year"
                ) from None
            yearly[(month, day)] = None if h is None else _check_hours(f"{day}.{month}.", h)
        # Copies, read-only: a caller changing its dict later must not bypass the
        # validation above or go stale in the per-day cache.
        object.__setattr__(self, "_zone", zone)
        object.__setattr__(self, "state", _state_code(self.state))
        object.__setattr__(self, "weekdays", weekdays)
        object.__setattr__(self, "closed_days", frozenset(self.closed_days))
        object.__setattr__(self, "changed_hours", MappingProxyType(changed))
        object.__setattr__(self, "yearly_hours", MappingProxyType(yearly))

    @property
    def zone(self) -> ZoneInfo:
        """The calendar's time zone."""
        return self._zone

    def is_holiday(self, d: date) -> bool:
        """Whether `d` is a public holiday, nationwide or in the calendar's state."""
        _require_plain_date(d)
        return d in self._holidays(d.year)

    def holiday_name(self, d: date) -> str | None:
        """The German name of the public holiday on `d`, for display; None on other days."""
        _require_plain_date(d)
        return self._holidays(d.year).get(d)

    def hours_on(self, d: date) -> tuple[datetime, datetime] | None:
        """Opening and closing instant on local date `d` in the calendar's zone, None if closed."""
        _require_plain_date(d)
        hours = self._utc_hours(d)
        if hours is None:
            return None
        return hours[0].astimezone(self._zone), hours[1].astimezone(self._zone)

    def is_open(self, at: datetime) -> bool:
        """Whether the hotline is staffed at the aware instant `at` (opens <= t < closes)."""
        _require_aware(at)
        hours = self._utc_hours(at.astimezone(self._zone).date())
        return hours is not None and hours[0] <= at < hours[1]

    def closing_time(self, at: datetime) -> datetime | None:
        """End of the opening period `at` lies in, None when closed at `at`."""
        _require_aware(at)
        hours = self._utc_hours(at.astimezone(self._zone).date())
        if hours is None or not hours[0] <= at < hours[1]:
            return None
        return hours[1].astimezone(self._zone)

    def next_opening(self, at: datetime) -> datetime:
        """`at` itself when open, else the next opening instant in the calendar's zone.

        Raises ValueError when the calendar stays closed for MAX_SEARCH_DAYS days.
        """
        _require_aware(at)
        day = at.astimezone(self._zone).date()
        for _ in range(MAX_SEARCH_DAYS + 1):
            hours = self._utc_hours(day)
            if hours is not None:
                if hours[0] <= at < hours[1]:
                    return at
                if at < hours[0]:
                    return hours[0].astimezone(self._zone)
            try:
                day += timedelta(days=1)
            except OverflowError:
                break
        raise ValueError(
            f"the business calendar has no opening within {MAX_SEARCH_DAYS} days of "
            f"{at.isoformat()}; check weekdays, closed days and yearly hours"
        )

    def _local_hours(self, d: date) -> Hours | None:
        if d in self.closed_days:
            return None
        if d in self.changed_hours:
            return self.changed_hours[d]
        if d in self._holidays(d.year):
            return None
        working_day = d.weekday() in self.weekdays
        month_day = (d.month, d.day)
        if month_day in self.yearly_hours:
            yearly = self.yearly_hours[month_day]
            return yearly if working_day else None
        return (self.opens, self.closes) if working_day else None

    def _utc_hours(self, d: date) -> tuple[datetime, datetime] | None:
        # is_open runs on every call; caching the resolved UTC bounds per day makes it a
        # dict lookup plus two comparisons. UTC also sidesteps Python comparing two
        # datetimes of the same zone by wall clock, which is wrong across a DST switch.
        try:
            return self._utc_hours_by_day[d]
        except KeyError:
            pass
        local = self._local_hours(d)
        utc: tuple[datetime, datetime] | None = None
        if local is not None:
            opens = datetime.combine(d, local[0], tzinfo=self._zone).astimezone(UTC)
            closes = datetime.combine(d, local[1], tzinfo=self._zone).astimezone(UTC)
            # Hours that lie wholly in the hour skipped by the spring switch are empty.
            if opens < closes:
                utc = (opens, closes)
        if len(self._utc_hours_by_day) >= _DAY_CACHE_LIMIT:
            self._utc_hours_by_day.clear()
        self._utc_hours_by_day[d] = utc
        return utc

    def _holidays(self, year: int) -> dict[date, str]:
        try:
            return self._holidays_by_year[year]
        except KeyError:
            pass
        # German names for display; lookups are by date, so the language is cosmetic.
        built = holidays.country_holidays("DE", subdiv=self.state, years=year, language="de")
        by_date = {day: str(name) for day, name in built.items()}
        self._holidays_by_year[year] = by_date
        return by_date
