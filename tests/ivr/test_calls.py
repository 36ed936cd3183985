"""Whole calls through the IVR, one per branch of the call flow (DESIGN "The call flow")."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hotline.clock import FixedClock
from hotline.models import Call, Callback, Contract, PinAttempt, Ticket
from tests.conftest import berlin
from tests.factories import make_agent
from tests.ivr.conftest import Phone, check_twiml

STATION = "+49304412345"  # 030 4412345
ADMIN_MOBILE = "+491701234567"


def only_call(session: Session) -> Call:
    session.expire_all()
    return session.scalars(select(Call)).one()


def count(session: Session, model: type) -> int:
    return session.scalar(select(func.count()).select_from(model)) or 0


# -- Flat ---------------------------------------------------------------------------------


def test_flat_cashier_by_caller_id_reaches_the_agents_after_one_key(
    phone: Phone, customers, agents, session: Session
) -> None:
    customers(stations={"1": [STATION]})
    walk = phone.call(STATION, ["1"])

    # Greeting and menu are one prompt (and the offer of English in its voice); nothing
    # after the key: it rings at once.
    assert walk.says_before_first_dial == 2
    assert walk.dialed == [["+4915111111111", "client:ben"]]
    assert "Kassen-Hotline, guten Tag, Bäckerei Müller." in walk.heard()
    assert (
        "Ansage für den Agenten: Hotline-Anruf von Bäckerei Müller, Support Flat, Kasse 1, Störung."
        in walk.transcript
    )
    dial = next(check_twiml(e.body).find("Dial") for e in walk.exchanges if "<Dial" in e.body)
    assert dial is not None
    assert dial.get("callerId") == "+4930120045670"
    assert dial.get("timeout") == "25"
    assert all(n.get("url", "").startswith("/voice/whisper?parent=CA") for n in dial)
    assert walk.ended_by == "hangup"

    call = only_call(session)
    assert (call.outcome, call.category, call.twilio_status) == ("agent", "outage", "completed")
    assert call.duration_seconds and call.duration_seconds > 0
    assert call.ended_at is not None
    ticket = session.scalars(select(Ticket)).one()
    assert (ticket.call_id, ticket.category, ticket.channel) == (call.id, "outage", "phone")


def test_flat_by_customer_number_from_an_unknown_number(
    phone: Phone, customers, agents, session: Session
) -> None:
    contract = customers(stations={"1": [STATION], "2": []})
    walk = phone.call("+4989111111", ["1001#", "2#", "2"])

    assert "Bitte geben Sie Ihre Kundennummer ein und drücken Sie die Raute." in walk.heard()
    assert "Nummer Ihrer Kasse" in walk.heard()
    assert walk.dialed
    call = only_call(session)
    assert call.contract_id == contract.id
    assert call.station_id == contract.stations[1].id
    assert call.category == "technical"


def test_flat_by_customer_number_from_a_withheld_number_goes_straight_to_number_entry(
    phone: Phone, customers, session: Session
) -> None:
    customers(stations={"1": [], "2": []})
    walk = phone.call("anonymous", ["1001#", "#", "1", "030 5556667#", "1", "Kasse druckt nicht"])

    text = walk.heard()
    assert "Leider ist gerade niemand frei." in text
    assert "von der Sie anrufen" not in text  # withheld: no "own number" offer
    assert "Sie haben die Nummer 0 3 0 5 5 5 6 6 6 7 eingegeben." in text
    callback = session.scalars(select(Callback)).one()
    assert callback.phone == "+49305556667"
    assert callback.station_id is None
    assert callback.recording_url and callback.recording_url.startswith("https://api.twilio.com/")


def test_unknown_customer_number_three_times_ends_politely(phone: Phone, session: Session) -> None:
    walk = phone.call("+4989111111", ["999#", "", "998#"])
    assert walk.heard().count("Diese Kundennummer kennen wir leider nicht.") == 2
    assert "support@kassen-hotline.example" in walk.heard()
    assert walk.ended_by == "hangup"
    assert only_call(session).outcome == "unidentified"


def test_menu_without_input_twice_takes_category_2(
    phone: Phone, customers, agents, session: Session
) -> None:
    customers(stations={"1": [STATION]})
    walk = phone.call(STATION, ["", ""])
    assert walk.heard().count("drücken Sie die 1") >= 2
    assert walk.dialed
    assert only_call(session).category == "technical"


def test_invalid_menu_key_is_said_and_the_menu_repeated(
    phone: Phone, customers, agents, session: Session
) -> None:
    customers(stations={"1": [STATION]})
    walk = phone.call(STATION, ["7", "3"])
    assert "Diese Eingabe ist leider nicht möglich." in walk.heard()
    assert only_call(session).category == "legal"


# -- Second Level ---------------------------------------------------------------------------


@pytest.fixture
def second_level(customers) -> Contract:
    contract: Contract = customers(
        customer="2001",
        name="Modehaus Schulz",
        plan="second_level",
        stations={"1": [STATION], "2": []},
        admins=[("Frau Maier", [ADMIN_MOBILE], "4711")],
    )
    return contract


def test_second_level_cashier_is_sent_to_the_admin_by_name_and_never_to_agents(
    phone: Phone, second_level, agents, session: Session
) -> None:
    walk = phone.call(STATION, [""])
    text = walk.heard()
    assert "Ihre Ansprechperson ist Frau Maier." in text
    assert "Wenn Sie der Administrator sind, geben Sie jetzt Ihre PIN ein" in text
    assert walk.dialed == []
    assert walk.ended_by == "hangup"
    assert only_call(session).outcome == "sent_to_admin"
    assert count(session, Ticket) == 0


def test_second_level_cashier_is_put_through_to_the_admin_where_the_contract_says_so(
    phone: Phone, customers, agents, session: Session
) -> None:
    customers(
        customer="2002",
        plan="second_level",
        stations={"1": [STATION]},
        admins=[("Herr Schulz", [ADMIN_MOBILE], "4711")],
        dial_admin=True,
    )
    walk = phone.call(STATION, [""])
    assert walk.dialed == [[ADMIN_MOBILE]]
    assert "Wir verbinden Sie jetzt mit Herr Schulz." in walk.heard()


def test_cashier_with_the_right_pin_becomes_the_admin(
    phone: Phone, second_level, agents, session: Session
) -> None:
    walk = phone.call(STATION, ["4711#", "2"])
    assert "Danke, Sie sind als Administrator angemeldet." in walk.heard()
    assert walk.dialed
    call = only_call(session)
    assert call.contact_id == second_level.contacts[0].id
    assert call.outcome == "agent"


def test_three_wrong_pins_end_the_call(
    phone: Phone, second_level, agents, session: Session
) -> None:
    walk = phone.call(STATION, ["1111#", "2222#", "3333#", "4711#"])
    assert walk.heard().count("Die PIN ist leider nicht richtig.") == 2
    assert "Die PIN war mehrmals nicht richtig." in walk.heard()
    assert walk.dialed == []
    assert walk.ended_by == "hangup"
    assert only_call(session).pin_failures == 3
    assert count(session, PinAttempt) == 3


def test_ten_wrong_pins_within_an_hour_lock_the_contract_for_an_hour(
    phone: Phone, second_level, agents, session: Session, clock: FixedClock
) -> None:
    for _ in range(3):
        phone.call(STATION, ["1111#", "2222#", "3333#"])
        clock.advance(minutes=5)
    walk = phone.call(STATION, ["1111#"])
    assert "Die PIN-Eingabe ist jetzt für eine Stunde gesperrt." in walk.heard()
    session.expire_all()
    locked_until = session.get(Contract, second_level.id).pin_locked_until  # type: ignore[union-attr]
    assert locked_until is not None
    assert (locked_until - clock.now()).total_seconds() == 3600

    # Even the right PIN is not asked for while locked ...
    walk = phone.call(STATION, ["4711#", "2"])
    assert "vorübergehend gesperrt" in walk.heard()
    assert walk.dialed == []
    # ... and works again after the hour.
    clock.advance(minutes=61)
    walk = phone.call(STATION, ["4711#", "2"])
    assert walk.dialed


def test_the_admin_calling_from_a_registered_mobile_is_entitled(
    phone: Phone, second_level, agents, session: Session
) -> None:
    walk = phone.call(ADMIN_MOBILE, ["3"])
    assert walk.says_before_first_dial == 2  # greeting with menu, the offer of English
    assert "PIN" not in walk.heard()
    assert "Second Level, Kasse unbekannt, gesetzliche Änderungen" in walk.transcript


def test_a_number_shared_by_two_customers_asks_for_the_customer_number(
    phone: Phone, customers, agents, session: Session
) -> None:
    customers(customer="3001", name="Kiosk Nord", stations={"1": [STATION]})
    other = customers(customer="3002", name="Kiosk Süd", stations={"7": [STATION]})
    walk = phone.call(STATION, ["3002#", "1"])
    assert "Diese Rufnummer gehört zu mehreren Kunden." in walk.heard()
    assert "Kiosk Süd, Support Flat, Kasse 7, Störung" in walk.transcript
    call = only_call(session)
    assert (call.contract_id, call.station_id) == (other.id, other.stations[0].id)


# -- contract status ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "status",
    [
        {"cancellation_received": date(2025, 6, 1)},  # ended 2026-02-28
        {"termination_effective": date(2026, 10, 1)},
        {"start": date(2027, 1, 1)},  # not started yet
    ],
    ids=["ended", "terminated", "not-started"],
)
def test_no_active_contract_gets_the_email_address_and_a_hangup(
    phone: Phone, customers, agents, session: Session, status: dict[str, object]
) -> None:
    customers(stations={"1": [STATION]}, **status)
    walk = phone.call(STATION, [""])  # no message for the office (test_office_message.py)
    assert "kein aktiver Supportvertrag" in walk.heard()
    assert "support@kassen-hotline.example" in walk.heard()
    assert walk.dialed == [] and walk.ended_by == "hangup"
    assert only_call(session).outcome == "no_contract"
    assert count(session, Ticket) == 0


def test_a_cancelled_contract_still_running_is_entitled(
    phone: Phone, customers, agents, session: Session
) -> None:
    customers(stations={"1": [STATION]}, cancellation_received=date(2026, 11, 1))
    walk = phone.call(STATION, ["1"])
    assert walk.dialed


# -- opening hours --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("at", "when", "due_utc"),
    [
        (
            berlin(2026, 11, 30, 19, 0),
            "morgen, am Dienstag, den 1. Dezember, ab 9 Uhr",
            datetime(2026, 12, 1, 8, 0, tzinfo=UTC),
        ),
        (
            berlin(2026, 12, 25, 10, 0),  # Christmas Day (Friday)
            "am Montag, den 28. Dezember, ab 9 Uhr",
            datetime(2026, 12, 28, 8, 0, tzinfo=UTC),
        ),
        (
            berlin(2026, 10, 24, 10, 0),  # Saturday before the switch to winter time
            "am Montag, den 26. Oktober, ab 9 Uhr",
            datetime(2026, 10, 26, 8, 0, tzinfo=UTC),
        ),
        (
            berlin(2027, 3, 27, 10, 0),  # Easter Saturday, summer time from Sunday
            "am Dienstag, den 30. März, ab 9 Uhr",
            datetime(2027, 3, 30, 7, 0, tzinfo=UTC),
        ),
        (
            berlin(2026, 12, 24, 15, 0),  # 24 December closes at 14:00
            "am Montag, den 28. Dezember, ab 9 Uhr",
            datetime(2026, 12, 28, 8, 0, tzinfo=UTC),
        ),
    ],
    ids=["evening", "public-holiday", "dst-autumn", "dst-easter", "24-december-afternoon"],
)
def test_closed_goes_to_the_callback_offer_after_the_menu(
    phone: Phone,
    customers,
    agents,
    session: Session,
    clock: FixedClock,
    at: datetime,
    when: str,
    due_utc: datetime,
) -> None:
    customers(stations={"1": [STATION]})
    clock.set(at)
    walk = phone.call(STATION, ["1", "1", ""])
    text = walk.heard()
    assert walk.dialed == []
    assert "Unsere Hotline ist gerade nicht besetzt." in text
    ticket = session.scalars(select(Ticket)).one()
    digits = " ".join(str(ticket.number))
    assert f"Ihre Ticketnummer ist {digits}. Wir rufen Sie {when} zurück." in text
    callback = session.scalars(select(Callback)).one()
    assert (callback.status, callback.priority, callback.category) == ("queued", 0, "outage")
    assert callback.due_at == due_utc
    assert callback.phone == STATION
    assert callback.ticket_id == ticket.id


def test_24_december_morning_is_open(phone: Phone, customers, agents, clock: FixedClock) -> None:
    customers(stations={"1": [STATION]})
    clock.set(berlin(2026, 12, 24, 10, 0))
    assert phone.call(STATION, ["2"]).dialed


def test_the_menu_rings_the_available_active_agents_in_the_order_they_were_added(
    phone: Phone, customers, session: Session
) -> None:
    customers(stations={"1": [STATION]})
    make_agent(session, "Anna", "+4915111111111")
    make_agent(session, "Carl", "+4915133333333", available=False)
    make_agent(session, "Ben", "client:ben")
    dora = make_agent(session, "Dora", "+4915144444444")
    dora.active = False
    session.commit()
    walk = phone.call(STATION, ["1"])
    assert walk.dialed == [["+4915111111111", "client:ben"]]


# -- no agent, no answer, callback --------------------------------------------------------------


def test_no_agent_available_offers_a_callback_with_a_recording(
    phone: Phone, customers, session: Session
) -> None:
    customers(stations={"1": [STATION]})
    walk = phone.call(STATION, ["2", "1", "Die Kasse startet nicht"])
    text = walk.heard()
    assert "Leider ist gerade niemand frei." in text
    assert "Wir rufen Sie in Kürze zurück." in text
    assert "[Signalton – Aufnahme]" in walk.transcript
    callback = session.scalars(select(Callback)).one()
    assert (callback.status, callback.priority, callback.phone) == ("due", 1, STATION)
    assert callback.recording_url and callback.recording_seconds
    assert only_call(session).outcome == "callback"


def test_agent_does_not_answer_then_callback_to_another_number_after_an_invalid_entry(
    phone: Phone, customers, agents, session: Session
) -> None:
    customers(stations={"1": [STATION]})
    walk = phone.call(STATION, ["1", "2", "123#", "01711234567#", "1", ""], dial_result="no-answer")
    text = walk.heard()
    assert walk.dialed and "Leider ist gerade niemand frei." in text
    assert "Diese Telefonnummer ist leider ungültig." in text
    assert "Sie haben die Nummer 0 1 7 1 1 2 3 4 5 6 7 eingegeben." in text
    assert "[Stille – keine Aufnahme]" in walk.transcript  # recording skipped
    assert "Wir rufen Sie in Kürze zurück." in text
    callback = session.scalars(select(Callback)).one()
    assert callback.phone == "+491711234567"
    assert callback.recording_url is None
    assert callback.priority == 0


def test_re_entering_the_callback_number_with_2(phone: Phone, customers, session: Session) -> None:
    customers(stations={"1": [STATION]})
    phone.call(STATION, ["2", "2", "01711234567#", "2", "0301234567#", "1", ""])
    assert session.scalars(select(Callback)).one().phone == "+49301234567"


def test_callback_offer_without_input_calls_back_the_callers_number(
    phone: Phone, customers, session: Session
) -> None:
    customers(stations={"1": [STATION]})
    walk = phone.call(STATION, ["2", "", "", ""])
    assert walk.heard().count("Für eine andere Nummer drücken Sie die 2.") == 2
    assert session.scalars(select(Callback)).one().phone == STATION
