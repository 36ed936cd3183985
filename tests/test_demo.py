"""`hotline demo`: loads through the import, twice without duplicates, and the data makes sense."""

from __future__ import annotations

import json
from typing import Any

import pytest
from flask.testing import FlaskCliRunner
from sqlalchemy import func, select, text

from hotline.accounts.secrets import check_password, check_pin
from hotline.contracts import status_on
from hotline.db import transaction
from hotline.demo import data, load_demo
from hotline.directory.lookup import lookup_number
from hotline.directory.phones import normalize
from hotline.imports import validate_rows
from hotline.models import Agent, Callback, Contact, Contract, Customer, Station, Ticket
from hotline.runtime import Runtime

TABLES = (
    "customers",
    "contracts",
    "contract_events",
    "stations",
    "contacts",
    "phone_numbers",
    "agents",
    "tickets",
    "callbacks",
    "callback_attempts",
)


def snapshot(rt: Runtime) -> dict[str, list[tuple[Any, ...]]]:
    with rt.sessions() as s:
        return {
            t: [tuple(r) for r in s.execute(text(f"SELECT * FROM {t} ORDER BY id"))] for t in TABLES
        }


def test_demo_rows_pass_the_import_checks() -> None:
    checked = validate_rows(data.csv_rows())
    assert checked.ok, checked.errors
    assert len(checked.customers) == 12
    plans = {c.plan.value for c in checked.contracts.values()}
    assert plans == {"flat", "second_level"}


def test_demo_loads_and_is_idempotent(runner: FlaskCliRunner, rt: Runtime) -> None:
    first = runner.invoke(args=["demo"])
    assert first.exit_code == 0, first.output
    assert first.output.startswith("demo data loaded: customers 12 new/0 updated")
    assert "030 4412345" in first.output and "4711" in first.output
    assert data.DEMO_PASSWORD in first.output
    before = snapshot(rt)
    assert len(before["customers"]) == 12
    assert len(before["stations"]) == 25
    assert len(before["agents"]) == 3
    assert len(before["callbacks"]) == 5

    second = runner.invoke(args=["demo"])
    assert second.exit_code == 0, second.output
    assert second.output.startswith("demo data already loaded: nothing changed")
    assert snapshot(rt) == before


def test_demo_completes_what_is_missing(rt: Runtime) -> None:
    with transaction(rt.sessions) as s:
        load_demo(s, now=rt.clock.now(), calendar=rt.calendar)
    with transaction(rt.sessions) as s:
        s.execute(text("DELETE FROM callbacks"))
        agent = s.scalar(select(Agent).where(Agent.email == data.AGENTS[2].email))
        assert agent is not None
        s.delete(agent)
        station = s.scalar(select(Station).where(Station.name == "Leergutkasse"))
        assert station is not None
        station.name = "umbenannt"
    with transaction(rt.sessions) as s:
        result = load_demo(s, now=rt.clock.now(), calendar=rt.calendar)
        assert result.changed
        assert result.imported.stations.updated == 1
        assert result.agents_created == [data.AGENTS[2].email]
        # The callbacks' tickets are still there, so the callbacks are not made again.
        assert result.callbacks_created == 0


def test_contracts_show_on_a_demo_contract(runner: FlaskCliRunner, rt: Runtime) -> None:
    assert runner.invoke(args=["demo"]).exit_code == 0
    result = runner.invoke(args=["contracts", "show", "V-2023-0005", "--json"])
    assert result.exit_code == 0, result.output
    overview = json.loads(result.output)
    assert overview["plan"] == "second_level"
    assert overview["status"] == "active"
    assert overview["annual_price_eur"] == "650.00"
    assert len(overview["stations"]) == 5
    assert overview["admins"] == [
        {"name": "Thomas Brandt", "email": "t.brandt@zum-goldenen-anker.example"}
    ]
    plain = runner.invoke(args=["contracts", "show", "V-2022-0003"])
    assert plain.exit_code == 0, plain.output
    assert "747.00 EUR" in plain.output  # flat, 3 stations


@pytest.mark.parametrize(
    ("contract", "status"),
    [
        ("V-2023-0001", "active"),
        ("V-2024-0004", "notice_given"),
        ("V-2022-0009", "ended"),
        ("V-2023-0010", "terminated"),
    ],
)
def test_demo_contract_states(rt: Runtime, contract: str, status: str) -> None:
    with transaction(rt.sessions) as s:
        load_demo(s, now=rt.clock.now(), calendar=rt.calendar)
    today = rt.clock.now().astimezone(rt.calendar.zone).date()
    with rt.sessions() as s:
        row = s.scalar(select(Contract).where(Contract.number == contract))
        assert row is not None
        assert status_on(row.facts, today).value == status
        if status == "notice_given":
            assert row.effective_end is not None and row.effective_end > today


def test_demo_numbers_are_found_by_the_directory(rt: Runtime) -> None:
    with transaction(rt.sessions) as s:
        load_demo(s, now=rt.clock.now(), calendar=rt.calendar)
    with rt.sessions() as s:
        (bakery,) = lookup_number(s, "+49304412345")
        assert bakery.contract.customer.name.startswith("Bäckerei Krause")
        assert bakery.station is not None and len(bakery.contract.stations) == 1
        shared = lookup_number(s, "+494066969300")
        assert sorted(m.contract.customer.number for m in shared) == ["10007", "10008"]
        (admin,) = lookup_number(s, "+491729980752")
        assert admin.is_admin and admin.contract.number == "V-2023-0005"
        assert admin.admin is not None and check_pin(admin.admin.pin_hash, data.DEMO_PIN)
        three = s.scalar(select(Contract).where(Contract.number == "V-2022-0003"))
        assert three is not None and three.plan == "flat" and len(three.stations) == 3
        # Every number the summary suggests is a valid number of the demo.
        for number, _ in data.TRY_NUMBERS:
            e164 = normalize(number)
            assert e164 is not None and lookup_number(s, e164), number
        assert s.scalar(select(func.count()).select_from(Customer)) == 12
        assert s.scalar(select(func.count()).select_from(Contact)) == 4


def test_demo_agents_and_callbacks(rt: Runtime) -> None:
    with transaction(rt.sessions) as s:
        load_demo(s, now=rt.clock.now(), calendar=rt.calendar)
    now = rt.clock.now()  # Monday 10:00 in Berlin: open
    with rt.sessions() as s:
        agents = list(s.scalars(select(Agent).order_by(Agent.id)))
        assert [a.supervisor for a in agents] == [True, False, False]
        assert sum(a.available for a in agents) == 2
        assert all(check_password(a.password_hash, data.DEMO_PASSWORD) for a in agents)
        callbacks = list(s.scalars(select(Callback).order_by(Callback.id)))
        assert [c.status for c in callbacks] == ["due", "due", "due", "claimed", "done"]
        assert [c.priority for c in callbacks] == [0, 1, 1, 1, 0]
        assert all(c.phone.startswith("+49") for c in callbacks)
        assert all(c.due_at <= now for c in callbacks)
        assert callbacks[2].attempts == 1 and callbacks[2].next_attempt_at is not None
        tickets = {t.id: t for t in s.scalars(select(Ticket))}
        assert all(c.ticket_id in tickets for c in callbacks)
        assert tickets[callbacks[4].ticket_id or 0].status == "closed"


def test_demo_callbacks_wait_for_the_opening_when_closed(rt: Runtime, clock: Any) -> None:
    from tests.conftest import berlin

    clock.set(berlin(2026, 11, 28, 11, 0))  # a Saturday
    with transaction(rt.sessions) as s:
        load_demo(s, now=rt.clock.now(), calendar=rt.calendar)
    with rt.sessions() as s:
        first = s.scalar(select(Callback).order_by(Callback.id))
        assert first is not None and first.status == "queued"
        assert first.due_at == berlin(2026, 11, 30, 9, 0)


@pytest.mark.parametrize(
    "settings_overrides",
    [
        {
            "HOTLINE_ENV": "production",
            "TWILIO_AUTH_TOKEN": "t",
            "HOTLINE_SECRET_KEY": "k",
            "HOTLINE_PUBLIC_URL": "https://hotline.example.de",
        }
    ],
)
def test_demo_is_refused_in_production(runner: FlaskCliRunner, rt: Runtime) -> None:
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 1
    assert "refused in production" in result.stderr
    assert snapshot(rt)["customers"] == []
