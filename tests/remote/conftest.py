"""Fixtures for remote maintenance: the TeamViewer and Twilio stand-ins, and tickets of
callers from a mobile or a landline number."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from hotline.clock import FixedClock
from hotline.models import Call, Ticket
from hotline.tickets import open_ticket
from tests.factories import make_contract
from tests.teamviewer_standin import TOKEN, TeamViewerStub
from tests.teamviewer_standin import teamviewer as teamviewer  # noqa: F401 - fixture
from tests.teamviewer_standin import teamviewer_standin as teamviewer_standin  # noqa: F401
from tests.twilio_standin import ACCOUNT_SID, AUTH_TOKEN, TwilioStub
from tests.twilio_standin import twilio_standin as twilio_standin  # noqa: F401 - fixture
from tests.twilio_standin import twilio_stub as twilio_stub  # noqa: F401 - fixture

MOBILE = "+491711234567"
LANDLINE = "+49304412345"
SMS_SENDER = "KassenHilfe"
# Long enough that a busy test machine does not trip it; the timeout tests wait longer.
TIMEOUT_SECONDS = 3


def remote_settings(tv: TeamViewerStub, twilio: TwilioStub, **extra: Any) -> dict[str, Any]:
    """settings_overrides for the TeamViewer and Twilio stand-ins (TIMEOUT_SECONDS)."""
    return {
        "TEAMVIEWER_API_TOKEN": TOKEN,
        "TEAMVIEWER_API_BASE_URL": tv.base_url,
        "remote.timeout_seconds": TIMEOUT_SECONDS,
        "remote.sms_sender": SMS_SENDER,
        "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
        "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "TWILIO_API_BASE_URL": twilio.base_url,
        **extra,
    }


def ticket_of_caller(
    session: Session,
    clock: FixedClock,
    phone: str | None,
    *,
    customer_number: str = "1001",
    name: str = "Bäckerei Krause",
) -> Ticket:
    """A phone ticket opened by a call from `phone` for station 1 (TeamViewer id set)."""
    contract = make_contract(
        session,
        customer_number=customer_number,
        contract_number=f"V-{customer_number}",
        name=name,
        stations={"1": [phone] if phone else []},
    )
    station = contract.stations[0]
    station.name = "Kasse vorne"
    station.teamviewer_id = "1 208 334 571"
    call = Call(
        call_sid=f"CA{customer_number:0>32}",
        from_raw=phone or "anonymous",
        caller_e164=phone,
        contract_id=contract.id,
        station_id=station.id,
        category="outage",
        started_at=clock.now(),
    )
    session.add(call)
    session.flush()
    ticket = open_ticket(
        session,
        now=clock.now(),
        contract_id=contract.id,
        station_id=station.id,
        call_id=call.id,
        category="outage",
    )
    session.commit()
    return ticket
