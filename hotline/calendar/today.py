"""What is true about the opening hours at one instant, as a caller should be told it:
a public holiday today, a short day (24 and 31 December), closed for the evening, and
when the hotline opens next. Plain facts; the IVR words them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from hotline.calendar.business_hours import BusinessCalendar


@dataclass(frozen=True)
class OpeningFacts:
    """The opening hours as they stand at `at` (all instants in the calendar's zone)."""

    at: datetime
    open_now: bool
    holiday: str | None  # today's public holiday (its German name), else None
    today: tuple[datetime, datetime] | None  # today's opening hours, None when closed all day
    short_day: bool  # today closes earlier than on a usual working day
    next_opening: datetime  # `at` itself while open

    @property
    def before_opening(self) -> bool:
        """Closed now, but open later today."""
        return self.today is not None and self.at < self.today[0]

    @property
    def closed_for_today(self) -> bool:
        """Today's hours are over."""
        return self.today is not None and self.at >= self.today[1]


def opening_facts(calendar: BusinessCalendar, at: datetime) -> OpeningFacts:
    """The facts a caller at the aware instant `at` should hear about today and the next opening."""
    local = at.astimezone(calendar.zone)
    day = local.date()
    today = calendar.hours_on(day)
    short = today is not None and today[1].time() < calendar.closes
    return OpeningFacts(
        at=local,
        open_now=calendar.is_open(at),
        holiday=calendar.holiday_name(day),
        today=today,
        short_day=short,
        next_opening=calendar.next_opening(at),
    )
