"""The pages' actions with the test client: the Rückrufliste (claim, Rückruf starten
against the local Twilio stand-in, outcomes), ticket notes and remote maintenance,
the import by upload, contract cancellation/termination and the reports."""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.clock import FixedClock
from hotline.models import (
    Callback,
    CallbackAttempt,
    Contract,
    Customer,
    RemoteSession,
    Ticket,
    TicketNote,
)
from hotline.runtime import Runtime
from hotline.tickets import open_ticket
from tests.callbacks.conftest import PUBLIC_URL
from tests.factories import make_contract
from tests.twilio_standin import TwilioStub
from tests.ui.conftest import AGENT_EMAIL, csrf_token, sign_in, twilio_settings

RECORDING = "https://api.twilio.com/2010-04-01/Accounts/AC1/Recordings/RE123"
HEADER = (
    "customer_number,customer_name,customer_email,contract_number,plan,contract_start,"
    "station_number,station_name,station_phones,teamviewer_id,admin_name,admin_phones,"
    "admin_email,admin_pin\n"
)
GOOD_CSV = HEADER + (
    "20001,Café Sonne,info@sonne.example,V-20001,flat,2025-03-01,1,Theke,030 4412399,"
    "123 456 789,,,,\n"
)
BAD_CSV = GOOD_CSV + (
    "20002,Kiosk Mond,kiosk@mond.example,V-20002,monthly,2025-03-01,1,Kasse,030 4412398,,,,,\n"
)


pytestmark = pytest.mark.usefixtures("upload_dir")


@pytest.fixture
def settings_overrides(twilio_stub: TwilioStub) -> dict[str, object]:
    return twilio_settings(twilio_stub, HOTLINE_PUBLIC_URL=PUBLIC_URL)


def add_callback(
    session: Session, clock: FixedClock, *, contract_id: int | None = None, **values: object
) -> int:
    now = clock.now()
    fields: dict[str, object] = {
        "phone": "+493044123450",
        "contract_id": contract_id,
        "category": "technical",
        "priority": 1,
        "status": "due",
        "requested_at": now - timedelta(minutes=30),
        "due_at": now,
        "updated_at": now,
    }
    fields.update(values)
    cb = Callback(**fields)
    session.add(cb)
    session.commit()
    return cb.id


def fresh(session: Session, callback_id: int) -> Callback:
    session.expire_all()
    cb = session.get(Callback, callback_id)
    assert cb is not None
    return cb


def post(client: FlaskClient, url: str, page: str = "/callbacks", **data: str) -> str:
    data["csrf_token"] = csrf_token(client, page)
    response = client.post(url, data=data, follow_redirects=True)
    assert response.status_code in (200, 422), response.status_code
    return response.get_data(as_text=True)


# --- Rückrufliste ----------------------------------------------------------------------------


def test_the_list_shows_everything_an_agent_needs(
    agent_client: FlaskClient, session: Session, clock: FixedClock, agents: dict[str, int]
) -> None:
    contract = make_contract(session, stations={"3": []})
    contract.customer.name = "Bäckerei Schulz"
    cb_id = add_callback(
        session,
        clock,
        contract_id=contract.id,
        station_id=contract.stations[0].id,
        category="outage",
        priority=0,
        recording_url=RECORDING,
        attempts=1,
    )
    response = agent_client.get("/callbacks")
    text = response.get_data(as_text=True)
    for expected in (
        "30 Min.",
        "Bäckerei Schulz",
        "Support Flat",
        "Kasse 3",
        "Störung (Kasse steht)",
        "030 44123450",
        # Played through the hotline (with Twilio's credentials), never from Twilio directly.
        f'<audio controls preload="none" src="/callbacks/{cb_id}/recording">',
        "Übernehmen",
        "callbacks.js",
    ):
        assert expected in text, expected
    assert "<script>" not in text  # no inline script: the CSP allows only 'self'
    csp = response.headers["Content-Security-Policy"]
    assert RECORDING not in text
    assert "media-src 'self';" in csp and "twilio" not in csp
    assert "script-src 'self';" in csp


def test_the_fragment_is_only_the_rows_and_the_script_is_served(
    agent_client: FlaskClient, session: Session, clock: FixedClock, agents: dict[str, int]
) -> None:
    add_callback(session, clock)
    text = agent_client.get("/callbacks?status=due&fragment=1").get_data(as_text=True)
    assert "<html" not in text and "<tr" in text and "Übernehmen" in text
    script = agent_client.get("/static/callbacks.js")
    assert script.status_code == 200
    assert b"setInterval" in script.data


def test_claim_dial_and_done_with_a_note(
    agent_client: FlaskClient,
    session: Session,
    clock: FixedClock,
    agents: dict[str, int],
    twilio_stub: TwilioStub,
) -> None:
    cb_id = add_callback(session, clock)
    text = post(agent_client, f"/callbacks/{cb_id}/claim", status="offen")
    assert "Sie haben den Rückruf an 030 44123450 übernommen." in text
    assert "Rückruf starten" in text and "erledigt" in text
    assert fresh(session, cb_id).status == "claimed"

    text = post(agent_client, f"/callbacks/{cb_id}/dial")
    assert "Twilio ruft Sie jetzt unter 030 111111 an" in text
    assert len(twilio_stub.requests) == 1
    form = twilio_stub.requests[0]["form"]
    assert form["To"] == "+4930111111" and form["From"] == "+4930120045670"
    assert fresh(session, cb_id).status == "calling"

    text = post(
        agent_client, f"/callbacks/{cb_id}/outcome", outcome="done", note="Drucker neu verbunden"
    )
    assert "Rückruf als erledigt gespeichert." in text
    done = fresh(session, cb_id)
    assert done.status == "done" and done.outcome == "done"
    # Stamped in Berlin wall-clock time, German form (the clock is 09:00 UTC = 10:00 Berlin).
    assert done.note.endswith("30.11.2026 10:00: Drucker neu verbunden")


def test_twilio_refusing_the_call_is_shown_in_german_with_its_message(
    agent_client: FlaskClient,
    session: Session,
    clock: FixedClock,
    agents: dict[str, int],
    twilio_stub: TwilioStub,
) -> None:
    twilio_stub.mode = "refuse"
    cb_id = add_callback(session, clock)
    post(agent_client, f"/callbacks/{cb_id}/claim")
    text = post(agent_client, f"/callbacks/{cb_id}/dial")
    assert "Der Rückruf konnte nicht gestartet werden. Twilio meldet:" in text
    assert "is not a valid phone number" in text
    cb = fresh(session, cb_id)
    assert cb.status == "due" and cb.claimed_by_id == agents["agent"]
    # The same agent may try again at once.
    assert "Rückruf starten" in agent_client.get("/callbacks").get_data(as_text=True)


def test_a_callback_that_cannot_start_for_a_missing_setting_is_explained_in_german(
    agent_client: FlaskClient,
    session: Session,
    clock: FixedClock,
    rt: Runtime,
    agents: dict[str, int],
    twilio_stub: TwilioStub,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.setattr(rt, "settings", replace(rt.settings, public_url=None))
    cb_id = add_callback(session, clock)
    post(agent_client, f"/callbacks/{cb_id}/claim")
    with caplog.at_level(logging.WARNING, logger="callback.pages"):
        text = post(agent_client, f"/callbacks/{cb_id}/dial")
    assert "Der Rückruf konnte nicht gestartet werden." in text
    assert "nicht vollständig eingerichtet" in text
    assert "HOTLINE_PUBLIC_URL" not in text and "must be set" not in text
    # The English detail stays in the log, for whoever sets the hotline up.
    assert "HOTLINE_PUBLIC_URL must be set" in caplog.text
    assert twilio_stub.requests == []
    assert fresh(session, cb_id).status == "claimed"


def test_a_lost_claim_names_who_has_it_and_the_row_shows_it_taken(
    app: Flask,
    agent_client: FlaskClient,
    supervisor_client: FlaskClient,
    session: Session,
    clock: FixedClock,
) -> None:
    cb_id = add_callback(session, clock)
    token = csrf_token(supervisor_client, "/callbacks")
    post(agent_client, f"/callbacks/{cb_id}/claim")
    response = supervisor_client.post(
        f"/callbacks/{cb_id}/claim", data={"csrf_token": token}, follow_redirects=True
    )
    text = response.get_data(as_text=True)
    assert "bereits übernommen von Anna Agentin" in text
    assert "übernommen von Anna Agentin" in text
    assert f'action="/callbacks/{cb_id}/claim"' not in text
    # Nor may the other agent record an outcome for it.
    text = post(supervisor_client, f"/callbacks/{cb_id}/outcome", outcome="done")
    assert "gehört einem anderen Agenten" in text
    assert fresh(session, cb_id).status == "claimed"


@pytest.mark.parametrize(
    ("outcome", "status", "message"),
    [
        ("no_answer", "due", "nicht erreicht"),
        ("wrong_number", "failed", "falsche Nummer"),
        ("cancelled", "cancelled", "abgebrochen"),
    ],
)
def test_the_other_outcomes(
    agent_client: FlaskClient,
    session: Session,
    clock: FixedClock,
    agents: dict[str, int],
    outcome: str,
    status: str,
    message: str,
) -> None:
    cb_id = add_callback(session, clock)
    post(agent_client, f"/callbacks/{cb_id}/claim")
    text = post(agent_client, f"/callbacks/{cb_id}/outcome", outcome=outcome, note="Notiz")
    assert message in text
    assert fresh(session, cb_id).status == status


def test_the_status_filter(
    agent_client: FlaskClient, session: Session, clock: FixedClock, agents: dict[str, int]
) -> None:
    add_callback(session, clock, phone="+4930100001")
    add_callback(session, clock, phone="+4930100002", status="done")
    open_list = agent_client.get("/callbacks").get_data(as_text=True)
    assert "030 100001" in open_list and "030 100002" not in open_list
    done = agent_client.get("/callbacks?status=done").get_data(as_text=True)
    assert "030 100002" in done and "030 100001" not in done


# --- tickets ---------------------------------------------------------------------------------


def test_ticket_notes_remote_maintenance_and_closing(
    agent_client: FlaskClient, session: Session, clock: FixedClock, agents: dict[str, int]
) -> None:
    contract = make_contract(session, stations={"1": []})
    contract.stations[0].teamviewer_id = "1402887310"
    ticket = open_ticket(
        session,
        now=clock.now(),
        contract_id=contract.id,
        station_id=contract.stations[0].id,
        category="outage",
    )
    session.commit()
    url = f"/tickets/{ticket.number}"
    page = agent_client.get(url).get_data(as_text=True)
    assert 'href="https://start.teamviewer.com/1402887310"' in page
    assert "Fernwartung von Hand erfassen" in page and "kein API-Token" in page

    text = post(agent_client, f"{url}/notes", url, text="Kunde startet die Kasse neu.")
    assert "Kunde startet die Kasse neu." in text and "Anna Agentin" in text
    assert "Die Notiz ist leer" in post(agent_client, f"{url}/notes", url, text="  ")

    text = post(agent_client, f"{url}/remote", url)
    assert "Fernwartung beenden" in text
    remote = session.scalars(select(RemoteSession)).one()
    assert remote.teamviewer_id == "1402887310" and remote.ended_at is None
    clock.advance(minutes=12)
    text = post(agent_client, f"{url}/remote/{remote.id}/end", url, note="Treiber erneuert")
    assert "Treiber erneuert" in text and "Fernwartung von Hand erfassen" in text
    assert '<td data-label="Dauer" class="duration">12 Min.</td>' in text
    session.expire_all()
    assert remote.ended_at == clock.now()

    post(agent_client, f"{url}/close", url)
    session.expire_all()
    assert session.get(Ticket, ticket.id).status == "closed"  # type: ignore[union-attr]
    text = post(agent_client, f"{url}/reopen", url)
    assert "Ticket schließen" in text
    assert session.scalars(select(TicketNote)).one().agent_id == agents["agent"]


# --- supervisors: import ----------------------------------------------------------------------


def upload(client: FlaskClient, content: str, name: str = "kunden.csv") -> str:
    from io import BytesIO

    token = csrf_token(client, "/import")
    response = client.post(
        "/import",
        data={"csrf_token": token, "file": (BytesIO(content.encode()), name)},
        content_type="multipart/form-data",
    )
    return response.get_data(as_text=True)


def test_an_upload_with_an_error_names_the_row_and_imports_nothing(
    supervisor_client: FlaskClient, session: Session, upload_dir: Path
) -> None:
    text = upload(supervisor_client, BAD_CSV)
    assert "wurde abgelehnt" in text and "Es wurde nichts importiert." in text
    assert "Zeile 3" in text and "plan" in text
    assert "/import/apply" not in text
    assert session.scalar(select(Customer)) is None
    assert not list(upload_dir.iterdir())


def test_dry_run_first_then_the_same_file_is_imported(
    supervisor_client: FlaskClient, session: Session, upload_dir: Path
) -> None:
    text = upload(supervisor_client, GOOD_CSV)
    assert "Probelauf" in text and "würden angelegt" in text and "Import ausführen" in text
    assert session.scalar(select(Customer)) is None
    # Kept as checked records with hashed PINs, not as the uploaded CSV.
    stored = list(upload_dir.glob("*.pending.json"))
    assert len(stored) == 1
    token = stored[0].name.removesuffix(".pending.json")
    assert f'value="{token}"' in text

    response = supervisor_client.post(
        "/import/apply",
        data={"csrf_token": csrf_token(supervisor_client, "/import"), "token": token},
    )
    text = response.get_data(as_text=True)
    assert response.status_code == 200 and "Import ausgeführt" in text
    assert session.scalar(select(Customer.name)) == "Café Sonne"
    assert not list(upload_dir.iterdir())
    # The file is gone: a second click cannot import twice, and says why.
    response = supervisor_client.post(
        "/import/apply",
        data={"csrf_token": csrf_token(supervisor_client, "/import"), "token": token},
    )
    assert response.status_code == 410
    assert "nicht mehr da" in response.get_data(as_text=True)


def test_apply_accepts_only_names_it_made(supervisor_client: FlaskClient) -> None:
    for bad in ("../../etc/passwd", "x", "a" * 30 + "/../b"):
        response = supervisor_client.post(
            "/import/apply",
            data={"csrf_token": csrf_token(supervisor_client, "/import"), "token": bad},
        )
        assert response.status_code == 410


# --- supervisors: contracts and reports --------------------------------------------------------


def test_supervisor_cancels_and_terminates_a_contract(
    supervisor_client: FlaskClient, agent_client: FlaskClient, session: Session
) -> None:
    make_contract(session, contract_number="V-77", start=date(2025, 3, 1))
    session.commit()
    page = supervisor_client.get("/contracts/V-77").get_data(as_text=True)
    assert "Kündigung eintragen" in page and "Vertrag beenden" in page
    assert "Kündigung eintragen" not in agent_client.get("/contracts/V-77").get_data(as_text=True)

    text = post(
        supervisor_client,
        "/contracts/V-77/cancel",
        "/contracts/V-77",
        received="2026-11-30",
        by="customer",
    )
    assert "Kündigung eingetragen: der Vertrag V-77 endet am 28.02.2027." in text
    text = post(
        supervisor_client,
        "/contracts/V-77/cancel",
        "/contracts/V-77",
        received="2026-11-30",
        by="customer",
    )
    assert "Der Vertrag ist bereits gekündigt." in text or "Kündigung eintragen" not in text
    text = post(
        supervisor_client,
        "/contracts/V-77/terminate",
        "/contracts/V-77",
        effective="2026-12-15",
        reason="",
    )
    assert "Bitte einen Grund" in text
    text = post(
        supervisor_client,
        "/contracts/V-77/terminate",
        "/contracts/V-77",
        effective="2026-12-15",
        reason="Beleidigungen am Telefon",
    )
    assert "zum 15.12.2026 außerordentlich beendet" in text
    session.expire_all()
    contract = session.scalar(select(Contract).where(Contract.number == "V-77"))
    assert contract is not None and contract.termination_reason == "Beleidigungen am Telefon"

    token = csrf_token(agent_client, "/status")
    for action in ("cancel", "terminate"):
        response = agent_client.post(
            f"/contracts/V-77/{action}",
            data={
                "csrf_token": token,
                "received": "2026-11-30",
                "by": "customer",
                "effective": "2026-12-01",
                "reason": "x",
            },
        )
        assert response.status_code == 403


def test_reports_show_charts_and_numbers(
    supervisor_client: FlaskClient,
    agent_client: FlaskClient,
    session: Session,
    clock: FixedClock,
    agents: dict[str, int],
) -> None:
    from hotline.models import Call

    contract = make_contract(session, contract_number="V-5")
    now = clock.now()
    for i in range(3):
        session.add(Call(call_sid=f"CA{i}", from_raw="+4930", started_at=now - timedelta(days=i)))
        open_ticket(session, now=now - timedelta(days=40 * i), contract_id=contract.id)
    cb_id = add_callback(session, clock, requested_at=now - timedelta(minutes=20))
    add_callback(session, clock, phone="+4930999", requested_at=now - timedelta(minutes=50))
    session.add(CallbackAttempt(callback_id=cb_id, agent_id=agents["agent"], started_at=now))
    session.commit()

    text = supervisor_client.get("/reports").get_data(as_text=True)
    assert text.count("<svg") == 3
    assert "Anrufe pro Tag" in text and "30.11.:" in text
    assert "Median" in text and "20 Min." in text
    assert "50 Min." in text  # the oldest waiting request
    assert "V-5" in text and "Tickets pro Vertrag und Monat" in text
    assert "<script" not in text
    assert agent_client.get("/reports").status_code == 403


# --- every new form ---------------------------------------------------------------------------

NEW_POSTS = [
    "/callbacks/1/claim",
    "/callbacks/1/dial",
    "/callbacks/1/outcome",
    "/tickets/1/notes",
    "/tickets/1/remote",
    "/tickets/1/remote/1/end",
    "/tickets/1/remote/1/close",
    "/tickets/1/close",
    "/tickets/1/reopen",
    "/import",
    "/import/apply",
    "/contracts/x/cancel",
    "/contracts/x/terminate",
]


@pytest.mark.parametrize("url", NEW_POSTS)
def test_every_new_form_refuses_a_missing_or_forged_csrf_token(
    supervisor_client: FlaskClient, url: str
) -> None:
    for data in ({}, {"csrf_token": "forged"}):
        response = supervisor_client.post(url, data=data)
        assert response.status_code == 400, url
        assert "Sicherheitsprüfung" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "url", ["/import", "/import/apply", "/contracts/x/cancel", "/contracts/x/terminate"]
)
def test_supervisor_forms_refuse_plain_agents(agent_client: FlaskClient, url: str) -> None:
    token = csrf_token(agent_client, "/status")
    assert agent_client.post(url, data={"csrf_token": token}).status_code == 403


def test_signing_in_still_lands_on_the_moved_list(
    client: FlaskClient, agents: dict[str, int]
) -> None:
    assert sign_in(client, AGENT_EMAIL).headers["Location"] == "/callbacks"


def test_contract_refusals_are_german_on_the_page(
    supervisor_client: FlaskClient, session: Session
) -> None:
    make_contract(session, contract_number="V-78", start=date(2025, 3, 1))
    session.commit()
    cancel = {"received": "2026-11-30"}
    text = post(supervisor_client, "/contracts/V-78/cancel", "/contracts/V-78", **cancel, by="x")
    assert "Bitte angeben, wer gekündigt hat (Kunde oder Anbieter)." in text
    terminate = {"effective": "2026-12-15", "reason": "Missbrauch"}
    post(supervisor_client, "/contracts/V-78/terminate", "/contracts/V-78", **terminate)
    text = post(supervisor_client, "/contracts/V-78/terminate", "/contracts/V-78", **terminate)
    assert "Der Vertrag ist bereits außerordentlich beendet." in text
    text = post(
        supervisor_client, "/contracts/V-78/cancel", "/contracts/V-78", **cancel, by="customer"
    )
    assert "Der Vertrag ist bereits außerordentlich beendet." in text
