"""The greeting's key 9 switches the call to English; the rest of the call follows."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import replace
from datetime import date

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.clock import FixedClock
from hotline.models import OfficeMessage, Ticket
from hotline.runtime import Runtime
from ivr_flows.walker import Walk
from tests.conftest import berlin
from tests.ivr.conftest import Phone
from tests.ivr.test_calls import STATION, only_call

OFFER = "For English press 9."


def _spoken(walk: Walk, language: str) -> list[str]:
    """The <Say> texts of every answer in this language."""
    return [
        (say.text or "")
        for exchange in walk.exchanges
        for say in ET.fromstring(exchange.body).iter("Say")
        if say.get("language") == language
    ]


def test_a_known_caller_switches_to_english_and_reaches_the_agents(
    phone: Phone, customers, agents, session: Session
) -> None:
    customers(stations={"1": [STATION]})
    walk = phone.call(STATION, ["9", "1"])

    first = walk.exchanges[0].body
    assert OFFER in first
    # After the German menu, so pressing 1 at once does not wait for it.
    assert first.index("Bei gesetzlichen Änderungen die 3.") < first.index(OFFER)
    assert "If your register is down, press 1." in walk.heard()
    assert walk.heard().count(OFFER) == 1  # not offered again in English
    assert walk.dialed == [["+4915111111111", "client:ben"]]
    # The agent's whisper stays German; the call's later steps speak English.
    assert "Hotline-Anruf von Bäckerei Müller, Support Flat, Kasse 1, Störung." in walk.transcript
    english = _spoken(walk, "en-GB")
    assert "If your register is down, press 1." in " ".join(english)
    assert "Thank you for calling. Goodbye." in walk.heard()
    assert only_call(session).category == "outage"


def test_after_hours_the_whole_callback_is_english(
    phone: Phone, customers, agents, session: Session, clock: FixedClock
) -> None:
    customers(stations={"1": [STATION]})
    clock.set(berlin(2026, 11, 30, 19, 30))
    walk = phone.call(STATION, ["9", "1", "1", "The printer is broken"])
    text = walk.heard()
    assert "Our hotline is closed right now. We are back tomorrow at 9 am." in text
    assert "If we should call you back on the number you are calling from, press 1." in text
    ticket = session.scalars(select(Ticket)).one()
    digits = " ".join(str(ticket.number))
    assert f"Your ticket number is {digits}. We will call you back tomorrow" in text
    # German only in the first answer, before the key.
    assert len(_spoken(walk, "de-DE")) == 1
    assert "Unsere Hotline" not in " ".join(_spoken(walk, "en-GB"))


def test_an_unknown_caller_switches_before_the_customer_number(
    phone: Phone, customers, agents, session: Session
) -> None:
    contract = customers(stations={"1": []})
    walk = phone.call("+4989111111", ["9", "1001#", "2"])
    text = walk.heard()
    assert OFFER in text
    assert "Please enter your customer number followed by the hash key." in text
    assert "For another technical problem, press 2." in text
    assert walk.dialed
    assert only_call(session).contract_id == contract.id


def test_switched_off_the_greeting_offers_nothing_and_9_is_no_option(
    phone: Phone, customers, agents, rt: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = rt.settings
    monkeypatch.setattr(
        rt, "settings", replace(settings, ivr=replace(settings.ivr, language_switch=False))
    )
    customers(stations={"1": [STATION]})
    walk = phone.call(STATION, ["9", "1"])
    assert "English" not in walk.heard()
    assert "Diese Eingabe ist leider nicht möglich." in walk.heard()
    assert walk.dialed


def test_a_second_level_cashier_switches_at_the_pin_prompt_and_the_admin_signs_in(
    phone: Phone, customers, agents, session: Session
) -> None:
    customers(
        customer="2001",
        name="Modehaus Schulz",
        plan="second_level",
        stations={"1": [STATION]},
        admins=[("Frau Maier", [], "4711")],
    )
    walk = phone.call(STATION, ["9", "4711#", "1"])
    first = walk.exchanges[0].body
    assert first.index("geben Sie jetzt Ihre PIN ein") < first.index(OFFER)
    text = walk.heard()
    assert "Your contact person is Frau Maier. Please call them." in text
    assert "If you are the administrator, enter your PIN now, followed by the hash key." in text
    assert "Thank you, you are signed in as the administrator." in text
    assert "If your register is down, press 1." in text
    assert "PIN ist leider nicht richtig" not in text and "That PIN is not correct" not in text
    assert walk.dialed
    assert only_call(session).pin_failures == 0  # the switch key is no wrong PIN


def test_a_caller_without_a_running_contract_switches_and_leaves_the_message_in_english(
    phone: Phone, customers, session: Session
) -> None:
    customers(stations={"1": [STATION]}, cancellation_received=date(2025, 6, 1))
    walk = phone.call(STATION, ["9", "1", "Please call me about the renewal"])
    assert OFFER in walk.exchanges[0].body
    text = walk.heard()
    assert "There is no active support contract for your register." in text
    assert "Or leave a message for our office: then press 1." in text
    assert "Thank you, we will pass your message on to our office. Goodbye." in text
    assert walk.heard().count(OFFER) == 1
    assert session.scalars(select(OfficeMessage)).one().recording_url
