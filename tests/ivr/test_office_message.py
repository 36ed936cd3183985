"""An ended or terminated contract: besides the e-mail address, a message for the office."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.clock import FixedClock
from hotline.models import Callback, OfficeMessage, Ticket
from tests.ivr.conftest import Phone
from tests.ivr.test_calls import STATION, count, only_call

ENDED = {"cancellation_received": date(2025, 6, 1)}  # ended 2026-02-28
TERMINATED = {"termination_effective": date(2026, 10, 1)}


@pytest.mark.parametrize("status", [ENDED, TERMINATED], ids=["ended", "terminated"])
def test_a_caller_without_a_running_contract_leaves_a_message_for_the_office(
    phone: Phone, customers, agents, session: Session, clock: FixedClock, status: dict
) -> None:
    contract = customers(stations={"1": [STATION]}, **status)
    walk = phone.call(STATION, ["1", "Bitte rufen Sie mich wegen der Verlängerung an"])

    text = walk.heard()
    assert "kein aktiver Supportvertrag" in text
    assert "support@kassen-hotline.example" in text
    assert "Oder hinterlassen Sie unserem Büro eine Nachricht: Dann drücken Sie die 1." in text
    assert "[Signalton – Aufnahme]" in walk.transcript
    assert "Vielen Dank, wir geben Ihre Nachricht an unser Büro weiter." in text
    assert walk.dialed == [] and walk.ended_by == "hangup"

    message = session.scalars(select(OfficeMessage)).one()
    call = only_call(session)
    assert (message.call_id, message.contract_id, message.phone) == (call.id, contract.id, STATION)
    assert message.left_at == clock.now()
    assert message.recording_url and message.recording_url.startswith("https://api.twilio.com/")
    assert message.recording_seconds and message.done_at is None
    # For the supervisors only: no callback for the agents' list, no ticket.
    assert count(session, Callback) == 0 and count(session, Ticket) == 0
    assert call.outcome == "no_contract"


def test_a_message_without_words_keeps_the_number_and_the_time(
    phone: Phone, customers, session: Session
) -> None:
    customers(stations={"1": [STATION]}, **ENDED)
    walk = phone.call(STATION, ["1", ""])
    assert "[Stille – keine Aufnahme]" in walk.transcript
    assert "Vielen Dank, wir geben Ihre Nachricht an unser Büro weiter." in walk.heard()
    message = session.scalars(select(OfficeMessage)).one()
    assert (message.phone, message.recording_url) == (STATION, None)


def test_no_key_says_goodbye_and_keeps_nothing(phone: Phone, customers, session: Session) -> None:
    customers(stations={"1": [STATION]}, **ENDED)
    walk = phone.call(STATION, [""])
    assert walk.heard().endswith("Vielen Dank für Ihren Anruf. Auf Wiederhören.")
    assert walk.ended_by == "hangup"
    assert count(session, OfficeMessage) == 0
