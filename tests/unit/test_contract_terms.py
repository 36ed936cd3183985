"""Contract terms, cancellation, termination and status."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hotline.contracts import (
    ContractFacts,
    ContractStatus,
    Plan,
    Term,
    cancellation_effective_end,
    effective_end,
    is_entitled,
    period_end,
    status_on,
    term_on,
)

D = date
ONE_DAY = timedelta(days=1)

# ---------------------------------------------------------------------------------------
# Enums


def test_enum_values_are_the_stored_strings() -> None:
    assert [p.value for p in Plan] == ["flat", "second_level"]
    assert [s.value for s in ContractStatus] == [
        "not_started",
        "active",
        "notice_given",
        "ended",
        "terminated",
    ]
    assert Plan("second_level") is Plan.SECOND_LEVEL
    assert ContractStatus.NOTICE_GIVEN == "notice_given"


# ---------------------------------------------------------------------------------------
# Terms


@pytest.mark.parametrize(
    ("start", "expected"),
    [
        # 29 February: renewals are counted from the original start, so they never drift
        # to the 28th/27th and come back to the 29th in leap years.
        (
            D(2024, 2, 29),
            [
                (D(2024, 2, 29), D(2025, 2, 28)),
                (D(2025, 3, 1), D(2026, 2, 28)),
                (D(2026, 3, 1), D(2027, 2, 28)),
                (D(2027, 3, 1), D(2028, 2, 28)),
                (D(2028, 2, 29), D(2029, 2, 28)),
                (D(2029, 3, 1), D(2030, 2, 28)),
            ],
        ),
        (
            D(2025, 3, 1),
            [
                (D(2025, 3, 1), D(2026, 2, 28)),
                (D(2026, 3, 1), D(2027, 2, 28)),
                (D(2027, 3, 1), D(2028, 2, 29)),
                (D(2028, 3, 1), D(2029, 2, 28)),
            ],
        ),
        (
            D(2025, 1, 31),
            [
                (D(2025, 1, 31), D(2026, 1, 30)),
                (D(2026, 1, 31), D(2027, 1, 30)),
                (D(2027, 1, 31), D(2028, 1, 30)),
            ],
        ),
        (
            D(2024, 12, 31),
            [
                (D(2024, 12, 31), D(2025, 12, 30)),
                (D(2025, 12, 31), D(2026, 12, 30)),
            ],
        ),
        (
            D(2025, 4, 30),
            [
                (D(2025, 4, 30), D(2026, 4, 29)),
                (D(2026, 4, 30), D(2027, 4, 29)),
            ],
        ),
        (
            D(2025, 1, 15),
            [
                (D(2025, 1, 15), D(2026, 1, 14)),
                (D(2026, 1, 15), D(2027, 1, 14)),
                (D(2027, 1, 15), D(2028, 1, 14)),
            ],
        ),
        (
            D(2025, 1, 1),
            [
                (D(2025, 1, 1), D(2025, 12, 31)),
                (D(2026, 1, 1), D(2026, 12, 31)),
            ],
        ),
    ],
)
def test_consecutive_terms(start: date, expected: list[tuple[date, date]]) -> None:
    for index, (term_start, term_end) in enumerate(expected):
        term = Term(index, term_start, term_end)
        assert term_on(start, term_start) == term
        assert term_on(start, term_end) == term
        if term_end - term_start > ONE_DAY:
            assert term_on(start, term_start + ONE_DAY) == term
            assert term_on(start, term_end - ONE_DAY) == term


@pytest.mark.parametrize(
    ("start", "on", "index", "term_start", "term_end"),
    [
        (D(2025, 3, 1), D(2025, 3, 1), 0, D(2025, 3, 1), D(2026, 2, 28)),
        (D(2025, 3, 1), D(2025, 9, 17), 0, D(2025, 3, 1), D(2026, 2, 28)),
        (D(2025, 3, 1), D(2026, 3, 1), 1, D(2026, 3, 1), D(2027, 2, 28)),
        (D(2025, 1, 15), D(2026, 1, 14), 0, D(2025, 1, 15), D(2026, 1, 14)),
        (D(2025, 1, 15), D(2026, 1, 15), 1, D(2026, 1, 15), D(2027, 1, 14)),
        # Far renewals: O(1) computation, no drift.
        (D(2024, 2, 29), D(2076, 2, 28), 51, D(2075, 3, 1), D(2076, 2, 28)),
        (D(2024, 2, 29), D(2076, 2, 29), 52, D(2076, 2, 29), D(2077, 2, 28)),
        (D(2025, 1, 31), D(2125, 1, 30), 99, D(2124, 1, 31), D(2125, 1, 30)),
        (D(2025, 1, 31), D(2125, 1, 31), 100, D(2125, 1, 31), D(2126, 1, 30)),
        (D(1970, 6, 15), D(2025, 6, 14), 54, D(2024, 6, 15), D(2025, 6, 14)),
    ],
)
def test_term_on(start: date, on: date, index: int, term_start: date, term_end: date) -> None:
    assert term_on(start, on) == Term(index, term_start, term_end)


@pytest.mark.parametrize(
    ("start", "on", "term_months", "expected"),
    [
        # Monthly terms from the 31st: each ends per § 188 Abs. 3 where the month is short.
        (D(2024, 1, 31), D(2024, 2, 29), 1, Term(0, D(2024, 1, 31), D(2024, 2, 29))),
        (D(2024, 1, 31), D(2024, 3, 1), 1, Term(1, D(2024, 3, 1), D(2024, 3, 30))),
        (D(2024, 1, 31), D(2024, 3, 31), 1, Term(2, D(2024, 3, 31), D(2024, 4, 30))),
        (D(2024, 1, 31), D(2024, 5, 1), 1, Term(3, D(2024, 5, 1), D(2024, 5, 30))),
        (D(2025, 3, 1), D(2025, 9, 1), 6, Term(1, D(2025, 9, 1), D(2026, 2, 28))),
        (D(2025, 3, 1), D(2025, 8, 31), 6, Term(0, D(2025, 3, 1), D(2025, 8, 31))),
    ],
)
def test_term_on_other_term_lengths(
    start: date, on: date, term_months: int, expected: Term
) -> None:
    assert term_on(start, on, term_months) == expected


def test_term_on_before_the_start_is_an_error() -> None:
    with pytest.raises(ValueError):
        term_on(D(2025, 3, 1), D(2025, 2, 28))


@pytest.mark.parametrize("term_months", [0, -12])
def test_term_needs_at_least_one_month(term_months: int) -> None:
    with pytest.raises(ValueError):
        term_on(D(2025, 3, 1), D(2025, 3, 1), term_months)


def test_first_term_is_the_minimum_term_of_twelve_months() -> None:
    for start in (D(2025, 3, 1), D(2024, 2, 29), D(2025, 1, 31), D(2025, 7, 15)):
        first = term_on(start, start)
        assert first.index == 0
        assert first.start == start
        assert first.end == period_end(start, 12)


starts = st.dates(min_value=date(1950, 1, 1), max_value=date(2100, 12, 31))
offsets = st.integers(min_value=0, max_value=366 * 60)
term_lengths = st.sampled_from([1, 3, 6, 12, 24])


@given(start=starts, offset=offsets, term_months=term_lengths)
def test_every_day_lies_in_exactly_one_term(start: date, offset: int, term_months: int) -> None:
    on = start + timedelta(days=offset)
    term = term_on(start, on, term_months)
    assert term.start <= on <= term.end
    assert term.index >= 0
    # The term is the one counted from the original start, not from the previous term.
    assert term.end == period_end(start, term_months * (term.index + 1))
    if term.index == 0:
        assert term.start == start
    else:
        assert term.start == period_end(start, term_months * term.index) + ONE_DAY


@given(start=starts, offset=offsets, term_months=term_lengths)
def test_terms_are_contiguous_and_do_not_overlap(
    start: date, offset: int, term_months: int
) -> None:
    term = term_on(start, start + timedelta(days=offset), term_months)
    following = term_on(start, term.end + ONE_DAY, term_months)
    assert term_on(start, term.end, term_months).index == following.index - 1
    assert following.start == term.end + ONE_DAY
    assert following.end > following.start
    if term.index > 0:
        previous = term_on(start, term.start - ONE_DAY, term_months)
        assert previous.index == term.index - 1
        assert previous.end == term.start - ONE_DAY


@given(start=starts, years=st.integers(min_value=0, max_value=80))
def test_yearly_renewals_do_not_drift(start: date, years: int) -> None:
    term = term_on(start, period_end(start, 12 * (years + 1)))
    assert term.index == years
    # Each yearly term is a year long: 365 or 366 days.
    assert (term.end - term.start).days + 1 in (365, 366)


# ---------------------------------------------------------------------------------------
# Cancellation


@pytest.mark.parametrize(
    ("start", "received", "expected"),
    [
        # First term 2025-03-01..2026-02-28: notice in the first term ends the minimum term.
        (D(2025, 3, 1), D(2025, 3, 1), D(2026, 2, 28)),
        (D(2025, 3, 1), D(2025, 10, 1), D(2026, 2, 28)),
        # Exactly 14 days before the term end: in time.
        (D(2025, 3, 1), D(2026, 2, 14), D(2026, 2, 28)),
        # 13 days before: too late, the contract runs one more term.
        (D(2025, 3, 1), D(2026, 2, 15), D(2027, 2, 28)),
        (D(2025, 3, 1), D(2026, 2, 28), D(2027, 2, 28)),
        # Received before the start counts against the first term.
        (D(2025, 3, 1), D(2025, 1, 10), D(2026, 2, 28)),
        # In a renewal term.
        (D(2025, 3, 1), D(2026, 3, 1), D(2027, 2, 28)),
        (D(2025, 3, 1), D(2027, 2, 14), D(2027, 2, 28)),
        (D(2025, 3, 1), D(2027, 2, 15), D(2028, 2, 29)),
        # 29 February start.
        (D(2024, 2, 29), D(2025, 2, 14), D(2025, 2, 28)),
        (D(2024, 2, 29), D(2025, 2, 15), D(2026, 2, 28)),
        (D(2024, 2, 29), D(2028, 2, 14), D(2028, 2, 28)),
        (D(2024, 2, 29), D(2028, 2, 15), D(2029, 2, 28)),
        # 31st start.
        (D(2025, 1, 31), D(2026, 1, 16), D(2026, 1, 30)),
        (D(2025, 1, 31), D(2026, 1, 17), D(2027, 1, 30)),
        # Mid-month start.
        (D(2025, 1, 15), D(2025, 12, 31), D(2026, 1, 14)),
        (D(2025, 1, 15), D(2026, 1, 1), D(2027, 1, 14)),
        # Decades later.
        (D(2025, 3, 1), D(2075, 2, 14), D(2075, 2, 28)),
        (D(2025, 3, 1), D(2075, 2, 15), D(2076, 2, 29)),
    ],
)
def test_cancellation_effective_end(start: date, received: date, expected: date) -> None:
    assert cancellation_effective_end(start, received) == expected


@pytest.mark.parametrize(
    ("received", "notice_days", "expected"),
    [
        (D(2026, 1, 29), 30, D(2026, 2, 28)),
        (D(2026, 1, 30), 30, D(2027, 2, 28)),
        (D(2026, 2, 28), 0, D(2026, 2, 28)),
    ],
)
def test_cancellation_with_other_notice(received: date, notice_days: int, expected: date) -> None:
    assert cancellation_effective_end(D(2025, 3, 1), received, notice_days) == expected


def test_negative_notice_is_an_error() -> None:
    with pytest.raises(ValueError):
        cancellation_effective_end(D(2025, 3, 1), D(2025, 6, 1), -1)


@given(start=starts, offset=st.integers(min_value=-400, max_value=366 * 60))
def test_cancellation_ends_a_term_with_enough_notice(start: date, offset: int) -> None:
    received = start + timedelta(days=offset)
    end = cancellation_effective_end(start, received)
    term = term_on(start, end)
    assert term.end == end  # always the end of a term
    assert end - received >= timedelta(days=14)
    # ... and the earliest such term end.
    if term.index > 0:
        assert term.start - ONE_DAY - received < timedelta(days=14)


# ---------------------------------------------------------------------------------------
# Status and effective end

START = D(2025, 3, 1)


def facts(**changes: object) -> ContractFacts:
    return ContractFacts(plan=Plan.FLAT, start=START, **changes)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("contract", "on", "expected"),
    [
        (facts(), D(2025, 2, 28), ContractStatus.NOT_STARTED),
        (facts(), D(2025, 3, 1), ContractStatus.ACTIVE),
        (facts(), D(2040, 7, 1), ContractStatus.ACTIVE),
        # Cancellation in time for the end of the first term.
        (facts(cancellation_received=D(2025, 6, 1)), D(2025, 5, 31), ContractStatus.ACTIVE),
        (facts(cancellation_received=D(2025, 6, 1)), D(2025, 6, 1), ContractStatus.NOTICE_GIVEN),
        (facts(cancellation_received=D(2025, 6, 1)), D(2026, 2, 28), ContractStatus.NOTICE_GIVEN),
        (facts(cancellation_received=D(2025, 6, 1)), D(2026, 3, 1), ContractStatus.ENDED),
        # Too late for the first term: runs through the second.
        (facts(cancellation_received=D(2026, 2, 15)), D(2026, 3, 1), ContractStatus.NOTICE_GIVEN),
        (facts(cancellation_received=D(2026, 2, 15)), D(2027, 2, 28), ContractStatus.NOTICE_GIVEN),
        (facts(cancellation_received=D(2026, 2, 15)), D(2027, 3, 1), ContractStatus.ENDED),
        # Cancelled before the start.
        (facts(cancellation_received=D(2025, 1, 1)), D(2025, 2, 1), ContractStatus.NOT_STARTED),
        (facts(cancellation_received=D(2025, 1, 1)), D(2025, 3, 1), ContractStatus.NOTICE_GIVEN),
        # Termination by the provider.
        (
            facts(termination_effective=D(2025, 9, 1), termination_reason="Umgangsformen"),
            D(2025, 8, 31),
            ContractStatus.ACTIVE,
        ),
        (facts(termination_effective=D(2025, 9, 1)), D(2025, 9, 1), ContractStatus.TERMINATED),
        (facts(termination_effective=D(2025, 9, 1)), D(2030, 1, 1), ContractStatus.TERMINATED),
        (facts(termination_effective=D(2025, 9, 1)), D(2025, 2, 1), ContractStatus.NOT_STARTED),
        # Termination during the notice period wins from its date on.
        (
            facts(cancellation_received=D(2025, 6, 1), termination_effective=D(2025, 9, 1)),
            D(2025, 8, 31),
            ContractStatus.NOTICE_GIVEN,
        ),
        (
            facts(cancellation_received=D(2025, 6, 1), termination_effective=D(2025, 9, 1)),
            D(2025, 9, 1),
            ContractStatus.TERMINATED,
        ),
        (
            facts(cancellation_received=D(2025, 6, 1), termination_effective=D(2025, 9, 1)),
            D(2026, 3, 1),
            ContractStatus.TERMINATED,
        ),
        # A contract that ended on its own stays ended when a later termination is recorded.
        (
            facts(cancellation_received=D(2025, 6, 1), termination_effective=D(2026, 6, 1)),
            D(2026, 3, 1),
            ContractStatus.ENDED,
        ),
    ],
)
def test_status_on(contract: ContractFacts, on: date, expected: ContractStatus) -> None:
    assert status_on(contract, on) is expected


@pytest.mark.parametrize("plan", list(Plan))
def test_status_does_not_depend_on_the_plan(plan: Plan) -> None:
    contract = ContractFacts(plan=plan, start=START, cancellation_received=D(2025, 6, 1))
    assert status_on(contract, D(2025, 7, 1)) is ContractStatus.NOTICE_GIVEN


@pytest.mark.parametrize(
    ("contract", "expected"),
    [
        (facts(), None),
        (facts(cancellation_received=D(2025, 6, 1), cancellation_by="customer"), D(2026, 2, 28)),
        (facts(cancellation_received=D(2026, 2, 15), cancellation_by="provider"), D(2027, 2, 28)),
        (facts(termination_effective=D(2025, 9, 1)), D(2025, 8, 31)),
        (
            facts(cancellation_received=D(2025, 6, 1), termination_effective=D(2025, 9, 1)),
            D(2025, 8, 31),
        ),
        (
            facts(cancellation_received=D(2025, 6, 1), termination_effective=D(2026, 6, 1)),
            D(2026, 2, 28),
        ),
    ],
)
def test_effective_end(contract: ContractFacts, expected: date | None) -> None:
    assert effective_end(contract) == expected


@given(
    received=st.none() | st.dates(min_value=D(2024, 6, 1), max_value=D(2030, 12, 31)),
    terminated=st.none() | st.dates(min_value=D(2025, 3, 2), max_value=D(2030, 12, 31)),
    on=st.dates(min_value=START, max_value=D(2032, 12, 31)),
)
def test_entitled_exactly_up_to_the_effective_end(
    received: date | None, terminated: date | None, on: date
) -> None:
    contract = facts(cancellation_received=received, termination_effective=terminated)
    end = effective_end(contract)
    assert is_entitled(status_on(contract, on)) == (end is None or on <= end)


@pytest.mark.parametrize(
    ("status", "entitled"),
    [
        (ContractStatus.NOT_STARTED, False),
        (ContractStatus.ACTIVE, True),
        (ContractStatus.NOTICE_GIVEN, True),
        (ContractStatus.ENDED, False),
        (ContractStatus.TERMINATED, False),
    ],
)
def test_is_entitled(status: ContractStatus, entitled: bool) -> None:
    assert is_entitled(status) is entitled


@pytest.mark.parametrize("party", ["customer", "provider", None])
def test_cancelling_party(party: str | None) -> None:
    assert facts(cancellation_by=party).cancellation_by == party


def test_unknown_cancelling_party_is_rejected() -> None:
    with pytest.raises(ValueError):
        facts(cancellation_by="nobody")


def test_facts_are_immutable() -> None:
    contract = facts()
    with pytest.raises(AttributeError):
        contract.start = D(2026, 1, 1)  # type: ignore[misc]
