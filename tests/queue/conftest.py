"""The live queue's fixtures: agents, a flat customer, the Twilio stand-in, callers that
can wait and talk at the same time (walkers that pause), and dispatch rounds."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from callback.queue.dispatch import Round, dispatch
from hotline.models import Agent
from hotline.runtime import Runtime
from ivr_flows.walker import FlaskTransport, Walker
from tests.factories import make_agent, make_customer
from tests.ivr.conftest import check_twiml
from tests.twilio_standin import ACCOUNT_SID, AUTH_TOKEN, TwilioStub
from tests.twilio_standin import twilio_standin as twilio_standin  # noqa: F401 - fixture
from tests.twilio_standin import twilio_stub as twilio_stub  # noqa: F401 - fixture

PUBLIC_URL = "https://hotline.example.de"
STATIONS = {str(n): [f"+4930441234{n:02d}"] for n in range(1, 9)}
ANNA, BEN = "+4915111111111", "client:ben"


@pytest.fixture
def settings_overrides(twilio_stub: TwilioStub) -> dict[str, object]:
    return {
        "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
        "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "TWILIO_API_BASE_URL": twilio_stub.base_url,
        "HOTLINE_PUBLIC_URL": PUBLIC_URL,
    }


@dataclass
class Line:
    """The hotline with a customer of eight stations; callers by station number."""

    app: Flask
    rt: Runtime
    stub: TwilioStub
    taken: set[tuple[str, str]] = field(default_factory=set)

    def caller(self, station: str, keys: list[str], **options: object) -> Walker:
        """A caller on station `station` who presses `keys`; not started yet."""
        settings = self.rt.settings
        return Walker(
            FlaskTransport(self.app, settings.twilio_auth_token),
            PUBLIC_URL,
            STATIONS[station][0],
            to=settings.hotline_number or "",
            keys=keys,
            dequeued=self.dequeued,
            **options,  # type: ignore[arg-type]
        )

    def dequeued(self, call_sid: str) -> str | None:
        """What Twilio does with a REST dequeue: the caller leaves the queue for the Url."""
        for sid, url in self.stub.members:
            if sid == call_sid and (sid, url) not in self.taken:
                self.taken.add((sid, url))
                return url
        return None

    def dispatch(self) -> Round:
        return dispatch(self.rt)


def checked(walker: Walker) -> Walker:
    """Every answer the caller got was TwiML Twilio understands."""
    for exchange in walker.walk.exchanges:
        assert exchange.status == 200, (exchange.url, exchange.body)
        if exchange.body.strip():
            check_twiml(exchange.body)
    return walker


@pytest.fixture
def line(app: Flask, rt: Runtime, twilio_stub: TwilioStub, session: Session) -> Line:
    make_customer(session, stations=STATIONS)
    return Line(app, rt, twilio_stub)


@pytest.fixture
def two_agents(session: Session) -> list[Agent]:
    return [make_agent(session, "Anna", ANNA), make_agent(session, "Ben", BEN)]
