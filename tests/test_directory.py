"""Who is calling: caller-ID lookup across stations, admins and shared numbers."""

from __future__ import annotations

from sqlalchemy.orm import Session

from hotline.directory.lookup import contracts_of_customer, find_station, lookup_number
from tests.factories import make_contract


def test_station_number_identifies_contract_and_station(session: Session) -> None:
    make_contract(session, stations={"1": ["+49304412345"], "2": ["+49304412346"]})
    matches = lookup_number(session, "+49304412346")
    assert len(matches) == 1
    assert matches[0].contract.number == "V-1001"
    assert matches[0].station is not None and matches[0].station.number == "2"
    assert not matches[0].is_admin


def test_admin_number_wins_over_a_station_of_the_same_contract(session: Session) -> None:
    make_contract(
        session,
        plan="second_level",
        stations={"1": ["+49891234567"]},
        admins=[("Petra Huber", ["+491711234567", "+49891234567"], "4711")],
    )
    (match,) = lookup_number(session, "+49891234567")
    assert match.is_admin and match.admin is not None and match.admin.name == "Petra Huber"
    assert match.station is not None  # still known, e.g. for the whisper
    (mobile,) = lookup_number(session, "+491711234567")
    assert mobile.is_admin and mobile.station is None


def test_shared_number_returns_every_contract(session: Session) -> None:
    shared = "+4940555000"
    make_contract(
        session, customer_number="2001", contract_number="V-2001", stations={"1": [shared]}
    )
    make_contract(
        session, customer_number="2002", contract_number="V-2002", stations={"1": [shared]}
    )
    matches = lookup_number(session, shared)
    assert sorted(m.contract.number for m in matches) == ["V-2001", "V-2002"]


def test_unknown_number(session: Session) -> None:
    make_contract(session, stations={"1": ["+49304412345"]})
    assert lookup_number(session, "+49304412399") == []


def test_customer_number_and_station_entry(session: Session) -> None:
    contract = make_contract(session, stations={"1": [], "2": [], "10": []})
    assert [c.number for c in contracts_of_customer(session, " 1001 ")] == ["V-1001"]
    assert contracts_of_customer(session, "9999") == []
    station = find_station(contract, "02")
    assert station is not None and station.number == "2"
    assert find_station(contract, "3") is None
