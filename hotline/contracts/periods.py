"""Month periods as the BGB counts them (§§ 187 Abs. 2, 188 Abs. 2 und 3)."""

from __future__ import annotations

import calendar
from datetime import date, timedelta

__all__ = ["period_end"]


def period_end(start: date, months: int) -> date:
    """Return the last day (inclusive) of a period of `months` months beginning on `start`.

    The period starts at the beginning of `start` (§ 187 Abs. 2 BGB), so it ends with the
    day before the day of the final month that corresponds by number to `start`
    (§ 188 Abs. 2). When the final month has no such day, it ends with that month's last
    day instead (§ 188 Abs. 3) -- not the day before it.

    >>> period_end(date(2025, 3, 1), 12)
    datetime.date(2026, 2, 28)
    >>> period_end(date(2024, 1, 31), 1)
    datetime.date(2024, 2, 29)
    """
    if months < 1:
        raise ValueError(f"a period needs at least one month, got {months}")
    month_index = start.year * 12 + (start.month - 1) + months
    year, month = divmod(month_index, 12)
    month += 1
    last_day = calendar.monthrange(year, month)[1]
    if start.day > last_day:
        return date(year, month, last_day)
    return date(year, month, start.day) - timedelta(days=1)
