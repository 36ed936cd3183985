"""Contract rules of the support product: periods, terms, cancellation, status, prices.

Plain Python on purpose: no Flask, no database, so every part of the project (web app,
IVR, scheduler, command line) can apply the same rules.
"""

from hotline.contracts.periods import period_end
from hotline.contracts.pricing import (
    FLAT_PRICE_PER_STATION,
    SECOND_LEVEL_MAX_STATIONS,
    SECOND_LEVEL_PRICE,
    TooManyStations,
    annual_price,
)
from hotline.contracts.terms import (
    CANCELLING_PARTIES,
    NOTICE_DAYS,
    TERM_MONTHS,
    ContractFacts,
    ContractStatus,
    Plan,
    Term,
    cancellation_effective_end,
    effective_end,
    is_entitled,
    status_on,
    term_on,
)

__all__ = [
    "CANCELLING_PARTIES",
    "FLAT_PRICE_PER_STATION",
    "NOTICE_DAYS",
    "SECOND_LEVEL_MAX_STATIONS",
    "SECOND_LEVEL_PRICE",
    "TERM_MONTHS",
    "ContractFacts",
    "ContractStatus",
    "Plan",
    "Term",
    "TooManyStations",
    "annual_price",
    "cancellation_effective_end",
    "effective_end",
    "is_entitled",
    "period_end",
    "status_on",
    "term_on",
]
