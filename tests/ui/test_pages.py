"""The pages' content: contracts, tickets, the callback list, my status, agents."""

from __future__ import annotations

from datetime import date, timedelta

from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.clock import FixedClock
from hotline.models import Agent, Call, Callback, Station
from hotline.runtime import Runtime
from hotline.tickets import open_ticket
from tests.factories import make_contract
from tests.ui.conftest import AGENT_EMAIL, csrf_token


def _bakery(session: Session) -> int:
    contract = make_contract(
        session,
        customer_number="1001",
        contract_number="V-1001",
        plan="flat",
        start=date(2025, 3, 1),
        stations={"1": ["+49304412345"], "2": []},
    )
    contract.customer.name = "Bäckerei Schulz"
    _station(session, contract.id, "1").teamviewer_id = "123456789"
    session.commit()
    return contract.id


def _station(session: Session, contract_id: int, number: str) -> Station:
    """The contract's station by its number (the bakery has two)."""
    station = session.scalar(
        select(Station).where(Station.contract_id == contract_id, Station.number == number)
    )
    assert station is not None
    return station


def test_contract_search_by_phone_in_any_format(
    agent_client: FlaskClient, session: Session
) -> None:
    _bakery(session)
    for typed in ("030 / 441 23 45", "+49 30 4412345", "(030) 4412345", "0049304412345"):
        text = agent_client.get("/contracts", query_string={"q": typed}).get_data(as_text=True)
        assert "V-1001" in text, typed
        assert "Bäckerei Schulz" in text
        assert "Kasse 1" in text


def test_contract_search_by_customer_number_contract_number_and_name(
    agent_client: FlaskClient, session: Session
) -> None:
    _bakery(session)
    make_contract(session, customer_number="2002", contract_number="V-2002")
    session.commit()
    for q in ("1001", "V-1001", "bäckerei", "Schulz"):
        text = agent_client.get("/contracts", query_string={"q": q}).get_data(as_text=True)
        assert "V-1001" in text, q
        assert "V-2002" not in text, q
    text = agent_client.get("/contracts", query_string={"q": "030 999999"}).get_data(as_text=True)
    assert "Kein Vertrag gefunden" in text
    # LIKE wildcards are taken literally.
    text = agent_client.get("/contracts", query_string={"q": "%%"}).get_data(as_text=True)
    assert "Kein Vertrag gefunden" in text


def test_the_contract_page(
    agent_client: FlaskClient, session: Session, rt: Runtime, clock: FixedClock
) -> None:
    contract_id = _bakery(session)
    admin = make_contract(
        session,
        customer_number="3003",
        contract_number="V-3003",
        plan="second_level",
        admins=[("Petra Admin", ["+4940123456"], "1234")],
        cancellation_received=date(2026, 11, 2),
        cancellation_by="customer",
    )
    now = clock.now()
    for days in (0, 1, 40):
        open_ticket(
            session, now=now - timedelta(days=days), contract_id=contract_id, category="outage"
        )
    session.commit()

    text = agent_client.get("/contracts/V-1001").get_data(as_text=True)
    assert "Support Flat" in text
    assert "aktiv" in text
    assert "498,00 €" in text  # two stations
    assert 'href="https://start.teamviewer.com/123456789"' in text
    assert "030 4412345" in text
    assert "2. Vertragsjahr: 01.03.2026 bis 28.02.2027" in text
    assert "<svg" in text and "Nov 26: 2" in text and "Okt 26: 1" in text
    assert "Störung" in text

    text = agent_client.get(f"/contracts/{admin.number}").get_data(as_text=True)
    assert "Second Level" in text and "650,00 €" in text
    assert "Petra Admin" in text and "040 123456" in text
    assert "eingegangen 02.11.2026 (Kunde)" in text


def test_tickets_list_newest_first_and_filtered(
    agent_client: FlaskClient, session: Session, clock: FixedClock
) -> None:
    contract_id = _bakery(session)
    first = open_ticket(
        session, now=clock.now() - timedelta(hours=2), contract_id=contract_id, category="legal"
    )
    second = open_ticket(session, now=clock.now(), contract_id=contract_id, category="technical")
    closed = open_ticket(session, now=clock.now(), contract_id=None)
    closed.status = "closed"
    session.commit()
    text = agent_client.get("/tickets").get_data(as_text=True)
    assert text.index(f">{second.number}<") < text.index(f">{first.number}<")
    assert f">{closed.number}<" not in text
    text = agent_client.get("/tickets?status=closed").get_data(as_text=True)
    assert f">{closed.number}<" in text and f">{first.number}<" not in text
    text = agent_client.get("/tickets?status=all").get_data(as_text=True)
    assert f">{closed.number}<" in text and f">{first.number}<" in text


def test_ticket_page_shows_contract_station_category_and_calls(
    agent_client: FlaskClient, session: Session, clock: FixedClock
) -> None:
    contract_id = _bakery(session)
    station = _station(session, contract_id, "1")  # the one with the TeamViewer ID
    call = Call(
        call_sid="CA1",
        from_raw="+49304412345",
        caller_e164="+49304412345",
        contract_id=contract_id,
        station_id=station.id,
        category="outage",
        outcome="agent",
        started_at=clock.now(),
        duration_seconds=95,
    )
    session.add(call)
    session.flush()
    ticket = open_ticket(
        session,
        now=clock.now(),
        contract_id=contract_id,
        station_id=station.id,
        call_id=call.id,
        category="outage",
    )
    session.commit()
    text = agent_client.get(f"/tickets/{ticket.number}").get_data(as_text=True)
    assert "V-1001" in text and "Bäckerei Schulz" in text
    assert "Kasse 1" in text or "1 – Kasse 1" in text
    assert "Störung" in text
    assert "30.11.2026 10:00" in text  # Berlin time, stored as 09:00 UTC
    assert "030 4412345" in text and "95 s" in text
    assert 'href="https://start.teamviewer.com/123456789"' in text
    assert agent_client.get("/tickets/999").status_code == 404


def test_callback_list_in_the_services_order(
    agent_client: FlaskClient, session: Session, clock: FixedClock
) -> None:
    contract_id = _bakery(session)
    now = clock.now()

    def callback(phone: str, priority: int, minutes_ago: int, status: str = "due") -> None:
        session.add(
            Callback(
                phone=phone,
                contract_id=contract_id,
                category="outage" if priority == 0 else "technical",
                priority=priority,
                status=status,
                requested_at=now - timedelta(minutes=minutes_ago),
                due_at=now,
                updated_at=now,
            )
        )

    callback("+4930100001", 1, 180)
    callback("+4930100002", 0, 5)
    callback("+4930100003", 1, 30)
    callback("+4930100004", 1, 3000, status="done")
    session.commit()
    text = agent_client.get("/callbacks").get_data(as_text=True)
    order = [text.index(n) for n in ("030 100002", "030 100001", "030 100003")]
    assert order == sorted(order)
    assert "030 100004" not in text
    assert "5 Min." in text and "3 Std. 0 Min." in text
    assert "Störung" in text and "fällig" in text and "Bäckerei Schulz" in text
    done = agent_client.get("/callbacks?status=done").get_data(as_text=True)
    assert "030 100004" in done and "2 Tage 2 Std." in done and "030 100001" not in done


def test_my_status(agent_client: FlaskClient, session: Session, agents: dict[str, int]) -> None:
    token = csrf_token(agent_client, "/status")
    response = agent_client.post(
        "/status", data={"csrf_token": token, "available": "on", "phone": "0171 2345678"}
    )
    assert response.status_code == 302
    text = agent_client.get("/status").get_data(as_text=True)
    assert "Sie sind jetzt erreichbar." in text
    agent = session.get(Agent, agents["agent"])
    assert agent is not None
    session.refresh(agent)
    assert agent.available and agent.phone == "+491712345678"

    response = agent_client.post("/status", data={"csrf_token": token, "phone": "client:anna"})
    session.refresh(agent)
    assert not agent.available and agent.phone == "client:anna"

    response = agent_client.post(
        "/status", data={"csrf_token": token, "available": "on", "phone": "12"}
    )
    assert response.status_code == 422
    assert "keine gültige Telefonnummer" in response.get_data(as_text=True)
    session.refresh(agent)
    assert not agent.available and agent.phone == "client:anna"


def test_supervisor_manages_agents(
    supervisor_client: FlaskClient, session: Session, agents: dict[str, int]
) -> None:
    token = csrf_token(supervisor_client, "/agents")
    form = {
        "csrf_token": token,
        "name": "Bernd Neu",
        "email": "Bernd@Hotline.example",
        "phone": "030 555 0000",
        "password": "anfangs-passwort",
    }
    response = supervisor_client.post("/agents", data=form)
    assert response.status_code == 302
    text = supervisor_client.get("/agents").get_data(as_text=True)
    assert "Agent Bernd Neu (bernd@hotline.example) wurde angelegt." in text
    bernd = session.scalar(select(Agent).where(Agent.email == "bernd@hotline.example"))
    assert bernd is not None and bernd.phone == "+49305550000" and not bernd.supervisor

    response = supervisor_client.post("/agents", data=form)
    assert response.status_code == 422
    assert "Es gibt schon einen Agenten" in response.get_data(as_text=True)
    response = supervisor_client.post(
        "/agents", data={**form, "email": "x@y.z", "password": "kurz"}
    )
    assert "mindestens 10 Zeichen" in response.get_data(as_text=True)

    supervisor_client.post(f"/agents/{bernd.id}/deactivate", data={"csrf_token": token})
    session.refresh(bernd)
    assert not bernd.active and not bernd.available
    supervisor_client.post(f"/agents/{bernd.id}/activate", data={"csrf_token": token})
    session.refresh(bernd)
    assert bernd.active

    # Supervisors cannot lock themselves out.
    supervisor_client.post(f"/agents/{agents['supervisor']}/deactivate", data={"csrf_token": token})
    me = session.get(Agent, agents["supervisor"])
    assert me is not None
    session.refresh(me)
    assert me.active
    _ = AGENT_EMAIL
