"""`hotline contracts show|cancel|terminate` on real rows: status, term and price by date."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, timedelta

import pytest
from flask.testing import FlaskCliRunner
from sqlalchemy.orm import Session

from hotline.clock import FixedClock
from hotline.contracts.records import (
    ContractError,
    cancel_contract,
    get_contract,
    terminate_contract,
)
from tests.conftest import berlin
from tests.factories import make_contract


def show(runner: FlaskCliRunner, number: str) -> dict:
    result = runner.invoke(args=["contracts", "show", number, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


@pytest.mark.parametrize(
    ("start", "today", "term"),
    [
        # month end: 31 January starts run to 30 January, whatever February does
        (date(2025, 1, 31), (2026, 11, 30), (2, "2026-01-31", "2027-01-30")),
        # 29 February: the first term ends on 28 February, renewals follow without gaps
        (date(2024, 2, 29), (2025, 2, 28), (1, "2024-02-29", "2025-02-28")),
        (date(2024, 2, 29), (2025, 3, 1), (2, "2025-03-01", "2026-02-28")),
        # mid-month
        (date(2025, 6, 15), (2026, 6, 14), (1, "2025-06-15", "2026-06-14")),
        (date(2025, 6, 15), (2026, 6, 15), (2, "2026-06-15", "2027-06-14")),
        # the example of DESIGN
        (date(2025, 3, 1), (2026, 2, 28), (1, "2025-03-01", "2026-02-28")),
    ],
)
def test_current_term(
    session: Session,
    runner: FlaskCliRunner,
    clock: FixedClock,
    start: date,
    today: tuple[int, int, int],
    term: tuple[int, str, str],
) -> None:
    make_contract(session, start=start, stations={"1": [], "2": []})
    session.commit()
    clock.set(berlin(*today, 12, 0))
    overview = show(runner, "V-1001")
    assert overview["status"] == "active"
    assert overview["current_term"] == {"index": term[0], "start": term[1], "end": term[2]}
    assert overview["annual_price_eur"] == "498.00"


@pytest.mark.parametrize(
    ("received", "effective_end"),
    [
        ("2026-02-14", "2026-02-28"),  # exactly 14 days before the term end: in time
        ("2026-02-15", "2027-02-28"),  # 13 days: too late, the next term end
        ("2025-04-01", "2026-02-28"),  # during the minimum term: its end
    ],
)
def test_cancellation_in_time_and_too_late(
    session: Session, runner: FlaskCliRunner, clock: FixedClock, received: str, effective_end: str
) -> None:
    make_contract(session, plan="second_level", start=date(2025, 3, 1), stations={"1": []})
    session.commit()
    clock.set(berlin(2026, 2, 10, 12, 0))
    assert show(runner, "V-1001")["status"] == "active"

    result = runner.invoke(
        args=["contracts", "cancel", "V-1001", "--received", received, "--by", "customer"]
    )
    assert result.exit_code == 0, result.output
    assert effective_end in result.output

    clock.set(berlin(2026, 2, 20, 12, 0))
    overview = show(runner, "V-1001")
    assert overview["status"] == "notice_given"
    assert overview["entitled"] is True
    assert overview["cancellation"] == {
        "received": received,
        "by": "customer",
        "effective_end": effective_end,
    }
    assert overview["annual_price_eur"] == "650.00"

    end = date.fromisoformat(effective_end)
    clock.set(berlin(end.year, end.month, end.day, 23, 59))
    assert show(runner, "V-1001")["status"] == "notice_given"
    after = end + timedelta(days=1)
    clock.set(berlin(after.year, after.month, after.day, 0, 1))
    ended = show(runner, "V-1001")
    assert ended["status"] == "ended"
    assert ended["entitled"] is False


def test_cancelling_twice_is_refused(session: Session, runner: FlaskCliRunner) -> None:
    make_contract(session)
    session.commit()
    args = ["contracts", "cancel", "V-1001", "--received", "2026-11-01"]
    assert runner.invoke(args=args).exit_code == 0
    again = runner.invoke(args=args)
    assert again.exit_code == 1
    assert "cancelled already" in again.output


def test_termination_by_the_provider(
    session: Session, runner: FlaskCliRunner, clock: FixedClock
) -> None:
    make_contract(session)
    session.commit()
    result = runner.invoke(
        args=[
            "contracts",
            "terminate",
            "V-1001",
            "--reason",
            "wiederholt beleidigendes Verhalten",
            "--effective",
            "2026-12-15",
        ]
    )
    assert result.exit_code == 0, result.output
    assert show(runner, "V-1001")["status"] == "active"
    clock.set(berlin(2026, 12, 15, 0, 0))
    overview = show(runner, "V-1001")
    assert overview["status"] == "terminated"
    assert overview["termination"] == {
        "effective": "2026-12-15",
        "reason": "wiederholt beleidigendes Verhalten",
    }


def test_sixth_station_on_second_level_is_reported(
    session: Session, runner: FlaskCliRunner
) -> None:
    make_contract(session, plan="second_level", stations={str(n): [] for n in range(1, 7)})
    session.commit()
    overview = show(runner, "V-1001")
    assert overview["annual_price_eur"] is None
    assert "weiterer Vertrag" in overview["price_problem"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["contracts", "show", "V-404"], "no contract with number V-404"),
        (["contracts", "cancel", "V-1001", "--received", "1.11.2026"], "is not an ISO date"),
        (["contracts", "terminate", "V-1001", "--reason", "  "], "needs a reason"),
    ],
)
def test_errors_are_one_line(
    session: Session, runner: FlaskCliRunner, args: list[str], message: str
) -> None:
    make_contract(session)
    session.commit()
    result = runner.invoke(args=args)
    assert result.exit_code != 0
    assert message in result.output
    assert "Traceback" not in result.output


def test_plain_text_show(session: Session, runner: FlaskCliRunner) -> None:
    make_contract(session, stations={"1": [], "2": [], "3": []})
    session.commit()
    result = runner.invoke(args=["contracts", "show", "V-1001"])
    assert result.exit_code == 0
    assert "747.00 EUR" in result.output
    assert "station    3 Kasse 3" in result.output


def test_each_refusal_names_its_code_and_says_it_in_english(
    session: Session, clock: FixedClock
) -> None:
    make_contract(session)
    session.commit()
    now = clock.now()
    received = date(2026, 11, 1)

    def refused(action: Callable[[], object]) -> tuple[str, str]:
        with pytest.raises(ContractError) as caught:
            action()
        return caught.value.code, str(caught.value)

    assert refused(lambda: get_contract(session, "V-0")) == (
        "not_found",
        "no contract with number V-0",
    )
    code, message = refused(
        lambda: cancel_contract(session, "V-1001", received=received, by="x", now=now)
    )
    assert code == "bad_party" and message.startswith("--by must be one of")
    assert refused(
        lambda: terminate_contract(session, "V-1001", reason=" ", effective=received, now=now)
    ) == ("reason_missing", "a termination needs a reason")
    cancel_contract(session, "V-1001", received=received, by="customer", now=now)
    code, message = refused(
        lambda: cancel_contract(session, "V-1001", received=received, by="customer", now=now)
    )
    assert code == "cancelled_already" and "cancelled already" in message
    terminate_contract(session, "V-1001", reason="Missbrauch", effective=received, now=now)
    for action in (
        lambda: cancel_contract(session, "V-1001", received=received, by="customer", now=now),
        lambda: terminate_contract(session, "V-1001", reason="x", effective=received, now=now),
    ):
        assert refused(action) == ("terminated_already", "contract V-1001 was terminated already")
