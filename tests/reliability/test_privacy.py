"""Personal data: `hotline privacy export|erase` (GDPR Art. 15 and 17) keep the counts
reports need, and the daily clean-up forgets recordings and call details per settings."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from flask.testing import FlaskCliRunner
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from callback.daily import clean_up
from hotline.models import Call, Callback, CallStep, Contact, PhoneNumber, Ticket
from hotline.privacy import ERASED, PrivacyError, export_person
from hotline.runtime import Runtime
from tests.factories import make_agent, make_customer
from tests.ivr.conftest import Phone

STATION = "+49304412345"
ADMIN = "+4930441234"
ADMIN_EMAIL = "admin@kasse.example"
RECORDING = "https://api.twilio.com/2010-04-01/Accounts/AC1/Recordings/RE123"


@pytest.fixture
def history(phone: Phone, session: Session, rt: Runtime) -> None:
    """A flat register that called twice (one callback with a recording), an admin."""
    contract = make_customer(session, stations={"1": [STATION]})
    second = make_customer(
        session,
        customer="4712",
        plan="second_level",
        stations={"1": ["+49304499999"]},
        admins=[("Frau Admin", [ADMIN], "80417263")],
        start=date(2025, 3, 1),
    )
    second.contacts[0].email = ADMIN_EMAIL
    session.commit()
    make_agent(session, "Anna", "+4915111111111")
    phone.call(STATION, ["1"])  # open: straight to the agents
    phone.call(ADMIN, ["2"])
    rt.clock.set(rt.clock.now().replace(hour=21))  # type: ignore[attr-defined]
    phone.call(STATION, ["1", "1", "Kasse 1 druckt nicht"])
    cb = session.scalar(select(Callback))
    assert cb is not None and contract.id
    cb.recording_url, cb.note = RECORDING, "Herr Meier, Handy 0171 9999999"
    session.commit()


def tally(session: Session) -> tuple[int, int, int]:
    session.expire_all()
    return tuple(  # type: ignore[return-value]
        session.scalar(select(func.count()).select_from(m)) or 0 for m in (Call, Ticket, Callback)
    )


def test_export_by_phone_is_one_json_document(
    runner: FlaskCliRunner, history: None, session: Session
) -> None:
    result = runner.invoke(args=["privacy", "export", "030 4412345"])
    assert result.exit_code == 0, result.output
    document = json.loads(result.output)
    assert document["phones"] == [STATION]
    assert len(document["calls"]) == 2
    assert len(document["callbacks"]) == 1 and document["callbacks"][0]["phone"] == STATION
    assert len(document["tickets"]) == 2
    assert document["recordings"] == [RECORDING]
    assert document["phone_numbers"][0]["station_number"] == "1"


def test_export_by_email_finds_the_admin_and_their_calls(history: None, session: Session) -> None:
    document = export_person(session, ADMIN_EMAIL.upper())
    assert [c["name"] for c in document["contacts"]] == ["Frau Admin"]
    assert document["phones"] == [ADMIN]
    assert len(document["calls"]) == 1
    assert "pin" not in json.dumps(document["contacts"]).lower().replace("has_pin", "")


def test_export_of_garbage_is_a_clear_error(runner: FlaskCliRunner, session: Session) -> None:
    result = runner.invoke(args=["privacy", "export", "kein-telefon"])
    assert result.exit_code == 1
    assert "neither a phone number nor an e-mail address" in result.output
    with pytest.raises(PrivacyError):
        export_person(session, "xyz")


def test_erase_by_phone_keeps_the_counts(
    runner: FlaskCliRunner, history: None, session: Session
) -> None:
    before = tally(session)
    refused = runner.invoke(args=["privacy", "erase", STATION], input="n\n")
    assert refused.exit_code == 1 and tally(session) == before
    result = runner.invoke(args=["privacy", "erase", STATION, "--yes"])
    assert result.exit_code == 0, result.output
    assert tally(session) == before  # calls, tickets, callbacks still counted
    calls = list(session.scalars(select(Call).where(Call.caller_e164.is_(None))))
    assert len(calls) == 2 and all(c.from_raw == "" for c in calls)
    assert all(c.outcome for c in calls)  # what reports need stays
    cb = session.scalar(select(Callback))
    assert cb is not None
    assert (cb.phone, cb.note, cb.recording_url, cb.status) == ("", "", None, "cancelled")
    assert session.scalar(select(PhoneNumber).where(PhoneNumber.e164 == STATION)) is None
    sids = [c.call_sid for c in calls]
    assert session.scalar(select(func.count()).where(CallStep.call_sid.in_(sids))) == 0
    everything = export_person(session, STATION)
    assert everything["calls"] == [] and everything["callbacks"] == []
    # Nothing left to find: a second erase says so.
    again = runner.invoke(args=["privacy", "erase", STATION, "--yes"])
    assert "nothing stored" in again.output


def test_erase_by_email_anonymises_the_contact(
    runner: FlaskCliRunner, history: None, session: Session
) -> None:
    result = runner.invoke(args=["privacy", "erase", ADMIN_EMAIL, "--yes"])
    assert result.exit_code == 0, result.output
    session.expire_all()
    contact = session.scalar(select(Contact))
    assert contact is not None
    assert (contact.name, contact.email, contact.pin_hash) == (ERASED, None, None)
    assert session.scalar(select(PhoneNumber).where(PhoneNumber.e164 == ADMIN)) is None
    assert session.scalar(select(func.count()).where(Call.caller_e164 == ADMIN)) == 0


def test_retention_forgets_recordings_and_call_details(
    history: None, session: Session, rt: Runtime
) -> None:
    cb = session.scalar(select(Callback))
    assert cb is not None
    cb.status = "done"
    session.commit()
    before = tally(session)
    now = rt.clock.now()
    # Not yet due: nothing changes.
    removed = clean_up(session, rt.settings, now + timedelta(days=1))
    session.commit()
    assert removed["recordings"] == 0 and removed["calls"] == 0
    later = now + timedelta(days=rt.settings.retention_recordings_days + 1)
    removed = clean_up(session, rt.settings, later)
    session.commit()
    assert removed["recordings"] == 1 and removed["calls"] == 0
    much_later = now + timedelta(days=rt.settings.retention_call_details_days + 1)
    removed = clean_up(session, rt.settings, much_later)
    session.commit()
    assert removed["calls"] == 3 and removed["call_steps"] > 0
    session.expire_all()
    assert session.scalar(select(func.count()).where(Call.caller_e164.is_not(None))) == 0
    assert session.scalar(select(func.count()).where(Call.from_raw != "")) == 0
    assert session.scalar(select(func.count()).select_from(CallStep)) == 0
    assert tally(session) == before
    assert clean_up(session, rt.settings, much_later)["calls"] == 0  # idempotent
