"""Fixtures of the callback service: contracts, agents with tokens, callbacks, a local
Twilio REST stand-in and a real SMTP server (aiosmtpd) on free localhost ports."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from email import message_from_bytes
from email.message import Message
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy.orm import Session

from callback.requests import request_callback
from hotline.accounts.agents import add_agent, create_token
from hotline.models import Callback
from hotline.runtime import Runtime
from tests.factories import make_contract
from tests.twilio_standin import ACCOUNT_SID as ACCOUNT_SID
from tests.twilio_standin import AUTH_TOKEN as AUTH_TOKEN
from tests.twilio_standin import TwilioStub as TwilioStub
from tests.twilio_standin import twilio_standin as twilio_standin  # noqa: F401 - fixture
from tests.twilio_standin import twilio_stub as twilio_stub  # noqa: F401 - fixture

PUBLIC_URL = "https://hotline.example.de"
HOTLINE_NUMBER = "+4930120045670"
AGENT_PHONE = "+4915112345678"
CUSTOMER_PHONE = "+493044123450"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Inbox:
    """aiosmtpd handler that keeps every message it receives."""

    def __init__(self) -> None:
        self.messages: list[Message] = []
        self.envelopes: list[tuple[str, list[str]]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        self.messages.append(message_from_bytes(envelope.original_content))
        return "250 Message accepted for delivery"


@pytest.fixture(scope="session")
def _smtp_session_server() -> Iterator[tuple[Inbox, int]]:
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield inbox, port
    controller.stop()


@pytest.fixture
def smtp_server(_smtp_session_server: tuple[Inbox, int]) -> tuple[Inbox, int]:
    """A real SMTP server on localhost (aiosmtpd), its inbox emptied."""
    _smtp_session_server[0].messages.clear()
    _smtp_session_server[0].envelopes.clear()
    return _smtp_session_server


@pytest.fixture
def settings_overrides(
    twilio_stub: TwilioStub, smtp_server: tuple[Inbox, int]
) -> dict[str, object]:
    return {
        "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
        "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "TWILIO_API_BASE_URL": twilio_stub.base_url,
        "HOTLINE_PUBLIC_URL": PUBLIC_URL,
        "HOTLINE_NUMBER": HOTLINE_NUMBER,
        "HOTLINE_SMTP_HOST": "127.0.0.1",
        "HOTLINE_SMTP_PORT": str(smtp_server[1]),
    }


@dataclass
class World:
    """A contract, two agents with tokens, and a way to add callbacks."""

    rt: Runtime
    contract_id: int
    station_id: int
    agents: dict[str, int]
    tokens: dict[str, str]

    def headers(self, who: str = "anna") -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[who]}"}

    def add_callback(
        self,
        *,
        phone: str = CUSTOMER_PHONE,
        category: str = "technical",
        at: datetime | None = None,
        contract: bool = True,
    ) -> int:
        with self.rt.sessions() as session, session.begin():
            cb = request_callback(
                session,
                now=at or self.rt.clock.now(),
                calendar=self.rt.calendar,
                phone=phone,
                category=category,
                contract_id=self.contract_id if contract else None,
                station_id=self.station_id if contract else None,
            )
            return cb.id

    def get(self, callback_id: int) -> Callback:
        with self.rt.sessions() as session:
            cb = session.get(Callback, callback_id)
            assert cb is not None
            return cb


@pytest.fixture
def world(rt: Runtime, session: Session) -> World:
    now = rt.clock.now()
    contract = make_contract(
        session,
        customer_number="4711",
        contract_number="V-4711",
        name="Bäckerei Müller",
        stations={"2": []},
    )
    agents, tokens = {}, {}
    for name, phone in (("anna", AGENT_PHONE), ("bert", "+4915199999999")):
        agent = add_agent(
            session, email=f"{name}@hotline.example", name=name.title(), phone=phone, now=now
        )
        agents[name] = agent.id
        tokens[name] = create_token(session, agent.email, now)
    session.commit()
    return World(rt, contract.id, contract.stations[0].id, agents, tokens)
