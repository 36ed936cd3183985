"""Contract terms, cancellation and status: the rules of "Laufzeit / Kündigung"."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from hotline.contracts.periods import period_end

__all__ = [
    "CANCELLING_PARTIES",
    "NOTICE_DAYS",
    "TERM_MONTHS",
    "ContractFacts",
    "ContractStatus",
    "Plan",
    "Term",
    "cancellation_effective_end",
    "effective_end",
    "is_entitled",
    "status_on",
    "term_on",
]

TERM_MONTHS = 12
NOTICE_DAYS = 14
CANCELLING_PARTIES = ("customer", "provider")

_ONE_DAY = timedelta(days=1)


class Plan(StrEnum):
    """The support plans on the product sheet."""

    FLAT = "flat"
    SECOND_LEVEL = "second_level"


class ContractStatus(StrEnum):
    """Where a contract stands on a given day."""

    NOT_STARTED = "not_started"
    ACTIVE = "active"
    NOTICE_GIVEN = "notice_given"
    ENDED = "ended"
    TERMINATED = "terminated"


@dataclass(frozen=True)
class Term:
    """One term of a contract; `index` 0 is the first (minimum) term, `end` is inclusive."""

    index: int
    start: date
    end: date


def _term_end(contract_start: date, index: int, term_months: int) -> date:
    # Always counted from the original start, so renewals never drift (e.g. after a 29 Feb).
    return period_end(contract_start, term_months * (index + 1))


def _term_start(contract_start: date, index: int, term_months: int) -> date:
    if index == 0:
        return contract_start
    return _term_end(contract_start, index - 1, term_months) + _ONE_DAY


def term_on(contract_start: date, on: date, term_months: int = TERM_MONTHS) -> Term:
    """Return the term of a contract starting on `contract_start` that contains the day `on`."""
    if term_months < 1:
        raise ValueError(f"a term needs at least one month, got {term_months}")
    if on < contract_start:
        raise ValueError(f"{on.isoformat()} is before the contract start {contract_start}")
    months = (on.year - contract_start.year) * 12 + (on.month - contract_start.month)
    # The month difference lands on the right term or its neighbour (day of month, short
    # months); the loops below step at most once, whatever the number of renewals.
    index = months // term_months
    while index > 0 and on < _term_start(contract_start, index, term_months):
        index -= 1
    while on > _term_end(contract_start, index, term_months):
        index += 1
    return Term(
        index=index,
        start=_term_start(contract_start, index, term_months),
        end=_term_end(contract_start, index, term_months),
    )


def cancellation_effective_end(
    contract_start: date,
    received: date,
    notice_days: int = NOTICE_DAYS,
    term_months: int = TERM_MONTHS,
) -> date:
    """Return the last day of the contract after a cancellation received on `received`.

    Notice received at least `notice_days` days before the end of the current term ends
    the contract with that term; later notice ends it with the following term. Notice
    received before the contract starts counts against the first term.
    """
    if notice_days < 0:
        raise ValueError(f"notice_days must not be negative, got {notice_days}")
    term = term_on(contract_start, max(received, contract_start), term_months)
    if received <= term.end - timedelta(days=notice_days):
        return term.end
    return _term_end(contract_start, term.index + 1, term_months)


@dataclass(frozen=True)
class ContractFacts:
    """What is recorded about a contract, enough to decide its status on any day."""

    plan: Plan
    start: date
    cancellation_received: date | None = None
    cancellation_by: str | None = None  # "customer" | "provider"
    termination_effective: date | None = None
    termination_reason: str | None = None

    def __post_init__(self) -> None:
        if self.cancellation_by is not None and self.cancellation_by not in CANCELLING_PARTIES:
            raise ValueError(
                f"cancellation_by must be one of {CANCELLING_PARTIES}, got {self.cancellation_by!r}"
            )


def _cancellation_end(facts: ContractFacts) -> date | None:
    if facts.cancellation_received is None:
        return None
    return cancellation_effective_end(facts.start, facts.cancellation_received)


def effective_end(facts: ContractFacts) -> date | None:
    """Return the last day the contract runs, or None while it runs on indefinitely."""
    candidates: list[date] = []
    cancellation_end = _cancellation_end(facts)
    if cancellation_end is not None:
        candidates.append(cancellation_end)
    if facts.termination_effective is not None:
        # A termination is effective *on* its date, so the last day of service is the day before.
        candidates.append(facts.termination_effective - _ONE_DAY)
    return min(candidates, default=None)


def status_on(facts: ContractFacts, on: date) -> ContractStatus:
    """Return the status of the contract on the day `on`."""
    if on < facts.start:
        return ContractStatus.NOT_STARTED
    if facts.termination_effective is not None and on >= facts.termination_effective:
        return ContractStatus.TERMINATED
    cancellation_end = _cancellation_end(facts)
    if cancellation_end is not None and facts.cancellation_received is not None:
        if on > cancellation_end:
            return ContractStatus.ENDED
        if facts.cancellation_received <= on:
            return ContractStatus.NOTICE_GIVEN
    return ContractStatus.ACTIVE


def is_entitled(status: ContractStatus) -> bool:
    """Tell whether a contract in `status` may use the support (it runs, notice or not)."""
    return status in (ContractStatus.ACTIVE, ContractStatus.NOTICE_GIVEN)
