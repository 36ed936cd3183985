"""Three invalid callback numbers: the caller's own number is offered before giving up."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.models import Callback
from tests.ivr.conftest import Phone
from tests.ivr.test_calls import STATION, count, only_call

OFFER = "Sollen wir Sie unter der Nummer 0 3 0 4 4 1 2 3 4 5 zurückrufen? Dann drücken Sie die 1."
INVALID = ["123#", "456#", "789#"]


def test_after_three_invalid_numbers_the_own_number_is_offered_and_taken_with_1(
    phone: Phone, customers, session: Session
) -> None:
    customers(stations={"1": [STATION]})
    walk = phone.call(STATION, ["2", "2", *INVALID, "1", ""])
    text = walk.heard()
    assert text.count("Diese Telefonnummer ist leider ungültig.") == 3
    assert OFFER in text
    assert "E-Mail" not in text
    assert "Wir rufen Sie in Kürze zurück." in text
    assert session.scalars(select(Callback)).one().phone == STATION
    assert only_call(session).outcome == "callback"


def test_without_a_key_the_own_number_offer_ends_with_the_email_address(
    phone: Phone, customers, session: Session
) -> None:
    customers(stations={"1": [STATION]})
    walk = phone.call(STATION, ["2", "2", *INVALID, ""])
    text = walk.heard()
    assert OFFER in text
    assert "Bitte schreiben Sie uns eine E-Mail an support@kassen-hotline.example." in text
    assert walk.ended_by == "hangup"
    assert count(session, Callback) == 0
    assert only_call(session).outcome == "callback_failed"


def test_a_withheld_caller_keeps_todays_ending(phone: Phone, customers, session: Session) -> None:
    customers(stations={"1": []})
    walk = phone.call("anonymous", ["1001#", "2", *INVALID])
    text = walk.heard()
    assert "Sollen wir Sie unter der Nummer" not in text
    assert "Leider konnten wir keine gültige Nummer aufnehmen." in text
    assert count(session, Callback) == 0
    assert only_call(session).outcome == "callback_failed"
