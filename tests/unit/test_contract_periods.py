"""BGB month periods (§§ 187 Abs. 2, 188 Abs. 2 und 3)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hotline.contracts import period_end


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        # The examples from the design page and the brief.
        (date(2025, 3, 1), 12, date(2026, 2, 28)),
        (date(2024, 2, 29), 12, date(2025, 2, 28)),
        (date(2024, 1, 31), 1, date(2024, 2, 29)),
        (date(2025, 1, 15), 12, date(2026, 1, 14)),
        # Start on the 1st: ends on the last day of the previous month.
        (date(2025, 1, 1), 12, date(2025, 12, 31)),
        (date(2024, 3, 1), 12, date(2025, 2, 28)),
        (date(2023, 3, 1), 12, date(2024, 2, 29)),
        (date(2025, 1, 1), 1, date(2025, 1, 31)),
        (date(2025, 2, 1), 1, date(2025, 2, 28)),
        # Start on the 31st: missing 31st → last day of the month (§ 188 Abs. 3).
        (date(2025, 1, 31), 1, date(2025, 2, 28)),
        (date(2025, 3, 31), 1, date(2025, 4, 30)),
        (date(2025, 5, 31), 1, date(2025, 6, 30)),
        (date(2025, 3, 31), 2, date(2025, 5, 30)),
        (date(2025, 1, 31), 12, date(2026, 1, 30)),
        (date(2025, 8, 31), 12, date(2026, 8, 30)),
        (date(2024, 12, 31), 12, date(2025, 12, 30)),
        # Start on the 30th.
        (date(2025, 1, 30), 1, date(2025, 2, 28)),
        (date(2024, 1, 30), 1, date(2024, 2, 29)),
        (date(2025, 4, 30), 1, date(2025, 5, 29)),
        (date(2025, 4, 30), 12, date(2026, 4, 29)),
        (date(2025, 11, 30), 3, date(2026, 2, 28)),
        # Start on the 29th and 28th around February.
        (date(2024, 1, 29), 1, date(2024, 2, 28)),
        (date(2023, 1, 29), 1, date(2023, 2, 28)),
        (date(2023, 1, 28), 1, date(2023, 2, 27)),
        (date(2025, 2, 28), 12, date(2026, 2, 27)),
        (date(2023, 2, 28), 12, date(2024, 2, 27)),
        # 29 February starts.
        (date(2024, 2, 29), 24, date(2026, 2, 28)),
        (date(2024, 2, 29), 48, date(2028, 2, 28)),
        (date(2024, 2, 29), 1, date(2024, 3, 28)),
        (date(2000, 2, 29), 12 * 100, date(2100, 2, 28)),
        # Mid-month starts.
        (date(2025, 6, 15), 1, date(2025, 7, 14)),
        (date(2025, 6, 15), 6, date(2025, 12, 14)),
        (date(2025, 6, 15), 7, date(2026, 1, 14)),
        (date(2025, 11, 16), 3, date(2026, 2, 15)),
        # Year boundaries and long periods.
        (date(2025, 12, 1), 1, date(2025, 12, 31)),
        (date(2025, 12, 15), 1, date(2026, 1, 14)),
        (date(2025, 3, 1), 12 * 50, date(2075, 2, 28)),
        (date(2025, 3, 1), 12 * 51, date(2076, 2, 29)),
    ],
)
def test_period_end(start: date, months: int, expected: date) -> None:
    assert period_end(start, months) == expected


@pytest.mark.parametrize("months", [0, -1, -12])
def test_period_needs_at_least_one_month(months: int) -> None:
    with pytest.raises(ValueError):
        period_end(date(2025, 1, 1), months)


@given(
    start=st.dates(min_value=date(1900, 1, 1), max_value=date(2200, 12, 31)),
    months=st.integers(min_value=1, max_value=12 * 100),
)
def test_period_end_lies_in_the_final_month_or_just_before(start: date, months: int) -> None:
    end = period_end(start, months)
    final_year, final_month = divmod(start.year * 12 + start.month - 1 + months, 12)
    final_month += 1
    if start.day == 1:
        # Ends on the last day of the month before the final month.
        assert (end + timedelta(days=1)) == date(final_year, final_month, 1)
    else:
        assert (end.year, end.month) == (final_year, final_month)
        assert end.day <= start.day


@given(
    start=st.dates(min_value=date(1900, 1, 1), max_value=date(2200, 12, 31)),
    months=st.integers(min_value=1, max_value=12 * 100),
)
def test_longer_periods_end_later(start: date, months: int) -> None:
    assert period_end(start, months) < period_end(start, months + 1)
