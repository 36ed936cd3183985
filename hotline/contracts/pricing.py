"""Annual prices of the support plans, as on the product sheet."""

from __future__ import annotations

from decimal import Decimal

from hotline.contracts.terms import Plan

__all__ = [
    "FLAT_PRICE_PER_STATION",
    "SECOND_LEVEL_MAX_STATIONS",
    "SECOND_LEVEL_PRICE",
    "TooManyStations",
    "annual_price",
]

FLAT_PRICE_PER_STATION = Decimal("249.00")
SECOND_LEVEL_PRICE = Decimal("650.00")
SECOND_LEVEL_MAX_STATIONS = 5


class TooManyStations(ValueError):
    """A Second Level contract was asked to cover more stations than it may."""

    def __init__(self, stations: int) -> None:
        self.stations = stations
        first_uncovered = SECOND_LEVEL_MAX_STATIONS + 1
        super().__init__(
            f"Second Level deckt höchstens {SECOND_LEVEL_MAX_STATIONS} Stationen ab "
            f"(angefragt: {stations}); ab der {first_uncovered}. Station ist ein "
            "weiterer Vertrag nötig."
        )


def annual_price(plan: Plan, stations: int) -> Decimal:
    """Return the price in EUR per year of a contract on `plan` covering `stations` stations."""
    # Accept the stored string ("flat") as well as the enum; an unknown plan raises ValueError.
    plan = Plan(plan)
    if stations < 1:
        raise ValueError(f"Ein Vertrag deckt mindestens eine Station ab (angefragt: {stations}).")
    if plan is Plan.FLAT:
        return FLAT_PRICE_PER_STATION * stations
    if stations > SECOND_LEVEL_MAX_STATIONS:
        raise TooManyStations(stations)
    # Flat rate: one to five stations cost the same.
    return SECOND_LEVEL_PRICE
