"""The business calendar: weekdays, holidays, exceptions, DST and year ends."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hotline.calendar import BusinessCalendar

BERLIN = ZoneInfo("Europe/Berlin")


def berlin(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0, us: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, second, us, tzinfo=BERLIN)


def noon(d: date) -> datetime:
    return datetime.combine(d, time(12), tzinfo=BERLIN)


# Worked out by hand: Easter Sunday is 5 April 2026 and 28 March 2027; Good Friday
# is Easter - 2, Easter Monday + 1, Ascension + 39, Whit Monday + 50.
NATIONWIDE_HOLIDAYS = {
    # 2026
    date(2026, 1, 1): "Neujahr",
    date(2026, 4, 3): "Karfreitag",
    date(2026, 4, 6): "Ostermontag",
    date(2026, 5, 1): "Erster Mai",
    date(2026, 5, 14): "Christi Himmelfahrt",
    date(2026, 5, 25): "Pfingstmontag",
    date(2026, 10, 3): "Tag der Deutschen Einheit",
    date(2026, 12, 25): "Erster Weihnachtstag",
    date(2026, 12, 26): "Zweiter Weihnachtstag",
    # 2027
    date(2027, 1, 1): "Neujahr",
    date(2027, 3, 26): "Karfreitag",
    date(2027, 3, 29): "Ostermontag",
    date(2027, 5, 1): "Erster Mai",
    date(2027, 5, 6): "Christi Himmelfahrt",
    date(2027, 5, 17): "Pfingstmontag",
    date(2027, 10, 3): "Tag der Deutschen Einheit",
    date(2027, 12, 25): "Erster Weihnachtstag",
    date(2027, 12, 26): "Zweiter Weihnachtstag",
}

DEFAULT = BusinessCalendar()
# What the shipped settings configure: short days on 24 and 31 December.
SHORT_YEAR_END = BusinessCalendar(
    yearly_hours={(12, 24): (time(9), time(14)), (12, 31): (time(9), time(14))}
)


# --- public holidays ---------------------------------------------------------


@pytest.mark.parametrize("state", [None, "BY", "NW", "SN", "BE"])
@pytest.mark.parametrize("day", sorted(NATIONWIDE_HOLIDAYS))
def test_nationwide_holiday_is_closed(day: date, state: str | None) -> None:
    cal = BusinessCalendar(state=state)
    assert cal.is_holiday(day)
    assert cal.hours_on(day) is None
    assert not cal.is_open(noon(day))


@pytest.mark.parametrize("day", sorted(NATIONWIDE_HOLIDAYS))
def test_weekdays_around_a_holiday_are_open(day: date) -> None:
    for neighbour in (day - timedelta(days=1), day + timedelta(days=1)):
        if neighbour.weekday() < 5 and neighbour not in NATIONWIDE_HOLIDAYS:
            assert DEFAULT.is_open(noon(neighbour)), neighbour
            assert not DEFAULT.is_holiday(neighbour)


def test_holiday_list_matches_the_library_by_date() -> None:
    found = {
        d
        for year in (2026, 2027)
        for d in (date(year, 1, 1) + timedelta(days=n) for n in range(365))
        if DEFAULT.is_holiday(d)
    }
    assert found == set(NATIONWIDE_HOLIDAYS)


@pytest.mark.parametrize("day", [date(2026, 1, 1), date(2026, 10, 3), date(2027, 3, 26)])
def test_holiday_name_is_german_for_display(day: date) -> None:
    assert DEFAULT.holiday_name(day) == NATIONWIDE_HOLIDAYS[day]


def test_holiday_name_is_none_on_other_days() -> None:
    assert DEFAULT.holiday_name(date(2026, 1, 2)) is None


@pytest.mark.parametrize(
    ("day", "state", "other_state"),
    [
        (date(2026, 1, 6), "BY", "NW"),  # Heilige Drei Könige, Tuesday
        (date(2026, 6, 4), "BY", "BE"),  # Fronleichnam, Thursday
        (date(2026, 6, 4), "NW", "SN"),  # Fronleichnam
        (date(2025, 10, 31), "SN", "BY"),  # Reformationstag, Friday
        (date(2027, 11, 1), "BW", "BB"),  # Allerheiligen, Monday
        (date(2026, 11, 18), "SN", "BE"),  # Buß- und Bettag, Wednesday
    ],
)
def test_state_holiday_is_closed_only_in_that_state(
    day: date, state: str, other_state: str
) -> None:
    assert day.weekday() < 5
    assert not BusinessCalendar(state=state).is_open(noon(day))
    assert BusinessCalendar(state=state).is_holiday(day)
    assert BusinessCalendar(state=other_state).is_open(noon(day))
    assert DEFAULT.is_open(noon(day))
    assert not DEFAULT.is_holiday(day)


def test_state_accepts_lower_case_and_full_names() -> None:
    assert BusinessCalendar(state="by").state == "BY"
    assert BusinessCalendar(state="Bayern").state == "BY"
    assert BusinessCalendar(state="  ").state is None


def test_unknown_state_is_rejected() -> None:
    with pytest.raises(ValueError, match="state"):
        BusinessCalendar(state="XX")


def test_datetime_is_not_a_date_for_holiday_lookups() -> None:
    with pytest.raises(TypeError):
        DEFAULT.is_holiday(datetime(2026, 1, 1, 12, tzinfo=BERLIN))


# --- weekday rule and boundaries -------------------------------------------


@pytest.mark.parametrize(
    ("at", "expected"),
    [
        (berlin(2026, 6, 10, 8, 59, 59), False),
        (berlin(2026, 6, 10, 9, 0), True),
        (berlin(2026, 6, 10, 17, 59, 59), True),
        (berlin(2026, 6, 10, 17, 59, 59, 999999), True),
        (berlin(2026, 6, 10, 18, 0), False),
        (berlin(2026, 6, 10, 23, 30), False),
        (berlin(2026, 6, 13, 12, 0), False),  # Saturday
        (berlin(2026, 6, 14, 12, 0), False),  # Sunday
    ],
)
def test_opening_boundaries(at: datetime, expected: bool) -> None:
    assert DEFAULT.is_open(at) is expected


def test_instants_in_other_zones_are_judged_in_berlin() -> None:
    # 07:30 UTC is 09:30 in Berlin in summer; 16:30 UTC is 18:30.
    assert DEFAULT.is_open(datetime(2026, 6, 10, 7, 30, tzinfo=UTC))
    assert not DEFAULT.is_open(datetime(2026, 6, 10, 16, 30, tzinfo=UTC))
    # 23:30 on Sunday in New York is 05:30 on Monday in Berlin: closed; 03:30 is open.
    new_york = ZoneInfo("America/New_York")
    assert not DEFAULT.is_open(datetime(2026, 6, 14, 23, 30, tzinfo=new_york))
    assert DEFAULT.is_open(datetime(2026, 6, 15, 3, 30, tzinfo=new_york))


def test_naive_datetime_is_rejected() -> None:
    naive = datetime(2026, 6, 10, 12)  # noqa: DTZ001 - the point of the test
    with pytest.raises(ValueError, match="time zone"):
        DEFAULT.is_open(naive)
    with pytest.raises(ValueError, match="time zone"):
        DEFAULT.next_opening(naive)
    with pytest.raises(ValueError, match="time zone"):
        DEFAULT.closing_time(naive)


def test_hours_on_gives_aware_bounds_in_the_calendar_zone() -> None:
    assert DEFAULT.hours_on(date(2026, 6, 10)) == (berlin(2026, 6, 10, 9), berlin(2026, 6, 10, 18))
    opens, _ = DEFAULT.hours_on(date(2026, 6, 10)) or (None, None)
    assert opens is not None and opens.tzinfo is BERLIN
    assert DEFAULT.hours_on(date(2026, 6, 13)) is None


def test_custom_weekdays_and_hours() -> None:
    cal = BusinessCalendar(weekdays=frozenset({5}), opens=time(10), closes=time(12))
    assert cal.is_open(berlin(2026, 6, 13, 11))
    assert not cal.is_open(berlin(2026, 6, 10, 11))
    assert cal.next_opening(berlin(2026, 6, 10, 11)) == berlin(2026, 6, 13, 10)


# --- next opening and closing time -----------------------------------------


def test_next_opening_when_open_is_the_instant_itself() -> None:
    at = berlin(2026, 6, 10, 12, 34, 56)
    assert DEFAULT.next_opening(at) is at


def test_next_opening_before_opening_is_the_same_morning() -> None:
    assert DEFAULT.next_opening(berlin(2026, 6, 10, 7)) == berlin(2026, 6, 10, 9)


def test_next_opening_is_in_the_calendar_zone() -> None:
    nxt = DEFAULT.next_opening(datetime(2026, 6, 10, 20, tzinfo=UTC))
    assert nxt.tzinfo is BERLIN
    assert nxt == berlin(2026, 6, 11, 9)


def test_next_opening_over_the_spring_dst_weekend() -> None:
    # Clocks go forward on Sunday 29 March 2026: Friday evening is UTC+1, Monday UTC+2.
    nxt = DEFAULT.next_opening(berlin(2026, 3, 27, 18))
    assert nxt == berlin(2026, 3, 30, 9)
    assert nxt.astimezone(UTC) == datetime(2026, 3, 30, 7, tzinfo=UTC)
    assert nxt.utcoffset() == timedelta(hours=2)


def test_next_opening_over_the_autumn_dst_weekend() -> None:
    # Clocks go back on Sunday 25 October 2026: Friday evening is UTC+2, Monday UTC+1.
    nxt = DEFAULT.next_opening(berlin(2026, 10, 23, 18))
    assert nxt == berlin(2026, 10, 26, 9)
    assert nxt.astimezone(UTC) == datetime(2026, 10, 26, 8, tzinfo=UTC)
    assert nxt.utcoffset() == timedelta(hours=1)


def test_closing_time_on_dst_days_is_local_18_00() -> None:
    assert DEFAULT.closing_time(berlin(2026, 3, 30, 10)) == datetime(2026, 3, 30, 16, tzinfo=UTC)
    assert DEFAULT.closing_time(berlin(2026, 10, 26, 10)) == datetime(2026, 10, 26, 17, tzinfo=UTC)


def test_next_opening_over_easter() -> None:
    # Maundy Thursday evening -> Good Friday, weekend, Easter Monday all closed.
    assert DEFAULT.next_opening(berlin(2026, 4, 2, 18)) == berlin(2026, 4, 7, 9)


def test_next_opening_over_the_year_end() -> None:
    # 1 January 2027 is a Friday and a holiday, then the weekend.
    assert DEFAULT.next_opening(berlin(2026, 12, 31, 19)) == berlin(2027, 1, 4, 9)
    assert SHORT_YEAR_END.next_opening(berlin(2026, 12, 31, 14)) == berlin(2027, 1, 4, 9)


def test_closing_time() -> None:
    assert DEFAULT.closing_time(berlin(2026, 6, 10, 12)) == berlin(2026, 6, 10, 18)
    assert DEFAULT.closing_time(berlin(2026, 6, 10, 18)) is None
    assert DEFAULT.closing_time(berlin(2026, 6, 13, 12)) is None
    assert SHORT_YEAR_END.closing_time(berlin(2026, 12, 24, 10)) == berlin(2026, 12, 24, 14)


def test_never_open_calendar_raises() -> None:
    never = BusinessCalendar(weekdays=frozenset())
    with pytest.raises(ValueError, match="no opening"):
        never.next_opening(berlin(2026, 6, 10, 12))


def test_calendar_closed_for_a_long_stretch_still_finds_the_opening() -> None:
    start = date(2026, 1, 1)
    closed = frozenset(start + timedelta(days=n) for n in range(300))
    cal = BusinessCalendar(closed_days=closed)
    assert cal.next_opening(noon(start)) == berlin(2026, 10, 28, 9)


# --- 24 and 31 December ----------------------------------------------------


@pytest.mark.parametrize("day", [date(2026, 12, 24), date(2026, 12, 31)])
def test_christmas_eve_and_new_years_eve_are_open_by_default(day: date) -> None:
    assert not DEFAULT.is_holiday(day)
    assert DEFAULT.is_open(datetime.combine(day, time(17), tzinfo=BERLIN))


@pytest.mark.parametrize("day", [date(2026, 12, 24), date(2026, 12, 31), date(2027, 12, 24)])
def test_short_day_via_yearly_hours(day: date) -> None:
    assert SHORT_YEAR_END.is_open(datetime.combine(day, time(13, 59), tzinfo=BERLIN))
    assert not SHORT_YEAR_END.is_open(datetime.combine(day, time(14), tzinfo=BERLIN))


def test_yearly_closed_day() -> None:
    cal = BusinessCalendar(yearly_hours={(12, 24): None, (12, 31): None})
    for day in (date(2026, 12, 24), date(2026, 12, 31), date(2027, 12, 31)):
        assert not cal.is_open(noon(day))
    assert cal.next_opening(berlin(2026, 12, 23, 18)) == berlin(2026, 12, 28, 9)


def test_yearly_hours_do_not_open_a_weekend() -> None:
    # 24 December 2028 is a Sunday: a short day is still no reason to open.
    assert date(2028, 12, 24).weekday() == 6
    assert SHORT_YEAR_END.hours_on(date(2028, 12, 24)) is None


def test_public_holiday_beats_yearly_hours() -> None:
    cal = BusinessCalendar(yearly_hours={(1, 1): (time(9), time(12))})
    assert not cal.is_open(berlin(2027, 1, 1, 10))


# --- closed days and changed hours -----------------------------------------


def test_closed_days() -> None:
    cal = BusinessCalendar(closed_days=frozenset({date(2026, 6, 10)}))
    assert not cal.is_open(noon(date(2026, 6, 10)))
    assert cal.is_open(noon(date(2026, 6, 11)))
    assert cal.next_opening(berlin(2026, 6, 9, 18)) == berlin(2026, 6, 11, 9)
    assert not cal.is_holiday(date(2026, 6, 10))


def test_changed_hours() -> None:
    cal = BusinessCalendar(changed_hours={date(2026, 6, 10): (time(12), time(15))})
    assert not cal.is_open(berlin(2026, 6, 10, 11, 59))
    assert cal.is_open(berlin(2026, 6, 10, 12))
    assert not cal.is_open(berlin(2026, 6, 10, 15))
    assert cal.next_opening(berlin(2026, 6, 10, 9)) == berlin(2026, 6, 10, 12)
    assert cal.closing_time(berlin(2026, 6, 10, 13)) == berlin(2026, 6, 10, 15)
    assert cal.is_open(berlin(2026, 6, 11, 9))


def test_changed_hours_none_closes_the_day() -> None:
    cal = BusinessCalendar(changed_hours={date(2026, 6, 10): None})
    assert cal.hours_on(date(2026, 6, 10)) is None


def test_changed_hours_can_open_a_holiday_or_weekend() -> None:
    cal = BusinessCalendar(
        changed_hours={
            date(2026, 10, 3): (time(10), time(14)),
            date(2026, 5, 1): (time(10), time(14)),
        }
    )
    assert cal.is_open(berlin(2026, 10, 3, 11))  # a Saturday and a holiday
    assert cal.is_open(berlin(2026, 5, 1, 11))  # a Friday holiday


def test_changed_hours_beat_yearly_hours() -> None:
    cal = BusinessCalendar(
        yearly_hours={(12, 24): None}, changed_hours={date(2026, 12, 24): (time(9), time(12))}
    )
    assert cal.is_open(berlin(2026, 12, 24, 11))


def test_hours_in_the_skipped_spring_hour_move_forward_with_the_clock() -> None:
    cal = BusinessCalendar(weekdays=frozenset(range(7)), opens=time(2, 10), closes=time(2, 50))
    # 02:10 does not exist on 29 March 2026: read as winter time it is 03:10 summer time.
    assert cal.hours_on(date(2026, 3, 29)) == (
        berlin(2026, 3, 29, 3, 10),
        berlin(2026, 3, 29, 3, 50),
    )
    # In autumn 02:10 happens twice; the first (summer time) one opens. Compared in
    # UTC because == across zones is always False for a wall time that happens twice.
    nxt = cal.next_opening(berlin(2026, 10, 25, 1))
    assert nxt.astimezone(UTC) == datetime(2026, 10, 25, 0, 10, tzinfo=UTC)


def test_hours_that_vanish_in_the_spring_switch_close_the_day() -> None:
    cal = BusinessCalendar(weekdays=frozenset(range(7)), opens=time(2), closes=time(3))
    assert cal.hours_on(date(2026, 3, 29)) is None
    assert cal.next_opening(berlin(2026, 3, 29, 1)) == berlin(2026, 3, 30, 2)


def test_closed_days_beat_changed_hours() -> None:
    day = date(2026, 6, 10)
    cal = BusinessCalendar(closed_days=frozenset({day}), changed_hours={day: (time(9), time(12))})
    assert cal.hours_on(day) is None


def test_calendar_copies_its_mappings() -> None:
    changed: dict[date, tuple[time, time] | None] = {}
    cal = BusinessCalendar(changed_hours=changed)
    assert cal.is_open(noon(date(2026, 6, 10)))
    changed[date(2026, 6, 10)] = None
    assert cal.is_open(noon(date(2026, 6, 10)))


def test_calendar_is_hashable_and_compares_by_value() -> None:
    one = BusinessCalendar(state="BY", yearly_hours={(12, 24): None})
    two = BusinessCalendar(state="by", yearly_hours={(12, 24): None})
    assert one == two
    assert hash(one) == hash(two)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"timezone": "Mars/Olympus"},
        {"opens": time(18), "closes": time(9)},
        {"opens": time(9), "closes": time(9)},
        {"weekdays": frozenset({7})},
        {"changed_hours": {date(2026, 6, 10): (time(15), time(12))}},
        {"yearly_hours": {(2, 30): None}},
        {"yearly_hours": {(12, 24): (time(14), time(9))}},
        {"opens": time(9, tzinfo=UTC)},
    ],
)
def test_misconfiguration_is_rejected(kwargs: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        BusinessCalendar(**kwargs)  # type: ignore[arg-type]


# --- properties --------------------------------------------------------------

ZONES = st.sampled_from(
    [
        UTC,
        BERLIN,
        ZoneInfo("America/New_York"),
        ZoneInfo("Asia/Kolkata"),
        timezone(-timedelta(hours=11)),
    ]
)
INSTANTS = st.datetimes(
    min_value=datetime(2025, 1, 1),  # noqa: DTZ001 - hypothesis bounds are naive
    max_value=datetime(2030, 12, 31, 23, 59, 59),  # noqa: DTZ001
    timezones=ZONES,
    allow_imaginary=False,
)
CALENDARS = [
    DEFAULT,
    BusinessCalendar(
        state="BY",
        yearly_hours={(12, 24): (time(9), time(14)), (12, 31): None},
        changed_hours={date(2027, 3, 27): (time(10), time(12))},
        closed_days=frozenset({date(2026, 7, 1), date(2026, 7, 2)}),
    ),
    # Every day, with hours around and inside the hour the clocks skip or repeat.
    BusinessCalendar(weekdays=frozenset(range(7)), opens=time(1, 30), closes=time(2, 30)),
    BusinessCalendar(weekdays=frozenset(range(7)), opens=time(2), closes=time(3)),
]


@pytest.mark.parametrize("cal", CALENDARS)
@settings(deadline=None, max_examples=300)
@given(at=INSTANTS)
def test_next_opening_is_the_first_open_instant(cal: BusinessCalendar, at: datetime) -> None:
    nxt = cal.next_opening(at)
    # Arithmetic on aware datetimes of one zone is wall-clock arithmetic; UTC is not.
    start, found = at.astimezone(UTC), nxt.astimezone(UTC)
    assert found >= start
    assert cal.is_open(nxt)
    if nxt is at:
        return
    assert nxt.tzinfo is cal.zone
    assert found > start
    assert not cal.is_open(found - timedelta(microseconds=1))
    gap = found - start
    for k in range(20):
        sample = start + gap * k / 20
        assert not cal.is_open(sample), sample


@pytest.mark.parametrize("cal", CALENDARS)
@settings(deadline=None, max_examples=200)
@given(at=INSTANTS)
def test_closing_time_matches_is_open(cal: BusinessCalendar, at: datetime) -> None:
    closes = cal.closing_time(at)
    assert (closes is not None) is cal.is_open(at)
    if closes is not None:
        end = closes.astimezone(UTC)
        assert end > at
        assert not cal.is_open(end)
        assert cal.is_open(end - timedelta(microseconds=1))
