"""Twilio's retries, the fallback URL, a database that fails during a call, unexpected errors."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from hotline.models import Call, Callback, CallStep, Counter, Ticket
from hotline.runtime import Runtime
from ivr_flows import routing
from ivr_flows.state import Step
from ivr_flows.walker import FlaskTransport, Walker
from tests.ivr.conftest import Phone, check_twiml

STATION = "+49304412345"
FALLBACK = "+4930999999"


@pytest.fixture
def settings_overrides() -> dict[str, object]:
    return {"voice.fallback_numbers": [FALLBACK]}


def counts(session: Session) -> tuple[int, ...]:
    session.expire_all()
    return tuple(
        session.scalar(select(func.count()).select_from(m)) or 0
        for m in (Call, Ticket, Callback, CallStep)
    )


def test_the_same_webhooks_twice_answer_the_same_and_create_nothing_twice(
    phone: Phone, customers, session: Session, app
) -> None:
    customers(stations={"1": [STATION]})
    walk = phone.call(STATION, ["1", "2", "01711234567#", "1", "Kasse aus"])
    before = counts(session)
    assert before[:3] == (1, 1, 1)
    client = app.test_client()
    for exchange in walk.exchanges:
        if exchange.url.endswith("/voice/status"):
            continue
        path = exchange.url.removeprefix("http://localhost")
        again = client.post(path, data=exchange.params)
        assert again.get_data(as_text=True) == exchange.body, path
    assert counts(session) == before


def test_a_status_callback_before_the_incoming_webhook_leaves_one_call_with_its_ticket(
    phone: Phone, customers, session: Session, app
) -> None:
    # The incoming step does not look for its call first (webhook.run_step `first`): here
    # it exists, so storing the step fails on the CallSid and the second try loads it.
    customers(stations={"1": [STATION]})
    client = app.test_client()
    early = {"CallSid": "CA-early", "From": STATION, "CallStatus": "ringing"}
    assert client.post("/voice/status", data=early).status_code == 200
    assert counts(session) == (1, 0, 0, 0)
    reply = client.post("/voice/incoming", data={"CallSid": "CA-early", "From": STATION})
    body = reply.get_data(as_text=True)
    check_twiml(body)
    assert "/voice/menu/choice" in body  # known number, Flat: straight to the menu
    assert counts(session) == (1, 1, 0, 1)
    session.expire_all()
    call = session.scalars(select(Call)).one()
    assert call.contract_id is not None and call.twilio_status == "ringing"
    again = client.post("/voice/incoming", data={"CallSid": "CA-early", "From": STATION})
    assert again.get_data(as_text=True) == body
    assert counts(session) == (1, 1, 0, 1)


def test_a_retry_of_a_pin_step_does_not_count_the_wrong_pin_twice(
    phone: Phone, customers, session: Session, app
) -> None:
    customers(
        plan="second_level",
        stations={"1": [STATION]},
        admins=[("Frau Maier", [], "4711")],
    )
    walk = phone.call(STATION, ["1111#"])
    pin_step = next(e for e in walk.exchanges if "/voice/pin" in e.url)
    app.test_client().post(pin_step.url.removeprefix("http://localhost"), data=pin_step.params)
    session.expire_all()
    assert session.scalars(select(Call)).one().pin_failures == 1


def test_fallback_url_dials_the_fallback_numbers(phone: Phone) -> None:
    walk = phone.call(STATION, start="/voice/fallback", dial_result="completed")
    assert "Entschuldigung, bei uns gibt es gerade eine technische Störung." in walk.heard()
    assert walk.dialed == [[FALLBACK]]
    assert walk.ended_by == "hangup"


def test_fallback_records_a_message_when_the_fallback_numbers_do_not_answer(
    phone: Phone,
) -> None:
    walk = phone.call(STATION, ["Bitte zurückrufen"], start="/voice/fallback", dial_result="busy")
    assert "[Signalton – Aufnahme]" in walk.transcript
    assert "Vielen Dank, wir melden uns bei Ihnen." in walk.heard()


def break_database(rt: Runtime, tmp_path: Path) -> None:
    """Point the running app at a database file in a directory that no longer exists."""
    rt.use_database(f"sqlite:///{tmp_path / 'gone' / 'hotline.sqlite3'}")


def test_database_down_routes_the_caller_to_the_fallback_numbers(
    phone: Phone, rt: Runtime, tmp_path: Path
) -> None:
    break_database(rt, tmp_path)
    walk = phone.call(STATION, ["1"])
    assert "technische Störung" in walk.heard()
    assert walk.dialed == [[FALLBACK]]


def test_database_down_without_fallback_numbers_records_a_message(
    phone: Phone, rt: Runtime, tmp_path: Path
) -> None:
    rt.settings = dataclasses.replace(rt.settings, fallback_numbers=())
    break_database(rt, tmp_path)
    walk = phone.call(STATION, ["Kasse 3 ist kaputt"])
    assert "Bitte hinterlassen Sie nach dem Signalton" in walk.heard()
    assert "Vielen Dank, wir melden uns bei Ihnen." in walk.heard()


def test_database_failing_while_the_agents_ring(
    phone: Phone, customers, agents, rt: Runtime, tmp_path: Path, monkeypatch
) -> None:
    customers(stations={"1": [STATION]})
    real_route = routing.route

    def route_then_fail(step, response, category):  # type: ignore[no-untyped-def]
        break_database(rt, tmp_path)  # this step still commits on its open connection
        return real_route(step, response, category)

    monkeypatch.setattr(routing, "route", route_then_fail)
    walk = phone.call(STATION, ["1"], dial_result="no-answer")
    # Nobody answered and the callback cannot be stored: the fallback numbers ring.
    assert walk.dialed == [["+4915111111111", "client:ben"], [FALLBACK]]
    assert "technische Störung" in walk.heard()


def test_database_failing_after_the_menu(
    app, rt: Runtime, customers, agents, tmp_path: Path
) -> None:
    customers(stations={"1": [STATION]})

    class BreaksAfterFirstAnswer(FlaskTransport):
        def post(self, url: str, params: dict[str, str]) -> tuple[int, str]:
            answer = super().post(url, params)
            break_database(rt, tmp_path)
            return answer

    walk = Walker(BreaksAfterFirstAnswer(app, None), "http://localhost", STATION, keys=["1"]).run()
    assert all(e.status == 200 for e in walk.exchanges)
    for exchange in walk.exchanges:
        check_twiml(exchange.body)
    assert walk.dialed == [[FALLBACK]]


def test_an_unexpected_error_is_apologised_for_never_a_500(
    phone: Phone, customers, agents, monkeypatch
) -> None:
    customers(stations={"1": [STATION]})

    def boom(*args: object, **kwargs: object) -> None:
        raise RuntimeError("bug")

    monkeypatch.setattr(Step, "available_phones", boom)
    walk = phone.call(STATION, ["1"])
    assert "technische Störung" in walk.heard()
    assert walk.dialed == [[FALLBACK]]


def test_status_callback_survives_a_database_failure(app, rt: Runtime, tmp_path: Path) -> None:
    break_database(rt, tmp_path)
    reply = app.test_client().post(
        "/voice/status", data={"CallSid": "CA1", "CallStatus": "completed", "CallDuration": "5"}
    )
    assert reply.status_code == 200
    check_twiml(reply.get_data(as_text=True))


def test_a_missing_ticket_counter_stores_nothing_of_the_step_and_says_why(
    phone: Phone, customers, agents, session: Session, caplog: pytest.LogCaptureFixture
) -> None:
    customers(stations={"1": [STATION]})
    session.execute(delete(Counter).where(Counter.name == "ticket"))
    session.commit()
    walk = phone.call(STATION, ["1"])
    assert "technische Störung" in walk.heard()  # the fallback, not a half-stored step
    assert walk.dialed == [[FALLBACK]]
    # The call, its ticket and its answer go together or not at all (one statement on
    # PostgreSQL, one transaction on SQLite); only the status callback records the call.
    call = session.scalars(select(Call)).one()
    assert (call.contract_id, call.twilio_status) == (None, "completed")
    assert counts(session)[1:] == (0, 0, 0)
    assert "the ticket counter is missing" in caplog.text
