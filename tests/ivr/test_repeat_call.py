"""A repeat call while the caller's callback is still open: one ticket per open problem."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.clock import FixedClock
from hotline.models import Call, Callback, Ticket
from tests.conftest import berlin
from tests.ivr.conftest import Phone
from tests.ivr.test_calls import STATION


def test_a_repeat_call_joins_the_open_callback_and_hears_its_ticket_number(
    phone: Phone, customers, session: Session, clock: FixedClock
) -> None:
    customers(stations={"1": [STATION]})
    first = phone.call(STATION, ["2", "1", "Die Kasse startet nicht"])
    callback = session.scalars(select(Callback)).one()
    ticket = session.get(Ticket, callback.ticket_id)
    assert ticket is not None
    number = " ".join(str(ticket.number))
    assert f"Ihre Ticketnummer ist {number}." in first.heard()

    clock.advance(minutes=10)
    again = phone.call(STATION, ["1", "1", ""])

    session.expire_all()
    joined = session.scalars(select(Callback)).one()  # no second callback
    assert joined.id == callback.id and joined.priority == 0  # raised to an outage
    # The caller hears the number the agent sees on the callback, and no other.
    assert f"Ihre Ticketnummer ist {number}." in again.heard()
    # The repeat call's own ticket is closed as a repeat of the open one.
    tickets = session.scalars(select(Ticket).order_by(Ticket.id)).all()
    assert [t.id for t in tickets if t.status == "open"] == [joined.ticket_id]
    repeat = tickets[-1]
    assert repeat.status == "closed" and repeat.closed_at is not None
    assert repeat.subject == f"Wiederholter Anruf zu Ticket {tickets[0].number} (offener Rückruf)"
    calls = session.scalars(select(Call).order_by(Call.id)).all()
    assert [c.outcome for c in calls] == ["callback", "callback"]


def test_a_joined_callback_without_a_ticket_gets_the_repeat_calls_ticket(
    phone: Phone, customers, session: Session
) -> None:
    contract = customers(stations={"1": [STATION]})
    # Left by the fallback's spool, say: a callback with no ticket of its own.
    open_request = Callback(
        phone=STATION,
        contract_id=contract.id,
        category="technical",
        priority=1,
        status="due",
        requested_at=contract.created_at,
        due_at=contract.created_at,
        updated_at=contract.created_at,
    )
    session.add(open_request)
    session.commit()

    walk = phone.call(STATION, ["2", "1", ""])
    session.expire_all()
    ticket = session.scalars(select(Ticket)).one()
    assert session.scalars(select(Callback)).one().ticket_id == ticket.id
    assert f"Ihre Ticketnummer ist {' '.join(str(ticket.number))}." in walk.heard()


def test_after_hours_a_repeat_call_hears_when_the_open_callback_comes(
    phone: Phone, customers, session: Session, clock: FixedClock
) -> None:
    customers(stations={"1": [STATION]})
    phone.call(STATION, ["2", "1", ""])  # open, nobody free: due at once
    clock.set(berlin(2026, 11, 30, 19, 30))  # still not called back, now closed
    again = phone.call(STATION, ["1", "1", ""])
    assert "Wir rufen Sie morgen, am Dienstag, den 1. Dezember, ab 9 Uhr zurück." in again.heard()
