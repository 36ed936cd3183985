"""How the pages show times, dates, money and waiting: Berlin wall-clock time from the
stored UTC instants, German dates, euros with German separators."""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from hotline.runtime import runtime


def berlin(value: datetime | None, fmt: str = "%d.%m.%Y %H:%M") -> str:
    """An instant as Berlin wall-clock time (the calendar's zone)."""
    if value is None:
        return "–"
    return value.astimezone(runtime().calendar.zone).strftime(fmt)


def german_date(value: Any) -> str:
    """A date (or ISO date string) as 31.12.2026."""
    if value is None or value == "":
        return "–"
    if isinstance(value, str):
        year, month, day = value.split("-")
        return f"{day}.{month}.{year}"
    return cast(str, value.strftime("%d.%m.%Y"))


def waiting(since: datetime | None) -> str:
    """How long since `since`, by the runtime clock: 5 Min., 2 Std. 10 Min., 3 Tage 4 Std."""
    if since is None:
        return "–"
    minutes = max(0, int((runtime().clock.now() - since).total_seconds() // 60))
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        return f"{days} {'Tag' if days == 1 else 'Tage'} {hours} Std."
    if hours:
        return f"{hours} Std. {mins} Min."
    return f"{mins} Min."


def euro(value: str | None) -> str:
    """'249.00' as 249,00 €."""
    if not value:
        return "–"
    whole, _, cents = value.partition(".")
    groups = f"{int(whole):,}".replace(",", ".")
    return f"{groups},{(cents + '00')[:2]} €"
