"""What is true about the opening hours at one instant: plain facts for the IVR to tell."""

from __future__ import annotations

from datetime import date, datetime, time

import pytest

from hotline.calendar import BusinessCalendar
from hotline.calendar.today import opening_facts
from tests.conftest import berlin

CALENDAR = BusinessCalendar(
    yearly_hours={(12, 24): (time(9), time(14)), (12, 31): (time(9), time(14))},
    closed_days=frozenset({date(2026, 12, 29)}),
)


def test_an_ordinary_evening() -> None:
    facts = opening_facts(CALENDAR, berlin(2026, 11, 30, 19, 30))
    assert not facts.open_now and facts.holiday is None and not facts.short_day
    assert facts.closed_for_today and not facts.before_opening
    assert facts.next_opening == berlin(2026, 12, 1, 9, 0)


def test_a_public_holiday() -> None:
    facts = opening_facts(CALENDAR, berlin(2026, 12, 25, 10, 0))
    assert facts.holiday == "Erster Weihnachtstag"
    assert facts.today is None and not facts.before_opening and not facts.closed_for_today
    assert facts.next_opening == berlin(2026, 12, 28, 9, 0)


@pytest.mark.parametrize(
    ("at", "open_now", "before", "over"),
    [
        (berlin(2026, 12, 24, 8, 0), False, True, False),
        (berlin(2026, 12, 24, 10, 0), True, False, False),
        (berlin(2026, 12, 24, 15, 0), False, False, True),
    ],
)
def test_24_december_is_a_short_day(at: datetime, open_now: bool, before: bool, over: bool) -> None:
    facts = opening_facts(CALENDAR, at)
    assert facts.short_day and facts.holiday is None
    assert facts.today == (berlin(2026, 12, 24, 9, 0), berlin(2026, 12, 24, 14, 0))
    assert (facts.open_now, facts.before_opening, facts.closed_for_today) == (
        open_now,
        before,
        over,
    )


def test_a_closed_day_and_a_weekend_are_no_holidays() -> None:
    closed = opening_facts(CALENDAR, berlin(2026, 12, 29, 10, 0))
    assert closed.today is None and closed.holiday is None
    assert closed.next_opening == berlin(2026, 12, 30, 9, 0)
    saturday = opening_facts(CALENDAR, berlin(2026, 12, 5, 10, 0))
    assert saturday.today is None and saturday.holiday is None and not saturday.short_day
    assert saturday.next_opening == berlin(2026, 12, 7, 9, 0)


def test_open_on_an_ordinary_day() -> None:
    facts = opening_facts(CALENDAR, berlin(2026, 11, 30, 10, 0))
    assert facts.open_now and not facts.short_day
    assert facts.next_opening == berlin(2026, 11, 30, 10, 0)
