"""Annual prices of the plans."""

from __future__ import annotations

from decimal import Decimal

import pytest

from hotline.contracts import (
    FLAT_PRICE_PER_STATION,
    SECOND_LEVEL_MAX_STATIONS,
    SECOND_LEVEL_PRICE,
    Plan,
    TooManyStations,
    annual_price,
)


def test_constants_match_the_product_sheet() -> None:
    assert Decimal("249.00") == FLAT_PRICE_PER_STATION
    assert Decimal("650.00") == SECOND_LEVEL_PRICE
    assert SECOND_LEVEL_MAX_STATIONS == 5


@pytest.mark.parametrize(
    ("stations", "expected"),
    [
        (1, "249.00"),
        (2, "498.00"),
        (3, "747.00"),
        (4, "996.00"),
        (5, "1245.00"),
        (6, "1494.00"),
        (10, "2490.00"),
    ],
)
def test_flat_is_priced_per_station(stations: int, expected: str) -> None:
    price = annual_price(Plan.FLAT, stations)
    assert price == Decimal(expected)
    assert isinstance(price, Decimal)
    # Cents are kept, so the amount prints as money.
    assert str(price) == expected


@pytest.mark.parametrize("stations", [1, 2, 3, 4, 5])
def test_second_level_is_one_price_for_up_to_five_stations(stations: int) -> None:
    price = annual_price(Plan.SECOND_LEVEL, stations)
    assert price == Decimal("650.00")
    assert str(price) == "650.00"


@pytest.mark.parametrize("stations", [6, 7, 50])
def test_second_level_needs_another_contract_from_the_sixth_station(stations: int) -> None:
    with pytest.raises(TooManyStations) as excinfo:
        annual_price(Plan.SECOND_LEVEL, stations)
    message = str(excinfo.value)
    assert "höchstens 5 Stationen" in message
    assert "6. Station" in message
    assert "weiterer Vertrag" in message
    assert excinfo.value.stations == stations


def test_too_many_stations_is_a_value_error() -> None:
    with pytest.raises(ValueError):
        annual_price(Plan.SECOND_LEVEL, 6)


@pytest.mark.parametrize("plan", list(Plan))
@pytest.mark.parametrize("stations", [0, -1])
def test_a_contract_covers_at_least_one_station(plan: Plan, stations: int) -> None:
    with pytest.raises(ValueError) as excinfo:
        annual_price(plan, stations)
    assert not isinstance(excinfo.value, TooManyStations)


@pytest.mark.parametrize(
    ("plan", "stations", "expected"),
    [("flat", 2, Decimal("498.00")), ("second_level", 3, Decimal("650.00"))],
)
def test_plan_may_be_given_as_its_stored_string(
    plan: str, stations: int, expected: Decimal
) -> None:
    assert annual_price(Plan(plan), stations) == expected
    assert annual_price(plan, stations) == expected  # type: ignore[arg-type]


def test_unknown_plan_is_rejected() -> None:
    with pytest.raises(ValueError):
        annual_price("gold", 1)  # type: ignore[arg-type]
